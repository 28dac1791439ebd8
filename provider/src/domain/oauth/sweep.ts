import type { Ctx } from '../context.ts';
import { deleteAnsweredOrExpiredRequests } from '../../store/authorization-requests.ts';
import { deleteExpiredCodes } from '../../store/codes.ts';
import { deleteExpiredTokens } from '../../store/tokens.ts';

const DAY_MS = 86_400_000;

/**
 * Deletes OAuth state that can no longer matter: answered or expired authorization requests, codes a
 * day past expiry, access tokens a day past expiry, refresh tokens a day past idle expiry. Rotated
 * refresh tokens stay until then, so reuse detection keeps working for as long as they could be replayed.
 */
export async function sweepOAuth(ctx: Ctx): Promise<void> {
  const now = new Date(ctx.clock.now());
  const dayAgo = new Date(ctx.clock.now() - DAY_MS);
  await deleteAnsweredOrExpiredRequests(ctx.db, now);
  await deleteExpiredCodes(ctx.db, dayAgo);
  await deleteExpiredTokens(ctx.db, dayAgo);
}
