import { createHash, randomBytes } from 'node:crypto';
import { inSeconds, nowDate, type Ctx } from '../domain/context.ts';
import { seal } from '../domain/accounts/sessions.ts';
import { cookieName, SESSION_COOKIE } from '../web/http/session-cookie.ts';
import { createUser, type User } from '../domain/accounts/users.ts';
import { generateToken, hashToken } from '../domain/tokens.ts';
import type { TestProvider } from './index.ts';
import { CookieJar } from './cookie-jar.ts';

export { CookieJar };

/** Test helpers shared by every suite: users, sessions, OAuth clients, and the browser leg of an authorization. */

let userCounter = 0;

/**
 * A new account, made as sign-up makes it, with its address verified as the mailed link would (unless
 * `verified: false`: the state right after sign-up). The password is returned so login tests can use it.
 */
export async function createTestUser(
  p: Pick<TestProvider, 'ctx'>,
  opts: { email?: string; password?: string; verified?: boolean } = {},
): Promise<User & { password: string }> {
  const email = opts.email ?? `user${++userCounter}-${randomBytes(4).toString('hex')}@example.com`;
  const password = opts.password ?? 'correct horse battery staple';
  const r = await createUser(p.ctx, email, password);
  if (!r.ok) throw new Error(`createTestUser: ${r.reason === 'taken' ? 'email taken' : r.message}`);
  if (opts.verified === false) return { ...r.user, password };
  const verified = await p.ctx.db.one<{ email_verified_at: Date }>(`update users set email_verified_at = $2 where id = $1 returning email_verified_at`, [r.user.id, nowDate(p.ctx)]);
  return { ...r.user, email_verified_at: verified!.email_verified_at, password };
}

/** A `Cookie` header value carrying a live dashboard session for the user (the session row is inserted directly). */
export async function sessionCookie(p: Pick<TestProvider, 'ctx'>, userId: string): Promise<string> {
  const sid = generateToken(p.ctx.random, 'session');
  await p.ctx.db.query(`insert into sessions (id_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)`, [
    hashToken(sid),
    userId,
    nowDate(p.ctx),
    inSeconds(p.ctx, p.ctx.config.sessionTtlS),
  ]);
  return `${cookieName(p.ctx, SESSION_COOKIE)}=${await seal(p.ctx, { sid }, p.ctx.config.sessionTtlS)}`;
}

export interface TestClientOptions {
  /** The app's owner; required for a test-mode app to be authorizable by anyone. */
  ownerId?: string | null;
  public?: boolean;
  redirectUris?: string[];
  status?: 'test' | 'published' | 'suspended';
  allowedScopes?: string[] | null;
  rotateRefreshTokens?: boolean;
  dynamic?: boolean;
  name?: string;
  homePage?: string | null;
  logo?: string | null;
}

export interface TestClient {
  appId: string;
  clientId: string;
  /** Undefined for public clients. */
  clientSecret?: string;
  redirectUri: string;
  redirectUris: string[];
}

