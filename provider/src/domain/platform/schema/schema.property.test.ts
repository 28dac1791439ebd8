import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../../testing/index.ts';
import { createApp } from '../apps.ts';
import { applySchemaPush, getApiSchema, planSchemaPush } from './apply.ts';
import { toApiSchema } from './api-schema.ts';
import { parseDefs } from './defs.ts';
import { planSteps } from './plan.ts';
import { runSteps } from './steps.ts';
import type { ApiSchema, Attr } from './types.ts';
import { createTestUser } from '../../../testing/fixtures.ts';

/** Random Defs in the JSON shape `i.schema(…)` produces. Link labels never collide with field names. */
const ENTITIES = ['books', 'authors', 'tags', 'posts', '$users'] as const;
const FIELDS = ['title', 'count', 'done', 'when', 'meta', 'misc'] as const;
const LINKS = [
  { name: 'bookAuthor', from: 'books', f: 'author', to: 'authors', r: 'books' },
  { name: 'postTags', from: 'posts', f: 'tags', to: 'tags', r: 'posts' },
  { name: 'bookParent', from: 'books', f: 'parent', to: 'books', r: 'children' },
  { name: 'authorPosts', from: 'authors', f: 'posts', to: 'posts', r: 'author' },
  { name: 'postOwner', from: 'posts', f: 'owner', to: '$users', r: 'posts' },
] as const;
const VALUE_TYPES = ['string', 'number', 'boolean', 'date', 'json', 'any'] as const;

const fieldArb = fc.record({
  valueType: fc.constantFrom(...VALUE_TYPES),
  required: fc.boolean(),
  isIndexed: fc.boolean(),
  config: fc.record({ indexed: fc.boolean(), unique: fc.boolean() }),
  metadata: fc.constant({}),
});
const sideArb = fc.record({ has: fc.constantFrom('one', 'many'), cascade: fc.boolean() });

const defsArb = fc
  .record({
    entities: fc.dictionary(fc.constantFrom(...ENTITIES), fc.dictionary(fc.constantFrom(...FIELDS), fieldArb, { maxKeys: 4 }), { maxKeys: 4 }),
    links: fc.array(fc.record({ which: fc.nat(LINKS.length - 1), fwd: sideArb, rev: sideArb, required: fc.boolean() }), { maxLength: 4 }),
  })
  .map(({ entities, links }) => {
    const json: { entities: Record<string, unknown>; links: Record<string, unknown>; rooms: object } = { entities: {}, links: {}, rooms: {} };
    for (const [e, attrs] of Object.entries(entities)) json.entities[e] = { attrs, links: {} };
    for (const l of links) {
      const d = LINKS[l.which]!;
      if (!(d.from in entities) || !(d.to in entities)) continue;
      json.links[d.name] = {
        forward: { on: d.from, label: d.f, has: l.fwd.has, ...(l.fwd.cascade && l.fwd.has === 'one' ? { onDelete: 'cascade' } : {}), ...(l.required ? { required: true } : {}) },
        reverse: { on: d.to, label: d.r, has: l.rev.has, ...(l.rev.cascade && l.rev.has === 'one' ? { onDelete: 'cascade' } : {}) },
      };
    }
    return json;
  });

/** Throws unless `schema` holds everything `defs` asks for, with the same flags. */
function expectMatches(schema: ApiSchema, defsJson: unknown): void {
  const defs = parseDefs(defsJson);
  for (const [etype, fields] of defs.entities) {
    expect(schema.blobs[etype]?.id?.['unique?']).toBe(true);
    for (const [label, f] of fields) {
      const a = schema.blobs[etype]?.[label];
      expect(a, `${etype}.${label}`).toBeDefined();
      expect([a!['unique?'], a!['index?'], a!['required?'], a!['checked-data-type']]).toEqual([
        f.unique,
        f.indexed,
        f.required,
        f.valueType === 'json' || f.valueType === 'any' ? null : f.valueType,
      ]);
    }
  }
  for (const l of defs.links) {
    const a = Object.values(schema.refs).find((r) => r['forward-identity'][1] === l.forward.on && r['forward-identity'][2] === l.forward.label);
    expect(a, l.name).toBeDefined();
    expect(a!['reverse-identity']!.slice(1)).toEqual([l.reverse.on, l.reverse.label]);
    expect([a!.cardinality, a!['unique?'], a!['required?'], a!['on-delete'], a!['on-delete-reverse']]).toEqual([
      l.forward.has,
      l.reverse.has === 'one',
      l.forward.required,
      l.forward.onDelete,
      l.reverse.onDelete,
    ]);
  }
}

function uuids(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
}

describe('schema engine properties (docs/api.md §6)', () => {
  it('apply(plan(current, next)) matches next, keeps what next omits, and planning again is empty', () => {
    fc.assert(
      fc.property(defsArb, defsArb, fc.boolean(), fc.boolean(), (first, next, bgFirst, bgNext) => {
        const newId = uuids();
        const plan1 = planSteps([], parseDefs(first), { checkTypes: true, supportsBackgroundUpdates: bgFirst }, newId);
        const current: Attr[] = [...runSteps([], plan1).attrs.values()];
        const plan2 = planSteps(current, parseDefs(next), { checkTypes: true, supportsBackgroundUpdates: bgNext }, newId);
        const after = [...runSteps(current, plan2).attrs.values()];
        const schema = toApiSchema(after);
        expectMatches(schema, next);
        // nothing is deleted by a push
        for (const a of current) expect(after.some((b) => b.id === a.id)).toBe(true);
        expect(planSteps(after, parseDefs(next), { checkTypes: true, supportsBackgroundUpdates: bgNext }, newId)).toEqual([]);
        expect(planSteps(after, parseDefs(next), { checkTypes: true, supportsBackgroundUpdates: !bgNext }, newId)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('plan steps are valid steps: the CLI path (/steps/apply) accepts exactly what the plan produces', () => {
    fc.assert(
      fc.property(defsArb, (defs) => {
        const steps = planSteps([], parseDefs(defs), { checkTypes: true, supportsBackgroundUpdates: true }, uuids());
        const roundTripped = JSON.parse(JSON.stringify(steps)) as unknown;
        expect(runSteps([], roundTripped).steps).toEqual(steps);
      }),
      { numRuns: 50 },
    );
  });
});

describe('schema engine through the store (PGlite / Postgres)', () => {
  let p: TestProvider;
  let userId: string;
  beforeAll(async () => {
    p = await createTestProvider();
    userId = (await createTestUser(p)).id;
  });
  afterAll(async () => {
    await p.close();
  });

  it('a stored push of random Defs matches them, and the same push again plans no steps', async () => {
    await fc.assert(
      fc.asyncProperty(defsArb, defsArb, async (first, next) => {
        const { app } = await createApp(p.ctx, userId, { title: 'prop' });
        await applySchemaPush(p.ctx, app.id, { schema: first, check_types: true, supports_background_updates: true });
        const applied = await applySchemaPush(p.ctx, app.id, { schema: next, check_types: true, supports_background_updates: true });
        const stored = await getApiSchema(p.ctx, app.id);
        expectMatches(stored, next);
        expect(stored).toEqual(applied['new-schema']);
        expect((await planSchemaPush(p.ctx, app.id, { schema: next, check_types: true, supports_background_updates: true })).steps).toEqual([]);
        const again = await applySchemaPush(p.ctx, app.id, { schema: next, check_types: true, supports_background_updates: false });
        expect(again.steps).toEqual([]);
        expect(again['indexing-jobs']).toBeNull();
      }),
      { numRuns: 25 },
    );
  });
});
