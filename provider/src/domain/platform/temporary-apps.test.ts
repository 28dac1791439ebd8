import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepOnce } from '../sweep.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { TEMPORARY_APP_TTL_MS } from './temporary-apps.ts';
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
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, res };
}

const schema = { entities: { todos: { attrs: { text: { valueType: 'string', required: true, config: { indexed: false, unique: false } } } } }, links: {} };

async function temp(address = '203.0.113.7', extra: Record<string, unknown> = {}) {
  const r = await call('/dash/apps/ephemeral', req('POST', null, { title: 'Scratch', ...extra }, { 'x-test-client-address': address }));
  return r;
}

describe('temporary apps (docs/api.md §4)', () => {
  it('creates an app without auth that expires 14 days after creation, with schema and rules', async () => {
    const r = await temp('203.0.113.7', { schema, rules: { code: { todos: { allow: { view: 'true' } } } } });
    expect(r.status).toBe(200);
    const app = r.json.app as Record<string, string>;
    expect(app).toMatchObject({ title: 'Scratch', creator_id: null, org_id: null });
    expect(r.json.expires_ms).toBe(Date.parse(app.created_at!) + TEMPORARY_APP_TTL_MS);
    const admin = app['admin-token']!;
    expect((await call(`/superadmin/apps/${app.id}/schema`, req('GET', admin))).json).toMatchObject({ schema: { blobs: { todos: { text: { 'checked-data-type': 'string' } } } } });
    expect((await call(`/superadmin/apps/${app.id}/perms`, req('GET', admin))).json).toEqual({ perms: { todos: { allow: { view: 'true' } } } });
    expect((await call(`/dash/apps/ephemeral/${app.id}`, req('GET', null))).json).toEqual({ app: { id: app.id, title: 'Scratch', creator_id: null, created_at: app.created_at, org_id: null }, expires_ms: r.json.expires_ms });
    // what Instant's SDK sends: `perms` instead of `rules`
    const viaSdk = await temp('203.0.113.7', { perms: { $default: { allow: { $default: 'false' } } } });
    const sdkApp = viaSdk.json.app as Record<string, string>;
    expect((await call(`/superadmin/apps/${sdkApp.id}/perms`, req('GET', sdkApp['admin-token']!))).json).toEqual({ perms: { $default: { allow: { $default: 'false' } } } });
  });

  it('refuses bad input whole: no app is left behind', async () => {
    for (const body of [{}, { title: '' }, { title: 'x', schema: { entities: { $things: { attrs: {} } } } }, { title: 'x', rules: { code: { a: 1 } } }, { title: 'x', rules: 'x' }]) {
      const r = await call('/dash/apps/ephemeral', req('POST', null, body));
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect(await p.ctx.db.query('select id from apps')).toEqual([]);
  });

  it('rate-limits creation per client address with 429 and Retry-After', async () => {
    for (let i = 0; i < 30; i++) expect((await temp('198.51.100.1')).status).toBe(200);
    const limited = await temp('198.51.100.1');
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ type: 'rate-limited' });
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await temp('198.51.100.2')).status).toBe(200);
    p.clock.advance(3600);
    expect((await temp('198.51.100.1')).status).toBe(200);
  });

  it('expires: the admin token stops working at expiry and the sweeper deletes the app with its data', async () => {
    const r = await temp('203.0.113.9', { schema, rules: { code: { todos: { allow: { view: 'true' } } } } });
    const app = r.json.app as Record<string, string>;
    p.clock.advance(14 * 86_400 - 60);
    await sweepOnce(p.ctx);
    expect((await call(`/superadmin/apps/${app.id}`, req('GET', app['admin-token']!))).status).toBe(200);
    p.clock.advance(61);
    expect((await call(`/superadmin/apps/${app.id}`, req('GET', app['admin-token']!))).status).toBe(401);
    expect((await call(`/dash/apps/ephemeral/${app.id}`, req('GET', null))).status).toBe(404);
    await sweepOnce(p.ctx);
    for (const t of ['apps', 'attrs', 'app_perms', 'app_admin_tokens']) expect(await p.ctx.db.query(`select * from ${t}`), t).toEqual([]);
  });

  it('is claimed into an account with its admin token and then no longer expires', async () => {
    const user = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, user.id);
    const r = await temp();
    const app = r.json.app as Record<string, string>;
    const claimPath = `/dash/apps/ephemeral/${app.id}/claim`;
    expect((await call(claimPath, req('POST', null, { app_id: app.id, token: app['admin-token'] }))).status).toBe(401);
    expect((await call(claimPath, req('POST', per, { app_id: app.id, token: '00000000-0000-4000-8000-000000000000' }))).status).toBe(403);
    expect((await call(claimPath, req('POST', per, { app_id: app.id }))).status).toBe(400);
    expect((await call(claimPath, req('POST', per, { app_id: '00000000-0000-4000-8000-000000000000', token: app['admin-token'] }))).status).toBe(400);
    const { access: readOnly } = await makeAccessToken(p.ctx, user.id, ['apps-read']);
    expect((await call(claimPath, req('POST', readOnly, { app_id: app.id, token: app['admin-token'] }))).json).toMatchObject({ hint: { 'required-scope': 'apps-write' } });
    const claimed = await call(claimPath, req('POST', per, { app_id: app.id, token: app['admin-token'] }));
    expect(claimed.status).toBe(200);
    expect(claimed.json).toMatchObject({ app: { id: app.id, creator_id: user.id } });
    expect((await call('/superadmin/apps', req('GET', per))).json).toMatchObject({ apps: [{ id: app.id }] });
    expect((await call(`/dash/apps/ephemeral/${app.id}`, req('GET', null))).status).toBe(404);
    expect((await call(claimPath, req('POST', per, { app_id: app.id, token: app['admin-token'] }))).status).toBe(404);
    p.clock.advance(15 * 86_400);
    await sweepOnce(p.ctx);
    expect((await call(`/superadmin/apps/${app.id}`, req('GET', per))).status).toBe(200);
    // F7: the claim replaced the admin token; only the one returned to the claimer works.
    expect((await call(`/superadmin/apps/${app.id}`, req('GET', app['admin-token']!))).status).toBe(401);
    expect((await call(`/superadmin/apps/${app.id}`, req('GET', (claimed.json as Record<string, string>)['admin-token']!))).status).toBe(200);
  });

  it('cannot be claimed after it expired', async () => {
    const user = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, user.id);
    const app = (await temp()).json.app as Record<string, string>;
    p.clock.advance(14 * 86_400 + 1);
    expect((await call(`/dash/apps/ephemeral/${app.id}/claim`, req('POST', per, { app_id: app.id, token: app['admin-token'] }))).status).toBe(404);
  });
});

