/**
 * "Sign in with Instant" for Hono apps: one middleware that mounts `/login`, `/callback` and
 * `/logout` under a base path, keeps the user's tokens in a sealed `iron-session` cookie (or in
 * your own {@link TokenStore}), and gives every request `c.get('instant')` → `{ user, api }`.
 *
 * ```ts
 * const app = new Hono<InstantEnv>();
 * app.use('*', signInWithInstant({ issuer, clientId, clientSecret, redirectUri, sessionPassword }));
 * app.get('/apps', requireInstant(), async (c) => c.json(await c.get('instant')!.api.getApps()));
 * ```
 *
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sealData, unsealData } from 'iron-session';
import { InstantAPIError, InstantOAuthError } from './errors.ts';
import { InstantOAuth } from './oauth.ts';
import { PlatformApi } from './platform-api.ts';

/** The signed-in user (from the id_token, OIDC Core §2). */
export interface InstantUser {
  /** The provider's user id (`sub`). */
  id: string;
  email?: string | undefined;
}

/** Tokens kept for a signed-in user. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scopes: string[];
}

/**
 * Where tokens live when not in the cookie: implement it over your database. Keys are the
 * provider's user id. The cookie then holds only the user.
 */
export interface TokenStore {
  get(userId: string, c: Context): Promise<StoredTokens | null> | StoredTokens | null;
  set(userId: string, tokens: StoredTokens, c: Context): Promise<void> | void;
  delete(userId: string, c: Context): Promise<void> | void;
}

/** What `c.get('instant')` holds for a signed-in request (else `null`). */
export interface InstantContext {
  user: InstantUser;
  /** A Platform API client acting as the user; refreshes and persists rotated tokens by itself. */
  api: PlatformApi;
}

/** Hono variables added by {@link signInWithInstant}. */
export interface InstantVariables {
  instant: InstantContext | null;
}

/** A Hono env with {@link InstantVariables}: `new Hono<InstantEnv>()`. */
export interface InstantEnv {
  Variables: InstantVariables;
}

/**
 * Why sign-in or an API call failed, for the page you render:
 * - `access_denied`: the user pressed Deny (RFC 6749 §4.1.2.1);
 * - `state_mismatch`: the callback's state is not this browser's (forged, replayed or expired flow);
 * - `grant_revoked`: the user revoked access or the refresh token expired (`invalid_grant`); the session was cleared;
 * - `provider_unavailable`: the provider could not be reached or failed;
 * - `oauth_error`: any other OAuth error.
 */
export type SignInErrorReason = 'access_denied' | 'state_mismatch' | 'grant_revoked' | 'provider_unavailable' | 'oauth_error';

/** A failure handed to `onError`. */
export interface SignInError {
  reason: SignInErrorReason;
  /** A sentence safe to show to the user. */
  message: string;
  error: unknown;
}

/** Options of {@link signInWithInstant}. */
export interface SignInWithInstantOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  /** Registered redirect URI; must end in `<basePath>/callback`. */
  redirectUri: string;
  /** ≥ 32 characters, for sealing cookies (iron-session). */
  sessionPassword: string;
  /** Scopes to ask for (default `apps-read apps-write`); `openid` and `email` are always added. */
  scopes?: string[];
  /** Where the routes live (default `/auth/instant`). */
  basePath?: string;
  /** Session cookie name (default `instant_kit_session`; not `instant_session`, which the provider itself uses and which would collide on a shared localhost). */
  cookieName?: string;
  /** Session lifetime in seconds (default 30 days). */
  sessionTtl?: number;
  /** Keep tokens here instead of in the cookie. */
  tokenStore?: TokenStore;
  /** Where to go after sign-in when no `returnTo` was given (default `/`). */
  afterLogin?: string;
  /** Where to go after logout (default `/`). */
  afterLogout?: string;
  /** Redirect failures to `errorPath?reason=<SignInErrorReason>` (used when `onError` is not set). */
  errorPath?: string;
  /** Render failures yourself. Takes precedence over `errorPath`. */
  onError?: (c: Context, err: SignInError) => Response | Promise<Response>;
  /** A `fetch` for provider calls (tests). */
  fetch?: typeof fetch;
}

