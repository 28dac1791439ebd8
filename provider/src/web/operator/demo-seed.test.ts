import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeInBrowser, CookieJar, type TestClient } from '../../testing/fixtures.ts';
import { DEMO_CLIENT_ID, seedDemo } from '../../domain/seed.ts';

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('acceptance: the demo seed', () => {
  it('publishes the demo OAuth app, so a freshly signed-up user can sign in to it', async () => {
    p = await createTestProvider();
    const env = { DEMO_CLIENT_SECRET: 'pcs_' + 'd'.repeat(64), DEMO_REDIRECT_URI: 'http://localhost:3000/auth/instant/callback' };
    await seedDemo(p.ctx, () => {}, env);
    expect((await p.ctx.db.one<{ status: string }>(`select a.status from oauth_apps a join oauth_clients c on c.oauth_app_id = a.id where c.client_id = $1`, [DEMO_CLIENT_ID]))!.status).toBe('published');
    const signup = await p.app.request('/dash/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'fresh@example.com', password: 'a fine long password' }) });
    expect(signup.status).toBe(200);
    // Sign-up never signs in (docs/security-accounts.md §2): log in for the session.
    const login = await p.app.request('/dash/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'fresh@example.com', password: 'a fine long password' }) });
    expect(login.status).toBe(200);
    const jar = new CookieJar();
    jar.take(login);
    const demo: TestClient = { appId: '', clientId: DEMO_CLIENT_ID, clientSecret: env.DEMO_CLIENT_SECRET, redirectUri: env.DEMO_REDIRECT_URI, redirectUris: [env.DEMO_REDIRECT_URI] };
    const r = await authorizeInBrowser(p, jar.header(), { clientId: demo.clientId, redirectUri: demo.redirectUri, scope: 'apps-read' });
    expect(r.code).toBeTruthy();
    const res = await p.fetch(new URL('/platform/oauth/token', p.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${DEMO_CLIENT_ID}:${env.DEMO_CLIENT_SECRET}`).toString('base64') },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: r.code!, redirect_uri: demo.redirectUri }).toString(),
    });
    expect(res.status).toBe(200);
    const t = (await res.json()) as { access_token: string };
    expect((await p.fetch(new URL('/platform/oauth/token-info', p.issuer), { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(200);
  });
});
