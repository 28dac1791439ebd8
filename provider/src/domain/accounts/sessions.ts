/**
 * Dashboard sessions without HTTP: sealing and opening the session cookie's value (iron-session), the unseal cache,
 * and the session rows (store/sessions.ts). Reading and writing the cookie itself is web/http/session-cookie.ts.
 *
 * @module
 */
import { sealData, unsealData } from 'iron-session';
import type { Ctx } from '../context.ts';
import type { Db } from '../../store/index.ts';
import { findLiveSession, insertSession, revokeSession, revokeSessionsOfUser, type LiveSessionRow } from '../../store/sessions.ts';
import { inSeconds, nowDate } from '../context.ts';
import { openingSecrets } from '../secret.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { hasOperatorRole, type User } from './users.ts';

export type { LiveSessionRow } from '../../store/sessions.ts';

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

/** What opening a session cookie's value found: the session id, and a value to set instead when it was sealed with a previous SECRET. */
export interface OpenedSession {
  sid: string;
  /** Sealed again with SECRET, same expiry (docs/security-lifecycle.md §2): the cookie to set, for `maxAgeS` seconds. */
  resealed: { value: string; maxAgeS: number } | null;
}

/** Opens a session cookie's value through the unseal cache (see UNSEAL_CACHE_MS); anything that does not unseal → null. */
export async function openSessionCookie(ctx: Ctx, sealed: string | undefined): Promise<OpenedSession | null> {
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
      return { sid: hit.sid, resealed: null };
    }
  }
  const opened = await openSealed<{ sid: unknown }>(ctx, sealed, ctx.config.sessionTtlS);
  const data = opened?.data;
  if (!data || typeof data.sid !== 'string') return null;
  const expiry = sealExpiry(sealed);
  let resealed: OpenedSession['resealed'] = null;
  if (!opened.current && expiry !== null) {
    // Sealed with a SECRET_PREVIOUS: sealed again with SECRET, same expiry, so an active session outlives the
    // previous secret (docs/security-lifecycle.md §2).
    const leftS = Math.max(1, Math.floor((expiry - now) / 1000));
    resealed = { value: await seal(ctx, { sid: data.sid }, leftS), maxAgeS: leftS };
  }
  // iron accepts a seal up to a minute past its expiry (clock skew); the cache stops at the expiry itself.
  if (expiry !== null) {
    cache.set(sealed, { sid: data.sid, until: Math.min(now + UNSEAL_CACHE_MS, expiry) });
    if (cache.size > UNSEAL_CACHE_MAX) cache.delete(cache.keys().next().value!);
  }
  return { sid: data.sid, resealed };
}

/**
 * Starts a dashboard session for a user; the session `oldIdHash` (the one this browser had) ends (no fixation).
 * Returns the sealed session id, the value of the session cookie.
 */
export async function startSession(ctx: Ctx, oldIdHash: string | null, userId: string): Promise<string> {
  if (oldIdHash !== null) await revokeSession(ctx.db, oldIdHash, nowDate(ctx));
  const sid = generateToken(ctx.random, 'session');
  await insertSession(ctx.db, { idHash: hashToken(sid), userId, createdAt: nowDate(ctx), expiresAt: inSeconds(ctx, ctx.config.sessionTtlS) });
  return seal(ctx, { sid }, ctx.config.sessionTtlS);
}

/** The user of a `liveSessionSql` row, `is_operator` being the effective role (hasOperatorRole: verified addresses only). */
export function sessionUserOf(ctx: Ctx, row: LiveSessionRow): User {
  const user = { id: row.user_id, email: row.email, is_operator: row.is_operator, locked_at: null, created_at: row.user_created_at, email_verified_at: row.email_verified_at };
  return { ...user, is_operator: hasOperatorRole(ctx.config, user) };
}

/** The live session with id hash `idHash` and its user, or null (expired, revoked, user locked). */
export async function liveSession(ctx: Ctx, idHash: string): Promise<LiveSessionRow | null> {
  return (await findLiveSession(ctx.db, idHash, nowDate(ctx))) ?? null;
}

/** The signed-in user of the session `idHash`, or null. `is_operator` is the effective role (hasOperatorRole). */
export async function userOfSession(ctx: Ctx, idHash: string): Promise<User | null> {
  const row = await liveSession(ctx, idHash);
  return row ? sessionUserOf(ctx, row) : null;
}

/** Ends one session. */
export async function endSession(ctx: Ctx, idHash: string): Promise<void> {
  await revokeSession(ctx.db, idHash, nowDate(ctx));
}

/** Ends every session of a user (account locked, password changed or reset); returns how many were live. */
export function endAllSessions(ctx: Pick<Ctx, 'clock'> & { db: Db }, userId: string): Promise<number> {
  return revokeSessionsOfUser(ctx.db, userId, nowDate(ctx));
}
