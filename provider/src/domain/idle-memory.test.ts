import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './log.ts';
import { watchIdleMemory } from './idle-memory.ts';
import type { Store } from '../store/index.ts';

afterEach(() => void vi.useRealTimers());

describe('watchIdleMemory (domain/idle-memory.ts)', () => {
  it('collects once at the first tick without requests, not while they come, and again after the next ones', async () => {
    vi.useFakeTimers();
    let main = 0;
    let database = 0;
    const db = { collectIdleGarbage: async () => (database++, true) } as unknown as Store;
    let requests = 0;
    const stop = watchIdleMemory({ db, log: createLogger('silent') }, () => requests, 1000, () => (main++, true));
    const tick = () => vi.advanceTimersByTimeAsync(1000);
    await tick(); // start-up counts as busy
    expect([main, database]).toEqual([0, 0]);
    await tick();
    expect([main, database]).toEqual([1, 1]);
    await tick();
    await tick();
    expect([main, database]).toEqual([1, 1]); // still idle: nothing more
    for (let i = 0; i < 5; i++) {
      requests++;
      await tick();
    }
    expect([main, database]).toEqual([1, 1]); // a request in every tick: never
    await tick();
    expect([main, database]).toEqual([2, 2]);
    stop();
    requests++;
    await tick();
    await tick();
    expect([main, database]).toEqual([2, 2]);
  });

  it('logs a failed collection and goes on', async () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    const log = { ...createLogger('silent'), warn };
    const db = { collectIdleGarbage: async () => Promise.reject(new Error('the embedded database thread stopped')) } as unknown as Store;
    const stop = watchIdleMemory({ db, log }, () => 0, 1000, () => true);
    await vi.advanceTimersByTimeAsync(2000);
    expect(warn).toHaveBeenCalledWith('idle collection failed', { error: 'Error: the embedded database thread stopped' });
    stop();
  });
});
