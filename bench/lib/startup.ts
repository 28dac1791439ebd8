// Cold start (spawn → "listening on" line) and idle resident memory of the provider on the embedded store.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, rssMb, spawnProvider } from './servers.ts';

export interface StartupResult {
  store: string;
  /** Median of `runs` starts. */
  cold_start_ms: number;
  all_ms: number[];
  /** RSS after `idleS` seconds of idleness, median. */
  idle_rss_mb: number;
  /** Where the time and memory go (bench/startup-breakdown.mjs, one fresh process). */
  breakdown?: Record<string, number>;
}

/** Runs bench/startup-breakdown.mjs in a fresh process (plain node, as the binary runs) against `target` (a data dir or `memory`). */
export function startupBreakdown(target: string): Record<string, number> | undefined {
  try {
    const out = execFileSync(process.execPath, [join(ROOT, 'bench', 'startup-breakdown.mjs'), target], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Three cases: the file-backed embedded store on its first start (empty data dir: a copy of the migrated template that
 * the provider makes once per install, see provider/src/store/index.ts; the very first start of an install also
 * makes the template, ~7 s, not measured here), the same
 * store restarted (the usual start), the in-memory store, and the restart again with MALLOC_ARENA_MAX=2.
 */
export async function measureStartup(runs = 3, idleS = 3): Promise<StartupResult[]> {
  const out: StartupResult[] = [];
  const dirs: string[] = [];
  const measure = async (dataDir: string | undefined, times: number[], rss: number[], env?: Record<string, string>) => {
    const p = await spawnProvider({ store: 'pglite', dataDir, env });
    times.push(p.startMs);
    await sleep(idleS * 1000);
    rss.push(rssMb(p.pid) ?? NaN);
    await p.stop();
  };
  try {
    const first: number[] = [];
    const firstRss: number[] = [];
    const restart: number[] = [];
    const restartRss: number[] = [];
    const memory: number[] = [];
    const memoryRss: number[] = [];
    // First starts and in-memory starts are the slower ones: at most two of each; restarts `runs` times.
    const dir = mkdtempSync(join(tmpdir(), 'instant-bench-startup-'));
    dirs.push(dir);
    await measure(dir, first, firstRss);
    for (let i = 0; i < runs; i++) await measure(dir, restart, restartRss);
    // As `npm start` runs it: two malloc arenas (glibc's per-thread arenas otherwise keep ~15 MB once idle).
    const arenas: number[] = [];
    const arenasRss: number[] = [];
    for (let i = 0; i < runs; i++) await measure(dir, arenas, arenasRss, { MALLOC_ARENA_MAX: '2' });
    for (let i = 0; i < Math.min(2, runs); i++) await measure(undefined, memory, memoryRss);
    if (runs > 2) {
      const dir2 = mkdtempSync(join(tmpdir(), 'instant-bench-startup-'));
      dirs.push(dir2);
      await measure(dir2, first, firstRss);
    }
    const row = (store: string, ms: number[], rss: number[]): StartupResult => ({
      store,
      cold_start_ms: Math.round(median(ms)),
      all_ms: ms.map(Math.round),
      idle_rss_mb: Math.round(median(rss) * 10) / 10,
    });
    out.push(row('pglite file, first start (new data dir)', first, firstRss));
    out.push(row('pglite file, restart', restart, restartRss));
    out.push(row('pglite memory', memory, memoryRss));
    out.push(row('pglite file, restart, MALLOC_ARENA_MAX=2 (as npm start runs it)', arenas, arenasRss));
    const fresh = mkdtempSync(join(tmpdir(), 'instant-bench-startup-'));
    dirs.push(fresh);
    out[0]!.breakdown = startupBreakdown(fresh);
    out[1]!.breakdown = startupBreakdown(fresh);
    out[2]!.breakdown = startupBreakdown('memory');
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return out;
}
