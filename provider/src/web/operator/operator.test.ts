import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { listEvents } from '../../domain/audit/events.ts';
import { Browser, bearerAccepted, makeGrant, makeOAuthApp, makePersonalToken } from '../../testing/operator.ts';
import { createTestUser } from '../../testing/fixtures.ts';

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

async function setup(overrides: Parameters<typeof createTestProvider>[0] = {}) {
  p = await createTestProvider({ operatorEmails: ['ops@example.com'], ...overrides });
  const op = await createTestUser(p, { email: 'ops@example.com' });
  const owner = await createTestUser(p, { email: 'owner@example.com' });
  const alice = await createTestUser(p, { email: 'alice@example.com' });
  const ops = await Browser.signedIn(p, op.id);
  return { p, op, owner, alice, ops };
}

const status = async (p: TestProvider, appId: string) => (await p.ctx.db.one<{ status: string }>('select status from oauth_apps where id = $1', [appId]))!.status;

describe('operator console: access', () => {
  it('is reachable only by operators: anonymous and ordinary users get 403', async () => {
    const { p, alice, ops } = await setup();
    for (const path of ['/dash/operator', '/dash/operator/apps', '/dash/operator/clients', '/dash/operator/users?q=a', '/dash/operator/audit']) {
      expect((await p.app.request(path)).status, path).toBe(403);
      expect((await (await Browser.signedIn(p, alice.id)).get(path)).res.status, path).toBe(403);
      expect((await ops.get(path)).res.status, path).toBe(200);
    }
    const res = await (await Browser.signedIn(p, alice.id)).request('/dash/operator/users/' + alice.id + '/lock', { method: 'POST' });
    expect(res.status).toBe(403);
    expect((await p.ctx.db.one<{ locked_at: Date | null }>('select locked_at from users where id = $1', [alice.id]))!.locked_at).toBeNull();
  });

  it('shows the Operator link to an account listed in OPERATOR_EMAILS after it signed up, and to no one else', async () => {
    const { p, op, alice, ops } = await setup();
    await p.ctx.db.query('update users set is_operator = false where id = $1', [op.id]);
    expect((await ops.get('/dash')).html).toContain('href="/dash/operator"');
    expect((await (await Browser.signedIn(p, alice.id)).get('/dash')).html).not.toContain('href="/dash/operator"');
  });

  it('takes the role from users.is_operator too, and checks it on every request', async () => {
    const { p, alice } = await setup();
    const b = await Browser.signedIn(p, alice.id);
    expect((await b.get('/dash/operator')).res.status).toBe(403);
    await p.ctx.db.query('update users set is_operator = true where id = $1', [alice.id]);
    expect((await b.get('/dash/operator')).res.status).toBe(200);
    await p.ctx.db.query('update users set is_operator = false where id = $1', [alice.id]);
    expect((await b.get('/dash/operator')).res.status).toBe(403);
  });

  it('pages cannot be framed and every form carries a CSRF token; a POST without a valid one is refused', async () => {
    const { p, owner, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id);
    const { res, html } = await ops.get('/dash/operator/apps');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const forms = html.match(/<form method="post"[\s\S]*?<\/form>/g) ?? [];
    expect(forms.length).toBeGreaterThan(1);
    for (const f of forms) expect(f).toMatch(/name="_csrf" value="[^"]+"/);
    const refused = await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'published' }, { csrf: 'forged' });
    expect(refused.status).toBe(403);
    expect(await status(p, app.appId)).toBe('test');
  });
});

