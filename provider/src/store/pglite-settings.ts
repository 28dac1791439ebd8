// No import of PGlite here: the configuration reads the default without loading it (a Postgres-backed provider never does).

/** `PGLITE_SHARED_BUFFERS_MB`'s default: the embedded store's `shared_buffers`, in MB. */
export const PGLITE_SHARED_BUFFERS_MB = 8;

/**
 * Postgres settings for the embedded store, passed at every start (`-c name=value`), so they apply to existing data
 * directories too (the postgresql.conf initdb wrote keeps Postgres' defaults).
 *
 * The provider's working set is small (tokens, sessions, apps: a few MB), so Postgres' server-sized defaults only
 * cost memory: PGlite's WASM heap holds shared memory and every backend-local buffer, and never returns what it grew
 * to. All of shared memory is resident from the start, used or not: PGlite's anonymous mmap (shared_memory_type
 * mmap) zero-fills what it hands out, which touches every page. So shared_buffers is resident memory one for one:
 * 128MB → 16MB saved ~120 MB once warm, 16MB → 8MB ~10 MB idle (docs/operations.md §9, which also gives what it
 * cost: the benchmark's medians 1–5 % lower, within its run-to-run spread). An operator with a larger working set
 * sets `PGLITE_SHARED_BUFFERS_MB`. The rest trims shared memory sized for 100 connections, the 2 MB rounding of
 * huge_pages=try (WebAssembly memory has no huge pages) and caps a buffer allocated on demand. One process, one
 * connection: nothing here limits concurrency. shared_memory_type sysv would leave untouched pages out of RSS, but
 * PGlite's shmget hands out malloc'd memory that is not zeroed, and Postgres expects zeroed shared memory.
 */
export function pgliteSettings(sharedBuffersMb: number = PGLITE_SHARED_BUFFERS_MB): Readonly<Record<string, string>> {
  return {
    shared_buffers: `${sharedBuffersMb}MB`,
    huge_pages: 'off',
    // Single-user mode has one backend; shared memory (PGPROC, lock table) is sized from this.
    max_connections: '10',
    // CREATE INDEX (migrations) takes up to this much on demand, and the WASM heap keeps whatever it grew to.
    maintenance_work_mem: '16MB',
  };
}
