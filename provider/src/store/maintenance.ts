import type { Store } from './db.ts';

/**
 * The embedded store's autovacuum. PGlite runs Postgres in single-user mode, without background workers, so nothing
 * ever vacuums or analyzes its tables: the space of deleted and updated rows (swept tokens, every refresh's update) is
 * never reused, and the planner keeps the statistics of an empty database, which make a generic plan scan whole
 * tables (docs/architecture.md §7). Postgres has autovacuum; this does nothing there.
 *
 * One table at a time, each its own statement: requests run between them (the store serialises statements).
 */
export async function vacuumEmbedded(db: Store): Promise<number> {
  if (db.kind !== 'pglite') return 0;
  const tables = await db.query<{ name: string }>(`select quote_ident(tablename) as name from pg_tables where schemaname = 'public' order by tablename`);
  for (const t of tables) await db.exec(`vacuum (analyze) ${t.name}`);
  return tables.length;
}

/**
 * Statistics when the store opens.
 *
 * The embedded store: the tables that have none (a new data directory, a table a migration has just made) and those
 * whose size on disk has moved by more than ANALYZE_SCALE_FACTOR (and a page) since their last ANALYZE or VACUUM,
 * which set `relpages`, are analyzed; the others keep the statistics the data directory holds (pg_statistic is a
 * table like the others). The size is what a restart after a crash still knows: the counters of changes that
 * `analyzeChanged` reads are lost then. Analyzing every table at every open cost a restart 0.1–0.3 s on an empty
 * store, and more as the tables grow (audit_events: ~150 ms at 30,000 rows).
 *
 * Postgres: only the tables that hold rows and have no column statistics (`pg_stats`), which is what `pg_restore`
 * leaves (a dump carries none) and what rows written before the first autovacuum look like. Until autovacuum's
 * first ANALYZE (a minute or more) the planner guesses, and its guesses joined every grant to every user for a
 * refresh (docs/architecture.md §7). `skip_locked`: a table another instance (or autovacuum) is analyzing is left
 * to it. Empty tables are left alone: a new database plans on nothing either way. The tables analyzed.
 */
export async function analyzeStale(db: Store): Promise<string[]> {
  if (db.kind !== 'pglite') {
    const unanalyzed = await db.query<{ name: string }>(
      `select quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' and pg_relation_size(c.oid) > 0
          and not exists (select 1 from pg_stats s where s.schemaname = n.nspname and s.tablename = c.relname)
        order by c.relname`,
    );
    for (const t of unanalyzed) await db.exec(`analyze (skip_locked) ${t.name}`);
    return unanalyzed.map((t) => t.name);
  }
  const stale = await db.query<{ name: string }>(
    `select quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
        and (c.reltuples < 0 or abs(pg_relation_size(c.oid) / current_setting('block_size')::int - c.relpages) > 1 + $1::float8 * c.relpages)
      order by c.relname`,
    [ANALYZE_SCALE_FACTOR],
  );
  for (const t of stale) await db.exec(`analyze ${t.name}`);
  return stale.map((t) => t.name);
}

/** Postgres' own autovacuum_analyze_threshold and autovacuum_analyze_scale_factor (their defaults). */
export const ANALYZE_THRESHOLD = 50;
export const ANALYZE_SCALE_FACTOR = 0.1;
/**
 * Tables past this many rows at their last ANALYZE are left to the sweep's (every SWEEP_INTERVAL_S). A plan's shape
 * turns on whether a table holds a few rows or thousands, not on 10 % more of a large one; and an ANALYZE samples up
 * to 30,000 rows, which on the embedded store holds every request for the time it takes (audit_events, 30,000
 * rows: ~50 ms; 330,000: ~150 ms).
 */
export const AUTO_ANALYZE_MAX_ROWS = 100_000;

/**
 * The embedded store's autoanalyze: the tables whose rows changed since their last ANALYZE by more than Postgres'
 * autovacuum would let pass (ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR of the rows it last counted), each analyzed
 * alone, up to AUTO_ANALYZE_MAX_ROWS. A cached generic plan keeps the row counts it was made with: one planned on a
 * few rows scans whole tables once they hold thousands (a sign-in's statements took 2–3× as long after 3,000
 * sign-ins: docs/architecture.md §7), and an ANALYZE makes the plans of that table anew. The tables analyzed; none on Postgres, where autovacuum does it.
 */
export async function analyzeChanged(db: Store): Promise<string[]> {
  if (db.kind !== 'pglite') return [];
  const due = await db.query<{ name: string }>(
    `select quote_ident(s.relname) as name from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = 'public' and s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0) and c.reltuples < $3
      order by s.relname`,
    [ANALYZE_THRESHOLD, ANALYZE_SCALE_FACTOR, AUTO_ANALYZE_MAX_ROWS],
  );
  for (const t of due) await db.exec(`analyze ${t.name}`);
  return due.map((t) => t.name);
}
