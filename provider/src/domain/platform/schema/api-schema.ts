import type { ApiSchema, Attr } from './types.ts';

/** A ref's key in ApiSchema: names both sides; clients must not parse it (docs/api.md §6). */
export function refKey(a: Attr): string {
  const [, fe, fl] = a['forward-identity'];
  const [, re, rl] = a['reverse-identity'] ?? [null, '', ''];
  return `${fe}.${fl}<->${re}.${rl}`;
}

/** ApiSchema from an app's attrs: blobs by entity and label, refs by key. */
export function toApiSchema(attrs: Iterable<Attr>): ApiSchema {
  const schema: ApiSchema = { blobs: {}, refs: {} };
  for (const a of attrs) {
    if (a['value-type'] === 'ref') {
      schema.refs[refKey(a)] = a;
    } else {
      const [, etype, label] = a['forward-identity'];
      (schema.blobs[etype] ??= {})[label] = a;
    }
  }
  return schema;
}
