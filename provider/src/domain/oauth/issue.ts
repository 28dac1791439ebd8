import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import type { Db } from '../../store/index.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { scopeString } from './scopes.ts';

/** At most this many live refresh token families (sign-ins) per user and client; the oldest go first. */
export const MAX_REFRESH_FAMILIES = 5;

export interface TokenBinding {
  grantId: string;
  clientId: string;
  userId: string;
  familyId: string;
  codeHash: string | null;
  /** RFC 8707 resource the family was issued for; null: the Platform API (docs/mcp.md §2). */
  resource: string | null;
}

export async function insertAccessToken(db: Db, ctx: Ctx, b: TokenBinding, scopes: readonly string[], refreshTokenId: string | null): Promise<string> {
  const token = generateToken(ctx.random, 'access');
  await db.query(
    `insert into access_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, refresh_token_id, code_hash, created_at, expires_at, resource)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [ctx.random.uuid(), hashToken(token), b.familyId, b.grantId, b.clientId, b.userId, [...scopes], refreshTokenId, b.codeHash, nowDate(ctx), inSeconds(ctx, ctx.config.accessTokenTtlS), b.resource],
  );
  return token;
}

export async function insertRefreshToken(db: Db, ctx: Ctx, b: TokenBinding, scopes: readonly string[], parentId: string | null): Promise<{ id: string; token: string }> {
  const token = generateToken(ctx.random, 'refresh');
  const id = ctx.random.uuid();
  await db.query(
    `insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, code_hash, parent_id, created_at, idle_expires_at, resource)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [id, hashToken(token), b.familyId, b.grantId, b.clientId, b.userId, [...scopes], b.codeHash, parentId, nowDate(ctx), inSeconds(ctx, ctx.config.refreshTokenIdleTtlS), b.resource],
  );
  return { id, token };
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