interface SessionData {
  user: InstantUser;
  tokens?: Omit<StoredTokens, 'expiresAt'> & { expiresAt: number };
}

interface PendingFlow {
  state: string;
  codeVerifier: string;
  nonce?: string | undefined;
  returnTo: string;
}

const PENDING_TTL_S = 600;
const MESSAGES: Record<SignInErrorReason, string> = {
  access_denied: 'You declined to connect your Instant account.',
  state_mismatch: 'This sign-in link is not valid any more. Please start again.',
  grant_revoked: 'Access to your Instant account was revoked or has expired. Please sign in again.',
  provider_unavailable: 'Instant is not reachable right now. Please try again in a moment.',
  oauth_error: 'Signing in with Instant failed. Please try again.',
};
const STATUS: Record<SignInErrorReason, 400 | 401 | 403 | 502> = {
  access_denied: 403,
  state_mismatch: 400,
  grant_revoked: 401,
  provider_unavailable: 502,
  oauth_error: 400,
};

/** Classifies any error thrown by the kit into a {@link SignInErrorReason}, or `null` when it is not an auth or provider failure. */
export function signInErrorReason(err: unknown): SignInErrorReason | null {
  if (err instanceof InstantOAuthError) {
    switch (err.reason) {
      case 'access_denied':
      case 'state_mismatch':
        return err.reason;
      case 'invalid_grant':
        return 'grant_revoked';
      case 'provider_unavailable':
        return 'provider_unavailable';
      default:
        return 'oauth_error';
    }
  }
  if (err instanceof InstantAPIError) {
    if (err.status === 0 || err.status >= 500) return 'provider_unavailable';
    if (err.status === 401) return 'grant_revoked';
  }
  return null;
}

/**
 * A same-origin path only (no open redirects): `/x?y#z`, never `//host`, `https://…`, nor anything with a
 * control character, whitespace or a backslash, which browsers strip or read as `/` in a Location
 * (`/\t/evil.example` ends on `//evil.example`). What is left must resolve to the same origin.
 */
