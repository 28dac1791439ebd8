/**
 * The dashboard session cookie: reading, setting and deleting it on a request. Sealing, the unseal cache and the
 * session rows are the domain's (domain/accounts/sessions.ts); this module only moves values between it and HTTP.
 *
 * @module
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Ctx } from '../../domain/context.ts';
import { endSession as endSessionRow, openSessionCookie, startSession as startSessionRow, userOfSession } from '../../domain/accounts/sessions.ts';
import type { User } from '../../domain/accounts/users.ts';
import { hashToken } from '../../domain/tokens.ts';

export const SESSION_COOKIE = 'instant_session';

/**
 * The name a provider cookie is sent under: `__Host-<name>` when the issuer is https, so a sibling
 * subdomain or a plain-http page cannot plant or overwrite it (RFC 6265bis §4.1.3.2: Secure, Path=/,
 * no Domain); the plain name on http (loopback development). docs/security-accounts.md §1.
 */
export function cookieName(ctx: Ctx, name: string): string {
  return ctx.config.issuer.startsWith('https:') ? `__Host-${name}` : name;
}

/** Cookie attributes for every provider cookie (docs/security.md §8). */
export function cookieOptions(ctx: Ctx, maxAgeS: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: ctx.config.issuer.startsWith('https:'),
    maxAge: maxAgeS,
  };
}

/**
 * Per request, the session id is read once: a page that checks the session and then renders a CSRF
 * token bound to it (web/http/csrf.ts) must not pay for a second unseal. startSession and endSession forget it.
 */
const perRequest = new WeakMap<Context, Promise<string | null>>();

/** The session id sealed in this request's session cookie, or null. */
function sessionIdOf(ctx: Ctx, c: Context): Promise<string | null> {
  let sid = perRequest.get(c);
  if (!sid) perRequest.set(c, (sid = unsealSessionId(ctx, c)));
  return sid;
}

async function unsealSessionId(ctx: Ctx, c: Context): Promise<string | null> {
  const opened = await openSessionCookie(ctx, getCookie(c, cookieName(ctx, SESSION_COOKIE)));
  if (!opened) return null;
  if (opened.resealed) setCookie(c, cookieName(ctx, SESSION_COOKIE), opened.resealed.value, cookieOptions(ctx, opened.resealed.maxAgeS));
  return opened.sid;
}

/** The hash under which this request's session is stored (`sessions.id_hash`), or null without a session cookie. */
export async function sessionIdHash(ctx: Ctx, c: Context): Promise<string | null> {
  const sid = await sessionIdOf(ctx, c);
  return sid === null ? null : hashToken(sid);
}

/** Starts a dashboard session for a user and sets its cookie; a session this browser already had ends (no fixation). */
export async function startSession(ctx: Ctx, c: Context, userId: string): Promise<void> {
  const old = await sessionIdHash(ctx, c);
  perRequest.delete(c);
  const sealed = await startSessionRow(ctx, old, userId);
  setCookie(c, cookieName(ctx, SESSION_COOKIE), sealed, cookieOptions(ctx, ctx.config.sessionTtlS));
}

/**
 * The signed-in user of this request, or null (expired, revoked, locked or no cookie). `is_operator`
 * is the effective role (hasOperatorRole).
 */
export async function sessionUser(ctx: Ctx, c: Context): Promise<User | null> {
  const sid = await sessionIdHash(ctx, c);
  return sid === null ? null : userOfSession(ctx, sid);
}

/** Ends this browser's session. */
export async function endSession(ctx: Ctx, c: Context): Promise<void> {
  const sid = await sessionIdHash(ctx, c);
  if (sid !== null) await endSessionRow(ctx, sid);
  perRequest.delete(c);
  deleteCookie(c, cookieName(ctx, SESSION_COOKIE), { path: '/', secure: ctx.config.issuer.startsWith('https:') });
}
