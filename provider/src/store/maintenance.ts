import type { Store } from './db.ts';

/**
 * The embedded store's autovacuum. PGlite runs Postgres in single-user mode, without background workers, so nothing
 * ever vacuums or analyzes its tables: the space of deleted and updated rows (swept tokens, every refresh's update) is
 * never reused, and the planner keeps the statistics of an empty database, which make a generic plan scan whole
 * tables (docs/architecture.md §7). Postgres has autovacuum; this does nothing there.
 *
 * One table at a time, each its own statement: requests run between them (the store serialises statements).
 */
export async function vacuumEmbedded(db: Store, opts: { analyzeOnly?: boolean } = {}): Promise<number> {
  if (db.kind !== 'pglite') return 0;
  const tables = await db.query<{ name: string }>(`select quote_ident(tablename) as name from pg_tables where schemaname = 'public' order by tablename`);
  for (const t of tables) await db.exec(`${opts.analyzeOnly ? 'analyze' : 'vacuum (analyze)'} ${t.name}`);
  return tables.length;
}
