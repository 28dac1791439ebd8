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
 * Counts one hit in a fixed window. `bucket` names what is limited, e.g. `login:addr:127.0.0.1`.
 *
 * On Postgres the windows live in the store, so every instance on one database shares them (one upsert a hit).
 * The embedded store is opened by exactly one process (store/lock.ts), so there the windows are kept in this
 * process's memory: the same counts without a write per request. A restart forgets them (at most one window).
 */
export async function hit(ctx: Ctx, bucket: string, rule: RateLimitRule): Promise<RateLimitResult> {
  const now = ctx.clock.now();
  const windowMs = rule.windowS * 1000;
  const start = Math.floor(now / windowMs) * windowMs;
  const hits = ctx.db.kind === 'pglite' ? memoryHit(ctx, bucket, start, windowMs, now) : await storeHit(ctx, bucket, start);
  // Audited once per limited window (the first refused request), so a flood cannot flood the trail.
  if (hits === rule.limit + 1) await recordEvent(ctx, { event: 'rate_limit.hit', details: { bucket: bucket.slice(0, 200), limit: rule.limit, window_s: rule.windowS } });
  const retryAfterS = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
  return { ok: hits <= rule.limit, retryAfterS };
}

async function storeHit(ctx: Ctx, bucket: string, start: number): Promise<number> {
  const row = await ctx.db.one<{ hits: number }>(
    `insert into rate_limits (bucket, window_start, hits) values ($1, $2, 1)
     on conflict (bucket, window_start) do update set hits = rate_limits.hits + 1
     returning hits`,
    [bucket, new Date(start)],
  );
  return row?.hits ?? 1;
}

interface Window {
  start: number;
  ends: number;
  hits: number;
}

/** Per store: one process's windows, keyed by bucket (only the current window of each), oldest window first. */
const memoryWindows = new WeakMap<object, Map<string, Window>>();
/**
 * At most this many buckets are kept (~200 bytes each). Reaching it drops the windows that have ended, then, if
 * many addresses are live at once, the oldest windows down to 90 %: memory stays bounded under a flood of addresses,
 * and a trim runs once per 10 % of new buckets, not on every request.
 */
export const MEMORY_MAX_BUCKETS = 100_000;

function memoryHit(ctx: Ctx, bucket: string, start: number, windowMs: number, now: number): number {
  let windows = memoryWindows.get(ctx.db);
  if (!windows) memoryWindows.set(ctx.db, (windows = new Map()));
  let w = windows.get(bucket);
  if (!w || w.start !== start) {
    if (w) windows.delete(bucket);
    else if (windows.size >= MEMORY_MAX_BUCKETS) trim(windows, now, Math.floor(MEMORY_MAX_BUCKETS * 0.9));
    windows.set(bucket, (w = { start, ends: start + windowMs, hits: 0 }));
  }
  return ++w.hits;
}

function trim(windows: Map<string, Window>, now: number, keep: number): void {
  dropEnded(windows, now);
  for (const bucket of windows.keys()) {
    if (windows.size <= keep) break;
    windows.delete(bucket);
  }
}

/** How many buckets this process holds for a store (tests). */
export function memoryBuckets(ctx: Ctx): number {
  return memoryWindows.get(ctx.db)?.size ?? 0;
}

function dropEnded(windows: Map<string, Window>, now: number): void {
  for (const [bucket, w] of windows) if (w.ends <= now) windows.delete(bucket);
}

/** Deletes windows that have ended. */
export async function sweepRateLimits(ctx: Ctx): Promise<void> {
  const windows = memoryWindows.get(ctx.db);
  if (windows) dropEnded(windows, ctx.clock.now());
  await ctx.db.query(`delete from rate_limits where window_start < $1`, [new Date(ctx.clock.now() - 86_400_000)]);
}
