// The embedded store's in-memory windows: the same counts as the store's, with memory bounded under a flood of
// addresses. (The shared windows on Postgres are covered by the scale-out test.)
import { describe, expect, it } from 'vitest';
import type { Ctx } from '../context.ts';
import { FixedWindows } from './rate-limit.ts';
import { MEMORY_MAX_BUCKETS } from './shared.ts';

function fakeCtx(start = Date.UTC(2026, 10, 23, 12, 0, 0)) {
  let now = start;
  const audited: unknown[][] = [];
  const db = { kind: 'pglite', query: async (_sql: string, params: unknown[]) => void audited.push(params) };
  const ctx = { db, clock: { now: () => now }, config: {} } as unknown as Ctx;
  const windows = new FixedWindows();
  const hit = (c: Ctx, bucket: string, rule: { limit: number; windowS: number }) => windows.hit(c, bucket, rule);
  return { ctx, audited, windows, hit, advance: (ms: number) => void (now += ms) };
}

const minute = { limit: 3, windowS: 60 };
const hour = { limit: 1_000, windowS: 3600 };

describe('in-memory rate-limit windows (embedded store)', () => {
  it('counts hits per bucket and window, and starts again in the next window', async () => {
    const { ctx, windows, hit, advance } = fakeCtx();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await hit(ctx, 'login:addr:10.0.0.1', { ...minute, limit: 10 }));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    const other = await hit(ctx, 'login:addr:10.0.0.2', { ...minute, limit: 1 });
    expect(other.ok).toBe(true);
    advance(60_000);
    expect((await hit(ctx, 'login:addr:10.0.0.2', { ...minute, limit: 1 })).ok).toBe(true);
    expect(windows.size).toBe(2);
  });

  it('keeps at most MEMORY_MAX_BUCKETS buckets under a flood of addresses, dropping ended windows first, quickly', async () => {
    const { ctx, windows, hit, advance } = fakeCtx();
    // A third of the cap in windows that will have ended, then a recent bucket near its limit.
    for (let i = 0; i < MEMORY_MAX_BUCKETS / 3; i++) await hit(ctx, `login:addr:ended-${i}`, minute);
    advance(61_000);
    for (let i = 0; i < 3; i++) await hit(ctx, 'login:acct:victim', hour);
    const t0 = performance.now();
    // Then 1.5 × the cap of distinct live addresses, all within one hour-long window.
    for (let i = 0; i < MEMORY_MAX_BUCKETS * 1.5; i++) {
      await hit(ctx, `temporary-app:addr:flood-${i}`, hour);
      expect(windows.size).toBeLessThanOrEqual(MEMORY_MAX_BUCKETS);
    }
    const ms = performance.now() - t0;
    // A trim per 10 % of new buckets, not a scan per request (that would be ~10^10 steps here).
    expect(ms).toBeLessThan(20_000);
    expect(windows.size).toBeGreaterThan(MEMORY_MAX_BUCKETS * 0.85);
  });

  it('drops ended windows before any live one, so a trim loses no count it could avoid', async () => {
    const { ctx, audited, windows, hit, advance } = fakeCtx();
    for (let i = 0; i < MEMORY_MAX_BUCKETS - 10; i++) await hit(ctx, `login:addr:ended-${i}`, minute);
    advance(61_000);
    // A live count, then enough new buckets to reach the cap and trim.
    for (let i = 0; i < 3; i++) await hit(ctx, 'login:acct:victim', minute);
    for (let i = 0; i < 20; i++) await hit(ctx, `login:addr:new-${i}`, minute);
    expect(windows.size).toBe(21);
    // The victim's window kept its three hits: the fourth is refused.
    expect((await hit(ctx, 'login:acct:victim', minute)).ok).toBe(false);
    expect(audited.length).toBe(1);
  });
});
