import type { Ctx } from '../context.ts';

const DAY_MS = 86_400_000;

/**
 * Deletes OAuth state that can no longer matter: answered or expired authorization requests, codes a
 * day past expiry, access tokens a day past expiry, refresh tokens a day past idle expiry. Rotated
 * refresh tokens stay until then, so reuse detection keeps working for as long as they could be replayed.
 */
export async function sweepOAuth(ctx: Ctx): Promise<void> {
  const now = new Date(ctx.clock.now());
  const dayAgo = new Date(ctx.clock.now() - DAY_MS);
  await ctx.db.query(`delete from authorization_requests where expires_at < $1 or used_at is not null`, [now]);
  await ctx.db.query(`delete from authorization_codes where expires_at < $1`, [dayAgo]);
  await ctx.db.query(`delete from access_tokens where expires_at < $1`, [dayAgo]);
  await ctx.db.query(`delete from refresh_tokens where idle_expires_at < $1`, [dayAgo]);
}
