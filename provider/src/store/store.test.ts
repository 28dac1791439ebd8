import { afterEach, describe, expect, it } from 'vitest';
import { openTestStore, openThreadTestStore } from '../testing/index.ts';
import { listMigrations, migrate, splitStatements } from './migrate.ts';
import { isUniqueViolation, type Store } from './index.ts';
import { toParam } from './params.ts';
import { MAX_PREPARED, StatementNames } from './statement-names.ts';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

/**
 * The store's behaviour, on the test store (PGlite in this thread, or Postgres), and on PGlite in a thread of its own
 * as the provider runs it (store/pglite-thread.ts; PGlite passes only).
 */
const kinds: [string, () => Promise<Store>][] = [['store', openTestStore]];
if (!process.env.TEST_DATABASE_URL) kinds.push(['store: PGlite in a thread of its own', () => openThreadTestStore()]);

describe.each(kinds)('%s', (_kind, openTestStore) => {
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

  it('005 merges live grants duplicated before it into the earliest, moving their codes and tokens, then keeps one per user and app', async () => {
    store = await openTestStore();
    const db = store;
    // Back to before 005, with what simultaneous first Allows used to leave: three live grants of one app.
    await db.exec(`drop index grants_live_one; delete from schema_migrations where version = '005_one_live_grant'`);
    const [user, other, app, client] = ['6f1c1f1e-0d2a-4c39-9f43-5b8a2e3c1d01', '6f1c1f1e-0d2a-4c39-9f43-5b8a2e3c1d02', '6f1c1f1e-0d2a-4c39-9f43-5b8a2e3c1d03', 'client-005'];
    for (const [id, email] of [[user, 'a@example.com'], [other, 'b@example.com']]) {
      await db.query(`insert into users (id, email, password_hash, created_at) values ($1, $2, 'x', now())`, [id, email]);
    }
    await db.query(`insert into oauth_apps (id, owner_id, name, status, created_at) values ($1, $2, 'App', 'published', now())`, [app, user]);
    await db.query(`insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, 'c', true, '{}', now())`, [client, app]);
    const grant = (n: number) => `6f1c1f1e-0d2a-4c39-9f43-5b8a2e3c1e0${n}`;
    const grants: [string, string, string[], string, string | null, string | null][] = [
      [grant(1), user, ['apps-read'], '2026-01-01', '2026-01-05', null],
      [grant(2), user, ['data-read', 'apps-read'], '2026-01-02', '2026-01-09', null],
      [grant(3), user, ['apps-write'], '2026-01-03', null, null],
      [grant(4), user, ['data-write'], '2025-12-01', null, '2025-12-02'], // revoked: left alone
      [grant(5), other, ['apps-read'], '2026-01-04', null, null], // another user's: left alone
    ];
    for (const g of grants) {
      await db.query(`insert into grants (id, user_id, scopes, created_at, last_used_at, revoked_at, oauth_app_id) values ($1, $2, $3, $4, $5, $6, $7)`, [...g, app]);
    }
    for (const n of [2, 3]) {
      await db.query(
        `insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, created_at, idle_expires_at) values (gen_random_uuid(), $1, gen_random_uuid(), $2, $3, $4, '{apps-read}', now(), now() + interval '1 day')`,
        [`r${n}`, grant(n), client, user],
      );
      await db.query(
        `insert into access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, created_at, expires_at) values (gen_random_uuid(), $1, $2, $3, $4, '{apps-read}', now(), now() + interval '1 hour')`,
        [`a${n}`, grant(n), client, user],
      );
      await db.query(
        `insert into authorization_codes (code_hash, grant_id, client_id, user_id, redirect_uri, scopes, auth_time, created_at, expires_at) values ($1, $2, $3, $4, 'x', '{apps-read}', now(), now(), now() + interval '1 minute')`,
        [`c${n}`, grant(n), client, user],
      );
    }

    expect(await migrate(db)).toEqual(['005_one_live_grant']);
    const after = await db.query<{ id: string; scopes: string[]; last_used_at: Date | null }>(`select id, scopes, last_used_at from grants order by id`);
    expect(after.map((g) => g.id)).toEqual([grant(1), grant(4), grant(5)]);
    expect(after[0]).toEqual({ id: grant(1), scopes: ['apps-read', 'data-read', 'apps-write'], last_used_at: new Date('2026-01-09') });
    for (const table of ['refresh_tokens', 'access_tokens', 'authorization_codes']) {
      expect(await db.query(`select distinct grant_id from ${table}`), table).toEqual([{ grant_id: grant(1) }]);
    }
    // From now on a second live grant of the app is refused; a revoked one does not count.
    await expect(db.query(`insert into grants (id, user_id, oauth_app_id, scopes, created_at) values (gen_random_uuid(), $1, $2, '{}', now())`, [user, app])).rejects.toSatisfy(isUniqueViolation);
    await db.query(`update grants set revoked_at = now() where id = $1`, [grant(1)]);
    await db.query(`insert into grants (id, user_id, oauth_app_id, scopes, created_at) values (gen_random_uuid(), $1, $2, '{}', now())`, [user, app]);
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

  it('runs a statement made while a transaction is open after it, not inside it (its rollback keeps that row)', async () => {
    store = await openTestStore();
    const db = store;
    await db.exec('create table t (x int)');
    let outside: Promise<unknown> | undefined;
    await expect(
      db.tx(async (tx) => {
        await tx.query('insert into t values (1)');
        outside = db.query('insert into t values (2)'); // another caller's, while this transaction is open
        await new Promise((r) => setTimeout(r, 50));
        // One connection (PGlite): the other statement waits for this transaction. A Postgres pool runs it on another
        // connection at once, and this transaction may see it committed.
        if (db.kind === 'pglite') expect(await tx.query('select x from t order by x')).toEqual([{ x: 1 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await outside;
    expect(await db.query('select x from t order by x')).toEqual([{ x: 2 }]);
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
});

describe('store helpers', () => {
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
