import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPglite } from '../store/pglite.ts';
import { migrate } from '../store/migrate.ts';
import { openPostgres } from '../store/postgres.ts';

/** Databases of one test run share a prefix, so runs in parallel (or a crashed run) never drop each other's. */
export function runPrefix(): string {
  const id = process.env.INSTANT_TEST_RUN_ID;
  if (!id) throw new Error('INSTANT_TEST_RUN_ID is not set: run tests through vitest (its globalSetup sets it)');
  return `instant_test_${id}`;
}
export const templateDb = () => `${runPrefix()}_template`;

/**
 * Once per test run: migrate a store and keep it as a template, so each test gets a fresh, migrated store: PGlite
 * from the dump (~0.8 s), or an earlier test's instance emptied back to it (~0.1 s, pglite-pool.ts); Postgres by
 * `create database … template` (~0.1 s).
 * TEST_DATABASE_URL=postgres://… selects Postgres; otherwise PGlite.
 */
export default async function setup() {
  const url = process.env.TEST_DATABASE_URL;
  process.env.INSTANT_TEST_RUN_ID = `${process.pid}_${Date.now().toString(36)}`;
  if (url) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${templateDb()}`);
    await admin.end();
    const store = await openPostgres(withDatabase(url, templateDb()), { max: 1, listen: false }); // a template has no other sessions
    await migrate(store);
    await store.close();
    return async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query(`select datname from pg_database where starts_with(datname, $1)`, [runPrefix()]);
      for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`).catch(() => {});
      await c.end();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'instant-test-'));
  const store = await openPglite({});
  await migrate(store);
  const dump = await store.dumpSnapshot();
  const file = join(dir, 'snapshot.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await store.close();
  process.env.TEST_PGLITE_SNAPSHOT = file;
  return () => rmSync(dir, { recursive: true, force: true });
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}
