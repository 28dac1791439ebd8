import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sealData, unsealData } from 'iron-session';
import type { Ctx } from '../context.ts';
import type { Db } from '../../store/index.ts';
import { inSeconds, nowDate } from '../context.ts';
import { openingSecrets } from '../secret.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { hasOperatorRole, type User } from './users.ts';

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

/** Seals a small object for a cookie with iron-session (AES-256-CBC + HMAC-SHA-256, keyed by SECRET). */
export function seal(ctx: Ctx, data: Record<string, unknown>, ttlS: number): Promise<string> {
  return sealData(data, { password: ctx.config.secret, ttl: ttlS });
}

/**
 * Opens a sealed value with SECRET, else with each SECRET_PREVIOUS (what it sealed before a rotation,
 * docs/security-lifecycle.md §2); anything tampered, expired or malformed → null. `current`: SECRET opened it.
 */
async function openSealed<T extends Record<string, unknown>>(ctx: Ctx, sealed: string | undefined, ttlS: number): Promise<{ data: T; current: boolean } | null> {
  if (!sealed || sealed.length > 4096) return null;
  for (const [i, password] of openingSecrets(ctx.config).entries()) {
    try {
      const data = await unsealData<T>(sealed, { password, ttl: ttlS });
      if (data && Object.keys(data).length > 0) return { data, current: i === 0 };
    } catch {
      return null;
    }
  }
  return null;
}

/** Opens a sealed value (see openSealed); anything tampered, expired or malformed → null. */
export async function unseal<T extends Record<string, unknown>>(ctx: Ctx, sealed: string | undefined, ttlS: number): Promise<T | null> {
  return (await openSealed<T>(ctx, sealed, ttlS))?.data ?? null;
}

/**
 * Unsealing costs PBKDF2 twice, an HMAC and an AES decryption (~0.4 ms of CPU), and a browser sends the
 * same session cookie with every request. So the session id of a cookie string that unsealed is kept
 * for at most UNSEAL_CACHE_MS, never past the seal's own expiry, in a bounded LRU per SECRET. Only
 * cookies that unsealed are cached: a tampered one is a different string and is unsealed (and refused)
 * in full. The session row is still checked on every request, so ending a session takes effect at once.
 */
export const UNSEAL_CACHE_MS = 60_000;
export const UNSEAL_CACHE_MAX = 2048;

/** One provider's unsealed session cookies (made by createProvider, carried as `ctx.unsealCache`), for one SECRET. */
export interface UnsealCache {
  secret: string;
  entries: Map<string, { sid: string; until: number }>;
}

export function createUnsealCache(): UnsealCache {
  return { secret: '', entries: new Map() };
}

/** The iron expiry (epoch ms) written in a seal (`Fe26.2*id*salt*iv*data*expiration*hmacSalt*hmac~2`), or null. */
function sealExpiry(sealed: string): number | null {
  const exp = sealed.split('~')[0]!.split('*')[5];
  return exp && /^\d{1,15}$/.test(exp) ? Number(exp) : null;
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
  const sealed = getCookie(c, cookieName(ctx, SESSION_COOKIE));
  if (!sealed || sealed.length > 4096) return null;
  const held = ctx.unsealCache;
  if (held.secret !== ctx.config.secret) {
    held.secret = ctx.config.secret;
    held.entries.clear();
  }
  const cache = held.entries;
  const now = Date.now(); // iron-session checks seal expiry against the system clock too
  const hit = cache.get(sealed);
  if (hit) {
    cache.delete(sealed);
    if (hit.until > now) {
      cache.set(sealed, hit); // most recently used last
      return hit.sid;
    }
  }
  const opened = await openSealed<{ sid: unknown }>(ctx, sealed, ctx.config.sessionTtlS);
  const data = opened?.data;
  if (!data || typeof data.sid !== 'string') return null;
  const expiry = sealExpiry(sealed);
  if (!opened.current && expiry !== null) {
    // Sealed with a SECRET_PREVIOUS: sealed again with SECRET, same expiry, so an active session outlives the
    // previous secret (docs/security-lifecycle.md §2).
    const leftS = Math.max(1, Math.floor((expiry - now) / 1000));
    setCookie(c, cookieName(ctx, SESSION_COOKIE), await seal(ctx, { sid: data.sid }, leftS), cookieOptions(ctx, leftS));
  }
  // iron accepts a seal up to a minute past its expiry (clock skew); the cache stops at the expiry itself.
  if (expiry !== null) {
    cache.set(sealed, { sid: data.sid, until: Math.min(now + UNSEAL_CACHE_MS, expiry) });
    if (cache.size > UNSEAL_CACHE_MAX) cache.delete(cache.keys().next().value!);
  }
  return data.sid;
}

