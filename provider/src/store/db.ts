/** The one interface every service uses. SQL is Postgres dialect with `$1` placeholders on both backends. */
export interface Db {
  /** Rows of a query. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The first row, or undefined. */
  one<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** Runs `fn` in one transaction; a throw rolls everything back. Nested calls join the outer transaction. */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
}

export interface Store extends Db {
  readonly kind: 'pglite' | 'postgres';
  /** Runs several statements (no parameters), e.g. a migration file. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /**
   * A number that moves whenever a row the in-process client cache holds may have changed (a client, its app, its
   * secrets), or null while a cache must not be trusted; store/client-rows.ts, docs/architecture.md §6.
   */
  clientRowsVersion(): number | null;
  /**
   * The same for the access-token principal cache (store/principal-rows.ts, docs/architecture.md §9): only a store
   * that sees every write as it commits can vouch for it, so Postgres, where other instances write too, always
   * answers null (a revocation on one instance must be refused on every other at once, docs/security.md §14).
   */
  principalRowsVersion(): number | null;
  /**
   * The process has gone idle (app.ts's idle watch): the embedded store's database thread collects its heap
   * (store/idle-gc.ts, docs/operations.md §9); true if it collected. Absent where the store has no thread of its own.
   */
  collectIdleGarbage?(): Promise<boolean>;
}

/** Thrown by SQL on a unique-constraint violation (SQLSTATE 23505), on both backends. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}