describe('operator console: OAuth app review', () => {
  it('lists every app with owner, clients, redirect URIs, requested scopes, grant counts and last use; dynamic clients apart', async () => {
    const { p, owner, alice, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id, { name: 'Builder Co', redirectUri: 'https://builder.example/cb' });
    const dyn = await makeOAuthApp(p.ctx, null, { name: 'Some CLI', dynamic: true, status: 'published' });
    const tokens = await makeGrant(p.ctx, alice.id, app, ['apps-read', 'data-write']);
    const { html } = await ops.get('/dash/operator/apps');
    expect(html).toContain('Builder Co');
    expect(html).toContain('owner@example.com');
    expect(html).toContain(app.clientId);
    expect(html).toContain('https://builder.example/cb');
    expect(html).toContain('apps-read data-write');
    expect(html).toContain('Grants: 1 active of 1');
    expect(html).not.toContain('Some CLI');
    expect(html).not.toContain(tokens.access);
    const clients = await ops.get('/dash/operator/clients');
    expect(clients.html).toContain('Some CLI');
    expect(clients.html).toContain(dyn.clientId);
    expect(clients.html).not.toContain('Builder Co');
  });

  it('publishes an app and returns it to test mode, with a 303 back and an audit row each', async () => {
    const { p, op, owner, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id);
    const res = await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'published', back: '/dash/operator/apps' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dash/operator/apps?done=published');
    expect(await status(p, app.appId)).toBe('published');
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'test' });
    expect(await status(p, app.appId)).toBe('test');
    const rows = await listEvents(p.ctx, { event: 'operator' });
    expect(rows.map((r) => [r.event, r.actor, r.oauth_app_id])).toEqual([
      ['operator.app_test_mode', `operator:${op.id}`, app.appId],
      ['operator.app_published', `operator:${op.id}`, app.appId],
    ]);
  });

  it('never redirects outside the console after an action', async () => {
    const { p, owner, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id);
    const res = await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'published', back: 'https://evil.example/' });
    expect(res.headers.get('location')).toBe('/dash/operator/apps?done=published');
  });

  it('suspending an app stops every token of it at once, and un-suspending revives none', async () => {
    const { p, owner, alice, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id, { status: 'published' });
    const t = await makeGrant(p.ctx, alice.id, app);
    expect(await bearerAccepted(p.ctx, t.access)).toBe(true);
    const res = await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/suspend`);
    expect(res.status).toBe(303);
    expect(await status(p, app.appId)).toBe('suspended');
    expect(await bearerAccepted(p.ctx, t.access)).toBe(false);
    const live = await p.ctx.db.query(`select 1 from refresh_tokens where client_id = $1 and revoked_at is null union all select 1 from access_tokens where client_id = $1 and revoked_at is null`, [app.clientId]);
    expect(live).toEqual([]);
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'published' });
    expect(await bearerAccepted(p.ctx, t.access)).toBe(false);
    const [row] = await listEvents(p.ctx, { event: 'operator.app_suspended' });
    expect(row!.details).toEqual({ tokens_revoked: 2 });
  });

  it('suspends a dynamically registered client the same way', async () => {
    const { p, alice, ops } = await setup();
    const dyn = await makeOAuthApp(p.ctx, null, { dynamic: true, status: 'published' });
    const t = await makeGrant(p.ctx, alice.id, dyn);
    expect((await ops.submit('/dash/operator/clients', `/dash/operator/apps/${dyn.appId}/suspend`, { back: '/dash/operator/clients' })).headers.get('location')).toBe(
      '/dash/operator/clients?done=suspended',
    );
    expect(await status(p, dyn.appId)).toBe('suspended');
    expect(await bearerAccepted(p.ctx, t.access)).toBe(false);
  });

  it('limits the scopes an app may request, revoking tokens that hold a removed scope', async () => {
    const { p, owner, alice, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id, { status: 'published' });
    const narrow = await makeGrant(p.ctx, alice.id, app, ['apps-read']);
    const wide = await makeGrant(p.ctx, owner.id, app, ['apps-read', 'data-write']);
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/scopes`, { scope: ['apps-read', 'openid'] });
    expect((await p.ctx.db.one<{ allowed_scopes: string[] }>('select allowed_scopes from oauth_apps where id = $1', [app.appId]))!.allowed_scopes).toEqual(['apps-read', 'openid']);
    expect(await bearerAccepted(p.ctx, narrow.access)).toBe(true);
    expect(await bearerAccepted(p.ctx, wide.access)).toBe(false);
    expect((await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/scopes`, { scope: 'root' })).status).toBe(400);
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/scopes`, { any: '1' });
    expect((await p.ctx.db.one<{ allowed_scopes: string[] | null }>('select allowed_scopes from oauth_apps where id = $1', [app.appId]))!.allowed_scopes).toBeNull();
  });

  it('sets an app rate limit per client from its page, shows it, refuses a bad one, and clears it', async () => {
    const { p, owner, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id, { status: 'published' });
    const limit = async () => (await p.ctx.db.one<{ rate_limit_per_s: number | null }>('select rate_limit_per_s from oauth_apps where id = $1', [app.appId]))!.rate_limit_per_s;
    const set = await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/rate-limit`, { per_s: '50' });
    expect(set.headers.get('location')).toBe('/dash/operator/apps?done=rate-limit');
    expect(await limit()).toBe(50);
    const page = (await ops.get(`/dash/operator/apps/${app.appId}`)).html;
    expect(page).toContain('Rate limit: 50 requests/s per client');
    for (const bad of ['0', '-3', '1.5', 'lots', '10000000']) {
      expect((await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/rate-limit`, { per_s: bad })).status).toBe(400);
    }
    expect(await limit()).toBe(50);
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/rate-limit`, { per_s: '' });
    expect(await limit()).toBeNull();
    expect((await ops.get(`/dash/operator/apps/${app.appId}`)).html).toContain(`Rate limit: ${p.ctx.config.clientRateLimitPerS} requests/s per client (the default)`);
  });

  it('answers 404 for an unknown or malformed app id', async () => {
    const { ops } = await setup();
    expect((await ops.submit('/dash/operator/apps', '/dash/operator/apps/not-a-uuid/suspend')).status).toBe(404);
    expect((await ops.submit('/dash/operator/apps', '/dash/operator/apps/00000000-0000-4000-8000-000000000000/suspend')).status).toBe(404);
  });
});

describe('operator console: users', () => {
  it('finds a user and shows their grants, personal access tokens and apps, without secrets', async () => {
    const { p, owner, alice, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id, { name: 'Owned App' });
    const t = await makeGrant(p.ctx, alice.id, app, ['apps-write']);
    const pat = await makePersonalToken(p.ctx, alice.id);
    const search = await ops.get('/dash/operator/users?q=ALICE');
    expect(search.html).toContain(`/dash/operator/users/${alice.id}`);
    expect(search.html).not.toContain('owner@example.com');
    const detail = await ops.get(`/dash/operator/users/${alice.id}`);
    expect(detail.html).toContain('Owned App');
    expect(detail.html).toContain(`/grants/`);
    expect(detail.html).toContain(`/tokens/${pat.id}/revoke`);
    for (const secret of [t.access, t.refresh, pat.token]) expect(detail.html).not.toContain(secret);
    const ownerPage = await ops.get(`/dash/operator/users/${owner.id}`);
    expect(ownerPage.html).toContain('Owned App');
    expect(ownerPage.html).toContain(app.clientId);
  });

  it('revokes one grant (and its tokens) and one personal access token', async () => {
    const { p, owner, alice, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id, { status: 'published' });
    const t = await makeGrant(p.ctx, alice.id, app);
    const pat = await makePersonalToken(p.ctx, alice.id);
    const page = `/dash/operator/users/${alice.id}`;
    expect((await ops.submit(page, `${page}/grants/${t.grantId}/revoke`, { back: page })).headers.get('location')).toBe(`${page}?done=grant`);
    expect(await bearerAccepted(p.ctx, t.access)).toBe(false);
    expect(await bearerAccepted(p.ctx, pat.token)).toBe(true);
    await ops.submit(page, `${page}/tokens/${pat.id}/revoke`);
    expect(await bearerAccepted(p.ctx, pat.token)).toBe(false);
    // Another user's grant id under this user's path does nothing.
    const other = await makeGrant(p.ctx, owner.id, app);
    expect((await ops.submit(page, `${page}/grants/${other.grantId}/revoke`)).status).toBe(404);
    expect(await bearerAccepted(p.ctx, other.access)).toBe(true);
    expect((await listEvents(p.ctx, { user: alice.id })).map((r) => r.event)).toEqual(['operator.pat_revoked', 'operator.grant_revoked']);
  });

  it('locking an account ends its sessions and every token; unlocking lets it log in again but revives nothing', async () => {
    const { p, alice, ops } = await setup({ operatorEmails: ['ops@example.com', 'alice@example.com'] });
    const app = await makeOAuthApp(p.ctx, null, { status: 'published' });
    const t = await makeGrant(p.ctx, alice.id, app);
    const pat = await makePersonalToken(p.ctx, alice.id);
    const aliceBrowser = await Browser.signedIn(p, alice.id);
    expect((await aliceBrowser.get('/dash/operator')).res.status).toBe(200);
    const page = `/dash/operator/users/${alice.id}`;
    expect((await ops.submit(page, `${page}/lock`)).status).toBe(303);
    expect((await aliceBrowser.get('/dash/operator')).res.status).toBe(403);
    expect(await bearerAccepted(p.ctx, t.access)).toBe(false);
    expect(await bearerAccepted(p.ctx, pat.token)).toBe(false);
    const live = await p.ctx.db.query(
      `select 1 from sessions where user_id = $1 and revoked_at is null union all select 1 from refresh_tokens where user_id = $1 and revoked_at is null`,
      [alice.id],
    );
    expect(live).toEqual([]);
    expect((await ops.get(page)).html).toContain('locked');
    await ops.submit(page, `${page}/unlock`);
    expect((await p.ctx.db.one<{ locked_at: Date | null }>('select locked_at from users where id = $1', [alice.id]))!.locked_at).toBeNull();
    expect(await bearerAccepted(p.ctx, pat.token)).toBe(false);
    expect((await listEvents(p.ctx, { user: alice.id })).map((r) => r.event)).toEqual(['operator.user_unlocked', 'operator.user_locked']);
  });
});

describe('operator console: Instant apps and self-protection', () => {
  it('lists a user’s Instant apps and revokes an app’s admin tokens', async () => {
    const { p, alice, ops } = await setup();
    const pat = await makePersonalToken(p.ctx, alice.id);
    const created = await p.app.request('/superadmin/apps', { method: 'POST', headers: { authorization: `Bearer ${pat.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Todo' }) });
    expect(created.status).toBe(200);
    const app = ((await created.json()) as { app: { id: string; 'admin-token': string } }).app;
    const asAdmin = async () => (await p.app.request(`/superadmin/apps/${app.id}`, { headers: { authorization: `Bearer ${app['admin-token']}` } })).status;
    expect(await asAdmin()).toBe(200);
    const page = `/dash/operator/users/${alice.id}`;
    const { html } = await ops.get(page);
    expect(html).toContain('Todo');
    expect(html).toContain('1 live admin tokens');
    expect(html).not.toContain(app['admin-token']);
    expect((await ops.submit(page, `${page}/apps/${app.id}/revoke-admin-tokens`)).headers.get('location')).toBe(`${page}?done=admin`);
    expect(await asAdmin()).toBe(401);
    const [row] = await listEvents(p.ctx, { event: 'operator.admin_tokens_revoked' });
    expect(row).toMatchObject({ user_id: alice.id, details: { app_id: app.id, tokens_revoked: 1 } });
  });

  it('does not let an operator lock their own account', async () => {
    const { op, ops } = await setup();
    const page = `/dash/operator/users/${op.id}`;
    expect((await ops.get(page)).html).not.toContain('/lock"');
    expect((await ops.submit(page, `${page}/lock`)).status).toBe(404);
    expect((await ops.get('/dash/operator')).res.status).toBe(200);
  });
});

