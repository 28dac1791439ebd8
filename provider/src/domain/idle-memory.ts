import { collectGarbage } from '../store/idle-gc.ts';
import type { Ctx } from './context.ts';

/**
 * Gives memory back once the server goes idle (docs/operations.md §9); `requests` counts the requests it has taken.
 * At the first tick with no request since the tick before: one full collection of the main thread's heap and of the
 * embedded database thread's (store/idle-gc.ts, each skipped unless its heap grew since the last), then nothing
 * until requests come and stop again. The start-up counts as busy, so an idle provider collects once 5–10 s after
 * it starts. A collection takes 15–25 ms a thread on this project's machines (logged at debug); a request arriving
 * meanwhile waits that long.
 */
export function watchIdleMemory(ctx: Pick<Ctx, 'db' | 'log'>, requests: () => number, everyMs = 5000, collect: () => boolean = collectGarbage): () => void {
  let seen = -1;
  let collected = false;
  const tick = async () => {
    const served = requests();
    if (served !== seen) {
      seen = served;
      collected = false;
      return;
    }
    if (collected) return;
    collected = true;
    const started = performance.now();
    const main = collect();
    const database = await ctx.db.collectIdleGarbage?.();
    if (main || database) ctx.log.debug('idle: heaps collected', { main, database, ms: Math.round(performance.now() - started) });
  };
  const timer = setInterval(() => void tick().catch((err: unknown) => ctx.log.warn('idle collection failed', { error: String(err) })), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