describe('admin tokens after a claim, and rotation by the owner (F7)', () => {
  it('stops the temporary app’s admin token at the claim and returns a new one to the claimer only', async () => {
    const user = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, user.id);
    const app = (await temp()).json.app as Record<string, string>;
    const old = app['admin-token']!;
    expect((await call(`/superadmin/apps/${app.id}/perms`, req('GET', old))).status).toBe(200);
    const claimed = await call(`/dash/apps/ephemeral/${app.id}/claim`, req('POST', per, { app_id: app.id, token: old }));
    expect(claimed.status).toBe(200);
    const fresh = (claimed.json as Record<string, string>)['admin-token']!;
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh).not.toBe(old);
    expect((await call(`/superadmin/apps/${app.id}/perms`, req('GET', old))).status).toBe(401);
    expect((await call(`/superadmin/apps/${app.id}/perms`, req('GET', fresh))).status).toBe(200);
  });

  it('lets the owner rotate an app’s admin token; the old one stops, an admin token cannot rotate, another user cannot', async () => {
    const owner = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, owner.id);
    const created = await call('/superadmin/apps', req('POST', per, { title: 'rotating' }));
    const app = created.json.app as Record<string, string>;
    const old = app['admin-token']!;
    const rotate = (token: string) => call(`/superadmin/apps/${app.id}/admin-token/rotate`, req('POST', token, {}));
    expect((await rotate(old)).status).toBe(403);
    const stranger = await makePersonalToken(p.ctx, (await createTestUser(p)).id);
    expect((await rotate(stranger)).status).toBe(404);
    const rotated = await rotate(per);
    expect(rotated.status).toBe(200);
    const fresh = (rotated.json as Record<string, string>)['admin-token']!;
    expect((await call(`/superadmin/apps/${app.id}`, req('GET', old))).status).toBe(401);
    expect((await call(`/superadmin/apps/${app.id}`, req('GET', fresh))).status).toBe(200);
    const events = await p.ctx.db.query<{ details: { via: string } }>(`select details from audit_events where event = 'admin_token.rotated' and user_id = $1`, [owner.id]);
    expect(events.map((e) => e.details.via)).toEqual(['owner']);
  });
});
