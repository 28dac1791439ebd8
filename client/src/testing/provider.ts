/**
 * Test helpers (not exported by the package): a real provider in process, a signed-in user, and
 * the browser leg of an authorization driven with plain requests.
 *
 * @module
 */
import { consentFormFields, CookieJar, createTestClient, createTestProvider, createTestUser, sessionCookie, type TestClientOptions, type TestProvider } from 'instant-provider/testing';

export { createTestProvider, createTestClient, createTestUser, sessionCookie, CookieJar, type TestProvider };

/** A provider, a user with a dashboard session, ready for flows. */
export async function world() {
  const p = await createTestProvider();
  const user = await createTestUser(p);
  const cookie = await sessionCookie(p, user.id);
  return { p, user, cookie };
}

/** A confidential (default) or public client owned by `ownerId`, with the given redirect URI. */
export function client(p: TestProvider, ownerId: string, redirectUri: string, o: TestClientOptions = {}) {
  return createTestClient(p, { ownerId, redirectUris: [redirectUri], ...o });
}

/**
 * What a browser does between the authorization URL and the redirect back: follow the start
 * endpoint, read the consent page, press Allow or Deny. Returns the callback URL. `p` is a provider in process, or
 * `{ issuer, fetch }` for one over HTTP.
 */
export async function browserLeg(p: Pick<TestProvider, 'fetch' | 'issuer'>, authorizationUrl: URL | string, cookie: string, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const jar = new CookieJar(cookie);
  const u = new URL(authorizationUrl);
  const start = await p.fetch(new URL(u.pathname + u.search, p.issuer), { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(start);
  const to = start.headers.get('location');
  if (!to || start.status >= 400) throw new Error(`start answered ${start.status}: ${await start.text()}`);
  if (!to.startsWith('/platform/oauth/consent')) return new URL(to, p.issuer);
  const page = await p.fetch(new URL(to, p.issuer), { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(page);
  // A live grant that covers the request answers without the page: the redirect back.
  const back303 = page.status === 303 ? page.headers.get('location') : null;
  if (back303) return new URL(back303, p.issuer);
  const { csrf, request } = consentFormFields(await page.text());
  const res = await p.fetch(new URL('/platform/oauth/consent', p.issuer), {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, request, decision }).toString(),
    redirect: 'manual',
  });
  const back = res.headers.get('location');
  if (!back) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  return new URL(back, p.issuer);
}

/** Signs the user in through a new client with the kit's InstantOAuth and returns its tokens. */
export async function signedIn(
  w: { p: TestProvider; user: { id: string }; cookie: string },
  o: { rotate?: boolean; public?: boolean; scopes?: string[]; redirectUri?: string } = {},
) {
  const { InstantOAuth } = await import('../oauth.ts');
  const redirectUri = o.redirectUri ?? 'http://127.0.0.1:3000/callback';
  const c = await client(w.p, w.user.id, redirectUri, { rotateRefreshTokens: o.rotate ?? false, public: o.public ?? false });
  const oauth = new InstantOAuth({ issuer: w.p.issuer, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri, fetch: w.p.fetch });
  const req = await oauth.authorizationUrl({ scopes: o.scopes ?? ['apps-read', 'apps-write', 'openid', 'email'] });
  const tokens = await oauth.exchangeCallback(await browserLeg(w.p, req.url, w.cookie), req);
  return { client: c, oauth, tokens };
}

/** A personal access token (`per_…`) made through the accounts API with the user's session. */
export async function personalToken(p: TestProvider, cookie: string): Promise<string> {
  const res = await p.fetch(new URL('/dash/personal_access_tokens', p.issuer), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'kit test' }),
  });
  if (!res.ok) throw new Error(`personal_access_tokens answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
