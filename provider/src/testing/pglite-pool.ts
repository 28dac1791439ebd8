import type { PGlite } from '@electric-sql/pglite';
import { pgliteBackend } from '../store/pglite-exec.ts';
import { pgliteStore, startPglite, type PgliteStore } from '../store/pglite.ts';

/**
 * Test stores on PGlite, kept for the next test instead of started afresh. Starting PGlite from the migrated dump
 * (untarring ~1,200 files into its in-memory file system, booting Postgres) costs 0.7–1 s, most of a typical test; a
 * closed test store is instead emptied back to exactly the dump's state (~30–110 ms) and handed to the next
 * `openTestStore` of the same worker:
 *   - the session is reset (`discard all`: prepared statements, temporary tables, settings, advisory locks, LISTEN;
 *     a transaction left open retires the instance);
 *   - the schema, functions, triggers, roles, settings, applied migrations and sequences are compared with the dump's
 *     (a fingerprint): a test that changed any of them (DDL, `alter table … disable trigger`) retires the instance;
 *   - every table with a row is truncated (`restart identity cascade`, the append-only audit trigger held off): fresh
 *     tables, not rows deleted, so physical order and statistics are as in a new store.
 * A retired instance is closed; the next store starts from the dump. TEST_PGLITE_FRESH=1 starts every store from
 * the dump (to rule the pool out when a test fails).
 */

interface Template {
  fingerprint: string;
  tables: string[];
}

/**
 * What a test could change besides rows. Sequences by their state; schema_migrations by its rows (the one table the
 * dump has rows in, never truncated).
 */
const FINGERPRINT = `select md5(string_agg(x, E'\\n' order by x)) as fingerprint from (
  select 'class ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text || ' ' || c.relrowsecurity::text as x
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
  union all select 'column ' || a.attrelid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attnum > 0 and not a.attisdropped and a.attrelid in (select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast'))
  union all select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  union all select 'index ' || pg_get_indexdef(indexrelid) from pg_index where indrelid in (select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast'))
  union all select 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text || ' ' || pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
  union all select 'function ' || oid::regprocedure::text || ' ' || md5(prosrc) from pg_proc where pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  union all select 'policy ' || polrelid::regclass::text || ' ' || polname from pg_policy
  union all select 'rule ' || ev_class::regclass::text || ' ' || rulename from pg_rewrite where ev_class in (select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast'))
  union all select 'type ' || typnamespace::regnamespace::text || '.' || typname from pg_type where typnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace) and typrelid = 0
  union all select 'enum ' || enumtypid::regtype::text || ' ' || enumlabel from pg_enum
  union all select 'namespace ' || nspname from pg_namespace
  union all select 'role ' || rolname || ' ' || rolsuper::text from pg_roles
  union all select 'database ' || datname from pg_database
  union all select 'extension ' || extname || ' ' || extversion from pg_extension
  union all select 'setting ' || setdatabase::text || ' ' || setrole::text || ' ' || array_to_string(setconfig, ',') from pg_db_role_setting
  union all select 'sequence ' || schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, 'unused') from pg_sequences
  union all select 'migration ' || version from schema_migrations
) s`;

const TABLES = `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> 'schema_migrations' order by 1`;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

let template: Template | undefined;
const idle: PGlite[] = [];
/** Instances started from the dump, stores handed out on an emptied one, instances retired (this worker). */
export const poolCounts = { started: 0, reused: 0, retired: 0 };
/** Emptied instances waiting for the next store (this worker). */
export const idleInstances = (): number => idle.length;
/** Idle instances kept per worker (a test with two providers closes two); more are closed. */
const MAX_IDLE = 2;

async function fingerprint(pg: PGlite): Promise<string> {
  return (await pg.query<{ fingerprint: string }>(FINGERPRINT)).rows[0]!.fingerprint;
}

/** Back to the dump's state; false when the instance cannot be (a changed schema), and must be retired. */
async function empty(pg: PGlite, t: Template): Promise<boolean> {
  await pg.exec('discard all'); // refused inside a transaction: a test that left one open retires the instance
  const probes = t.tables.map((name) => `select '${name.replaceAll("'", "''")}' as t where exists (select 1 from ${quote(name)})`);
  const nonEmpty = (await pg.query<{ t: string }>(probes.join(' union all '))).rows.map((r) => r.t);
  if (nonEmpty.length) {
    // session_replication_role = replica holds off ordinary triggers (the audit trail refuses TRUNCATE).
    await pg.exec(`set session_replication_role = replica; truncate ${nonEmpty.map(quote).join(', ')} restart identity cascade; reset session_replication_role`);
  }
  return (await fingerprint(pg)) === t.fingerprint;
}

/** A fresh, migrated PGlite store, started from `snapshot` or an emptied instance of an earlier test. */
export async function openPooledPglite(snapshot: Blob): Promise<PgliteStore> {
  if (process.env.TEST_PGLITE_FRESH === '1') {
    const pg = await startPglite({ snapshot });
    return pgliteStore(pgliteBackend(pg), () => pg.close());
  }
  let pg = idle.pop();
  if (pg) poolCounts.reused++;
  else {
    pg = await startPglite({ snapshot });
    poolCounts.started++;
    if (!template) {
      // Described once, from an instance no test has used yet.
      template = { fingerprint: await fingerprint(pg), tables: (await pg.query<{ relname: string }>(TABLES)).rows.map((r) => r.relname) };
      await pg.exec('discard all');
    }
  }
  const instance = pg;
  const t = template!;
  return pgliteStore(pgliteBackend(instance), async () => {
    const reusable = await empty(instance, t).catch(() => false);
    if (reusable && idle.length < MAX_IDLE) idle.push(instance);
    else {
      if (!reusable) poolCounts.retired++;
      await instance.close();
    }
  });
}
