import { randomUUID } from 'node:crypto';
import type { Ctx } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { addUsage, deleteUsageBefore } from '../../store/rate-limits.ts';
import { BoundedMap, rateLimitHeaders } from './shared.ts';

/**
 * The only limit on an authenticated client's successful traffic (docs/rate-limits.md §3): a token bucket per client
 * that refills at its app's `rate_limit_per_s` (CLIENT_RATE_LIMIT when the operator set none) and holds
 * CLIENT_RATE_BURST_S seconds of it. The bucket lives in this process's memory, so a request costs no statement.
 *
 * On Postgres, each instance adds what it let through to a running total in the store about once a second (one
 * statement for all its clients), and reads the others' totals in the same statement: what they spent since it last
 * looked is taken from its own bucket. So instances share one quota, off by at most a second's traffic each.
 */
const FLUSH_MS = 1000;

interface Bucket {
  tokens: number;
  at: number;
  rate: number;
  capacity: number;
  /** Let through since the last flush (Postgres). */
  unflushed: number;
  /** The other instances' total at the last flush, once known. */
  others?: number;
}

/** One provider's client buckets (`ctx.limits.quotas`); `shared`: totals flushed to the store (Postgres). */
export class Quotas {
  constructor(readonly shared: boolean) {}
  readonly instanceId = randomUUID();
  readonly buckets = new BoundedMap<Bucket>((b, now) => b.unflushed === 0 && b.at + (b.capacity / b.rate) * 1000 <= now);
  /** Buckets used since the last flush. */
  touched = new Set<string>();
  lastFlush = 0;
  flushing = false;
}

export const createQuotas = (shared: boolean) => new Quotas(shared);

export interface QuotaClient {
  client_id: string;
  app_rate_limit_per_s: number | null;
}

/**
 * Takes one request from the client's bucket. Returns the RateLimit headers for the answer, or throws 429 with them
 * and Retry-After when the bucket is empty.
 */
export function takeQuota(ctx: Ctx, client: QuotaClient): Record<string, string> {
  const q = ctx.limits.quotas;
  const now = ctx.clock.now();
  const rate = client.app_rate_limit_per_s ?? ctx.config.clientRateLimitPerS;
  const burstS = ctx.config.clientRateBurstS;
  const capacity = rate * burstS;
  const key = `quota:client:${client.client_id}`;
  const old = q.buckets.get(key);
  // A new quota (the operator changed it) keeps what was spent of the old burst: raising it adds the difference at once.
  const b: Bucket =
    old && old.rate === rate ? old : { tokens: old ? Math.min(capacity, Math.max(0, old.tokens + capacity - old.capacity)) : capacity, at: old?.at ?? now, rate, capacity, unflushed: old?.unflushed ?? 0, others: old?.others };
  b.tokens = Math.min(capacity, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
  b.at = now;
  const ok = b.tokens >= 1;
  if (ok) {
    b.tokens -= 1;
    b.unflushed += 1;
  }
  q.buckets.set(key, b, now);
  if (q.shared) {
    q.touched.add(key);
    if (!q.flushing && now - q.lastFlush >= FLUSH_MS) void flush(ctx, q, now);
  }
  const headers = rateLimitHeaders('client', capacity, burstS, b.tokens, (capacity - b.tokens) / rate, ok ? undefined : (1 - b.tokens) / rate);
  if (!ok) throw new OAuthError('slow_down', `this client's quota of ${rate} requests a second is used up; retry in ${headers['Retry-After']}s`, 429, headers);
  return headers;
}

async function flush(ctx: Ctx, q: Quotas, now: number): Promise<void> {
  q.flushing = true;
  q.lastFlush = now;
  const keys = [...q.touched].filter((k) => q.buckets.get(k));
  q.touched = new Set();
  const counts = keys.map((k) => {
    const b = q.buckets.get(k)!;
    const n = b.unflushed;
    b.unflushed = 0;
    return n;
  });
  try {
    const rows = await addUsage(ctx.db, q.instanceId, keys, counts, new Date(now));
    for (const r of rows) {
      const b = q.buckets.get(r.bucket);
      if (!b) continue;
      const others = r.others;
      if (b.others !== undefined) b.tokens = Math.max(-b.capacity, b.tokens - Math.max(0, others - b.others));
      b.others = others;
    }
  } catch (err) {
    // Not shared this once (e.g. the store is closing); the counts go with the next flush.
    keys.forEach((k, i) => {
      const b = q.buckets.get(k);
      if (b) b.unflushed += counts[i]!;
      q.touched.add(k);
    });
    ctx.log.error('rate-limit usage not flushed', { error: String(err) });
  } finally {
    q.flushing = false;
  }
}

/** Part of sweepRateLimits: forgets buckets that are full again, and totals of stopped instances. */
export async function sweepQuotas(ctx: Ctx): Promise<void> {
  const now = ctx.clock.now();
  ctx.limits.quotas.buckets.dropEnded(now);
  // Totals of instances not seen for a day (stopped ones) no longer matter.
  await deleteUsageBefore(ctx.db, new Date(now - 86_400_000));
}