describe('operator console: audit viewer', () => {
  it('filters the trail by user, client and event, and says when since is malformed', async () => {
    const { p, owner, alice, ops } = await setup();
    const app = await makeOAuthApp(p.ctx, owner.id);
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'published' });
    await ops.submit(`/dash/operator/users/${alice.id}`, `/dash/operator/users/${alice.id}/lock`);
    const events = (html: string) => [...(/<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '').matchAll(/<td>([a-z_]+\.[a-z_]+)/g)].map((m) => m[1]);
    expect(events((await ops.get('/dash/operator/audit')).html)).toEqual(['operator.user_locked', 'operator.app_published']);
    expect(events((await ops.get('/dash/operator/audit?user=alice@example.com')).html)).toEqual(['operator.user_locked']);
    expect(events((await ops.get(`/dash/operator/audit?user=${alice.id}&event=operator`)).html)).toEqual(['operator.user_locked']);
    expect(events((await ops.get('/dash/operator/audit?event=operator.app_published&since=1h')).html)).toEqual(['operator.app_published']);
    const byClient = await ops.get('/dash/operator/audit?client=nope');
    expect(events(byClient.html)).toEqual([]);
    expect(byClient.html).toContain('No events match.');
    const bad = await ops.get('/dash/operator/audit?since=yesterday');
    expect(bad.html).toContain('Since must be a duration');
  });
});
