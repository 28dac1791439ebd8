/**
 * What the in-process client cache (domain/oauth/client-cache.ts) needs from a store: a number that moves whenever
 * the rows it caches may have changed (docs/architecture.md §6). The cached row is a client, its app's columns and
 * its live secret hashes, so the tables are `oauth_clients`, `oauth_apps`, `client_secrets`, and `users`, whose
 * deletion cascades to the apps its owner had.
 *
 * Each store (store/pglite.ts, store/postgres.ts) runs every statement through one `ClientRowsWatch`: a statement
 * that writes one of those tables moves the version when it has committed (autocommit: when it returns; in a
 * transaction: at COMMIT, and at ROLLBACK too, which is harmless). A cache stores a row only if the version did not
 * move while it read the row, so a lookup that raced a write never keeps what it read.
 */

/**
 * A write to one of the cached tables: `insert into` / `update` / `delete from` / `merge into` one of them, a
 * `delete from users`, or anything that can change tables wholesale (truncate, DDL). Reads, `select … for update`
 * (there `update` is followed by `of` or nothing) and writes to other tables (the hot paths' tokens, codes, grants,
 * audit rows) do not match. Comments are dropped first; a table may be quoted or schema-qualified.
 */
const CLIENT_TABLE = String.raw`(?:public\.)?"?(?:oauth_clients|oauth_apps|client_secrets)\b`;
const USERS = String.raw`(?:public\.)?"?users\b`;
const WRITES_CLIENT_ROWS = new RegExp(
  [
    String.raw`\b(?:insert\s+into|merge\s+into)\s+${CLIENT_TABLE}`,
    String.raw`\bupdate\s+(?:only\s+)?${CLIENT_TABLE}`,
    String.raw`\bdelete\s+from\s+(?:only\s+)?(?:${CLIENT_TABLE}|${USERS})`,
    String.raw`\b(?:truncate|alter\s+table|drop\s+table|drop\s+schema)\b`,
  ].join('|'),
  'i',
);

/** Whether the SQL text may write a row the client cache holds (see WRITES_CLIENT_ROWS). */
export function writesClientRows(sql: string): boolean {
  return WRITES_CLIENT_ROWS.test(sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' '));
}

/** How many SQL texts a watch remembers the answer for; the store's statements are a few hundred fixed texts. */
const MEMO_MAX = 4000;

/**
 * One store's view of the rows one cache holds: the version, and whether a cache may trust it now. `writes` says
 * which statements may change those rows: `writesClientRows` (the client cache, the default) or
 * `writesPrincipalRows` (store/principal-rows.ts, the access-token principal cache).
 */
export class ClientRowsWatch {
  readonly #classify: (sql: string) => boolean;
  constructor(classify: (sql: string) => boolean = writesClientRows) {
    this.#classify = classify;
  }

  #version = 0;
  /** Transactions that wrote client rows and have not ended: what they wrote may never commit. */
  #openWrites = 0;
  /** Reasons the store cannot see every change now (the Postgres LISTEN connection is down). */
  #blind = false;
  readonly #memo = new Map<string, boolean>();

  /** The version, or null while a cache must not be trusted (an open writing transaction, or changes unseen). */
  version(): number | null {
    return this.#openWrites > 0 || this.#blind ? null : this.#version;
  }

  /** Some client row may have changed (a committed write, a notification from another instance). */
  changed(): void {
    this.#version++;
  }

  /** True while changes made by other processes could go unseen; the version moves either way. */
  setBlind(blind: boolean): void {
    this.#blind = blind;
    this.#version++;
  }

  /** Whether `sql` writes client rows, memoised per text (the regular expression runs once per distinct statement). */
  writes(sql: string): boolean {
    let known = this.#memo.get(sql);
    if (known === undefined) {
      known = this.#classify(sql);
      if (this.#memo.size >= MEMO_MAX) this.#memo.clear();
      this.#memo.set(sql, known);
    }
    return known;
  }

  /** Runs one statement outside a transaction: the version moves once it has run (committed or failed). */
  async autocommit<T>(sql: string, run: () => Promise<T>): Promise<T> {
    if (!this.writes(sql)) return run();
    try {
      return await run();
    } finally {
      this.#version++;
    }
  }

  /**
   * The bookkeeping of one transaction: `statement(sql)` before each of its statements, `end()` once it has
   * committed or rolled back. From its first client write until its end, caches are bypassed (a row read inside
   * it may be uncommitted); at its end the version moves.
   */
  transaction(): { statement(sql: string): void; end(): void } {
    let wrote = false;
    return {
      statement: (sql) => {
        if (wrote || !this.writes(sql)) return;
        wrote = true;
        this.#openWrites++;
      },
      end: () => {
        if (!wrote) return;
        wrote = false;
        this.#openWrites--;
        this.#version++;
      },
    };
  }
}
