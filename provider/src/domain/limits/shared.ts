// What the in-memory limiters share: a bounded map of buckets, and the RateLimit answer headers.

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