/** The hash under which this request's session is stored (`sessions.id_hash`), or null without a session cookie. */
export async function sessionIdHash(ctx: Ctx, c: Context): Promise<string | null> {
  const sid = await sessionIdOf(ctx, c);
  return sid === null ? null : hashToken(sid);
}

import { liveSessionSql, type LiveSessionRow } from '../../store/sessions.ts';

export { liveSessionSql, type LiveSessionRow };

/** Starts a dashboard session for a user and sets its cookie; a session this browser already had ends (no fixation). */
export async function startSession(ctx: Ctx, c: Context, userId: string): Promise<void> {
  const old = await sessionIdHash(ctx, c);
  if (old !== null) {
    await ctx.db.query(`update sessions set revoked_at = $2 where id_hash = $1 and revoked_at is null`, [old, nowDate(ctx)]);
  }
  perRequest.delete(c);
  const sid = generateToken(ctx.random, 'session');
  await ctx.db.query(`insert into sessions (id_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)`, [
    hashToken(sid),
    userId,
    nowDate(ctx),
    inSeconds(ctx, ctx.config.sessionTtlS),
  ]);
  setCookie(c, cookieName(ctx, SESSION_COOKIE), await seal(ctx, { sid }, ctx.config.sessionTtlS), cookieOptions(ctx, ctx.config.sessionTtlS));
}

/** The user of a `liveSessionSql` row, `is_operator` being the effective role (hasOperatorRole: verified addresses only). */
export function sessionUserOf(ctx: Ctx, row: LiveSessionRow): User {
  const user = { id: row.user_id, email: row.email, is_operator: row.is_operator, locked_at: null, created_at: row.user_created_at, email_verified_at: row.email_verified_at };
  return { ...user, is_operator: hasOperatorRole(ctx.config, user) };
}

/**
 * The signed-in user of this request, or null (expired, revoked, locked or no cookie). `is_operator`
 * is the effective role (hasOperatorRole).
 */
export async function sessionUser(ctx: Ctx, c: Context): Promise<User | null> {
  const sid = await sessionIdHash(ctx, c);
  if (sid === null) return null;
  const row = await ctx.db.one<LiveSessionRow>(liveSessionSql('$1', '$2'), [sid, nowDate(ctx)]);
  return row ? sessionUserOf(ctx, row) : null;
}

/** Ends this browser's session. */
export async function endSession(ctx: Ctx, c: Context): Promise<void> {
  const sid = await sessionIdHash(ctx, c);
  if (sid !== null) {
    await ctx.db.query(`update sessions set revoked_at = $2 where id_hash = $1 and revoked_at is null`, [sid, nowDate(ctx)]);
  }
  perRequest.delete(c);
  deleteCookie(c, cookieName(ctx, SESSION_COOKIE), { path: '/', secure: ctx.config.issuer.startsWith('https:') });
}

/** Ends every session of a user (account locked, password changed or reset); returns how many were live. */
export async function endAllSessions(ctx: Pick<Ctx, 'clock'> & { db: Db }, userId: string): Promise<number> {
  const rows = await ctx.db.query(`update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1`, [userId, nowDate(ctx)]);
  return rows.length;
}