function safePath(p: string | undefined, fallback: string): string {
  if (!p || !p.startsWith('/') || /[\p{Cc}\p{Z}\s\\]/u.test(p)) return fallback;
  const here = 'http://same-origin.invalid';
  try {
    const u = new URL(p, here);
    return u.origin === here ? p : fallback;
  } catch {
    return fallback;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The middleware. Handles `GET <base>/login[?returnTo=/path]`, `GET <base>/callback` and
 * `POST <base>/logout`, and sets `c.get('instant')` on every other request. When a handler
 * throws because the grant was revoked or the provider is down, the session is cleared (for
 * revocation) and the failure is rendered through `onError` / `errorPath`.
 */
export function signInWithInstant(options: SignInWithInstantOptions): MiddlewareHandler<InstantEnv> {
  if (options.sessionPassword.length < 32) throw new TypeError('sessionPassword must be at least 32 characters');
  const base = (options.basePath ?? '/auth/instant').replace(/\/+$/, '');
  const cookieName = options.cookieName ?? 'instant_kit_session';
  const pendingName = `${cookieName}_flow`;
  const ttl = options.sessionTtl ?? 30 * 24 * 3600;
  const secure = new URL(options.redirectUri).protocol === 'https:';
  const password = options.sessionPassword;
  const scopes = [...new Set([...(options.scopes ?? ['apps-read', 'apps-write']), 'openid', 'email'])];
  const oauth = new InstantOAuth({ issuer: options.issuer, clientId: options.clientId, clientSecret: options.clientSecret, redirectUri: options.redirectUri, fetch: options.fetch });
  const cookieOpts = (maxAge: number) => ({ httpOnly: true, secure, sameSite: 'Lax' as const, path: '/', maxAge });

  async function readSession(c: Context): Promise<SessionData | null> {
    const raw = getCookie(c, cookieName);
    if (!raw) return null;
    const data = await unsealData<Partial<SessionData>>(raw, { password, ttl }).catch(() => ({}) as Partial<SessionData>);
    return data.user ? (data as SessionData) : null;
  }
  async function writeSession(c: Context, data: SessionData) {
    setCookie(c, cookieName, await sealData(data, { password, ttl }), cookieOpts(ttl));
  }

  async function fail(c: Context, error: unknown): Promise<Response> {
    const reason = signInErrorReason(error) ?? 'oauth_error';
    const err: SignInError = { reason, message: MESSAGES[reason], error };
    if (options.onError) return options.onError(c, err);
    if (options.errorPath) return c.redirect(`${options.errorPath}${options.errorPath.includes('?') ? '&' : '?'}reason=${reason}`, 303);
    return c.html(`<!doctype html><title>Sign-in failed</title><h1>Sign-in failed</h1><p>${escapeHtml(err.message)}</p><p><a href="${escapeHtml(base)}/login">Try again</a></p>`, STATUS[reason]);
  }

  async function loadTokens(c: Context, s: SessionData): Promise<StoredTokens | null> {
    if (options.tokenStore) return options.tokenStore.get(s.user.id, c);
    return s.tokens ? { ...s.tokens, expiresAt: new Date(s.tokens.expiresAt) } : null;
  }

  async function saveTokens(c: Context, user: InstantUser, tokens: StoredTokens) {
    if (options.tokenStore) {
      await options.tokenStore.set(user.id, tokens, c);
      await writeSession(c, { user });
    } else {
      await writeSession(c, { user, tokens: { ...tokens, expiresAt: tokens.expiresAt.getTime() } });
    }
  }

  async function clear(c: Context, s: SessionData | null) {
    if (s && options.tokenStore) await options.tokenStore.delete(s.user.id, c);
    deleteCookie(c, cookieName, { path: '/', secure });
  }

  return async (c, next) => {
    const path = c.req.path;
    if (path === `${base}/login` && c.req.method === 'GET') {
      try {
        const req = await oauth.authorizationUrl({ scopes });
        const flow: PendingFlow = { state: req.state, codeVerifier: req.codeVerifier, nonce: req.nonce, returnTo: safePath(c.req.query('returnTo'), options.afterLogin ?? '/') };
        setCookie(c, pendingName, await sealData(flow, { password, ttl: PENDING_TTL_S }), cookieOpts(PENDING_TTL_S));
        return c.redirect(req.url.href, 302);
      } catch (e) {
        return fail(c, e);
      }
    }
    if (path === `${base}/callback` && c.req.method === 'GET') {
      const raw = getCookie(c, pendingName);
      deleteCookie(c, pendingName, { path: '/', secure });
      try {
        const flow = raw ? await unsealData<Partial<PendingFlow>>(raw, { password, ttl: PENDING_TTL_S }).catch(() => ({}) as Partial<PendingFlow>) : {};
        // No saved flow means we cannot check state: treat as a mismatch (RFC 6749 §10.12).
        const tokens = await oauth.exchangeCallback(c.req.url, { state: flow.state ?? '', codeVerifier: flow.codeVerifier ?? '', nonce: flow.nonce });
        const claims = tokens.idTokenClaims;
        const user: InstantUser = { id: String(claims?.sub ?? ''), email: typeof claims?.email === 'string' ? claims.email : undefined };
        await saveTokens(c, user, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt, scopes: tokens.scopes });
        return c.redirect(safePath(flow.returnTo, options.afterLogin ?? '/'), 303);
      } catch (e) {
        return fail(c, e);
      }
    }
    if (path === `${base}/logout` && c.req.method === 'POST') {
      const s = await readSession(c);
      const tokens = s ? await loadTokens(c, s) : null;
      // Revoking the refresh token revokes its access tokens too (RFC 7009 §2.1); sign out locally even if the provider is down.
      if (tokens) await oauth.revoke(tokens.refreshToken, 'refresh_token').catch(() => {});
      await clear(c, s);
      return c.redirect(safePath(options.afterLogout, '/'), 303);
    }

    const session = await readSession(c);
    const stored = session ? await loadTokens(c, session) : null;
    let refreshed: StoredTokens | null = null;
    if (session && stored) {
      const api = new PlatformApi({
        apiURI: options.issuer,
        fetch: options.fetch,
        auth: {
          accessToken: stored.accessToken,
          refreshToken: stored.refreshToken,
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          expiresAt: stored.expiresAt,
          onRefresh: async (t) => {
            refreshed = { ...t, scopes: stored.scopes };
            if (options.tokenStore) await options.tokenStore.set(session.user.id, refreshed, c);
          },
        },
      });
      c.set('instant', { user: session.user, api: quietOnSignInFailure(api) });
    } else {
      c.set('instant', null);
    }
    await next();

    const reason = c.error ? signInErrorReason(c.error) : null;
    if (reason === 'grant_revoked' || reason === 'provider_unavailable') {
      if (reason === 'grant_revoked') await clear(c, session);
      const setCookies = c.res.headers.getSetCookie();
      c.res = await fail(c, c.error);
      for (const sc of setCookies) c.res.headers.append('Set-Cookie', sc);
      return;
    }
    if (refreshed && session && !options.tokenStore) {
      // Persist rotated tokens in the cookie of whatever response the handler produced.
      const r: StoredTokens = refreshed;
      const seal = await sealData({ user: session.user, tokens: { ...r, expiresAt: r.expiresAt.getTime() } } satisfies SessionData, { password, ttl });
      c.res = new Response(c.res.body, c.res);
      const opts = cookieOpts(ttl);
      c.res.headers.append('Set-Cookie', `${cookieName}=${seal}; Max-Age=${opts.maxAge}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
    }
  };
}

/**
 * The api, with its revoked-grant and provider-down failures marked for Hono: such an error gets a
 * `getResponse()` (Hono's HTTPException contract), so an app without its own `onError` does not print it
 * as a crash through Hono's default handler. The middleware then replaces that response with the sign-in
 * failure page (above). Each call's promise is returned as it is (progress subscriptions keep working);
 * the mark is a handler registered before the caller's, so it runs first.
 */
function quietOnSignInFailure(api: PlatformApi): PlatformApi {
  const mark = (err: unknown) => {
    const reason = signInErrorReason(err);
    if ((reason === 'grant_revoked' || reason === 'provider_unavailable') && err instanceof Error && !('getResponse' in err)) {
      Object.defineProperty(err, 'getResponse', { value: () => new Response(null, { status: STATUS[reason] }) });
    }
  };
  return new Proxy(api, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (r && typeof (r as PromiseLike<unknown>).then === 'function') void (r as PromiseLike<unknown>).then(undefined, mark);
        return r;
      };
    },
  });
}

/**
 * A guard for routes that need a signed-in user: browsers (Accept: text/html) are redirected
 * to the login route with `returnTo`, other clients get a 401 JSON error.
 */
export function requireInstant(opts: { basePath?: string } = {}): MiddlewareHandler<InstantEnv> {
  const base = (opts.basePath ?? '/auth/instant').replace(/\/+$/, '');
  return async (c, next) => {
    if (c.get('instant')) return next();
    if ((c.req.header('accept') ?? '').includes('text/html')) {
      const url = new URL(c.req.url);
      return c.redirect(`${base}/login?returnTo=${encodeURIComponent(url.pathname + url.search)}`, 302);
    }
    return c.json({ type: 'record-not-found', message: 'Sign in with Instant first', hint: { 'record-type': 'session' } }, 401);
  };
}
