import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Store } from './db.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';

export type { Db, Store } from './db.ts';
export { isUniqueViolation } from './db.ts';
export { migrate } from './migrate.ts';

/** Opens the store named by DATABASE_URL (unset → PGlite in dataDir, `memory` → in-memory PGlite) and migrates it. */
export async function openStore(databaseUrl: string | undefined, dataDir: string): Promise<Store> {
  let store: Store;
  if (databaseUrl === undefined) {
    const pgdata = join(dataDir, 'pgdata');
    await initPgliteDataDir(pgdata);
    store = await openPglite({ dataDir: pgdata });
  } else if (databaseUrl === 'memory') {
    store = await openPglite({});
  } else {
    // Loaded only here: the embedded store never loads the Postgres driver.
    const { openPostgres } = await import('./postgres.ts');
    store = await openPostgres(databaseUrl);
  }
  try {
    await migrate(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

const INITDB = `const { PGlite } = require(process.argv[1]);
PGlite.create({ dataDir: process.argv[2] }).then((pg) => pg.close()).catch((err) => { console.error(err); process.exit(1); });`;

/**
 * A new embedded store's data directory is made (initdb) in a child process, into a sibling directory renamed into
 * place once complete: a process that ran initdb keeps the ~700 MB it took (PGlite never gives it back), and a
 * first start killed midway leaves no directory that looks initialised.
 */
async function initPgliteDataDir(pgdata: string): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  if (existsSync(pgdata)) {
    if (readdirSync(pgdata).length) throw new Error(`${pgdata} is not empty but holds no database (no PG_VERSION); move it away`);
    rmdirSync(pgdata);
  }
  const parent = dirname(pgdata);
  const prefix = `${basename(pgdata)}.initdb-`;
  mkdirSync(parent, { recursive: true });
  // Left by a first start that was killed (one process at a time holds the data directory).
  for (const d of readdirSync(parent)) if (d.startsWith(prefix)) rmSync(join(parent, d), { recursive: true, force: true });
  const tmp = join(parent, `${prefix}${process.pid}`);
  mkdirSync(tmp);
  try {
    const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    await new Promise<void>((resolve, reject) => {
      const child = execFile(process.execPath, ['-e', INITDB, pglite, tmp], { maxBuffer: 16 * 2 ** 20 }, (err, _stdout, stderr) => {
        process.off('exit', stop);
        if (err) reject(new Error(`initdb in ${tmp} failed: ${stderr.trim() || err.message}`));
        else resolve();
      });
      const stop = () => child.kill('SIGKILL'); // this process stopping (SIGTERM during a first start) stops it too
      process.on('exit', stop);
    });
    renameSync(tmp, pgdata);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A store usable at once whose every call waits for `opening`: the server can bind and answer
 * requests that need no database (discovery) while the embedded store initialises.
 */
export function deferredStore(kind: Store['kind'], opening: Promise<Store>): Store {
  opening.catch(() => {}); // the caller observes the failure through `opening` itself
  return {
    kind,
    query: async (sql, params) => (await opening).query(sql, params),
    one: async (sql, params) => (await opening).one(sql, params),
    tx: async (fn) => (await opening).tx(fn),
    exec: async (sql) => (await opening).exec(sql),
    close: async () => (await opening.catch(() => undefined))?.close(),
  };
}

export function storeKind(databaseUrl: string | undefined): Store['kind'] {
  return databaseUrl && databaseUrl !== 'memory' ? 'postgres' : 'pglite';
}
