import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUTO_ANALYZE_INTERVAL_MS, startSweeper } from '../domain/sweep.ts';
import { createTestProvider, openTestStore } from '../testing/index.ts';
import type { Store } from './db.ts';
import { ANALYZE_THRESHOLD, AUTO_ANALYZE_MAX_ROWS, analyzeChanged, analyzeStale } from './maintenance.ts';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const embedded = !process.env.TEST_DATABASE_URL;

/** Scans of `t_analyze` so far, by kind (the statistics this backend has flushed). */
async function scans(db: Store): Promise<{ seq: number; idx: number }> {
  await db.query('select pg_stat_force_next_flush()');
  await db.query('select 1 from t_analyze limit 0');
  const row = await db.one<{ seq: number; idx: number }>(`select seq_scan as seq, coalesce(idx_scan, 0) as idx from pg_stat_user_tables where relname = 't_analyze'`);
  return row!;
}

describe.runIf(embedded)('autoanalyze of the embedded store (analyzeChanged)', () => {
  it('analyzes a table once its changes pass the threshold, and only then', async () => {
    store = await openTestStore();
    await store.exec('create table t_analyze (id int primary key, v text)');
    await store.query(`insert into t_analyze select i, md5(i::text) from generate_series(1, $1::int) i`, [ANALYZE_THRESHOLD + 1]);
    await store.query('select pg_stat_force_next_flush()');
    expect(await analyzeChanged(store)).toContain('t_analyze');
    expect(await analyzeChanged(store)).not.toContain('t_analyze');
    // 51 rows counted: due again after 50 + 10 % of them (55) changes, not before.
    await store.query(`update t_analyze set v = 'x' where id <= 50`);
    await store.query('select pg_stat_force_next_flush()');
    expect(await analyzeChanged(store)).not.toContain('t_analyze');
    await store.query(`update t_analyze set v = 'y' where id <= 10`);
    await store.query('select pg_stat_force_next_flush()');
    expect(await analyzeChanged(store)).toContain('t_analyze');
  });

  it('leaves a table past AUTO_ANALYZE_MAX_ROWS to the sweep', async () => {
    store = await openTestStore();
    await store.exec('create table t_analyze (id int primary key)');
    await store.query(`insert into t_analyze select i from generate_series(1, $1::int) i`, [AUTO_ANALYZE_MAX_ROWS]);
    await store.query('select pg_stat_force_next_flush()');
    expect(await analyzeChanged(store)).toContain('t_analyze');
    await store.query(`insert into t_analyze select i from generate_series($1::int + 1, $1::int * 2) i`, [AUTO_ANALYZE_MAX_ROWS]);
    await store.query('select pg_stat_force_next_flush()');
    expect(await analyzeChanged(store)).not.toContain('t_analyze');
  });

  it('makes a cached plan made on a few rows anew once the table holds thousands', async () => {
    store = await openTestStore();
    await store.exec('create table t_analyze (id int primary key, v text); analyze t_analyze');
    const lookup = (id: number) => store!.query('select v from t_analyze where id = $1', [id]);
    // Past the five custom plans: the statement now runs its generic plan, made on an empty table.
    for (let i = 0; i < 8; i++) await lookup(i);
    await store.query(`insert into t_analyze select i, md5(i::text) from generate_series(1, 5000) i`);
    const before = await scans(store);
    for (let i = 0; i < 20; i++) await lookup(i);
    const stale = await scans(store);
    expect(stale.seq - before.seq).toBeGreaterThanOrEqual(20); // each lookup read the whole table
    expect(await analyzeChanged(store)).toContain('t_analyze');
    for (let i = 0; i < 20; i++) await lookup(i);
    const fresh = await scans(store);
    expect(fresh.seq - stale.seq).toBe(0);
    expect(fresh.idx - stale.idx).toBeGreaterThanOrEqual(20); // by the primary key
  });
});

