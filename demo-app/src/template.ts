import { i, type InstantRules } from 'instant-kit';

/** The schema every app made from the demo starts with: a todo list. */
export const todoSchema = i.schema({
  entities: {
    todos: i.entity({
      text: i.string(),
      done: i.boolean(),
      createdAt: i.date().indexed(),
      ownerId: i.string().indexed(),
    }),
  },
});

/** Owner-only permissions: a signed-in user sees and changes only their own todos; everything else is closed. */
export const ownerOnlyPerms: InstantRules = {
  $default: { allow: { $default: 'false' } },
  todos: {
    allow: {
      view: 'isOwner',
      create: 'isOwner',
      update: 'isOwner',
      delete: 'isOwner',
    },
    bind: ['isOwner', 'auth.id != null && auth.id == data.ownerId'],
  },
};

/** Field types the "Add a field" form offers (the `i` builder's names). */
export const FIELD_TYPES = ['string', 'number', 'boolean', 'date', 'json'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A valid attribute name: starts with a letter, then letters, digits or underscores. */
export const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
