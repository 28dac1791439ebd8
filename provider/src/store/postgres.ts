import pg from 'pg';
import type { Db, Store } from './db.ts';
import { ClientRowsWatch } from './client-rows.ts';
import { StatementNames } from './statement-names.ts';

// Timestamps come back as Date (the default); 64-bit integers as numbers (our counters fit easily).
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Every statement with parameters runs as a named prepared statement (one name per SQL text): each pooled
 * connection parses and plans it once, then only binds and executes it. Statements without parameters
 * (BEGIN, DDL) run as they are. The names are the pool's (one `StatementNames` per store, not per process).
 */
function statement(names: StatementNames, sql: string, params: unknown[]): pg.QueryConfig {
  return params.length ? { name: names.nameFor(sql), text: sql, values: params } : { text: sql };
}

function wrapClient(names: StatementNames, client: pg.PoolClient, t: ReturnType<ClientRowsWatch['transaction']>): Db {
  const db: Db = {
    async query<T>(sql: string, params: unknown[] = []) {
      t.statement(sql);
      return (await client.query(statement(names, sql, params))).rows as T[];
    },
    async one<T>(sql: string, params: unknown[] = []) {
      t.statement(sql);
      return (await client.query(statement(names, sql, params))).rows[0] as T | undefined;
    },
    tx: (fn) => fn(db),
  };
  return db;
}

/** The channel migration 014's triggers notify when client rows change (docs/architecture.md §6). */
export const CLIENT_ROWS_CHANNEL = 'instant_client_rows';
const LISTEN_RETRY_MIN_MS = 100;
const LISTEN_RETRY_MAX_MS = 5_000;

/**
 * One connection of its own (not from the pool: a pooled one is lent to requests) that LISTENs on
 * CLIENT_ROWS_CHANNEL, so that a client row changed by another instance moves this process's version. While it is
 * not listening (before the first LISTEN, after an error or the server ending it) the watch is blind, so caches
 * read the database every time; it reconnects with backoff. Its socket and timers never keep the process alive,
 * and nothing it meets is thrown (an error only starts the next attempt).
 */
function listenForClientRows(url: string, watch: ClientRowsWatch): { ready: Promise<void>; close(): Promise<void> } {
  let closed = false;
  let current: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = LISTEN_RETRY_MIN_MS;
  watch.setBlind(true);

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void attempt();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
  };

  async function attempt(): Promise<void> {
    const client = new pg.Client({ connectionString: url, application_name: 'instant-provider listen', keepAlive: true });
    current = client;
    let lost = false;
    const down = () => {
      if (lost) return;
      lost = true;
      watch.setBlind(true); // a change made from now until the next LISTEN would go unseen
      if (current === client) current = undefined;
      client.end().catch(() => {});
      retry();
    };
    client.on('error', down);
    client.on('end', down);
    client.on('notification', () => watch.changed());
    try {
      await client.connect();
      // The socket is internal to pg: a process with nothing else to do exits rather than wait for notifications.
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      await client.query(`listen ${CLIENT_ROWS_CHANNEL}`);
    } catch {
      down();
      return;
    }
    if (lost || closed) return;
    delay = LISTEN_RETRY_MIN_MS;
    // Every commit from here on is notified; the version moves, so nothing read while blind is kept.
    watch.setBlind(false);
  }

  return {
    ready: attempt(),
    async close() {
      closed = true;
      clearTimeout(timer);
      const client = current;
      current = undefined;
      await client?.end().catch(() => {});
    },
  };
}

/**
 * A real Postgres server: a pool shared by every request of this process, and the LISTEN connection that tells
 * this process's client cache about changes other instances make (`listen: false`: no cache, e.g. for migrating a
 * template database, which must have no other sessions).
 */
export async function openPostgres(url: string, opts: { max?: number; listen?: boolean } = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const names = new StatementNames();
  await pool.query('select 1');
  // Writes this process makes move the version when they commit (store/client-rows.ts); the LISTEN connection
  // adds everyone else's. Without it the watch stays blind: caches read the database every time.
  const watch = new ClientRowsWatch();
  const listener = opts.listen === false ? undefined : listenForClientRows(url, watch);
  if (!listener) watch.setBlind(true);
  await listener?.ready;
  return {
    kind: 'postgres',
    async query<T>(sql: string, params: unknown[] = []) {
      return (await watch.autocommit(sql, () => pool.query(statement(names, sql, params)))).rows as T[];
    },
    async one<T>(sql: string, params: unknown[] = []) {
      return (await watch.autocommit(sql, () => pool.query(statement(names, sql, params)))).rows[0] as T | undefined;
    },
    async tx<T>(fn: (db: Db) => Promise<T>) {
      const client = await pool.connect();
      const t = watch.transaction();
      try {
        await client.query('begin');
        const result = await fn(wrapClient(names, client, t));
        // COMMIT of a transaction that had failed answers ROLLBACK: the caller swallowed an error.
        if ((await client.query('commit')).command === 'ROLLBACK') throw new Error('the transaction was rolled back (a statement in it failed)');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
        t.end();
      }
    },
    async exec(sql: string) {
      try {
        await pool.query(sql);
      } finally {
        watch.changed(); // several statements of any kind (migrations, tests): assume the worst
      }
    },
    clientRowsVersion: () => watch.version(),
    principalRowsVersion: () => null,
    async close() {
      await listener?.close();
      await pool.end();
    },
  };
}
