import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import type { Db } from '../../store/index.ts';
import { touchGrant as storeTouchGrant } from '../../store/grants.ts';
import { insertAccessToken as storeAccessToken, insertRefreshToken as storeRefreshToken, type TokenBinding } from '../../store/tokens.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { scopeString } from './scopes.ts';

/** At most this many live refresh token families (sign-ins) per user and client; the oldest go first. */
export const MAX_REFRESH_FAMILIES = 5;

export type { TokenBinding } from '../../store/tokens.ts';

/** A new access token of binding `b`, inserted through `db` (a transaction of the caller's). Returns the token. */
export async function insertAccessToken(db: Db, ctx: Ctx, b: TokenBinding, scopes: readonly string[], refreshTokenId: string | null): Promise<string> {
  const token = generateToken(ctx.random, 'access');
  await storeAccessToken(db, b, { id: ctx.random.uuid(), tokenHash: hashToken(token), scopes, createdAt: nowDate(ctx), expiresAt: inSeconds(ctx, ctx.config.accessTokenTtlS) }, refreshTokenId);
  return token;
}

/** A new refresh token of binding `b` (its parent the token it replaces, if any). Returns its id and the token. */
export async function insertRefreshToken(db: Db, ctx: Ctx, b: TokenBinding, scopes: readonly string[], parentId: string | null): Promise<{ id: string; token: string }> {
  const token = generateToken(ctx.random, 'refresh');
  const id = ctx.random.uuid();
  await storeRefreshToken(db, b, { id, tokenHash: hashToken(token), scopes, createdAt: nowDate(ctx), expiresAt: inSeconds(ctx, ctx.config.refreshTokenIdleTtlS) }, parentId);
  return { id, token };
}

/** A grant's "last used" is kept to the minute: a write per minute per grant, not one per token request. */
export const GRANT_TOUCH_RESOLUTION_MS = 60_000;

/** The time before which a grant's last use is noted again (GRANT_TOUCH_RESOLUTION_MS). */
export function touchBefore(now: Date): Date {
  return new Date(now.getTime() - GRANT_TOUCH_RESOLUTION_MS);
}

export async function touchGrant(db: Db, ctx: Ctx, grantId: string): Promise<void> {
  const now = nowDate(ctx);
  await storeTouchGrant(db, grantId, now, touchBefore(now));
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
