import type { TestProvider } from './index.ts';
import { CookieJar } from './cookie-jar.ts';
import { insertTokenSet, sessionCookie, type IssuedTokens } from './fixtures.ts';
import { hashToken } from '../domain/tokens.ts';

/** A user agent against the in-process app: keeps cookies, never follows redirects. */
export class Browser {
  readonly jar = new CookieJar();
  constructor(
    readonly p: TestProvider,
    readonly address = '10.0.0.1',
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.cookies.size && !headers.has('cookie')) headers.set('cookie', this.jar.header());
    if (!headers.has('x-test-client-address')) headers.set('x-test-client-address', this.address);
    const res = await this.p.app.request(path, { ...init, headers, redirect: 'manual' });
    this.jar.take(res);
    return res;
  }

  json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Loads a page and returns its HTML and the CSRF token of its first form. */
  async page(path: string): Promise<{ res: Response; html: string; csrf: string }> {
    const res = await this.request(path);
    const html = await res.text();
    const csrf = /name="_csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
    return { res, html, csrf };
  }

  form(path: string, fields: Record<string, string | string[]>): Promise<Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  }

  /**
   * Signs up through `POST /dash/signup`, then gives this browser a session of the new account (sign-up itself never
   * starts one: docs/security-accounts.md §2; inserted directly, so no login is counted against rate limits or audited).
   * The address is unverified, as after a real sign-up.
   */
  async signUp(email = `user${Math.random().toString(36).slice(2, 8)}@example.com`, password = 'correct horse battery'): Promise<{ id: string; email: string }> {
    const res = await this.json('POST', '/dash/signup', { email, password });
    if (res.status !== 200) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
    const user = await this.p.ctx.db.one<{ id: string; email: string }>(`select id, email from users where email = $1`, [email.trim().toLowerCase()]);
    if (!user) throw new Error(`signup of ${email} made no account`);
    this.jar.add(await sessionCookie(this.p, user.id));
    return user;
  }
}

/** A bearer header. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * Issues an access and a refresh token for a user and client straight into the store, as the token
 * endpoint would (a grant of the client's app plus one token of each kind). For tests of revocation.
 */
export async function issueTokens(p: TestProvider, userId: string, clientId: string, scopes = ['apps-read']): Promise<IssuedTokens> {
  return insertTokenSet(p.ctx, { userId, clientId, scopes });
}

/** True when the refresh token is still live in the store (not revoked, row present). */
export async function refreshTokenLive(p: TestProvider, refresh: string): Promise<boolean> {
  const row = await p.ctx.db.one(`select 1 from refresh_tokens where token_hash = $1 and revoked_at is null`, [hashToken(refresh)]);
  return row !== undefined;
}

/**
 * True when the token endpoint accepts these client credentials: with a bogus refresh token an
 * authenticated client gets `invalid_grant`, a bad secret `invalid_client`.
 */
export async function clientAuthenticates(p: TestProvider, clientId: string, secret: string): Promise<boolean> {
  const res = await p.app.request('/platform/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-test-client-address': '10.250.0.1' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'prt_' + '0'.repeat(64), client_id: clientId, client_secret: secret }).toString(),
  });
  const body = (await res.json()) as { error?: string };
  if (body.error === 'invalid_grant') return true;
  if (body.error === 'invalid_client') return false;
  throw new Error(`unexpected token endpoint answer ${res.status} ${JSON.stringify(body)}`);
}
