import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newClient, world, type OAuthWorld } from '../../testing/oauth.ts';
import { createTestUser, type TestClient } from '../../testing/fixtures.ts';
import { TODO_PERMS, TODO_SCHEMA } from '../../../../client/src/testing/mcp-tools.ts';
import { createApp } from './apps.ts';
import { appField } from './grant-apps.ts';
import { limitedTokens, makePersonalToken, req } from '../../testing/platform.ts';

/**
 * Grants limited to chosen apps (docs/mcp.md §8), through the Platform API: every route that names an app treats an
 * app outside the grant exactly like another user's app, and listings show only the apps the grant reaches.
 */

const ANY_UUID = '00000000-0000-4000-8000-000000000001';
const PUSH = { schema: TODO_SCHEMA, check_types: true, supports_background_updates: true };

/** Every Platform API route that names an app, with a body it accepts (`:group_id`/`:job_id` filled in). */
const ROUTES: Array<{ method: string; path: string; body?: unknown }> = [
  { method: 'GET', path: '/superadmin/apps/:app_id' },
  { method: 'POST', path: '/superadmin/apps/:app_id', body: { title: 'Renamed' } },
  { method: 'DELETE', path: '/superadmin/apps/:app_id' },
  { method: 'POST', path: '/superadmin/apps/:app_id/admin-token/rotate' },
  { method: 'GET', path: '/superadmin/apps/:app_id/perms' },
  { method: 'POST', path: '/superadmin/apps/:app_id/perms', body: { code: TODO_PERMS } },
  { method: 'GET', path: '/superadmin/apps/:app_id/schema' },
  { method: 'POST', path: '/superadmin/apps/:app_id/schema/push/plan', body: PUSH },
  { method: 'POST', path: '/superadmin/apps/:app_id/schema/push/apply', body: PUSH },
  { method: 'DELETE', path: '/dash/apps/:app_id' },
  { method: 'POST', path: '/dash/apps/:app_id/track-import' },
  { method: 'GET', path: '/dash/apps/:app_id' },
  { method: 'GET', path: '/dash/apps/:app_id/schema/pull' },
  { method: 'POST', path: '/dash/apps/:app_id/schema/steps/apply', body: { steps: [] } },
  { method: 'POST', path: '/dash/apps/:app_id/schema/push/plan', body: PUSH },
  { method: 'POST', path: '/dash/apps/:app_id/schema/push/apply', body: PUSH },
  { method: 'GET', path: '/dash/apps/:app_id/indexing-jobs/group/:group_id' },
  { method: 'GET', path: '/dash/apps/:app_id/indexing-jobs/:job_id' },
  { method: 'GET', path: '/dash/apps/:app_id/perms/pull' },
  { method: 'POST', path: '/dash/apps/:app_id/rules', body: { code: TODO_PERMS } },
  // The app's auth settings (instant-cli `auth origin|client|email`, docs/instant-compat.md §8); `:id` filled in.
  { method: 'GET', path: '/dash/apps/:app_id/auth' },
  { method: 'POST', path: '/dash/apps/:app_id/authorized_redirect_origins', body: { service: 'generic', params: ['https://example.com'] } },
  { method: 'DELETE', path: '/dash/apps/:app_id/authorized_redirect_origins/:id' },
  { method: 'POST', path: '/dash/apps/:app_id/oauth_service_providers', body: { provider_name: 'google' } },
  { method: 'POST', path: '/dash/apps/:app_id/oauth_clients', body: {} },
  { method: 'POST', path: '/dash/apps/:app_id/oauth_clients/:id', body: {} },
  { method: 'DELETE', path: '/dash/apps/:app_id/oauth_clients/:id' },
  { method: 'GET', path: '/dash/apps/:app_id/email_status' },
  { method: 'POST', path: '/dash/apps/:app_id/email_templates', body: {} },
  { method: 'DELETE', path: '/dash/apps/:app_id/email_templates/:id' },
  { method: 'GET', path: '/dash/apps/:app_id/sender-verification' },
];

