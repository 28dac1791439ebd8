import * as oauth from 'oauth4webapi';
import { createTestProvider, type TestProvider } from './index.ts';
import { authorizeInBrowser, createTestClient, createTestUser, sessionCookie, type AuthorizeOptions, type TestClient, type TestClientOptions } from './fixtures.ts';
import type { ProviderConfig } from '../domain/config.ts';

/** Shared set-up of the OAuth suites: a provider, a signed-in user, and oauth4webapi options bound to it. */
export interface OAuthWorld {
  p: TestProvider;
  as: oauth.AuthorizationServer;
  user: Awaited<ReturnType<typeof createTestUser>>;
  cookie: string;
  opts: { [oauth.customFetch]: typeof fetch; [oauth.allowInsecureRequests]: true };
}

export async function world(overrides: Partial<ProviderConfig> = {}): Promise<OAuthWorld> {
  const p = await createTestProvider(overrides);
  const opts = { [oauth.customFetch]: p.fetch, [oauth.allowInsecureRequests]: true } as const;
  const issuer = new URL(p.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...opts, algorithm: 'oidc' }));
  const user = await createTestUser(p);
  return { p, as, user, cookie: await sessionCookie(p, user.id), opts };
}

/** oauth4webapi's view of a test client and how it authenticates. */
export function asClient(c: TestClient, method: 'basic' | 'post' | 'none' = c.clientSecret ? 'basic' : 'none'): { client: oauth.Client; auth: oauth.ClientAuth } {
  const client: oauth.Client = { client_id: c.clientId };
  const auth = method === 'basic' ? oauth.ClientSecretBasic(c.clientSecret!) : method === 'post' ? oauth.ClientSecretPost(c.clientSecret!) : oauth.None();
  return { client, auth };
}

export async function newClient(w: OAuthWorld, o: TestClientOptions = {}): Promise<TestClient> {
  return createTestClient(w.p, { ownerId: w.user.id, ...o });
}

/** Runs the browser leg and the code exchange; returns the raw token endpoint response. */
export async function codeExchange(
  w: OAuthWorld,
  c: TestClient,
  a: Partial<AuthorizeOptions> & { verifier?: string } = {},
): Promise<{ res: Response; code: string }> {
  const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, ...a });
  if (!r.code) throw new Error(`no code: ${r.callback}`);
  return { res: await postToken(w, c, { grant_type: 'authorization_code', code: r.code, redirect_uri: c.redirectUri, ...(a.verifier ? { code_verifier: a.verifier } : {}) }), code: r.code };
}

/** A raw token endpoint call with form parameters; confidential clients authenticate with Basic. */
export function postToken(w: OAuthWorld, c: TestClient, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const h: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
  const body = new URLSearchParams(params);
  if (c.clientSecret && !('authorization' in h)) h.authorization = 'Basic ' + Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64');
  else if (!c.clientSecret) body.set('client_id', c.clientId);
  return w.p.fetch(new URL('/platform/oauth/token', w.p.issuer), { method: 'POST', headers: h, body: body.toString() });
}

/** The status a bearer token gets at the userinfo endpoint (200 live, 401 dead). */
export async function bearerStatus(w: OAuthWorld, token: string): Promise<number> {
  const res = await w.p.fetch(new URL('/platform/oauth/token-info', w.p.issuer), { headers: { authorization: `Bearer ${token}` } });
  return res.status;
}
