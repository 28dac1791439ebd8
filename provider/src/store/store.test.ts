import { afterEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../testing/index.ts';
import { listMigrations, migrate, splitStatements } from './migrate.ts';
import { isUniqueViolation, type Store } from './index.ts';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('store', () => {
  it('has every migration applied, and applying again changes nothing', async () => {
    store = await openTestStore();
    const rows = await store.query<{ version: string }>('select version from schema_migrations order by version');
    expect(rows.map((r) => r.version)).toEqual(listMigrations().map((m) => m.version));
    expect(await migrate(store)).toEqual([]);
  });

  it('migrates safely from two callers at once', async () => {
    store = await openTestStore();
    await store.exec('drop table schema_migrations');
    // Re-running would fail on "table exists" if both callers applied 001 at once; the lock makes one wait.
    await store.exec('create table schema_migrations (version text primary key, applied_at timestamptz not null default now())');
    await store.query(`insert into schema_migrations (version) select version from (values ${listMigrations().map((_, i) => `($${i + 1})`).join(',')}) v(version)`, listMigrations().map((m) => m.version));
    const [a, b] = await Promise.all([migrate(store), migrate(store)]);
    expect([...a, ...b]).toEqual([]);
  });

  it('rolls a failing transaction back whole', async () => {
    store = await openTestStore();
    await store.exec('create table t (x int primary key)');
    await expect(
      store.tx(async (db) => {
        await db.query('insert into t values (1)');
        await db.query('insert into t values (1)');
      }),
    ).rejects.toSatisfy(isUniqueViolation);
    expect(await store.query('select * from t')).toEqual([]);
  });

  it('returns timestamps as Date and arrays as arrays', async () => {
    store = await openTestStore();
    const row = await store.one<{ t: Date; a: string[]; n: number }>(`select now() as t, array['a','b']::text[] as a, count(*)::int as n from schema_migrations`);
    expect(row!.t).toBeInstanceOf(Date);
    expect(row!.a).toEqual(['a', 'b']);
    expect(typeof row!.n).toBe('number');
  });

  it('splits migrations on ; at line ends, keeping dollar-quoted function bodies whole', () => {
    expect(splitStatements('create table a (x int); -- note;\ncreate index b on a(x);\n')).toEqual(['create table a (x int)', 'create index b on a(x)']);
    const fn = 'create function f() returns trigger language plpgsql as $$\nbegin\n  raise exception \'no\';\nend;\n$$';
    const tagged = 'create function g() returns int language sql as $body$ select 1;\n$body$';
    expect(splitStatements(`${fn};\n${tagged};\ncreate table c (y int);`)).toEqual([fn, tagged, 'create table c (y int)']);
  });
});
