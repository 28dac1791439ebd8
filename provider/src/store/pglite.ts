import { mkdirSync } from 'node:fs';
import { PGlite, parse, protocol, type messages } from '@electric-sql/pglite';
import type { Db, Store } from './db.ts';
import { ClientRowsWatch } from './client-rows.ts';
import { writesPrincipalRows } from './principal-rows.ts';
import { Mutex } from './mutex.ts';
import { pgliteOptions } from './pglite-options.ts';
import { StatementNames } from './statement-names.ts';
import { toParam } from './params.ts';

const { serialize } = protocol;

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Embedded Postgres (WASM). `dataDir` undefined → in memory; `snapshot` → start from a dumped data dir.
 *
 * Queries do not go through `PGlite.query`, which makes six calls into the WASM backend per statement (Parse,
 * Describe, Bind, Describe, Execute, Sync) and re-plans every time: each statement here is one call carrying
 * Bind/Describe/Execute/Sync for a named prepared statement (Parse only the first time), so the backend parses
 * and plans it once per process. Measured on 3,000 indexed lookups: 482 µs → 106 µs a statement.
 * The store serialises its callers itself (one connection, like PGlite's own mutex).
 *
 * No `syncToFs` after statements: it flushes browser filesystems (IndexedDB, OPFS). On Node the data directory is
 * mounted with NODEFS, where every write Postgres makes reaches the OS at once (a commit writes its WAL record),
 * so a killed process loses nothing it committed (reliability/crash.test.ts); the call only cost ~80–200 µs.
 */
/** The embedded store, which can also dump itself (tests start their stores from one migrated dump). */
export interface PgliteStore extends Store {
  /** The whole data directory as a tarball, to start other stores from (tests). */
  dumpSnapshot(): Promise<Blob>;
}

export async function openPglite(opts: { dataDir?: string; snapshot?: Blob | File }): Promise<PgliteStore> {
  const pg = await startPglite(opts);
  return pgliteStore(pg, () => pg.close());
}

/** A PGlite instance as the embedded store starts one (PGLITE_SETTINGS), on a data directory, in memory, or from a dump. */
export async function startPglite(opts: { dataDir?: string; snapshot?: Blob | File }): Promise<PGlite> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  return PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.snapshot, ...pgliteOptions() });
}

/**
 * The store on a started PGlite instance. `close` is what closing the store does to the instance: `pg.close()`, or
 * (test stores, testing/index.ts) handing it back to be emptied and used again. Once closed, the store refuses every
 * statement as a closed PGlite does, whatever becomes of the instance.
 */
export function pgliteStore(instance: PGlite, close: () => Promise<void>): PgliteStore {
  const mutex = new Mutex();
  const names = new StatementNames();
  let closed = false;
  const open = (): PGlite => {
    if (closed) throw new Error('PGlite is closed');
    return instance;
  };

  /** One statement, the lock already held. */
  async function run<T>(sql: string, params: unknown[]): Promise<T[]> {
    const pg = open();
    const { name, parse: mustParse } = names.lookup(sql);
    const parts: Uint8Array[] = [];
    if (mustParse) parts.push(serialize.parse({ name, text: sql }));
    parts.push(
      serialize.bind({ statement: name, values: params.map(toParam) }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    );
    const result = await pg.execProtocol(concat(parts), { syncToFs: false, throwOnError: false });
    const error = result.messages.find((m): m is messages.DatabaseError => m.name === 'error');
    if (mustParse && !result.messages.some((m) => m.name === 'parseComplete')) names.forget(sql);
    if (error) throw error;
    return (parse.parseResults(result.messages, pg.parsers)[0]?.rows ?? []) as T[];
  }

  /** A statement of the simple protocol (BEGIN, COMMIT, ROLLBACK): returns its command tag. */
  async function simple(sql: string): Promise<string | undefined> {
    const result = await open().execProtocol(serialize.query(sql), { syncToFs: false, throwOnError: false });
    const error = result.messages.find((m): m is messages.DatabaseError => m.name === 'error');
    if (error) throw error;
    const done = result.messages.find((m): m is messages.CommandCompleteMessage => m.name === 'commandComplete');
    return done?.text;
  }

  // Writes to the client cache's tables move its version (store/client-rows.ts, docs/architecture.md §6). One
  // process owns the data directory (store/lock.ts), so every write is seen here: no LISTEN is needed.
  const watch = new ClientRowsWatch();
  // The same for the principal cache (store/principal-rows.ts): this process sees every write, so it can vouch.
  const principals = new ClientRowsWatch(writesPrincipalRows);
  /** One statement outside a transaction, through both watches. */
  const autocommit = <T>(sql: string, params: unknown[]) => watch.autocommit(sql, () => principals.autocommit(sql, () => run<T>(sql, params)));

  function inTransaction(t: ReturnType<ClientRowsWatch['transaction']>, tp: ReturnType<ClientRowsWatch['transaction']>): Db {
    const db: Db = {
      query: <T>(sql: string, params: unknown[] = []) => (t.statement(sql), tp.statement(sql), run<T>(sql, params)),
      one: async <T>(sql: string, params: unknown[] = []) => (t.statement(sql), tp.statement(sql), (await run<T>(sql, params))[0]),
      tx: (fn) => fn(db),
    };
    return db;
  }

  return {
    kind: 'pglite',
    query: <T>(sql: string, params: unknown[] = []) => mutex.run(() => autocommit<T>(sql, params)),
    one: <T>(sql: string, params: unknown[] = []) => mutex.run(async () => (await autocommit<T>(sql, params))[0]),
    tx: (fn) =>
      mutex.run(async () => {
        const t = watch.transaction();
        const tp = principals.transaction();
        try {
          await simple('begin');
          let result;
          try {
            result = await fn(inTransaction(t, tp));
          } catch (err) {
            await simple('rollback').catch(() => {});
            throw err;
          }
          // COMMIT of a transaction that had failed answers ROLLBACK: the caller swallowed an error.
          if ((await simple('commit')) === 'ROLLBACK') throw new Error('the transaction was rolled back (a statement in it failed)');
          return result;
        } finally {
          t.end();
          tp.end();
        }
      }),
    exec: (sql) =>
      mutex.run(async () => {
        try {
          await open().exec(sql);
        } finally {
          watch.changed(); // several statements of any kind (migrations, tests): assume the worst
          principals.changed();
        }
      }),
    clientRowsVersion: () => watch.version(),
    principalRowsVersion: () => principals.version(),
    close: () =>
      mutex.run(async () => {
        if (closed) return;
        closed = true;
        await close();
      }),
    dumpSnapshot: () => mutex.run(() => open().dumpDataDir('none')),
  } satisfies PgliteStore;
}
