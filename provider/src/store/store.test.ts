import { afterEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../testing/index.ts';
import { listMigrations, migrate, splitStatements } from './migrate.ts';
import { isUniqueViolation, type Store } from './index.ts';
import { toParam } from './params.ts';
import { MAX_PREPARED, StatementNames } from './statement-names.ts';

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

  it('round-trips every kind of parameter through a prepared statement, the same on both stores', async () => {
    store = await openTestStore();
    const at = new Date('2026-01-02T03:04:05.678Z');
    const tricky = ['plain', 'with "quotes"', 'back\\slash', 'comma, brace}{', '', 'NULL'];
    const row = await store.one<{ t: Date; a: string[]; n: number; b: boolean; j: unknown; nul: null; u: string; bytes: string }>(
      `select $1::timestamptz as t, $2::text[] as a, $3::int as n, $4::boolean as b, $5::jsonb as j, $6::text as nul, $7::uuid as u,
              encode($8::bytea, 'hex') as bytes`,
      [at, tricky, 42, false, { k: [1, 'x'] }, null, '6f1c1f1e-0d2a-4c39-9f43-5b8a2e3c1d00', new Uint8Array([0, 255, 16])],
    );
    expect(row).toEqual({ t: at, a: tricky, n: 42, b: false, j: { k: [1, 'x'] }, nul: null, u: '6f1c1f1e-0d2a-4c39-9f43-5b8a2e3c1d00', bytes: '00ff10' });
    expect(await store.one(`select $1::text[] as a`, [['x', null]])).toEqual({ a: ['x', null] });
    expect(() => toParam(new Date(NaN))).toThrow(RangeError);
  });

  it('runs one SQL text many times with different values, and again after a statement that failed to parse', async () => {
    store = await openTestStore();
    for (let i = 0; i < 20; i++) expect(await store.one<{ x: number }>('select $1::int + 1 as x', [i])).toEqual({ x: i + 1 });
    await expect(store.query('select from where $1', [1])).rejects.toThrow();
    await expect(store.query('select from where $1', [1])).rejects.toThrow();
    // The store (and a transaction on it) still works after a failed statement.
    expect(await store.tx((db) => db.one<{ x: number }>('select $1::int as x', [7]))).toEqual({ x: 7 });
  });

  it('fails a transaction whose error was swallowed inside it, and keeps none of its writes', async () => {
    store = await openTestStore();
    await store.exec('create table t (x int primary key)');
    await expect(
      store.tx(async (db) => {
        await db.query('insert into t values ($1)', [1]);
        await db.query('insert into t values ($1)', [1]).catch(() => {});
      }),
    ).rejects.toThrow();
    expect(await store.query('select * from t')).toEqual([]);
  });

  it('names at most MAX_PREPARED distinct statements, then runs new texts unnamed', () => {
    const names = new StatementNames(3);
    expect(names.lookup('a')).toEqual({ name: 's0', parse: true });
    expect(names.lookup('a')).toEqual({ name: 's0', parse: false });
    names.lookup('b');
    names.lookup('c');
    expect(names.lookup('d')).toEqual({ name: '', parse: true });
    expect(names.lookup('d')).toEqual({ name: '', parse: true });
    names.forget('a');
    expect(names.lookup('a')).toEqual({ name: 's3', parse: true });
    expect(MAX_PREPARED).toBeGreaterThanOrEqual(100);
  });

  it('splits migrations on ; at line ends, keeping dollar-quoted function bodies whole', () => {
    expect(splitStatements('create table a (x int); -- note;\ncreate index b on a(x);\n')).toEqual(['create table a (x int)', 'create index b on a(x)']);
    const fn = 'create function f() returns trigger language plpgsql as $$\nbegin\n  raise exception \'no\';\nend;\n$$';
    const tagged = 'create function g() returns int language sql as $body$ select 1;\n$body$';
    expect(splitStatements(`${fn};\n${tagged};\ncreate table c (y int);`)).toEqual([fn, tagged, 'create table c (y int)']);
  });
});
