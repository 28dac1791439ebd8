import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/**
 * Postgres settings for the embedded store, passed at every start (`-c name=value`), so they apply to existing data
 * directories too (the postgresql.conf initdb wrote keeps Postgres' defaults).
 *
 * The provider's working set is small (tokens, sessions, apps: a few MB), so Postgres' server-sized defaults only
 * cost memory: PGlite's WASM heap holds shared memory and every backend-local buffer, and never returns what it grew
 * to. shared_buffers 128MB → 16MB is most of the saving (~120 MB of resident memory once warm); the rest trims
 * shared memory sized for 100 connections and caps a buffer allocated on demand. One process, one connection:
 * nothing here limits concurrency.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  // Single-user mode has one backend; shared memory (PGPROC, lock table) is sized from this.
  max_connections: '10',
  // CREATE INDEX (migrations) takes up to this much on demand, and the WASM heap keeps whatever it grew to.
  maintenance_work_mem: '16MB',
};

/** PGlite.create options for the embedded store: PGlite's own start parameters plus PGLITE_SETTINGS. */
export function pgliteOptions(settings: Readonly<Record<string, string>> = PGLITE_SETTINGS): Pick<PGliteOptions, 'startParams'> {
  return { startParams: [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])] };
}
