import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Growth of the heap's committed size since the last idle collection below which another is not worth its pause. */
export const IDLE_GC_MIN_GROWTH = 8 * 1024 * 1024;

let gc: (() => void) | null | undefined;
let committedAfterLast = 0;

/**
 * One full garbage collection of this thread's V8 heap, for a process gone idle (docs/operations.md §9). V8's own
 * memory reducer judges the allocation rate from its last collection, which on Node 24 stays the start-up's while
 * the process is idle, so it never collects, and ~25 MB a thread of young generation and garbage stay resident.
 * Skipped while the heap has committed less than `minGrowth` more than after the last one (sparse traffic does not
 * pay a pause every few seconds). Node exposes `gc` only under `--expose-gc`: the flag is set just long enough to
 * take the function from a new context, then cleared, so no other context gets a `gc` global (a process run with
 * the flag keeps it, and its own `gc`). True if it collected.
 */
export function collectGarbage(minGrowth = IDLE_GC_MIN_GROWTH): boolean {
  if (gc === undefined && typeof globalThis.gc === 'function') gc = globalThis.gc as () => void; // run with --expose-gc
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('gc');
      gc = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      gc = null;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  if (gc === null || getHeapStatistics().total_heap_size - committedAfterLast < minGrowth) return false;
  gc();
  committedAfterLast = getHeapStatistics().total_heap_size;
  return true;
}
