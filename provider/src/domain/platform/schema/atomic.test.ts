import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../../testing/index.ts';
import { makePersonalToken, req } from '../../../testing/platform.ts';
import { createTestUser } from '../../../testing/fixtures.ts';

/** docs/security.md §16: schema steps are applied atomically; a failing step leaves the app unchanged. */
let p: TestProvider;
let per: string;
let appId: string;
const ID = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const blob = (id: string, etype: string, label: string, extra: Record<string, unknown> = {}) => [
  'add-attr',
  { id, 'forward-identity': [id, etype, label], 'reverse-identity': null, 'value-type': 'blob', cardinality: 'one', 'unique?': false, 'index?': false, 'required?': false, ...extra },
];

beforeAll(async () => {
  p = await createTestProvider();
  const u = await createTestUser(p);
  per = await makePersonalToken(p.ctx, u.id);
  const r = await p.app.request('/dash/apps', req('POST', per, { title: 'Atomic' }));
  appId = ((await r.json()) as { app: { id: string } }).app.id;
  const ok = await p.app.request(`/dash/apps/${appId}/schema/steps/apply`, req('POST', per, { steps: [blob(ID(1), 'books', 'id', { 'unique?': true }), blob(ID(2), 'books', 'title')] }));
  expect(ok.status).toBe(200);
});
afterAll(async () => {
  await p.close();
});

async function snapshot() {
  return {
    attrs: await p.ctx.db.query(`select id, attr from attrs where app_id = $1 order by seq`, [appId]),
    jobs: await p.ctx.db.query(`select id from indexing_jobs where app_id = $1`, [appId]),
  };
}

describe('atomic schema steps', () => {
  const failing: Array<[string, unknown[], RegExp]> = [
    ['an unknown attr id after valid steps', [blob(ID(3), 'books', 'isbn'), ['index', { 'attr-id': ID(3) }], ['unique', { 'attr-id': ID(99) }]], /steps\.2\.1\.attr-id.*unknown attr id/],
    ['a duplicate identity', [blob(ID(3), 'books', 'isbn'), blob(ID(4), 'books', 'title')], /steps\.1.*books\.title already exists/],
    ['a reused attr id', [blob(ID(2), 'books', 'other')], /already in use/],
    ['a bad entity name', [blob(ID(3), 'books', 'isbn'), blob(ID(5), 'bad name', 'x')], /steps\.1\.1\.forward-identity\.1/],
    ['a $ system name', [blob(ID(5), '$secrets', 'email')], /reserved/],
    ['a $ label', [blob(ID(5), 'books', '$email')], /reserved/],
    ['a bad value type', [blob(ID(3), 'books', 'isbn'), ['update-attr', { id: ID(2), 'value-type': 'text' }]], /steps\.1\.1\.value-type/],
    ['a ref without reverse identity', [['add-attr', { id: ID(6), 'forward-identity': [ID(6), 'books', 'author'], 'value-type': 'ref', cardinality: 'one' }]], /reverse identity/],
    ['a link whose reverse clashes with a field', [['add-attr', { id: ID(6), 'forward-identity': [ID(6), 'books', 'parent'], 'reverse-identity': [ID(7), 'books', 'title'], 'value-type': 'ref', cardinality: 'one' }]], /books\.title already exists/],
    ['a bad checked data type', [['check-data-type', { 'attr-id': ID(2), 'checked-data-type': 'text' }]], /checked-data-type/],
    ['deleting an unknown attr', [blob(ID(3), 'books', 'isbn'), ['delete-attr', ID(42)]], /unknown attr id/],
    ['an unknown step type', [blob(ID(3), 'books', 'isbn'), ['rename-everything', {}]], /unknown step type/],
  ];
  for (const [what, steps, message] of failing) {
    it(`refuses ${what} whole and changes nothing`, async () => {
      const before = await snapshot();
      const r = await p.app.request(`/dash/apps/${appId}/schema/steps/apply`, req('POST', per, { steps }));
      expect(r.status).toBe(400);
      const body = (await r.json()) as { type: string; message: string };
      expect(body.type).toBe('validation-failed');
      expect(body.message).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('refuses a push whose field name is already a link, leaving the app unchanged', async () => {
    const link = { bookAuthor: { forward: { on: 'books', has: 'one', label: 'author' }, reverse: { on: 'authors', has: 'many', label: 'books' } } };
    const defs = { entities: { books: { attrs: {} }, authors: { attrs: {} } }, links: link };
    expect((await p.app.request(`/superadmin/apps/${appId}/schema/push/apply`, req('POST', per, { schema: defs }))).status).toBe(200);
    const before = await snapshot();
    const clash = { entities: { books: { attrs: { author: { valueType: 'string', required: false, config: { indexed: true, unique: false } } } }, tags: { attrs: {} } } };
    const r = await p.app.request(`/superadmin/apps/${appId}/schema/push/apply`, req('POST', per, { schema: clash, supports_background_updates: true }));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(/schema\.entities\.books\.attrs\.author/);
    expect(await snapshot()).toEqual(before);
  });

  it('a swap of two labels in one request works, since checks run on the final state step by step', async () => {
    const steps = [
      ['update-attr', { id: ID(2), 'forward-identity': [ID(2), 'books', 'tmp'] }],
      blob(ID(8), 'books', 'title'),
    ];
    const r = await p.app.request(`/dash/apps/${appId}/schema/steps/apply`, req('POST', per, { steps }));
    expect(r.status).toBe(200);
    const labels = (await p.ctx.db.query<{ fwd_label: string }>(`select fwd_label from attrs where app_id = $1 and fwd_etype = 'books' order by fwd_label`, [appId])).map((x) => x.fwd_label);
    expect(labels).toEqual(expect.arrayContaining(['title', 'tmp']));
  });
});
