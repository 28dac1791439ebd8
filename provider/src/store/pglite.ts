import { mkdirSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Store } from './db.ts';
import { ClientRowsWatch } from './client-rows.ts';
import { writesPrincipalRows } from './principal-rows.ts';
import { Mutex } from './mutex.ts';
import { pgliteBackend, type PgliteBackend } from './pglite-exec.ts';
import { pgliteOptions } from './pglite-options.ts';
import { startPgliteThread } from './pglite-thread.ts';
import { toParam } from './params.ts';

/** The embedded store, which can also dump itself (tests start their stores from one migrated dump). */
export interface PgliteStore extends Store {
  /** The whole data directory as a tarball, to start other stores from (tests). */
  dumpSnapshot(): Promise<Blob>;
}

export interface PgliteOpen {
  /** The data directory; undefined → in memory. */
  dataDir?: string;
  /** A dumped data directory to start from. */
  snapshot?: Blob | File;
  /**
   * Run PGlite in a worker thread of its own (store/pglite-thread.ts, docs/architecture.md §10), as the provider
   * does, rather than in this thread (tests' stores, tools).
   */
  thread?: boolean;
  /** Tests: sees the thread's Worker. */
  onWorker?: (worker: Worker) => void;
  /** `shared_buffers` in MB (PGLITE_SHARED_BUFFERS_MB; store/pglite-settings.ts). */
  sharedBuffersMb?: number;
}

export async function openPglite(opts: PgliteOpen): Promise<PgliteStore> {
  if (opts.thread) {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const snapshot = opts.snapshot ? new Uint8Array(await opts.snapshot.arrayBuffer()) : undefined;
    const thread = await startPgliteThread({ dataDir: opts.dataDir, snapshot, startParams: pgliteOptions(opts.sharedBuffersMb).startParams! }, { onWorker: opts.onWorker });
    return pgliteStore(thread, () => thread.close());
  }
  const pg = await startPglite(opts);
  return pgliteStore(pgliteBackend(pg), () => pg.close());
}

/** A PGlite instance as the embedded store starts one (PGLITE_SETTINGS), on a data directory, in memory, or from a dump. */
export async function startPglite(opts: { dataDir?: string; snapshot?: Blob | File; sharedBuffersMb?: number }): Promise<PGlite> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  return PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.snapshot, ...pgliteOptions(opts.sharedBuffersMb) });
}

/**
 * The store on a started PGlite instance (store/pglite-exec.ts: in this thread, or in a thread of its own). `close`
 * is what closing the store does to the instance: close it, or (test stores, testing/index.ts) hand it back to be
 * emptied and used again. Once closed, the store refuses every statement as a closed PGlite does, whatever becomes
 * of the instance.
 */
export function pgliteStore(backend: PgliteBackend, close: () => Promise<void>): PgliteStore {
  const mutex = new Mutex();
  let closed = false;
  const open = (): PgliteBackend => {
    if (closed) throw new Error('PGlite is closed');
    return backend;
  };

  /** One statement, the lock already held. */
  const run = async <T>(sql: string, params: unknown[]): Promise<T[]> => open().run<T>(sql, params.map(toParam));
  /** A statement of the simple protocol (BEGIN, COMMIT, ROLLBACK): returns its command tag. */
  const simple = async (sql: string): Promise<string | undefined> => open().simple(sql);

  // Writes to the client cache's tables move its version (store/client-rows.ts, docs/architecture.md §6). One
  // process owns the data directory (store/lock.ts), so every write is seen here: no LISTEN is needed.
  const watch = new ClientRowsWatch();
  // The same for the principal cache (store/principal-rows.ts): this process sees every write, so it can vouch.
  const principals = new ClientRowsWatch(writesPrincipalRows);
  /** One statement outside a transaction, through both watches. */
  const autocommit = <T>(sql: string, params: unknown[]) => watch.autocommit(sql, () => principals.autocommit(sql, () => run<T>(sql, params)));

  /**
   * A statement outside a transaction. Statements take turns (a transaction holds the turn until it ends); a
   * pipelined backend's statement gives the turn up once sent, not once answered, so the thread runs the next one
   * while this one's answer travels back, and many go out in one message.
   */
  const statement = <T>(sql: string, params: unknown[]): Promise<T[]> => {
    if (!backend.pipelined) return mutex.run(() => autocommit<T>(sql, params));
    let answer!: Promise<T[]>;
    return mutex
      .run(async () => {
        answer = autocommit<T>(sql, params);
        answer.catch(() => {}); // handled by the caller, below
      })
      .then(() => answer);
  };

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
    query: <T>(sql: string, params: unknown[] = []) => statement<T>(sql, params),
    one: async <T>(sql: string, params: unknown[] = []) => (await statement<T>(sql, params))[0],
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
    dumpSnapshot: () => mutex.run(() => open().dump()),
    collectIdleGarbage: async () => !closed && ((await backend.collectGarbage?.()) ?? false),
  } satisfies PgliteStore;
}
