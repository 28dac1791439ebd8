import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowS: number;
}

/** Named limits; change them here. */
export const RATE_LIMITS = {
  loginPerAddress: { limit: 20, windowS: 60 },
  loginPerAccount: { limit: 10, windowS: 60 },
  signupPerAddress: { limit: 10, windowS: 600 },
  tokenPerAddress: { limit: 600, windowS: 60 },
  tokenPerClient: { limit: 1200, windowS: 60 },
  registerPerAddress: { limit: 10, windowS: 3600 },
  temporaryAppPerAddress: { limit: 30, windowS: 3600 },
} satisfies Record<string, RateLimitRule>;

export interface RateLimitResult {
  ok: boolean;
  retryAfterS: number;
}

/**
 * Counts one hit in a fixed window kept in the store, so every instance on one Postgres shares it.
 * `bucket` names what is limited, e.g. `login:addr:127.0.0.1`.
 */
export async function hit(ctx: Ctx, bucket: string, rule: RateLimitRule): Promise<RateLimitResult> {
  const now = ctx.clock.now();
  const windowMs = rule.windowS * 1000;
  const start = new Date(Math.floor(now / windowMs) * windowMs);
  const row = await ctx.db.one<{ hits: number }>(
    `insert into rate_limits (bucket, window_start, hits) values ($1, $2, 1)
     on conflict (bucket, window_start) do update set hits = rate_limits.hits + 1
     returning hits`,
    [bucket, start],
  );
  const hits = row?.hits ?? 1;
  // Audited once per limited window (the first refused request), so a flood cannot flood the trail.
  if (hits === rule.limit + 1) await recordEvent(ctx, { event: 'rate_limit.hit', details: { bucket: bucket.slice(0, 200), limit: rule.limit, window_s: rule.windowS } });
  const retryAfterS = Math.max(1, Math.ceil((start.getTime() + windowMs - now) / 1000));
  return { ok: hits <= rule.limit, retryAfterS };
}

/** Deletes windows that have ended. */
export async function sweepRateLimits(ctx: Ctx): Promise<void> {
  await ctx.db.query(`delete from rate_limits where window_start < $1`, [new Date(ctx.clock.now() - 86_400_000)]);
}