/**
 * Routes that take an app but no OAuth token at all (moving an app between a user and an org is the user's own act:
 * session or personal token, docs/security.md "Orgs"): a grant, limited or not, gets 403 on every app. The org
 * pages' forms are session-cookie forms behind CSRF.
 */
const NO_OAUTH_ROUTES = [
  { method: 'POST', path: '/dash/apps/:app_id/transfer_to_org/:org_id' },
  { method: 'POST', path: '/dash/apps/:app_id/transfer_to_user' },
  { method: 'POST', path: '/dash/org-forms/apps/:app_id/move-out', form: true },
];

const NOT_FOUND = { type: 'record-not-found', message: 'App not found', hint: { 'record-type': 'app' } };

describe('grants limited to chosen apps: the Platform API (docs/mcp.md §8)', () => {
  let w: OAuthWorld;
  let c: TestClient;
  let other: string;
  let foreign: string;
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await w.p.fetch(new URL(path, w.p.issuer), req(method, token, body));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const create = async (token: string, title: string) => ((await call(token, 'POST', '/superadmin/apps', { title })).body as { app: { id: string; 'admin-token': string } }).app;

  beforeEach(async () => {
    w = await world();
    c = await newClient(w, { public: true });
    // The user's app made before the grant, and another user's app.
    other = (await createApp(w.p.ctx, w.user.id, { title: 'Other', schema: TODO_SCHEMA, perms: TODO_PERMS })).app.id;
    foreign = (await createApp(w.p.ctx, (await createTestUser(w.p, { email: 'someone@example.com' })).id, { title: 'Foreign' })).app.id;
  });
  afterEach(async () => w.p.close());

  it('the table names every Platform API route that takes an app (a new route without a row fails here)', () => {
    const routes = w.p.app.routes.filter((r) => r.method !== 'ALL' && r.path.includes(':app_id') && !r.path.startsWith('/dash/apps/ephemeral/'));
    expect(routes.length).toBeGreaterThanOrEqual(ROUTES.length);
    const named = new Set([...ROUTES, ...NO_OAUTH_ROUTES].map((r) => `${r.method} ${r.path}`));
    expect([...new Set(routes.map((r) => `${r.method} ${r.path}`))].filter((r) => !named.has(r))).toEqual([]);
  });

  it('"only apps it creates": every route is a 404 for the user\'s other app, exactly as for another user\'s app, and works on the apps it created', async () => {
    const t = (await limitedTokens(w, c, { app_access: 'created' })).access_token;
    const fill = (path: string, appId: string) => path.replace(':app_id', appId).replace(':group_id', ANY_UUID).replace(':job_id', ANY_UUID).replace(':id', ANY_UUID).replace(':org_id', ANY_UUID);
    for (const r of ROUTES) {
      const outside = await call(t, r.method, fill(r.path, other), r.body);
      const otherUsers = await call(t, r.method, fill(r.path, foreign), r.body);
      expect(outside, `${r.method} ${r.path} on the user's other app`).toEqual({ status: 404, body: NOT_FOUND });
      expect(otherUsers).toEqual(outside);
      const mine = await create(t, `Mine for ${r.path}`);
      const inside = await call(t, r.method, fill(r.path, mine.id), r.body);
      expect(inside.body, `${r.method} ${r.path} on an app it created`).not.toEqual(NOT_FOUND);
      expect(inside.status === 200 || inside.body.message !== 'App not found').toBe(true);
    }
    // Nothing of the other app changed, as its owner sees it.
    const per = await makePersonalToken(w.p.ctx, w.user.id);
    expect((await call(per, 'GET', `/superadmin/apps/${other}`)).body).toMatchObject({ app: { title: 'Other' } });
    expect((await call(per, 'GET', `/superadmin/apps/${other}/perms`)).body).toEqual({ perms: TODO_PERMS });
  });

  it('routes that take no OAuth token refuse a grant on every app, its own included', async () => {
    const t = (await limitedTokens(w, c, { app_access: 'created' })).access_token;
    const mine = await create(t, 'Mine');
    for (const r of NO_OAUTH_ROUTES) {
      for (const appId of [other, foreign, mine.id]) {
        const path = r.path.replace(':app_id', appId).replace(':org_id', ANY_UUID);
        const status = 'form' in r
          ? (await w.p.fetch(new URL(path, w.p.issuer), { method: r.method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status
          : (await call(t, r.method, path, {})).status;
        expect(status, `${r.method} ${r.path}`).toBe(403);
      }
    }
    const per = await makePersonalToken(w.p.ctx, w.user.id);
    expect((await call(per, 'GET', `/superadmin/apps/${other}`)).body).toMatchObject({ app: { title: 'Other', creator_id: w.user.id } });
  });

  it('listings show only the apps it created (/superadmin/apps, /dash for Instant\'s CLI); a per_ token still sees all', async () => {
    const t = (await limitedTokens(w, c, { app_access: 'created' })).access_token;
    expect((await call(t, 'GET', '/superadmin/apps')).body).toEqual({ apps: [] });
    const a = await create(t, 'Made by the agent');
    const b = ((await call(t, 'POST', '/dash/apps', { title: 'Made through /dash' })).body as { app: { id: string } }).app;
    const ids = (body: Record<string, unknown>) => (body.apps as Array<{ id: string }>).map((x) => x.id).sort();
    expect(ids((await call(t, 'GET', '/superadmin/apps?include=schema,perms')).body)).toEqual([a.id, b.id].sort());
    expect(ids((await call(t, 'GET', '/dash')).body)).toEqual([a.id, b.id].sort());
    const per = await makePersonalToken(w.p.ctx, w.user.id);
    expect(ids((await call(per, 'GET', '/superadmin/apps')).body)).toEqual([a.id, b.id, other].sort());
    // Its admin token stays bound to its one app.
    expect((await call(a['admin-token'], 'GET', `/superadmin/apps/${a.id}`)).status).toBe(200);
    expect((await call(a['admin-token'], 'GET', `/superadmin/apps/${other}`)).status).toBe(403);
  });

  it('a temporary app claimed through a limited grant is one it reaches', async () => {
    const t = (await limitedTokens(w, c, { app_access: 'created' })).access_token;
    const temp = ((await call(t, 'POST', '/dash/apps/ephemeral', { title: 'Scratch' })).body as { app: { id: string; 'admin-token': string } }).app;
    expect((await call(t, 'GET', `/superadmin/apps/${temp.id}`)).status).toBe(404);
    expect((await call(t, 'POST', `/dash/apps/ephemeral/${temp.id}/claim`, { app_id: temp.id, token: temp['admin-token'] })).status).toBe(200);
    expect((await call(t, 'GET', `/superadmin/apps/${temp.id}`)).status).toBe(200);
  });

  it('"apps I pick": only the picked apps and those it creates; the default is all apps, as before', async () => {
    const second = (await createApp(w.p.ctx, w.user.id, { title: 'Second' })).app.id;
    const t = (await limitedTokens(w, c, { app_access: 'selected', [appField(second)]: '1', [appField(foreign)]: '1' })).access_token;
    expect((await call(t, 'GET', `/superadmin/apps/${second}`)).status).toBe(200);
    expect((await call(t, 'GET', `/superadmin/apps/${other}`)).status).toBe(404);
    // Another user's app cannot be picked (the pick is kept to the user's apps).
    expect((await call(t, 'GET', `/superadmin/apps/${foreign}`)).status).toBe(404);
    const made = await create(t, 'New');
    const listed = ((await call(t, 'GET', '/superadmin/apps')).body.apps as Array<{ id: string }>).map((x) => x.id).sort();
    expect(listed).toEqual([second, made.id].sort());

    // No choice posted (an older page, or scopes without apps): all the user's apps, today's behaviour.
    const c2 = await newClient(w, { public: true });
    const all = (await limitedTokens(w, c2, {})).access_token;
    expect((await call(all, 'GET', `/superadmin/apps/${other}`)).status).toBe(200);
  });

  it('an unknown mode is refused on the consent page and nothing is granted', async () => {
    await expect(limitedTokens(w, c, { app_access: 'everything' })).rejects.toThrow(/consent answered 400/);
    expect(await w.p.ctx.db.query(`select id from grants where user_id = $1`, [w.user.id])).toEqual([]);
  });
});
