import { i as coreI } from '@instantdb/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { i, schemaToDefs, type AttrNames, type EntityNames, type EntityValues } from './schema.ts';

function sample<I extends typeof i | typeof coreI>(b: I) {
  const x = b as typeof i;
  return x.schema({
    entities: {
      authors: x.entity({ name: x.string().unique().indexed(), bio: x.string().optional(), born: x.date().optional() }),
      books: x.entity({
        title: x.string().indexed(),
        pages: x.number(),
        inPrint: x.boolean().optional(),
        meta: x.json(),
        extra: x.any().optional(),
      }),
    },
    links: {
      bookAuthor: {
        forward: { on: 'books', has: 'one', label: 'author', required: true },
        reverse: { on: 'authors', has: 'many', label: 'books', onDelete: 'cascade' },
      },
    },
  });
}

describe('i schema builder', () => {
  it('serialises to the same JSON as @instantdb/core for the same schema', () => {
    expect(JSON.stringify(sample(i))).toBe(JSON.stringify(sample(coreI)));
  });

  it('projects to exactly the docs/api.md §6 Defs, the same for a kit schema and a core schema', () => {
    const defs = schemaToDefs(sample(i));
    expect(defs).toEqual(schemaToDefs(sample(coreI) as never));
    expect(defs).toEqual({
      entities: {
        authors: {
          attrs: {
            name: { valueType: 'string', required: true, config: { indexed: true, unique: true } },
            bio: { valueType: 'string', required: false, config: { indexed: false, unique: false } },
            born: { valueType: 'date', required: false, config: { indexed: false, unique: false } },
          },
        },
        books: {
          attrs: {
            title: { valueType: 'string', required: true, config: { indexed: true, unique: false } },
            pages: { valueType: 'number', required: true, config: { indexed: false, unique: false } },
            inPrint: { valueType: 'boolean', required: false, config: { indexed: false, unique: false } },
            meta: { valueType: 'json', required: true, config: { indexed: false, unique: false } },
            extra: { valueType: 'json', required: false, config: { indexed: false, unique: false } },
          },
        },
      },
      links: {
        bookAuthor: {
          forward: { on: 'books', has: 'one', label: 'author', required: true },
          reverse: { on: 'authors', has: 'many', label: 'books', onDelete: 'cascade' },
        },
      },
    });
  });

  it('modifiers return new definitions and leave the original untouched', () => {
    const base = i.string();
    const idx = base.indexed().unique().optional();
    expect(base).toMatchObject({ required: true, config: { indexed: false, unique: false } });
    expect(idx).toMatchObject({ required: false, isIndexed: true, config: { indexed: true, unique: true } });
  });

  it('infers entity and attribute names and value types', () => {
    const s = sample(i);
    expect(Object.keys(s.entities)).toEqual(['authors', 'books']);
    expectTypeOf<EntityNames<typeof s>>().toEqualTypeOf<'authors' | 'books'>();
    expectTypeOf<AttrNames<typeof s, 'books'>>().toEqualTypeOf<'title' | 'pages' | 'inPrint' | 'meta' | 'extra'>();
    type Book = EntityValues<(typeof s)['entities']['books']>;
    expectTypeOf<Book['title']>().toEqualTypeOf<string>();
    expectTypeOf<Book['pages']>().toEqualTypeOf<number>();
    expectTypeOf<Book['inPrint']>().toEqualTypeOf<boolean | null | undefined>();
  });
});
