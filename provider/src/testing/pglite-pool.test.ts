import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { openPglite } from '../store/pglite.ts';
import { createTestProvider, openTestStore } from './index.ts';
import { createTestUser } from './fixtures.ts';
import { idleInstances, poolCounts } from './pglite-pool.ts';

/**
 * The PGlite test stores handed from one test to the next (pglite-pool.ts): a store on an emptied instance is the
 * migrated dump again, rows, sequences and session alike; what emptying cannot undo retires the instance.
 * PGlite only (the Postgres pass clones a template database per store).
 */
const stores: Store[] = [];
const open = async () => {
  const s = await openTestStore();
  stores.push(s);
  return s;
};
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
/** Takes (and holds until the test ends) the instances earlier test files left idle in this worker, so the next store is known. */
async function drain() {
  while (idleInstances() > 0) await open();
}

/** Every table's row count, and the sequences' state. */
async function contents(s: Store): Promise<Record<string, unknown>> {
  const tables = await s.query<{ relname: string }>(`select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1`);
  const out: Record<string, unknown> = {};
  for (const { relname } of tables) out[relname] = (await s.one<{ n: number }>(`select count(*)::int as n from "${relname}"`))!.n;
  out['sequences'] = await s.query(`select sequencename, last_value from pg_sequences order by 1`);
  return out;
}

describe.skipIf(process.env.TEST_DATABASE_URL || process.env.TEST_PGLITE_FRESH === '1')('PGlite test stores, reused between tests', () => {
  it('hands the next test an instance emptied back to the migrated dump: no rows, sequences restarted, a new session', async () => {
    const fresh = await openPglite({ snapshot: new Blob([readFileSync(process.env.TEST_PGLITE_SNAPSHOT!)]) });
    const expected = await contents(fresh);
    await fresh.close();

    await drain();
    const p = await createTestProvider();
    await createTestUser(p);
    await p.ctx.db.query(`insert into audit_events (at, event, outcome) values (now(), 'login', 'success')`);
    await p.ctx.db.exec(`set timezone = 'Pacific/Chatham'; prepare leftover as select 1; create temporary table scratch (x int)`);
    await p.ctx.db.query('select pg_advisory_lock(42)');
    expect((await contents(p.ctx.db))['users']).toBe(1);
    await p.close();

    const before = { ...poolCounts };
    const next = await open();
    expect(poolCounts.reused).toBe(before.reused + 1);
    expect(await contents(next)).toEqual(expected);
    expect((await next.one<{ tz: string }>(`select current_setting('timezone') as tz`))!.tz).not.toBe('Pacific/Chatham');
    expect(await next.query(`select name from pg_prepared_statements where name = 'leftover'`)).toEqual([]);
    expect(await next.query(`select 1 from pg_class where relname = 'scratch'`)).toEqual([]);
    expect(await next.query(`select 1 from pg_locks where locktype = 'advisory'`)).toEqual([]);
    // The audit trail is append-only again (its trigger was only held off while emptying).
    await next.query(`insert into audit_events (at, event, outcome) values (now(), 'login', 'success')`);
    await expect(next.query('delete from audit_events')).rejects.toThrow(/append-only/);
  });

  it('retires an instance whose schema a test changed, or that was left in a transaction; the next store starts from the dump', async () => {
    await drain();
    for (const change of [`alter table users add column nickname text`, `create index users_nick on users (email, id)`, `alter table audit_events disable trigger user`, `begin`]) {
      const s = await open();
      await s.exec(change);
      const before = { ...poolCounts };
      await stores.pop()!.close();
      expect(poolCounts.retired, change).toBe(before.retired + 1);
      expect(idleInstances(), change).toBe(0);
      const next = await open();
      expect(poolCounts.started, change).toBe(before.started + 1);
      expect(await next.query(`select 1 from pg_attribute where attrelid = 'users'::regclass and attname = 'nickname'`)).toEqual([]);
      expect(await next.query(`select 1 from pg_class where relname = 'users_nick'`)).toEqual([]);
      await stores.pop()!.close();
    }
  });

  it('refuses every statement once closed, as a closed PGlite does, while the instance serves the next store', async () => {
    await drain();
    const s = await open();
    await stores.pop()!.close();
    const next = await open();
    expect(poolCounts.reused).toBeGreaterThan(0);
    await expect(s.query('select 1')).rejects.toThrow('PGlite is closed');
    await expect(s.tx((db) => db.query('select 1'))).rejects.toThrow('PGlite is closed');
    await expect(s.exec('select 1')).rejects.toThrow('PGlite is closed');
    await s.close(); // closing twice is a no-op: it does not empty the instance under `next`
    expect(await next.one<{ one: number }>('select 1 as one')).toEqual({ one: 1 });
  });
});
