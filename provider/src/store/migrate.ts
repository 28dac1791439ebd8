import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Store } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant: serialises migrations across processes sharing one Postgres.
const LOCK_KEY = 727_4601;

export interface Migration {
  version: string;
  sql: string;
}

/** The versioned SQL files, in order: three digits, an underscore, a name, `.sql`. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(dir + f, 'utf8') }));
}

/**
 * Applies every migration not yet applied, each in its own transaction. Safe on every start and from
 * two processes at once: a transaction-scoped advisory lock makes the second wait, then see them applied.
 */
export async function migrate(store: Store, migrations = listMigrations()): Promise<string[]> {
  // Under the lock too: two concurrent `create table if not exists` on a new Postgres database race
  // (duplicate key in pg_type), so a second instance starting at the same moment would fail.
  await store.tx(async (db) => {
    await db.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await db.query(`create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())`);
  });
  // One read says which are applied (at a usual start, all of them): only the others take the lock, each in a
  // transaction that checks again, so a migration another instance applied meanwhile is not applied twice.
  const done = new Set((await store.query<{ version: string }>('select version from schema_migrations')).map((r) => r.version));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const did = await store.tx(async (db) => {
      await db.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const done = await db.one('select 1 from schema_migrations where version = $1', [m.version]);
      if (done) return false;
      for (const statement of splitStatements(m.sql)) await db.query(statement);
      await db.query('insert into schema_migrations (version) values ($1)', [m.version]);
      return true;
    });
    if (did) applied.push(m.version);
  }
  return applied;
}

/**
 * Splits a migration into statements on `;` at line ends. Dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`,
 * e.g. a plpgsql trigger function) are kept whole, whatever `;` they contain.
 */
export function splitStatements(sql: string): string[] {
  const quoted: string[] = [];
  const masked = sql
    .replace(/--.*$/gm, '')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, (body) => `\uE000${quoted.push(body) - 1}\uE000`);
  return masked
    .split(/;\s*$/m)
    .map((s) => s.replace(/\uE000(\d+)\uE000/g, (_, i: string) => quoted[Number(i)]!).trim())
    .filter(Boolean);
}