/** An OAuth app with one client, inserted directly in SQL. Defaults: published, confidential, `http://127.0.0.1:3000/callback`. */
export async function createTestClient(p: TestProvider, o: TestClientOptions = {}): Promise<TestClient> {
  const ctx = p.ctx;
  const appId = ctx.random.uuid();
  const clientId = ctx.random.uuid();
  const redirectUris = o.redirectUris ?? ['http://127.0.0.1:3000/callback'];
  const now = nowDate(ctx);
  await ctx.db.query(
    `insert into oauth_apps (id, owner_id, name, home_page, logo, status, allowed_scopes, dynamic, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [appId, o.ownerId ?? null, o.name ?? 'Test App', o.homePage ?? null, o.logo ?? null, o.status ?? 'published', o.allowedScopes ?? null, o.dynamic ?? false, now],
  );
  await ctx.db.query(
    `insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, rotate_refresh_tokens, created_at) values ($1, $2, $3, $4, $5, $6, $7)`,
    [clientId, appId, (o.name ?? 'Test App') + ' client', o.public ?? false, redirectUris, o.rotateRefreshTokens ?? false, now],
  );
  let clientSecret: string | undefined;
  if (!o.public) {
    clientSecret = generateToken(ctx.random, 'client_secret');
    await ctx.db.query(`insert into client_secrets (id, client_id, secret_hash, created_at) values ($1, $2, $3, $4)`, [ctx.random.uuid(), clientId, hashToken(clientSecret), now]);
  }
  return { appId, clientId, clientSecret, redirectUri: redirectUris[0]!, redirectUris };
}

/** An S256 PKCE pair (RFC 7636 §4.1–4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeOptions {
  clientId: string;
  redirectUri: string;
  scope?: string;
  state?: string;
  codeChallenge?: string;
  nonce?: string;
  /** Any further query parameters of the authorization request. */
  extra?: Record<string, string>;
  decision?: 'allow' | 'deny';
  /** Further fields of the consent form, as a user's choices on the page (e.g. which apps it may reach). */
  consentFields?: Record<string, string>;
  /** A jar to reuse (else one holding only `cookie`). */
  jar?: CookieJar;
}

export interface AuthorizeResult {
  /** The final redirect back to the client. */
  callback: URL;
  code: string | null;
  state: string | null;
  jar: CookieJar;
}

/** The consent form's hidden fields, read from the page's HTML. */
export function consentFormFields(html: string): { csrf: string; request: string } {
  const csrf = /name="_csrf" value="([^"]*)"/.exec(html)?.[1];
  const request = /name="request" value="([^"]*)"/.exec(html)?.[1];
  if (!csrf || !request) throw new Error('consent form not found in page');
  return { csrf, request };
}

/** The authorization URL of a request (`/platform/oauth/start?...`), defaults filled in. */
export function authorizeUrl(p: TestProvider, o: AuthorizeOptions): URL {
  const u = new URL('/platform/oauth/start', p.issuer);
  u.searchParams.set('client_id', o.clientId);
  u.searchParams.set('redirect_uri', o.redirectUri);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('scope', o.scope ?? 'apps-read');
  u.searchParams.set('state', o.state ?? 'state-' + randomBytes(8).toString('hex'));
  if (o.codeChallenge) {
    u.searchParams.set('code_challenge', o.codeChallenge);
    u.searchParams.set('code_challenge_method', 'S256');
  }
  if (o.nonce) u.searchParams.set('nonce', o.nonce);
  for (const [k, v] of Object.entries(o.extra ?? {})) u.searchParams.set(k, v);
  return u;
}

/**
 * The browser leg in process: start → consent page → Allow (or Deny) → the redirect back to the client.
 * `cookie` must carry a session (see `sessionCookie`). Throws if any step is not what a browser would see.
 */
export async function authorizeInBrowser(p: TestProvider, cookie: string, o: AuthorizeOptions): Promise<AuthorizeResult> {
  const jar = o.jar ?? new CookieJar(cookie);
  const start = await p.fetch(authorizeUrl(p, o), { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(start);
  const to = start.headers.get('location');
  if (start.status !== 303 || !to) throw new Error(`start answered ${start.status}: ${await start.text()}`);
  if (!to.startsWith('/platform/oauth/consent')) return finish(new URL(to), jar);
  const page = await p.fetch(new URL(to, p.issuer), { headers: { cookie: jar.header() } });
  jar.take(page);
  // A live grant that covers the request answers without the page (decision.ts): the redirect back.
  if (page.status === 303 && page.headers.get('location')) return finish(new URL(page.headers.get('location')!), jar);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${html.slice(0, 500)}`);
  const { csrf, request } = consentFormFields(html);
  const res = await p.fetch(new URL('/platform/oauth/consent', p.issuer), {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...o.consentFields, _csrf: csrf, request, decision: o.decision ?? 'allow' }).toString(),
    redirect: 'manual',
  });
  jar.take(res);
  const back = res.headers.get('location');
  if (res.status !== 303 || !back) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  return finish(new URL(back), jar);
}

function finish(callback: URL, jar: CookieJar): AuthorizeResult {
  return { callback, code: callback.searchParams.get('code'), state: callback.searchParams.get('state'), jar };
}

export interface IssuedTokens {
  grantId: string;
  access: string;
  refresh: string;
}

/**
 * A live access token and refresh token (one family) for a user and client, straight into the store as the token
 * endpoint would leave them, under the user's live grant of the client's app: created, or widened to `scopes`.
 */
export async function insertTokenSet(
  ctx: Ctx,
  o: { userId: string; clientId: string; scopes: string[]; accessTtlS?: number; accessRevoked?: boolean },
): Promise<IssuedTokens> {
  const now = nowDate(ctx);
  const grant = await ctx.db.one<{ id: string }>(
    `insert into grants (id, user_id, oauth_app_id, scopes, created_at)
     select $1, $2, oauth_app_id, $4, $5 from oauth_clients where client_id = $3
     on conflict (user_id, oauth_app_id) where revoked_at is null
     do update set scopes = grants.scopes || array(select s from unnest(excluded.scopes) s where s <> all(grants.scopes))
     returning id`,
    [ctx.random.uuid(), o.userId, o.clientId, o.scopes, now],
  );
  if (!grant) throw new Error(`insertTokenSet: no client ${o.clientId}`);
  const familyId = ctx.random.uuid();
  const access = generateToken(ctx.random, 'access');
  const refresh = generateToken(ctx.random, 'refresh');
  await ctx.db.query(
    `insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, created_at, idle_expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [ctx.random.uuid(), hashToken(refresh), familyId, grant.id, o.clientId, o.userId, o.scopes, now, inSeconds(ctx, 86_400)],
  );
  await ctx.db.query(
    `insert into access_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, created_at, expires_at, revoked_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [ctx.random.uuid(), hashToken(access), familyId, grant.id, o.clientId, o.userId, o.scopes, now, inSeconds(ctx, o.accessTtlS ?? 3600), o.accessRevoked ? now : null],
  );
  return { grantId: grant.id, access, refresh };
}
