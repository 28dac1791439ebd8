import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { hashToken, recogniseBearer } from '../tokens.ts';
import { listApps } from '../platform/apps.ts';
import { grantAppAccess, type AppAccessMode } from '../platform/grant-apps.ts';
import { findLiveAccessToken as findLiveAccess, findLiveRefreshToken as findLiveRefresh, type LiveToken } from '../../store/tokens.ts';

export type { LiveToken } from '../../store/tokens.ts';

/** An access token that is usable now: not revoked, not expired, its grant live, its app not suspended, its user not locked. */
export async function findLiveAccessToken(ctx: Pick<Ctx, 'db' | 'clock'>, token: string): Promise<LiveToken | null> {
  if (recogniseBearer(token) !== 'access') return null;
  return (await findLiveAccess(ctx.db, hashToken(token), nowDate(ctx))) ?? null;
}

/** A refresh token that is usable now (also not rotated). */
export async function findLiveRefreshToken(ctx: Pick<Ctx, 'db' | 'clock'>, token: string): Promise<LiveToken | null> {
  if (recogniseBearer(token) !== 'refresh') return null;
  return (await findLiveRefresh(ctx.db, hashToken(token), nowDate(ctx))) ?? null;
}

/**
 * Which of the user's apps the token's grant reaches (docs/mcp.md §8): `{mode: "all"}`, or the mode with the ids of
 * the apps it reaches now (through `listApps`, the very check the Platform API makes).
 */
export async function appAccessReport(ctx: Ctx, t: Pick<LiveToken, 'grant_id' | 'user_id'>): Promise<{ mode: AppAccessMode; app_ids?: string[] }> {
  const { mode } = await grantAppAccess(ctx.db, t.grant_id);
  if (mode === 'all') return { mode };
  return { mode, app_ids: (await listApps(ctx, t.user_id, { all: true }, t.grant_id)).map((a) => a.id) };
}
