import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { OAuthError } from '../errors.ts';
import { deleteSpentFailures, lockFailure, readFailures, writeFailure } from '../../store/rate-limits.ts';
import { BoundedMap, rateLimitHeaders } from './shared.ts';

/**
 * Failures are what is limited at the token, revocation and introspection endpoints (docs/rate-limits.md §2): each
 * failed client authentication or invalid grant (which includes a failed PKCE check) raises a level that leaks away
 * at `leakPerS`; past `capacity` the bucket is blocked for BLOCK_BASE_S, doubling with each block until the level
 * has leaked back to zero. Successful requests never raise it.
 */
export interface FailureRule {
  capacity: number;
  leakPerS: number;
}

export const FAILURE_LIMITS = {
  /** One address: 50 failures at once, then one a second sustained. */
  perAddress: { capacity: 50, leakPerS: 1 },
  /** One client, from every address: ten times that. */
  perClient: { capacity: 500, leakPerS: 10 },
} satisfies Record<string, FailureRule>;

export const BLOCK_BASE_S = 10;
export const BLOCK_MAX_S = 900;
/** On Postgres, a bucket's shared state is re-read at most this often by each instance. */
const SHARE_MS = 1000;
/** An address that succeeded for a client in this long keeps working while that client is blocked. */
const KNOWN_GOOD_MS = 3600_000;

export interface FailureState {
  level: number;
  at: number;
  strikes: number;
  blockedUntil: number;
}

/** The level and strikes at `now`: the level leaks linearly; strikes end when it is back to zero. */
function decayed(s: FailureState, now: number, rule: FailureRule): FailureState {
  const level = Math.max(0, s.level - (Math.max(0, now - s.at) / 1000) * rule.leakPerS);
  return { level, at: now, strikes: level === 0 && s.blockedUntil <= now ? 0 : s.strikes, blockedUntil: s.blockedUntil };
}

/** The state after one more failure at `now` (the only rule of this limiter; both stores use it). */
export function afterFailure(s: FailureState | undefined, now: number, rule: FailureRule): FailureState {
  const d = s ? decayed(s, now, rule) : { level: 0, at: now, strikes: 0, blockedUntil: 0 };
  const next = { ...d, level: d.level + 1 };
  if (next.level > rule.capacity) {
    next.strikes += 1;
    next.blockedUntil = now + Math.min(BLOCK_BASE_S * 2 ** (next.strikes - 1), BLOCK_MAX_S) * 1000;
  }
  return next;
}

interface Cached extends FailureState {
  fetchedAt: number;
}

const SLOWEST_LEAK = Math.min(...Object.values(FAILURE_LIMITS).map((r) => r.leakPerS));

/** One provider's failure buckets (`ctx.limits.failures`); `shared`: kept in the store too (Postgres). */
export class FailureLimiter {
  /** A bucket may be forgotten once its block has ended and its level has leaked away (at the slowest leak). */
  readonly states = new BoundedMap<Cached>((s, now) => s.blockedUntil <= now && s.fetchedAt + SHARE_MS <= now && s.level <= ((now - s.at) / 1000) * SLOWEST_LEAK);
  readonly knownGood = new BoundedMap<number>((at, now) => at + KNOWN_GOOD_MS <= now);
  constructor(readonly shared: boolean) {}
}

export const createFailureLimiter = (shared: boolean) => new FailureLimiter(shared);

const addressBucket = (address: string) => `fail:addr:${address}`;
const clientBucket = (clientId: string) => `fail:client:${clientId.slice(0, 128)}`;

/** Current states of buckets: this process's, refreshed from the store on Postgres when older than SHARE_MS. */
async function current(ctx: Ctx, lim: FailureLimiter, buckets: string[], now: number): Promise<Array<Cached | undefined>> {
  const stale = lim.shared ? buckets.filter((b) => (lim.states.get(b)?.fetchedAt ?? -Infinity) + SHARE_MS <= now) : [];
  if (stale.length) {
    const stored = await readFailures(ctx.db, stale);
    for (const b of stale) lim.states.set(b, { ...(stored.get(b) ?? { level: 0, at: now, strikes: 0, blockedUntil: 0 }), fetchedAt: now }, now);
  }
  return buckets.map((b) => lim.states.get(b));
}

