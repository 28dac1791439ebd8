import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';

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
 * Counts one hit in a fixed window. `bucket` names what is limited, e.g. `login:addr:127.0.0.1`.
 *
 * On Postgres the windows live in the store, so every instance on one database shares them (one upsert a hit).
 * The embedded store is opened by exactly one process (store/lock.ts), so there the windows are kept in this
 * process's memory: the same counts without a write per request. A restart forgets them (at most one window).
 */
export function hit(ctx: Ctx, bucket: string, rule: RateLimitRule): Promise<RateLimitResult> {
  return perStore(windowsOf, ctx.db, () => new FixedWindows()).hit(ctx, bucket, rule);
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

/** One value per store (keyed by the store object), made on first use: a process's in-memory limiter state. */
export function perStore<T>(map: WeakMap<object, T>, db: object, make: () => T): T {
  let v = map.get(db);
  if (v === undefined) map.set(db, (v = make()));
  return v;
}

/**
 * At most this many buckets are kept by each in-memory limiter (~200 bytes each). Reaching it drops the entries that
 * have ended, then, if many addresses are live at once, the oldest down to 90 %: memory stays bounded under a flood of
 * addresses, and a trim runs once per 10 % of new buckets, not on every request.
 */
export const MEMORY_MAX_BUCKETS = 100_000;

/** A Map whose size stays at most MEMORY_MAX_BUCKETS: `ended(v, now)` says which entries may go first. */
export class BoundedMap<V> {
  readonly #entries = new Map<string, V>();
  constructor(readonly ended: (v: V, now: number) => boolean) {}

  get size(): number {
    return this.#entries.size;
  }
  get(key: string): V | undefined {
    return this.#entries.get(key);
  }
  /** Sets `key`, re-inserting it as the newest. */
  set(key: string, v: V, now: number): void {
    if (this.#entries.delete(key)) {
      // an update: size unchanged
    } else if (this.#entries.size >= MEMORY_MAX_BUCKETS) {
      this.dropEnded(now);
      for (const k of this.#entries.keys()) {
        if (this.#entries.size <= Math.floor(MEMORY_MAX_BUCKETS * 0.9)) break;
        this.#entries.delete(k);
      }
    }
    this.#entries.set(key, v);
  }
  dropEnded(now: number): void {
    for (const [k, v] of this.#entries) if (this.ended(v, now)) this.#entries.delete(k);
  }
}

interface Window {
  start: number;
  ends: number;
  hits: number;
}

/** One process's fixed windows (`hit`), keyed by bucket: only the current window of each, in memory when embedded. */
export class FixedWindows {
  readonly #windows = new BoundedMap<Window>((w, now) => w.ends <= now);

  /** How many buckets are held in memory. */
  get size(): number {
    return this.#windows.size;
  }

  async hit(ctx: Ctx, bucket: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const now = ctx.clock.now();
    const windowMs = rule.windowS * 1000;
    const start = Math.floor(now / windowMs) * windowMs;
    const hits = ctx.db.kind === 'pglite' ? this.#memoryHit(bucket, start, windowMs, now) : await storeHit(ctx, bucket, start);
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

const windowsOf = new WeakMap<object, FixedWindows>();

/** Sweep hooks of the other limiters (failure-limit.ts, quota.ts), so one sweep covers them all. */
const sweepers: Array<(ctx: Ctx) => Promise<void>> = [];
export function onSweep(f: (ctx: Ctx) => Promise<void>): void {
  sweepers.push(f);
}

/** Deletes windows that have ended. */
export async function sweepRateLimits(ctx: Ctx): Promise<void> {
  windowsOf.get(ctx.db)?.dropEnded(ctx.clock.now());
  await ctx.db.query(`delete from rate_limits where window_start < $1`, [new Date(ctx.clock.now() - 86_400_000)]);
  for (const f of sweepers) await f(ctx);
}

/**
 * The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): the policy (quota `q` per window `w` seconds)
 * and what is left of it (`r` remaining, `t` seconds until it is whole again), plus Retry-After when refused.
 */
export function rateLimitHeaders(name: string, q: number, w: number, r: number, t: number, retryAfterS?: number): Record<string, string> {
  const h: Record<string, string> = {
    'RateLimit-Policy': `"${name}";q=${q};w=${w}`,
    RateLimit: `"${name}";r=${Math.max(0, Math.floor(r))};t=${Math.max(0, Math.ceil(t))}`,
  };
  if (retryAfterS !== undefined) h['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterS)));
  return h;
}
