import pg from 'pg';
import type { Db, Store } from './db.ts';
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

function wrapClient(names: StatementNames, client: pg.PoolClient): Db {
  const db: Db = {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(statement(names, sql, params))).rows as T[];
    },
    async one<T>(sql: string, params: unknown[] = []) {
      return (await client.query(statement(names, sql, params))).rows[0] as T | undefined;
    },
    tx: (fn) => fn(db),
  };
  return db;
}

/** A real Postgres server: a pool shared by every request of this process. */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const names = new StatementNames();
  await pool.query('select 1');
  return {
    kind: 'postgres',
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(statement(names, sql, params))).rows as T[];
    },
    async one<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(statement(names, sql, params))).rows[0] as T | undefined;
    },
    async tx<T>(fn: (db: Db) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(wrapClient(names, client));
        // COMMIT of a transaction that had failed answers ROLLBACK: the caller swallowed an error.
        if ((await client.query('commit')).command === 'ROLLBACK') throw new Error('the transaction was rolled back (a statement in it failed)');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}
