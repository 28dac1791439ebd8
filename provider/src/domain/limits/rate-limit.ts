import type { Ctx } from '../context.ts';
import type { Store } from '../../store/index.ts';
import { deleteWindowsBefore, hitWindow } from '../../store/rate-limits.ts';
import { recordEvent } from '../audit/events.ts';
import { createFailureLimiter, sweepFailures, type FailureLimiter } from './failure-limit.ts';
import { createQuotas, sweepQuotas, type Quotas } from './quota.ts';
import { BoundedMap } from './shared.ts';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowS: number;
}

/**
 * Fixed windows for what is limited per attempt, successful or not: logins and sign-ups (per account and per address),
 * registrations and temporary apps. Token traffic is limited by failure-limit.ts and quota.ts (docs/rate-limits.md).
 */
export const RATE_LIMITS = {
  loginPerAddress: { limit: 20, windowS: 60 },
  loginPerAccount: { limit: 10, windowS: 60 },
  signupPerAddress: { limit: 10, windowS: 600 },
  registerPerAddress: { limit: 10, windowS: 3600 },
  temporaryAppPerAddress: { limit: 30, windowS: 3600 },
} satisfies Record<string, RateLimitRule>;

export interface RateLimitResult {
  ok: boolean;
  retryAfterS: number;
}

/**
 * One provider's limiter state (issue 11: per provider, never module state), made by createProvider and carried as
 * `ctx.limits`. `shared`: the state lives in the store (Postgres: every instance on one database shares it) rather
 * than only in this process's memory (the embedded store, opened by exactly one process: store/lock.ts).
 */
export interface LimitState {
  windows: FixedWindows;
  failures: FailureLimiter;
  quotas: Quotas;
}

export function createLimitState(kind: Store['kind']): LimitState {
  const shared = kind === 'postgres';
  return { windows: new FixedWindows(shared), failures: createFailureLimiter(shared), quotas: createQuotas(shared) };
}

/**
 * Counts one hit in a fixed window. `bucket` names what is limited, e.g. `login:addr:127.0.0.1`.
 *
 * On Postgres the windows live in the store, so every instance on one database shares them (one upsert a hit).
 * On the embedded store the windows are kept in this process's memory: the same counts without a write per request.
 * A restart forgets them (at most one window).
 */
export function hit(ctx: Ctx, bucket: string, rule: RateLimitRule): Promise<RateLimitResult> {
  return ctx.limits.windows.hit(ctx, bucket, rule);
}

interface Window {
  start: number;
  ends: number;
  hits: number;
}

/** One provider's fixed windows (`hit`), keyed by bucket: only the current window of each, in memory when embedded. */
export class FixedWindows {
  readonly #windows = new BoundedMap<Window>((w, now) => w.ends <= now);

  /** `shared`: count in the store (Postgres), not in memory. */
  constructor(readonly shared = false) {}

  /** How many buckets are held in memory. */
  get size(): number {
    return this.#windows.size;
  }

  async hit(ctx: Pick<Ctx, 'db' | 'clock' | 'log'>, bucket: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const now = ctx.clock.now();
    const windowMs = rule.windowS * 1000;
    const start = Math.floor(now / windowMs) * windowMs;
    const hits = this.shared ? await hitWindow(ctx.db, bucket, new Date(start)) : this.#memoryHit(bucket, start, windowMs, now);
    // Audited once per limited window (the first refused request), so a flood cannot flood the trail.
    if (hits === rule.limit + 1) await recordEvent(ctx, { event: 'rate_limit.hit', details: { bucket: bucket.slice(0, 200), limit: rule.limit, window_s: rule.windowS } });
    const retryAfterS = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
    return { ok: hits <= rule.limit, retryAfterS };
  }

  #memoryHit(bucket: string, start: number, windowMs: number, now: number): number {
    let w = this.#windows.get(bucket);
    if (!w || w.start !== start) this.#windows.set(bucket, (w = { start, ends: start + windowMs, hits: 0 }), now);
    return ++w.hits;
  }

  dropEnded(now: number): void {
    this.#windows.dropEnded(now);
  }
}

/** Forgets what has ended, in memory and in the store: the windows here, then the failure buckets and quotas. */
export async function sweepRateLimits(ctx: Ctx): Promise<void> {
  const now = ctx.clock.now();
  ctx.limits.windows.dropEnded(now);
  await deleteWindowsBefore(ctx.db, new Date(now - 86_400_000));
  await sweepFailures(ctx);
  await sweepQuotas(ctx);
}
