import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { makeAccessToken, makePersonalToken, req } from '../../testing/platform.ts';
import { createTestUser } from '../../testing/fixtures.ts';

let p: TestProvider;
beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  await p.close();
});

async function call(path: string, init: RequestInit) {
  const res = await p.app.request(path, init);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, res };
}

async function setup() {
  const alice = await createTestUser(p);
  const bob = await createTestUser(p);
  const per = await makePersonalToken(p.ctx, alice.id);
  const bobPer = await makePersonalToken(p.ctx, bob.id);
  const created = await call('/superadmin/apps', req('POST', per, { title: 'Alice app' }));
  expect(created.status).toBe(200);
  const app = created.json.app as Record<string, string>;
  return { alice, bob, per, bobPer, appId: app.id!, admin: app['admin-token']! };
}

describe('apps (docs/api.md §3)', () => {
  it('creates an app with a per_ token and returns App, admin token, schema and perms', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const { status, json } = await call(
      '/superadmin/apps',
      req('POST', per, {
        title: '  Books  ',
        schema: { entities: { books: { attrs: { title: { valueType: 'string', required: true, config: { indexed: true, unique: false } } } } }, links: {} },
        perms: { books: { allow: { view: 'true' } } },
      }),
    );
    expect(status).toBe(200);
    const app = json.app as Record<string, unknown>;
    expect(app).toMatchObject({ title: 'Books', creator_id: u.id, org_id: null, perms: { books: { allow: { view: 'true' } } } });
    expect(app['admin-token']).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof app.created_at).toBe('string');
    const schema = app.schema as { blobs: Record<string, Record<string, Record<string, unknown>>> };
    expect(schema.blobs.books!.title).toMatchObject({ 'index?': true, 'required?': true, 'checked-data-type': 'string', 'value-type': 'blob' });
    expect(schema.blobs.books!.id).toMatchObject({ 'unique?': true });
    // only the hash is stored
    const rows = await p.ctx.db.query<{ token_hash: string }>('select token_hash from app_admin_tokens');
    expect(rows.map((r) => r.token_hash)).not.toContain(app['admin-token']);
  });

  it('lists, reads, renames and deletes apps with an OAuth access token holding apps-write', async () => {
    const { alice, appId } = await setup();
    const { access } = await makeAccessToken(p.ctx, alice.id, ['apps-write']);
    const list = await call('/superadmin/apps?include=schema,perms', req('GET', access));
    expect(list.status).toBe(200);
    expect(list.json.apps).toEqual([expect.objectContaining({ id: appId, title: 'Alice app', schema: { blobs: {}, refs: {} }, perms: null })]);
    const plain = await call('/superadmin/apps', req('GET', access));
    expect((plain.json.apps as Record<string, unknown>[])[0]).not.toHaveProperty('schema');
    expect((await call(`/superadmin/apps/${appId}`, req('GET', access))).json).toMatchObject({ app: { id: appId } });
    expect((await call(`/superadmin/apps/${appId}`, req('POST', access, { title: 'Renamed' }))).json).toMatchObject({ app: { title: 'Renamed' } });
    expect((await call(`/superadmin/apps/${appId}`, req('DELETE', access))).json).toMatchObject({ app: { id: appId } });
    expect((await call(`/superadmin/apps/${appId}`, req('GET', access))).status).toBe(404);
  });

  it('deleting an app removes its schema, perms, admin tokens and jobs', async () => {
    const { per, appId, admin } = await setup();
    await call(`/superadmin/apps/${appId}/schema/push/apply`, req('POST', admin, { schema: { entities: { a: { attrs: { x: { valueType: 'string', required: false, config: { indexed: false, unique: false } } } } } } }));
    await call(`/superadmin/apps/${appId}/schema/push/apply`, req('POST', admin, { supports_background_updates: true, schema: { entities: { a: { attrs: { x: { valueType: 'string', required: false, config: { indexed: true, unique: false } } } } } } }));
    await call(`/superadmin/apps/${appId}/perms`, req('POST', admin, { code: { a: { allow: { view: 'true' } } } }));
    expect(await p.ctx.db.query('select job_type from indexing_jobs')).toEqual([{ job_type: 'index' }]);
    expect((await call(`/superadmin/apps/${appId}`, req('DELETE', per))).status).toBe(200);
    for (const t of ['attrs', 'app_perms', 'app_admin_tokens', 'indexing_jobs', 'apps']) {
      expect(await p.ctx.db.query(`select * from ${t}`), t).toEqual([]);
    }
    expect((await call(`/superadmin/apps/${appId}`, req('GET', admin))).status).toBe(401);
  });

  it('lists orgs as empty', async () => {
    const { per } = await setup();
    expect((await call('/superadmin/orgs', req('GET', per))).json).toEqual({ orgs: [] });
  });

  it('refuses a missing scope with 403 and a required-scope hint', async () => {
    const { alice, appId } = await setup();
    const { access: readOnly } = await makeAccessToken(p.ctx, alice.id, ['apps-read']);
    const { access: dataOnly } = await makeAccessToken(p.ctx, alice.id, ['data-read']);
    expect((await call('/superadmin/apps', req('GET', readOnly))).status).toBe(200);
    for (const [path, init, scope] of [
      ['/superadmin/apps', req('POST', readOnly, { title: 'x' }), 'apps-write'],
      [`/superadmin/apps/${appId}`, req('POST', readOnly, { title: 'x' }), 'apps-write'],
      [`/superadmin/apps/${appId}`, req('DELETE', readOnly), 'apps-write'],
      [`/superadmin/apps/${appId}/perms`, req('POST', readOnly, { code: {} }), 'apps-write'],
      [`/superadmin/apps/${appId}/schema/push/apply`, req('POST', readOnly, { schema: {} }), 'apps-write'],
      ['/dash/apps', req('POST', readOnly, { title: 'x' }), 'apps-write'],
      [`/dash/apps/${appId}/schema/steps/apply`, req('POST', readOnly, { steps: [] }), 'apps-write'],
      [`/dash/apps/${appId}/rules`, req('POST', readOnly, { code: {} }), 'apps-write'],
      // as on Instant's server, the tools of a push need apps-write (docs/instant-compat.md §3)
      [`/dash/apps/${appId}/perms/pull`, req('GET', readOnly), 'apps-write'],
      [`/dash/apps/${appId}/indexing-jobs/group/${appId}`, req('GET', readOnly), 'apps-write'],
      [`/dash/apps/${appId}/indexing-jobs/${appId}`, req('GET', dataOnly), 'apps-read'],
      ['/superadmin/apps', req('GET', dataOnly), 'apps-read'],
      [`/superadmin/apps/${appId}`, req('GET', dataOnly), 'apps-read'],
      [`/superadmin/apps/${appId}/schema`, req('GET', dataOnly), 'apps-read'],
      [`/superadmin/apps/${appId}/perms`, req('GET', dataOnly), 'apps-read'],
      [`/superadmin/apps/${appId}/schema/push/plan`, req('POST', dataOnly, { schema: {} }), 'apps-read'],
      ['/superadmin/orgs', req('GET', dataOnly), 'apps-read'],
      [`/dash/apps/${appId}`, req('GET', dataOnly), 'apps-read'],
      [`/dash/apps/${appId}/schema/pull`, req('GET', dataOnly), 'apps-read'],
    ] as const) {
      const r = await call(path, init);
      expect(r.status, `${init.method} ${path}`).toBe(403);
      expect(r.json, `${init.method} ${path}`).toMatchObject({ type: 'permission-denied', hint: { 'required-scope': scope } });
    }
  });

  it("answers 404 for another user's app, whatever the token kind", async () => {
    const { bob, appId } = await setup();
    const bobPer = await makePersonalToken(p.ctx, bob.id);
    const { access } = await makeAccessToken(p.ctx, bob.id, ['apps-write']);
    for (const token of [bobPer, access]) {
      for (const [path, init] of [
        [`/superadmin/apps/${appId}`, req('GET', token)],
        [`/superadmin/apps/${appId}`, req('POST', token, { title: 'mine' })],
        [`/superadmin/apps/${appId}`, req('DELETE', token)],
        [`/superadmin/apps/${appId}/schema`, req('GET', token)],
        [`/superadmin/apps/${appId}/perms`, req('GET', token)],
        [`/superadmin/apps/${appId}/perms`, req('POST', token, { code: {} })],
        [`/superadmin/apps/${appId}/schema/push/plan`, req('POST', token, { schema: {} })],
        [`/superadmin/apps/${appId}/schema/push/apply`, req('POST', token, { schema: {} })],
        [`/dash/apps/${appId}`, req('GET', token)],
        [`/dash/apps/${appId}/schema/pull`, req('GET', token)],
        [`/dash/apps/${appId}/schema/steps/apply`, req('POST', token, { steps: [] })],
        [`/dash/apps/${appId}/perms/pull`, req('GET', token)],
        [`/dash/apps/${appId}/rules`, req('POST', token, { code: {} })],
        [`/dash/apps/${appId}/indexing-jobs/group/${appId}`, req('GET', token)],
        ['/superadmin/apps/not-a-uuid', req('GET', token)],
      ] as const) {
        const r = await call(path, init);
        expect(r.status, `${init.method} ${path}`).toBe(404);
        expect(r.json).toMatchObject({ type: 'record-not-found', hint: { 'record-type': 'app' } });
      }
    }
  });

  it('lets an admin token reach only its own app, and refuses it on user-only endpoints', async () => {
    const { per, appId, admin } = await setup();
    const other = (await call('/superadmin/apps', req('POST', per, { title: 'Other' }))).json.app as Record<string, string>;
    expect((await call(`/superadmin/apps/${appId}`, req('GET', admin))).status).toBe(200);
    expect((await call(`/superadmin/apps/${appId}/schema`, req('GET', admin))).status).toBe(200);
    expect((await call(`/dash/apps/${appId}/schema/pull`, req('GET', admin))).json).toMatchObject({ 'app-title': 'Alice app', attrs: [] });
    for (const path of [`/superadmin/apps/${other.id}`, `/superadmin/apps/${other.id}/schema`, `/dash/apps/${other.id}`, `/dash/apps/${other.id}/perms/pull`]) {
      const r = await call(path, req('GET', admin));
      expect(r.status, path).toBe(403);
      expect(r.json.message).toMatch(/bound to one app/);
    }
    for (const [path, init] of [
      ['/superadmin/apps', req('GET', admin)],
      ['/superadmin/apps', req('POST', admin, { title: 'x' })],
      [`/superadmin/apps/${appId}`, req('DELETE', admin)],
      ['/superadmin/orgs', req('GET', admin)],
      ['/dash/apps', req('POST', admin, { title: 'x' })],
    ] as const) {
      expect((await call(path, init)).status, `${init.method} ${path}`).toBe(403);
    }
  });

  it('answers 401 for missing, unknown, revoked and expired tokens, and for a refresh token', async () => {
    const { alice, appId } = await setup();
    const revokedPer = await makePersonalToken(p.ctx, alice.id, { revoked: true });
    const expiringPer = await makePersonalToken(p.ctx, alice.id, { expiresAt: new Date(p.clock.now() + 1000) });
    const { access: revokedPat } = await makeAccessToken(p.ctx, alice.id, ['apps-write'], { revoked: true });
    const { access: shortPat, refresh } = await makeAccessToken(p.ctx, alice.id, ['apps-write'], { ttlS: 60 });
    p.clock.advance(120);
    const cases: Array<[string | null, string]> = [
      [null, 'record-not-found'],
      ['per_' + 'a'.repeat(64), 'record-not-found'],
      ['pat_' + 'b'.repeat(64), 'record-not-found'],
      ['garbage', 'record-not-found'],
      [revokedPer, 'record-not-found'],
      [revokedPat, 'record-not-found'],
      [expiringPer, 'record-expired'],
      [shortPat, 'record-expired'],
      [refresh, 'record-not-found'],
    ];
    for (const [token, type] of cases) {
      for (const path of ['/superadmin/apps', `/superadmin/apps/${appId}`, `/dash/apps/${appId}/schema/pull`]) {
        const r = await call(path, req('GET', token));
        expect(r.status, `${token} ${path}`).toBe(401);
        expect(r.json, `${token} ${path}`).toMatchObject({ type, hint: { 'record-type': expect.stringMatching(/token/) } });
      }
    }
    // an unknown admin-token-shaped bearer on an app endpoint
    expect((await call(`/superadmin/apps/${appId}`, req('GET', '00000000-0000-4000-8000-000000000000'))).status).toBe(401);
  });

  it('refuses malformed JSON and wrong types with 400, never 500', async () => {
    const { per, appId } = await setup();
    const bodies: unknown[] = ['{', '[]', '"x"', '42', 'null', { title: 5 }, { title: '   ' }, { title: 'x'.repeat(201) }, { title: 'nul\u0000byte' }, { title: 'tab\tin title' }, { title: ['a'] }, { title: null }, {}];
    for (const b of bodies) {
      for (const [path, method] of [
        ['/superadmin/apps', 'POST'],
        [`/superadmin/apps/${appId}`, 'POST'],
        ['/dash/apps', 'POST'],
      ] as const) {
        const r = await call(path, req(method, per, b));
        expect(r.status, `${path} ${JSON.stringify(b)}`).toBe(400);
        expect(['param-malformed', 'param-missing', 'validation-failed']).toContain(r.json.type);
        expect(r.json.hint).toBeTypeOf('object');
      }
    }
    for (const b of [{ schema: 'x' }, { schema: { entities: [] } }, { schema: { entities: { 'a b': {} } } }, { schema: {}, check_types: 'yes' }, {}]) {
      const r = await call(`/superadmin/apps/${appId}/schema/push/plan`, req('POST', per, b));
      expect(r.status, JSON.stringify(b)).toBe(400);
    }
    for (const b of [{ steps: 'x' }, { steps: [['nope', {}]] }, { steps: [[1]] }, {}]) {
      expect((await call(`/dash/apps/${appId}/schema/steps/apply`, req('POST', per, b))).status, JSON.stringify(b)).toBe(400);
    }
    for (const b of [{ code: 'x' }, { code: [] }, {}, { code: { a: { allow: { view: 1 } } } }]) {
      expect((await call(`/superadmin/apps/${appId}/perms`, req('POST', per, b))).status, JSON.stringify(b)).toBe(400);
    }
    expect((await call('/superadmin/apps', req('POST', per, { title: 'x', org_id: 'some-org' }))).status).toBe(404);
  });

  it('refuses oversize bodies with 413', async () => {
    const { per, appId } = await setup();
    const huge = JSON.stringify({ title: 'x', pad: 'y'.repeat(1024 * 1024 + 10) });
    expect((await call('/superadmin/apps', req('POST', per, huge))).status).toBe(413);
    expect((await call(`/superadmin/apps/${appId}`, req('POST', per, JSON.stringify({ title: 'x', pad: 'y'.repeat(20_000) })))).status).toBe(413);
    const bigRules = { code: { a: { allow: { view: 'x'.repeat(10_000) } }, ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`n${i}`, { allow: { view: 'y'.repeat(10_000) } }])) } };
    const r = await call(`/superadmin/apps/${appId}/perms`, req('POST', per, bigRules));
    expect(r.status).toBe(413);
    expect(r.json.type).toBe('payload-too-large');
  });
});

