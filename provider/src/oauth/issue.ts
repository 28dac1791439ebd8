import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import type { Db } from '../store/index.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { signIdToken } from './jwks.ts';
import { scopeString } from './scopes.ts';

/** At most this many live refresh token families (sign-ins) per user and client; the oldest go first. */
export const MAX_REFRESH_FAMILIES = 5;

export interface TokenBinding {
  grantId: string;
  clientId: string;
  userId: string;
  familyId: string;
  codeHash: string | null;
}

export async function insertAccessToken(db: Db, ctx: Ctx, b: TokenBinding, scopes: readonly string[], refreshTokenId: string | null): Promise<string> {
  const token = generateToken(ctx.random, 'access');
  await db.query(
    `insert into access_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, refresh_token_id, code_hash, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [ctx.random.uuid(), hashToken(token), b.familyId, b.grantId, b.clientId, b.userId, [...scopes], refreshTokenId, b.codeHash, nowDate(ctx), inSeconds(ctx, ctx.config.accessTokenTtlS)],
  );
  return token;
}

export async function insertRefreshToken(db: Db, ctx: Ctx, b: TokenBinding, scopes: readonly string[], parentId: string | null): Promise<{ id: string; token: string }> {
  const token = generateToken(ctx.random, 'refresh');
  const id = ctx.random.uuid();
  await db.query(
    `insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, code_hash, parent_id, created_at, idle_expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [id, hashToken(token), b.familyId, b.grantId, b.clientId, b.userId, [...scopes], b.codeHash, parentId, nowDate(ctx), inSeconds(ctx, ctx.config.refreshTokenIdleTtlS)],
  );
  return { id, token };
}

/** Keeps at most MAX_REFRESH_FAMILIES live refresh token families per (user, client), revoking the oldest. */
export async function enforceRefreshLimit(db: Db, ctx: Ctx, userId: string, clientId: string): Promise<void> {
  const now = nowDate(ctx);
  await db.query(
    `update refresh_tokens set revoked_at = $3
      where client_id = $1 and user_id = $2 and revoked_at is null and family_id in (
        select family_id from refresh_tokens
         where client_id = $1 and user_id = $2 and revoked_at is null and rotated_at is null and idle_expires_at > $3
         group by family_id order by max(created_at) desc, family_id offset $4)`,
    [clientId, userId, now, MAX_REFRESH_FAMILIES],
  );
}

/** A grant's "last used" is kept to the minute: a write per minute per grant, not one per token request. */
export const GRANT_TOUCH_RESOLUTION_MS = 60_000;

export async function touchGrant(db: Db, ctx: Ctx, grantId: string): Promise<void> {
  const now = nowDate(ctx);
  await db.query(`update grants set last_used_at = $2 where id = $1 and (last_used_at is null or last_used_at < $3)`, [
    grantId,
    now,
    new Date(now.getTime() - GRANT_TOUCH_RESOLUTION_MS),
  ]);
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  scopes: string;
  id_token?: string;
}

/** RFC 6749 §5.1 success body; `scopes` repeats `scope` for clients written against Instant's server (docs/api.md §2). */
export function tokenResponse(ctx: Ctx, access: string, scopes: readonly string[], refresh: string | undefined, idToken: string | undefined): TokenResponse {
  const s = scopeString(scopes);
  const body: TokenResponse = { access_token: access, token_type: 'Bearer', expires_in: ctx.config.accessTokenTtlS, scope: s, scopes: s };
  if (refresh !== undefined) body.refresh_token = refresh;
  if (idToken !== undefined) body.id_token = idToken;
  return body;
}

/** An id_token for the user when `openid` was granted (OIDC Core §3.1.3.3); email claims with `email`. */
export async function idTokenFor(
  ctx: Ctx,
  db: Db,
  a: { userId: string; clientId: string; scopes: readonly string[]; authTime: Date; nonce: string | null },
): Promise<string | undefined> {
  if (!a.scopes.includes('openid')) return undefined;
  let email: string | undefined;
  if (a.scopes.includes('email')) {
    const u = await db.one<{ email: string }>(`select email from users where id = $1`, [a.userId]);
    email = u?.email;
  }
  return signIdToken(ctx, { sub: a.userId, aud: a.clientId, authTime: a.authTime, nonce: a.nonce, email, emailVerified: false, lifetimeS: ctx.config.accessTokenTtlS });
}
