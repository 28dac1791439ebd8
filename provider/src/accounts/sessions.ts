import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sealData, unsealData } from 'iron-session';
import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import { generateToken, hashToken } from '../tokens.ts';
import type { User } from './users.ts';

export const SESSION_COOKIE = 'instant_session';

/** Cookie attributes for every provider cookie (SECURITY.md 8). */
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

/** Opens a sealed value; anything tampered, expired or malformed → null. */
export async function unseal<T extends Record<string, unknown>>(ctx: Ctx, sealed: string | undefined, ttlS: number): Promise<T | null> {
  if (!sealed || sealed.length > 4096) return null;
  try {
    const data = await unsealData<T>(sealed, { password: ctx.config.secret, ttl: ttlS });
    return data && Object.keys(data).length > 0 ? data : null;
  } catch {
    return null;
  }
}

/** Starts a dashboard session for a user and sets its cookie; a session this browser already had ends (no fixation). */
export async function startSession(ctx: Ctx, c: Context, userId: string): Promise<void> {
  const old = await unseal<{ sid: string }>(ctx, getCookie(c, SESSION_COOKIE), ctx.config.sessionTtlS);
  if (old && typeof old.sid === 'string') {
    await ctx.db.query(`update sessions set revoked_at = $2 where id_hash = $1 and revoked_at is null`, [hashToken(old.sid), nowDate(ctx)]);
  }
  const sid = generateToken(ctx.random, 'session');
  await ctx.db.query(`insert into sessions (id_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)`, [
    hashToken(sid),
    userId,
    nowDate(ctx),
    inSeconds(ctx, ctx.config.sessionTtlS),
  ]);
  setCookie(c, SESSION_COOKIE, await seal(ctx, { sid }, ctx.config.sessionTtlS), cookieOptions(ctx, ctx.config.sessionTtlS));
}

/**
 * The signed-in user of this request, or null (expired, revoked, locked or no cookie). `is_operator`
 * is the effective role: the stored flag or an email listed in OPERATOR_EMAILS.
 */
export async function sessionUser(ctx: Ctx, c: Context): Promise<User | null> {
  const data = await unseal<{ sid: string }>(ctx, getCookie(c, SESSION_COOKIE), ctx.config.sessionTtlS);
  if (!data || typeof data.sid !== 'string') return null;
  const user = await ctx.db.one<User>(
    `select u.id, u.email, u.is_operator, u.locked_at, u.created_at
       from sessions s join users u on u.id = s.user_id
      where s.id_hash = $1 and s.revoked_at is null and s.expires_at > $2 and u.locked_at is null`,
    [hashToken(data.sid), nowDate(ctx)],
  );
  if (!user) return null;
  return { ...user, is_operator: user.is_operator || ctx.config.operatorEmails.includes(user.email) };
}

/** Ends this browser's session. */
export async function endSession(ctx: Ctx, c: Context): Promise<void> {
  const data = await unseal<{ sid: string }>(ctx, getCookie(c, SESSION_COOKIE), ctx.config.sessionTtlS);
  if (data && typeof data.sid === 'string') {
    await ctx.db.query(`update sessions set revoked_at = $2 where id_hash = $1 and revoked_at is null`, [hashToken(data.sid), nowDate(ctx)]);
  }
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: ctx.config.issuer.startsWith('https:') });
}

/** Ends every session of a user (account locked, password changed). */
export async function endAllSessions(ctx: Ctx, userId: string): Promise<void> {
  await ctx.db.query(`update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null`, [userId, nowDate(ctx)]);
}