describe('CLI endpoints under /dash (docs/api.md §5)', () => {
  it('creates an app with a client-chosen id and admin token, refusing ones in use or not UUIDs', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const id = '11111111-1111-4111-8111-111111111111';
    const token = '22222222-2222-4222-8222-222222222222';
    const r = await call('/dash/apps', req('POST', per, { id, title: 'CLI app', admin_token: token }));
    expect(r.status).toBe(200);
    expect(r.json.app).toMatchObject({ id, title: 'CLI app', creator_id: u.id, 'admin-token': token });
    expect((await call(`/dash/apps/${id}`, req('GET', token))).json).toMatchObject({ app: { id } });
    expect((await call('/dash/apps', req('POST', per, { id, title: 'again' }))).status).toBe(400);
    expect((await call('/dash/apps', req('POST', per, { title: 'again', admin_token: token }))).status).toBe(400);
    expect((await call('/dash/apps', req('POST', per, { title: 'again', id: 'nope' }))).status).toBe(400);
    expect(await p.ctx.db.query('select id from apps')).toHaveLength(1);
  });

  it('applies CLI steps, reports jobs, and serves the job group and the pulled schema', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const app = (await call('/dash/apps', req('POST', per, { title: 'CLI' }))).json.app as Record<string, string>;
    const idId = '33333333-3333-4333-8333-333333333333';
    const titleId = '44444444-4444-4444-8444-444444444444';
    const steps = [
      ['add-attr', { id: idId, 'forward-identity': [idId, 'books', 'id'], 'reverse-identity': null, 'value-type': 'blob', cardinality: 'one', 'unique?': false, 'index?': false, 'required?': false, 'inferred-types': null, catalog: 'user' }],
      ['unique', { 'attr-id': idId, 'forward-identity': [idId, 'books', 'id'] }],
      ['add-attr', { id: titleId, 'forward-identity': [titleId, 'books', 'title'], 'reverse-identity': null, 'value-type': 'blob', cardinality: 'one', 'unique?': false, 'index?': false, 'required?': false, 'checked-data-type': 'string' }],
      ['index', { 'attr-id': titleId, 'forward-identity': [titleId, 'books', 'title'] }],
    ];
    const r = await call(`/dash/apps/${app.id}/schema/steps/apply`, req('POST', app['admin-token']!, { steps }));
    expect(r.status).toBe(200);
    const jobs = r.json['indexing-jobs'] as { 'group-id': string; jobs: Array<Record<string, unknown>> };
    // queued as `waiting` (as upstream answers), completed by the first poll: there is no entity data to backfill
    expect(jobs.jobs.map((j) => [j.job_type, j.job_status, j.attr_name, j.done_at])).toEqual([
      ['unique', 'waiting', 'books.id', null],
      ['index', 'waiting', 'books.title', null],
    ]);
    const stepsOut = r.json.steps as Array<[string, Record<string, unknown>]>;
    expect(stepsOut[1]![1]['job-id']).toBe(jobs.jobs[0]!.id);
    const group = await call(`/dash/apps/${app.id}/indexing-jobs/group/${jobs['group-id']}`, req('GET', per));
    const polled = group.json.jobs as Array<Record<string, unknown>>;
    expect(polled.map((j) => [j.id, j.job_status, j.attr_name])).toEqual(jobs.jobs.map((j) => [j.id, 'completed', j.attr_name]));
    for (const j of polled) {
      expect(j).toMatchObject({ job_stage: null, error: null, error_data: null, invalid_unique_value: null, invalid_triples_sample: null });
      expect(Date.parse(j.done_at as string)).toBeGreaterThanOrEqual(Date.parse(j.created_at as string));
    }
    const one = await call(`/dash/apps/${app.id}/indexing-jobs/${jobs.jobs[1]!.id}`, req('GET', app['admin-token']!));
    expect(one.json).toEqual({ job: polled[1] });
    expect((await call(`/dash/apps/${app.id}/indexing-jobs/${app.id}`, req('GET', per))).status).toBe(404);
    const pulled = await call(`/dash/apps/${app.id}/schema/pull`, req('GET', per));
    expect(pulled.json).toMatchObject({ 'app-title': 'CLI', schema: { blobs: { books: { title: { 'index?': true, 'checked-data-type': 'string' } } } } });
    expect(pulled.json.attrs).toHaveLength(2);
    // a partial update-attr keeps what it does not mention
    const u2 = await call(`/dash/apps/${app.id}/schema/steps/apply`, req('POST', per, { steps: [['update-attr', { id: titleId, 'forward-identity': [titleId, 'books', 'name'] }]] }));
    expect(u2.status).toBe(200);
    expect(u2.json['indexing-jobs']).toBeNull();
    const after = await call(`/superadmin/apps/${app.id}/schema`, req('GET', per));
    expect(after.json).toMatchObject({ schema: { blobs: { books: { name: { 'index?': true, 'checked-data-type': 'string' } } } } });
  });

  it('plans and applies Defs through the /dash twins older CLI releases use', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const app = (await call('/dash/apps', req('POST', per, { title: 'Old CLI' }))).json.app as Record<string, string>;
    const schema = { entities: { notes: { attrs: { body: { valueType: 'string', required: false, config: { indexed: true, unique: false } } } } } };
    const plan = await call(`/dash/apps/${app.id}/schema/push/plan`, req('POST', app['admin-token']!, { schema }));
    expect(plan.status).toBe(200);
    expect((plan.json.steps as unknown[]).length).toBe(2);
    expect(plan.json['current-attrs']).toEqual([]);
    const applied = await call(`/dash/apps/${app.id}/schema/push/apply`, req('POST', per, { schema }));
    expect(applied.json['new-schema']).toMatchObject({ blobs: { notes: { body: { 'index?': true } } } });
    expect((await call(`/dash/apps/${app.id}/schema/push/plan`, req('POST', per, { schema }))).json.steps).toEqual([]);
  });

  it('pushes and pulls rules verbatim with /rules and /perms/pull, and names the path of a bad rule', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const app = (await call('/dash/apps', req('POST', per, { title: 'R' }))).json.app as Record<string, string>;
    expect((await call(`/dash/apps/${app.id}/perms/pull`, req('GET', per))).json).toEqual({ perms: null });
    const code = { zeta: { allow: { view: 'auth.id != null', $default: 'false' }, bind: ['isOwner', 'auth.id == data.owner'] }, $default: { allow: { $default: 'false' } }, attrs: { allow: { create: 'false' } } };
    const pushed = await call(`/dash/apps/${app.id}/rules`, req('POST', app['admin-token']!, { code }));
    expect(pushed.json).toEqual({ rules: { code } });
    const pulled = await p.app.request(`/dash/apps/${app.id}/perms/pull`, req('GET', per));
    expect(await pulled.text()).toBe(JSON.stringify({ perms: code }));
    for (const [bad, path] of [
      [{ a: { allow: { view: 'true' }, extra: {} } }, 'code.a.extra'],
      [{ a: { allow: { fly: 'true' } } }, 'code.a.allow.fly'],
      [{ a: { allow: { view: true } } }, 'code.a.allow.view'],
      [{ a: { bind: ['x'] } }, 'code.a.bind'],
      [{ a: 'true' }, 'code.a'],
    ] as const) {
      const r = await call(`/dash/apps/${app.id}/rules`, req('POST', per, { code: bad }));
      expect(r.status).toBe(400);
      expect(r.json.message).toContain(path);
    }
  });
});
