import { SCHEMA_LIMITS } from './types.ts';

/**
 * Entity and attribute names: letters, digits, `_` and `-`, not starting with a digit or `-`.
 * Names starting with `$` belong to Instant's system catalog. This server hosts no system attrs, but accepts
 * `$users` and `$files` as ordinary entities, since Instant's CLI templates and most schemas declare them.
 */
const SYSTEM_ENTITIES = new Set(['$users', '$files']);
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Why `name` is not a valid entity or attribute name, or null when it is. */
export function nameProblem(name: unknown, what: 'entity' | 'attribute' | 'link label'): string | null {
  if (typeof name !== 'string' || name === '') return `${what} name must be a non-empty string`;
  if (name.length > SCHEMA_LIMITS.maxNameLength) return `${what} name ${JSON.stringify(name.slice(0, 40))}… is longer than ${SCHEMA_LIMITS.maxNameLength} characters`;
  if (what === 'entity' && SYSTEM_ENTITIES.has(name)) return null;
  if (name.startsWith('$')) return `${what} name ${JSON.stringify(name)} is reserved: names starting with $ are system namespaces`;
  if (name === '__proto__' || name === 'constructor' || name === 'prototype') return `${what} name ${JSON.stringify(name)} is reserved`;
  if (!NAME.test(name)) return `${what} name ${JSON.stringify(name)} may contain only letters, digits, _ and -, and must start with a letter or _`;
  return null;
}
