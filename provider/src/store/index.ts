import { join } from 'node:path';
import type { Store } from './db.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export type { Db, Store } from './db.ts';
export { isUniqueViolation } from './db.ts';
export { migrate } from './migrate.ts';

/** Opens the store named by DATABASE_URL (unset → PGlite in dataDir, `memory` → in-memory PGlite) and migrates it. */
export async function openStore(databaseUrl: string | undefined, dataDir: string): Promise<Store> {
  const store =
    databaseUrl === undefined
      ? await openPglite({ dataDir: join(dataDir, 'pgdata') })
      : databaseUrl === 'memory'
        ? await openPglite({})
        : await openPostgres(databaseUrl);
  try {
    await migrate(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
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