/** Records one failure: in memory on the embedded store, in the store (under a row lock) on Postgres. */
async function recordFailure(ctx: Ctx, lim: FailureLimiter, bucket: string, rule: FailureRule, now: number): Promise<FailureState> {
  const next = lim.shared
    ? await ctx.db.tx(async (db) => {
        const s = afterFailure(await lockFailure(db, bucket, new Date(now)), now, rule);
        await writeFailure(db, bucket, s);
        return s;
      })
    : afterFailure(lim.states.get(bucket), now, rule);
  const before = lim.states.get(bucket);
  lim.states.set(bucket, { ...next, fetchedAt: now }, now);
  // Audited once per block (the failure that starts it), so a flood cannot flood the trail.
  if (next.blockedUntil > now && next.strikes !== (before?.strikes ?? 0)) {
    await recordEvent(ctx, { event: 'rate_limit.hit', details: { bucket: bucket.slice(0, 200), capacity: rule.capacity, blocked_s: Math.round((next.blockedUntil - now) / 1000) } });
  }
  return next;
}

function refused(name: string, rule: FailureRule, untilMs: number, now: number): OAuthError {
  const retryAfterS = Math.max(1, Math.ceil((untilMs - now) / 1000));
  return new OAuthError('slow_down', `too many failed requests; retry in ${retryAfterS}s`, 429, rateLimitHeaders(name, rule.capacity, rule.capacity / rule.leakPerS, 0, retryAfterS, retryAfterS));
}

/** Only these outcomes count: a wrong client credential, or a code / refresh token that is not good (incl. PKCE). */
function isCountedFailure(err: unknown): boolean {
  return err instanceof OAuthError && (err.error === 'invalid_client' || err.error === 'invalid_grant');
}

/**
 * Runs `f` (one request at a client-authenticating endpoint) unless the address, or the client (for an address that
 * has not succeeded with it lately), is blocked; a counted failure of `f` is recorded against both.
 */
export async function limitingFailures<T>(ctx: Ctx, address: string, clientId: string | undefined, f: () => Promise<T>): Promise<T> {
  const lim = ctx.limits.failures;
  const now = ctx.clock.now();
  const buckets = [addressBucket(address), ...(clientId ? [clientBucket(clientId)] : [])];
  const [byAddress, byClient] = await current(ctx, lim, buckets, now);
  if (byAddress && byAddress.blockedUntil > now) throw refused('failures-address', FAILURE_LIMITS.perAddress, byAddress.blockedUntil, now);
  const pair = clientId ? `${clientId}\n${address}` : '';
  if (byClient && byClient.blockedUntil > now && lim.knownGood.get(pair) === undefined) throw refused('failures-client', FAILURE_LIMITS.perClient, byClient.blockedUntil, now);
  try {
    const result = await f();
    if (clientId) lim.knownGood.set(pair, now, now);
    return result;
  } catch (err) {
    if (isCountedFailure(err)) {
      await recordFailure(ctx, lim, buckets[0]!, FAILURE_LIMITS.perAddress, now);
      if (clientId) await recordFailure(ctx, lim, buckets[1]!, FAILURE_LIMITS.perClient, now);
    }
    throw err;
  }
}

/** Part of sweepRateLimits: forgets buckets that say nothing any more. */
export async function sweepFailures(ctx: Ctx): Promise<void> {
  const now = ctx.clock.now();
  ctx.limits.failures.states.dropEnded(now);
  ctx.limits.failures.knownGood.dropEnded(now);
  // A row whose level has leaked away and whose block has ended says nothing any more (the longest leak is a day's).
  await deleteSpentFailures(ctx.db, new Date(now - 86_400_000), new Date(now));
}
