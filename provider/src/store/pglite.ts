import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Store } from './db.ts';

type Queryable = Pick<PGlite, 'query'> | Transaction;

function wrap(q: Queryable, inTx: boolean, root: PGlite): Db {
  const db: Db = {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async one<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows[0];
    },
    async tx<T>(fn: (db: Db) => Promise<T>) {
      if (inTx) return fn(db);
      return root.transaction((t) => fn(wrap(t, true, root)));
    },
  };
  return db;
}

/** Embedded Postgres (WASM). `dataDir` undefined → in memory; `snapshot` → start from a dumped data dir. */
export async function openPglite(opts: { dataDir?: string; snapshot?: Blob | File }): Promise<Store> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const pg = await PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.snapshot });
  const base = wrap(pg, false, pg);
  return {
    kind: 'pglite',
    ...base,
    async exec(sql: string) {
      await pg.exec(sql);
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
    /** The whole data directory as a tarball, to start other stores from (tests). */
    async dumpSnapshot() {
      return pg.dumpDataDir('none');
    },
  } as Store;
}
