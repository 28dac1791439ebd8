// The glibc malloc setting the provider's process is run with by `npm start` (scripts/start.mjs), the benchmark's
// "as npm start runs it" rows (bench/idle-rss.mjs, bench/lib/startup.ts) and deploy/instant-provider.service (which
// spells it out: keep the two alike). glibc reads it when the process starts, so the provider cannot set it itself.
//
// MALLOC_MMAP_THRESHOLD_=16384: blocks of 16 kB and more get mappings of their own, given back to the system when
// freed. While the provider starts, V8's compilers (mostly on its background threads: optimized JavaScript, and the
// tier-up of PGlite's WebAssembly) take and free ~15,000 work areas (zone segments) of ~32 kB between long-lived
// allocations. With glibc's defaults those came back as ~30 MB of free but resident memory in the middle of the
// heap, which nothing gives back once the process is idle (glibc's malloc_trim(0), called from gdb, did). Setting a
// threshold also turns off glibc's dynamic thresholds, which after the first freed block of 9 MB (PGlite's module
// bytes) kept up to 18 MB free at the top of every arena. Measured idle and under load: docs/operations.md §9.
export const MALLOC_ENV = Object.freeze({ MALLOC_MMAP_THRESHOLD_: '16384' });

/** MALLOC_ENV under what the environment already says (an operator's own setting of these names wins). */
export function mallocEnv(env = process.env) {
  return Object.fromEntries(Object.entries(MALLOC_ENV).map(([name, value]) => [name, env[name] ?? value]));
}