describe.runIf(embedded)('the statistics of the embedded store when it opens (analyzeStale)', () => {
  it('analyzes the tables without statistics and those whose size moved by more than a tenth, and no others', async () => {
    store = await openTestStore();
    // The test stores come from a migrated snapshot that was never analyzed: every table, once.
    expect(await analyzeStale(store)).toContain('access_tokens');
    expect(await analyzeStale(store)).toEqual([]);
    await store.exec('create table t_stale (id int primary key, v text)');
    expect(await analyzeStale(store)).toEqual(['t_stale']);
    expect(await analyzeStale(store)).toEqual([]);
    const pages = async () => (await store!.one<{ n: number }>(`select relpages as n from pg_class where relname = 't_stale'`))!.n;
    await store.query(`insert into t_stale select i, md5(i::text) from generate_series(1, 2000) i`);
    expect(await pages()).toBe(0); // an insert does not move relpages: the last ANALYZE's count
    expect(await analyzeStale(store)).toEqual(['t_stale']);
    const counted = await pages();
    expect(counted).toBeGreaterThan(10);
    // A few rows more stay within a page and a tenth: the statistics are kept.
    await store.query(`insert into t_stale select i, md5(i::text) from generate_series(2001, 2010) i`);
    expect(await analyzeStale(store)).toEqual([]);
    await store.query(`insert into t_stale select i, md5(i::text) from generate_series(2011, 3000) i`);
    expect(await analyzeStale(store)).toEqual(['t_stale']);
    expect(await pages()).toBeGreaterThan(counted);
  });
});

describe.runIf(!embedded)('the statistics of a Postgres database when the store opens (analyzeStale)', () => {
  it('analyzes the tables that hold rows and have no statistics (a restored dump), once, and leaves empty ones alone', async () => {
    store = await openTestStore();
    // Autovacuum off for the two tables: it must not analyze them meanwhile.
    await store.exec(`create table t_restored (id int primary key, v text) with (autovacuum_enabled = false);
                      create table t_empty (id int primary key) with (autovacuum_enabled = false)`);
    await store.query(`insert into t_restored select i, md5(i::text) from generate_series(1, 2000) i`);
    // What pg_restore leaves: the rows and an index built on them (which counts them in reltuples), no statistics.
    await store.exec('create index t_restored_v on t_restored (v)');
    const first = await analyzeStale(store);
    expect(first).toContain('t_restored');
    expect(first).not.toContain('t_empty');
    expect(await store.one(`select count(*)::int as n from pg_stats where schemaname = 'public' and tablename = 't_restored'`)).toEqual({ n: 2 });
    expect(await analyzeStale(store)).not.toContain('t_restored');
    await store.exec('drop table t_restored; drop table t_empty');
  });
});

describe.runIf(embedded)('the sweeper of the embedded store', () => {
  it('runs the autoanalyze every AUTO_ANALYZE_INTERVAL_MS', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const p = await createTestProvider();
    const stop = startSweeper(p.ctx);
    try {
      // The sweep starts at once and ends by vacuuming every table in name order: wait for its last one, so that only
      // the autoanalyze can analyze the table made below.
      const last = (await p.ctx.db.one<{ name: string }>(`select max(tablename) as name from pg_tables where schemaname = 'public'`))!.name;
      await vi.waitFor(async () => {
        await p.ctx.db.query('select pg_stat_force_next_flush()');
        const row = await p.ctx.db.one<{ n: number }>(`select vacuum_count::int as n from pg_stat_user_tables where relname = $1`, [last]);
        expect(row!.n).toBeGreaterThan(0);
      });
      await p.ctx.db.exec('create table t_analyze (id int primary key, v text)');
      await p.ctx.db.query(`insert into t_analyze select i, md5(i::text) from generate_series(1, 500) i`);
      await p.ctx.db.query('select pg_stat_force_next_flush()');
      const analyzed = () => p.ctx.db.one<{ n: number }>(`select analyze_count::int as n from pg_stat_user_tables where relname = 't_analyze'`);
      await p.ctx.db.query('select pg_stat_force_next_flush()');
      expect((await analyzed())!.n).toBe(0);
      vi.advanceTimersByTime(AUTO_ANALYZE_INTERVAL_MS);
      await vi.waitFor(async () => {
        await p.ctx.db.query('select pg_stat_force_next_flush()');
        expect((await analyzed())!.n).toBe(1);
      });
    } finally {
      stop();
      vi.useRealTimers();
      await p.close();
    }
  });
});

describe.runIf(!embedded)('autoanalyze on Postgres', () => {
  it('does nothing: autovacuum analyzes', async () => {
    store = await openTestStore();
    await store.exec('create table t_changed (id int primary key) with (autovacuum_enabled = false)');
    await store.query(`insert into t_changed select generate_series(1, $1::int)`, [ANALYZE_THRESHOLD * 4]);
    expect(await analyzeChanged(store)).toEqual([]);
    await store.exec('drop table t_changed');
  });
});
