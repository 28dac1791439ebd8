import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeInBrowser, authorizeUrl, CookieJar, createTestClient, createTestUser, sessionCookie, type TestClient } from '../../testing/fixtures.ts';
import { Browser } from '../../testing/operator.ts';

/**
 * The acceptance points, end to end: operator actions through the console's forms, their effect
 * through the real OAuth endpoints (start, consent, token, token-info) and the real login.
 */

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

async function world() {
  p = await createTestProvider({ operatorEmails: ['ops@example.com'] });
  const op = await createTestUser(p, { email: 'ops@example.com' });
  const owner = await createTestUser(p);
  const alice = await createTestUser(p);
  return { p, ops: await Browser.signedIn(p, op.id), owner, alice, aliceCookie: await sessionCookie(p, alice.id) };
}

async function exchange(p: TestProvider, c: TestClient, params: Record<string, string>): Promise<Response> {
  return p.fetch(new URL('/platform/oauth/token', p.issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret!)}`).toString('base64'),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** Signs in through the browser leg and exchanges the code: `{access_token, refresh_token}`. */
async function signIn(p: TestProvider, cookie: string, c: TestClient, scope = 'apps-read') {
  const r = await authorizeInBrowser(p, cookie, { clientId: c.clientId, redirectUri: c.redirectUri, scope });
  if (!r.code) throw new Error(`no code: ${r.callback}`);
  const res = await exchange(p, c, { grant_type: 'authorization_code', code: r.code, redirect_uri: c.redirectUri });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

const tokenInfo = async (p: TestProvider, token: string) => (await p.fetch(new URL('/platform/oauth/token-info', p.issuer), { headers: { authorization: `Bearer ${token}` } })).status;

/** start → (consent page) for a signed-in browser: the consent page's status and text. */
async function consentPageFor(p: TestProvider, cookie: string, c: TestClient, scope = 'apps-read') {
  const jar = new CookieJar(cookie);
  const start = await p.fetch(authorizeUrl(p, { clientId: c.clientId, redirectUri: c.redirectUri, scope }), { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(start);
  const to = start.headers.get('location');
  if (start.status !== 303 || !to?.startsWith('/platform/oauth/consent')) return { status: start.status, location: to, html: to ? '' : await start.text() };
  const page = await p.fetch(new URL(to, p.issuer), { headers: { cookie: jar.header() } });
  return { status: page.status, location: null, html: await page.text() };
}

describe('acceptance: operator actions through the real OAuth endpoints', () => {
  it('a test-mode app refuses a non-owner at consent; publishing it lets them through', async () => {
    const { p, ops, owner, aliceCookie } = await world();
    const c = await createTestClient(p, { ownerId: owner.id, status: 'test' });
    const refused = await consentPageFor(p, aliceCookie, c);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('test mode');
    // Its owner may authorize it meanwhile.
    await signIn(p, await sessionCookie(p, owner.id), c);
    expect((await ops.submit('/dash/operator/apps', `/dash/operator/apps/${c.appId}/status`, { status: 'published' })).status).toBe(303);
    const t = await signIn(p, aliceCookie, c);
    expect(await tokenInfo(p, t.access_token)).toBe(200);
  });

  it('an OAuth app registered through the dashboard API starts in test mode until an operator publishes it', async () => {
    const { p, ops, owner, aliceCookie } = await world();
    const ownerCookie = await sessionCookie(p, owner.id);
    const post = (path: string, body: unknown) => p.app.request(path, { method: 'POST', headers: { cookie: ownerCookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const made = (await (await post('/dash/oauth_apps', { name: 'Fresh App' })).json()) as { oauthApp: { id: string; status: string } };
    expect(made.oauthApp.status).toBe('test');
    const redirectUri = 'http://127.0.0.1:4000/callback';
    const cl = (await (await post(`/dash/oauth_apps/${made.oauthApp.id}/clients`, { name: 'web', redirect_uris: [redirectUri] })).json()) as { client: { client_id: string }; client_secret: string };
    const c: TestClient = { appId: made.oauthApp.id, clientId: cl.client.client_id, clientSecret: cl.client_secret, redirectUri, redirectUris: [redirectUri] };
    expect((await consentPageFor(p, aliceCookie, c)).status).toBe(403);
    const { html } = await ops.get('/dash/operator/apps');
    expect(html).toContain('Fresh App');
    expect(html).toContain('test mode');
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${c.appId}/status`, { status: 'published' });
    expect(await tokenInfo(p, (await signIn(p, aliceCookie, c)).access_token)).toBe(200);
  });

  it('suspending an app stops its existing tokens and new authorizations at once', async () => {
    const { p, ops, owner, aliceCookie } = await world();
    const c = await createTestClient(p, { ownerId: owner.id, status: 'published' });
    const t = await signIn(p, aliceCookie, c);
    expect(await tokenInfo(p, t.access_token)).toBe(200);
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${c.appId}/suspend`);
    expect(await tokenInfo(p, t.access_token)).toBe(401);
    const refresh = await exchange(p, c, { grant_type: 'refresh_token', refresh_token: t.refresh_token });
    expect(refresh.status).toBeGreaterThanOrEqual(400);
    const start = await consentPageFor(p, aliceCookie, c);
    expect(start.status).toBe(403);
    expect(start.html).toContain('suspended');
    // Publishing again does not bring the revoked tokens back.
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${c.appId}/status`, { status: 'published' });
    expect(await tokenInfo(p, t.access_token)).toBe(401);
    expect((await exchange(p, c, { grant_type: 'refresh_token', refresh_token: t.refresh_token })).status).toBe(400);
  });

  it('limiting an app’s scopes refuses a request for a removed scope', async () => {
    const { p, ops, owner, aliceCookie } = await world();
    const c = await createTestClient(p, { ownerId: owner.id, status: 'published' });
    await signIn(p, aliceCookie, c, 'apps-read apps-write');
    await ops.submit('/dash/operator/apps', `/dash/operator/apps/${c.appId}/scopes`, { scope: ['apps-read'] });
    const refused = await consentPageFor(p, aliceCookie, c, 'apps-write');
    expect(refused.status).toBe(303);
    const back = new URL(refused.location!);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('iss')).toBe(p.issuer);
    const ok = await signIn(p, aliceCookie, c, 'apps-read');
    expect(await tokenInfo(p, ok.access_token)).toBe(200);
  });

  it('locking a user ends their sessions and tokens and refuses their logins', async () => {
    const { p, ops, owner, alice, aliceCookie } = await world();
    const c = await createTestClient(p, { ownerId: owner.id, status: 'published' });
    const t = await signIn(p, aliceCookie, c);
    const me = async (headers: Record<string, string>) => (await p.app.request('/dash/me', { headers })).status;
    expect(await me({ cookie: aliceCookie })).toBe(200);
    expect(await tokenInfo(p, t.access_token)).toBe(200);
    expect((await ops.submit(`/dash/operator/users/${alice.id}`, `/dash/operator/users/${alice.id}/lock`)).status).toBe(303);
    expect(await me({ cookie: aliceCookie })).toBe(401);
    expect(await tokenInfo(p, t.access_token)).toBe(401);
    expect(await me({ authorization: `Bearer ${t.access_token}` })).toBe(401);
    expect((await exchange(p, c, { grant_type: 'refresh_token', refresh_token: t.refresh_token })).status).toBe(400);
    const login = await p.app.request('/dash/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: alice.email, password: alice.password }) });
    expect(login.status).toBe(401);
  });
});
