// Cold start (spawn → "listening on" line) and idle resident memory of the provider on the embedded store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssMb, spawnProvider } from './servers.ts';

export interface StartupResult {
  store: string;
  /** Median of `runs` starts. */
  cold_start_ms: number;
  all_ms: number[];
  /** RSS after `idleS` seconds of idleness, median. */
  idle_rss_mb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Three cases: the file-backed embedded store on its first start (empty data dir: initdb + migrations), the same
 * store restarted (the usual start), and the in-memory store.
 */
export async function measureStartup(runs = 3, idleS = 3): Promise<StartupResult[]> {
  const out: StartupResult[] = [];
  const dirs: string[] = [];
  try {
    const first: number[] = [];
    const firstRss: number[] = [];
    const restart: number[] = [];
    const restartRss: number[] = [];
    const memory: number[] = [];
    const memoryRss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'instant-bench-startup-'));
      dirs.push(dir);
      for (const [times, rss] of [
        [first, firstRss],
        [restart, restartRss],
      ] as const) {
        const p = await spawnProvider({ store: 'pglite', dataDir: dir });
        times.push(p.startMs);
        await sleep(idleS * 1000);
        rss.push(rssMb(p.pid) ?? NaN);
        await p.stop();
      }
      const m = await spawnProvider({ store: 'pglite' });
      memory.push(m.startMs);
      await sleep(idleS * 1000);
      memoryRss.push(rssMb(m.pid) ?? NaN);
      await m.stop();
    }
    const row = (store: string, ms: number[], rss: number[]): StartupResult => ({
      store,
      cold_start_ms: Math.round(median(ms)),
      all_ms: ms.map(Math.round),
      idle_rss_mb: Math.round(median(rss) * 10) / 10,
    });
    out.push(row('pglite file, first start (initdb + migrations)', first, firstRss));
    out.push(row('pglite file, restart', restart, restartRss));
    out.push(row('pglite memory', memory, memoryRss));
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return out;
}
