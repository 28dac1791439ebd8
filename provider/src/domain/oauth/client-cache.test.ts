import { describe, expect, it } from 'vitest';
import { CLIENT_CACHE_MS, cachedClient, createClientCache } from './client-cache.ts';
import type { Ctx } from '../context.ts';
import type { Store } from '../../store/index.ts';

// The cache's own bounds (docs/architecture.md §6); invalidation by real writes is web/oauth/client-cache.test.ts.

function fakeCtx(max: number) {
  const reads: string[] = [];
  let now = 1_000_000;
  let version: number | null = 1;
  const db = {
    clientRowsVersion: () => version,
    principalRowsVersion: () => null,
    one: async (_sql: string, params: unknown[]) => {
      const id = params[0] as string;
      reads.push(id);
      return id.startsWith('unknown') ? undefined : { client_id: id, redirect_uris: [], secret_hashes: ['h'], app_allowed_scopes: null };
    },
  } as unknown as Store;
  const ctx = { db, clients: createClientCache(max), clock: { now: () => now } } as unknown as Pick<Ctx, 'db' | 'clients' | 'clock'>;
  return {
    ctx,
    reads,
    tick: (ms: number) => void (now += ms),
    setVersion: (v: number | null) => void (version = v),
    lookUp: (...ids: string[]) => Promise.all(ids.map((id) => cachedClient(ctx, id))),
  };
}

describe('the client cache’s bounds', () => {
  it('keeps at most `max` rows, dropping the oldest first', async () => {
    const f = fakeCtx(2);
    await f.lookUp('a', 'b', 'c'); // a dropped for c
    f.reads.length = 0;
    await f.lookUp('b', 'c', 'a');
    expect(f.reads).toEqual(['a']);
    expect(f.ctx.clients.entries.size).toBe(2);
  });

  it('never keeps an unknown client', async () => {
    const f = fakeCtx(10);
    await f.lookUp('unknown-1');
    await f.lookUp('unknown-1');
    expect(f.reads).toEqual(['unknown-1', 'unknown-1']);
  });

  it('reads a row again once it is CLIENT_CACHE_MS old, or when the version moves, and never caches while it is null', async () => {
    const f = fakeCtx(10);
    await f.lookUp('a');
    f.tick(CLIENT_CACHE_MS - 1);
    await f.lookUp('a');
    expect(f.reads).toEqual(['a']);
    f.tick(1);
    await f.lookUp('a');
    expect(f.reads).toEqual(['a', 'a']);
    f.setVersion(2);
    await f.lookUp('a');
    expect(f.reads).toHaveLength(3);
    f.setVersion(null);
    await f.lookUp('a');
    await f.lookUp('a');
    expect(f.reads).toHaveLength(5);
  });

  it('hands out frozen rows, so no caller changes what the next request sees', async () => {
    const f = fakeCtx(10);
    const [row] = await f.lookUp('a');
    expect(Object.isFrozen(row)).toBe(true);
    expect(Object.isFrozen(row!.secret_hashes)).toBe(true);
    expect(Object.isFrozen(row!.redirect_uris)).toBe(true);
  });
});
