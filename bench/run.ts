// `npm run bench [-- --quick]`: our provider on PGlite and on Postgres, side by side with a bare Hono hello-world and
// oidc-provider, in one run on one machine. Prints a table and writes bench/results.json. See bench/RESULTS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, USAGE, type BenchArgs } from './lib/args.ts';
import type { LoadOptions, LoadResult } from './lib/load.ts';
import { machineInfo } from './lib/machine.ts';
import { postgresAvailable, postgresUrl, ROOT, rssMb, spawnProvider, spawnServer, type Server, type StoreKind } from './lib/servers.ts';
import { measureStartup, type StartupResult } from './lib/startup.ts';
import { helloWorld, oidcRefreshGrant, oidcSignInFlows, setUpOidc } from './scenarios/baselines.ts';
import { apiListApps, codeExchange, PROVIDER_ENV, refreshGrant, setUpProvider, signInFlows, temporaryApps } from './scenarios/provider.ts';

export interface ScenarioRow {
  name: string;
  store: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  baseline: { name: string; rps: number } | null;
  /** Not in the brief's schema, but useful: error samples and notes. */
  notes?: string[];
}

/** Figures that are not scenarios (memory after load, …), written to results.json. */
const observations: string[] = [];
/** Scenarios that could not be measured. */
const failures: string[] = [];

const HELLO = 'hono-hello';
const OIDC_REFRESH = 'oidc-provider refresh-grant';
const OIDC_FLOW = 'oidc-provider sign-in-flow';
/** Which baseline each of our scenarios is compared with. */
const BASELINE_OF: Record<string, string> = {
  'refresh-grant': OIDC_REFRESH,
  'sign-in-flow': OIDC_FLOW,
  'code-exchange': HELLO,
  'api-list-apps': HELLO,
  'temporary-app': HELLO,
};

function log(msg: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function row(name: string, store: string, r: LoadResult, extraNotes: string[] = []): ScenarioRow {
  const notes = [...extraNotes, ...r.samples.map((s) => `error: ${s}`)];
  return { name, store, rps: Math.round(r.rps * 10) / 10, p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors, baseline: null, ...(notes.length ? { notes } : {}) };
}

function wanted(args: BenchArgs, name: string): boolean {
  return !args.only.length || args.only.some((o) => name.includes(o));
}

async function withServer<T>(start: () => Promise<Server>, fn: (s: Server) => Promise<T>): Promise<T> {
  const s = await start();
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}

async function runBaselines(args: BenchArgs, opts: Omit<LoadOptions, 'url'>, rows: ScenarioRow[]) {
  const needOidc = ['refresh-grant', 'sign-in-flow', 'oidc'].some((n) => wanted(args, n));
  if (wanted(args, HELLO) || args.only.length === 0 || ['code-exchange', 'api-list-apps', 'temporary-app'].some((n) => wanted(args, n))) {
    log('hono-hello …');
    await withServer(
      () => spawnServer({ name: HELLO, args: ['--import', 'tsx', join(ROOT, 'bench/baselines/hono-hello.ts')] }),
      async (s) => rows.push(row(HELLO, 'none', await helloWorld({ ...opts, url: s.url }))),
    );
  }
  if (!needOidc) return;
  await withServer(
    () => spawnServer({ name: 'oidc-provider', args: ['--import', 'tsx', join(ROOT, 'bench/baselines/oidc-provider.ts')] }),
    async (s) => {
      const f = await setUpOidc(s.url);
      if (wanted(args, 'refresh-grant') || wanted(args, 'oidc')) {
        log('oidc-provider refresh-grant …');
        rows.push(row(OIDC_REFRESH, 'memory', await oidcRefreshGrant({ ...opts, url: s.url }, f)));
      }
      if (wanted(args, 'sign-in-flow') || wanted(args, 'oidc')) {
        log('oidc-provider sign-in-flow …');
        rows.push(row(OIDC_FLOW, 'memory', await oidcSignInFlows({ ...opts, url: s.url }, f), ['rate = complete flows per second; latency = one whole flow']));
      }
    },
  );
}

async function runProvider(args: BenchArgs, store: StoreKind, opts: Omit<LoadOptions, 'url'>, rows: ScenarioRow[]) {
  const names = ['refresh-grant', 'code-exchange', 'api-list-apps', 'sign-in-flow', 'temporary-app'].filter((n) => wanted(args, n));
  if (!names.length) return;
  // One profile per thread (main and the tsx loader thread), named by pid and thread.
  const nodeFlags = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.cpuProf, store)}`] : [];
  if (args.cpuProf) mkdirSync(args.cpuProf, { recursive: true });
  await withServer(
    () => spawnProvider({ store, env: PROVIDER_ENV, nodeFlags }),
    async (s) => {
      log(`provider (${store}) started in ${Math.round(s.startMs)} ms; setting up clients and tokens …`);
      const f = await setUpProvider(s.url);
      const o = { ...opts, url: s.url };
      for (const name of names) {
        log(`provider (${store}) ${name} …`);
        try {
          if (name === 'refresh-grant') rows.push(row(name, store, await refreshGrant(o, f)));
          if (name === 'code-exchange') {
            const r = await codeExchange(o, f, Math.max(opts.durationS, 5));
            rows.push(row(name, store, r, [`${r.minted} codes minted beforehand; ${r.ok} exchanged in the measured part`]));
          }
          if (name === 'api-list-apps') rows.push(row(name, store, await apiListApps(o, f)));
          if (name === 'sign-in-flow') rows.push(row(name, store, await signInFlows(o, f), ['rate = complete flows per second; latency = one whole flow']));
          if (name === 'temporary-app') rows.push(row(name, store, await temporaryApps(o)));
        } catch (err) {
          // One broken scenario must not hide the others of this store.
          const msg = err instanceof Error ? err.message : String(err);
          failures.push(`${name} (${store}): FAILED: ${msg.slice(0, 2000)}`);
          log(`${name} (${store}) FAILED: ${msg}`);
        }
      }
      const rss = rssMb(s.pid);
      if (rss !== undefined) {
        log(`provider (${store}) RSS after load: ${rss.toFixed(0)} MB`);
        observations.push(`provider (${store}): RSS ${rss.toFixed(0)} MB after its scenarios`);
      }
    },
  );
}

function linkBaselines(rows: ScenarioRow[]) {
  for (const r of rows) {
    const b = BASELINE_OF[r.name];
    const base = b ? rows.find((x) => x.name === b) : undefined;
    r.baseline = base ? { name: base.name, rps: base.rps } : null;
  }
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** The issue's targets, judged from this run's figures. */
export function checkTargets(rows: ScenarioRow[], startup: StartupResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratio = (r: ScenarioRow) => (r.baseline && r.baseline.rps > 0 ? r.rps / r.baseline.rps : NaN);
  for (const r of rows.filter((x) => x.name === 'refresh-grant' && x.baseline)) {
    out.push({ target: `refresh-grant (${r.store}) ≥ 1.5 × oidc-provider`, measured: `${ratio(r).toFixed(2)}× (${r.rps.toFixed(0)} vs ${r.baseline!.rps.toFixed(0)} req/s)`, met: ratio(r) >= 1.5 });
    out.push({ target: `refresh-grant (${r.store}) p99 ≤ 50 ms`, measured: `${r.p99_ms.toFixed(1)} ms`, met: r.p99_ms <= 50 });
  }
  for (const r of rows.filter((x) => x.name === 'api-list-apps')) {
    out.push({ target: `api-list-apps (${r.store}) ≥ 4,000 req/s`, measured: `${r.rps.toFixed(0)} req/s`, met: r.rps >= 4000 });
  }
  for (const r of rows.filter((x) => x.name === 'sign-in-flow' && x.baseline)) {
    out.push({ target: `sign-in-flow (${r.store}) ≥ 1.5 × oidc-provider`, measured: `${ratio(r).toFixed(2)}× (${r.rps.toFixed(1)} vs ${r.baseline!.rps.toFixed(1)} flows/s)`, met: ratio(r) >= 1.5 });
  }
  const errors = rows.reduce((a, r) => a + r.errors, 0);
  if (rows.length) out.push({ target: 'zero errors anywhere', measured: `${errors} errors`, met: errors === 0 });
  for (const s of startup.filter((x) => x.store.startsWith('pglite file'))) {
    out.push({ target: `cold start ≤ 1.5 s (${s.store})`, measured: `${s.cold_start_ms} ms`, met: s.cold_start_ms <= 1500 });
    out.push({ target: `idle RSS ≤ 150 MB (${s.store})`, measured: `${s.idle_rss_mb} MB`, met: s.idle_rss_mb <= 150 });
  }
  return out;
}

export function formatTable(rows: ScenarioRow[], startup: StartupResult[]): string {
  const head = ['scenario', 'store', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'baseline', 'vs baseline'];
  const body = rows.map((r) => [
    r.name,
    r.store,
    r.rps.toFixed(0),
    r.p50_ms.toFixed(1),
    r.p99_ms.toFixed(1),
    String(r.errors),
    r.baseline ? `${r.baseline.name} (${r.baseline.rps.toFixed(0)})` : '',
    r.baseline && r.baseline.rps > 0 ? `${(r.rps / r.baseline.rps).toFixed(2)}×` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  const out = [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)];
  if (startup.length) {
    out.push('', '| start-up | cold start ms (median) | idle RSS MB |', '|---|---|---|');
    for (const s of startup) out.push(`| ${s.store} | ${s.cold_start_ms} (${s.all_ms.join(', ')}) | ${s.idle_rss_mb} |`);
    out.push('', 'where it goes (one fresh process each):');
    for (const s of startup) if (s.breakdown) out.push(`  ${s.store}: ${Object.entries(s.breakdown).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  return out.join('\n');
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2), join(ROOT, 'bench', 'results.json'));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = performance.now();
  const machine = machineInfo();
  const opts = { connections: args.connections, durationS: args.durationS, warmupS: args.warmupS };
  log(`${args.quick ? 'quick run' : 'full run'}: ${args.warmupS} s warm-up + ${args.durationS} s per scenario, ${args.connections} connections; ${machine.cores} cores, load ${machine.load_avg_1m_at_start}`);
  const rows: ScenarioRow[] = [];
  const skipped = failures;
  // A failing section is reported and the run goes on: one broken scenario must not hide the others' figures.
  const section = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      skipped.push(`${name}: FAILED: ${msg.slice(0, 2000)}`);
      log(`${name} FAILED: ${msg}`);
    }
  };
  if (args.baselines) await section('baselines', () => runBaselines(args, opts, rows));
  for (const store of args.stores) {
    if (store === 'postgres' && !(await postgresAvailable())) {
      skipped.push(`postgres: ${postgresUrl()} not reachable (start it with: bash scripts/postgres.sh start)`);
      log(`skipping the Postgres store: ${postgresUrl()} is not reachable`);
      continue;
    }
    await section(`provider (${store})`, () => runProvider(args, store, opts, rows));
  }
  let startup: StartupResult[] = [];
  if (wanted(args, 'startup')) {
    log('start-up time and idle memory …');
    await section('startup', async () => {
      startup = await measureStartup(args.quick ? 2 : 5, args.quick ? 2 : 3);
    });
  }
  linkBaselines(rows);
  const table = formatTable(rows, startup);
  const targets = checkTargets(rows, startup);
  const targetLines = targets.map((t) => `  ${t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.measured}`).join('\n');
  process.stdout.write(`\n${table}\n\ntargets:\n${targetLines}\n\n`);
  const results = { machine: { ...machine, quick: args.quick, connections: args.connections, warmup_s: args.warmupS, duration_s: args.durationS }, scenarios: rows, startup, targets, observations, skipped };
  writeFileSync(args.out, JSON.stringify(results, null, 2) + '\n');
  log(`wrote ${args.out} in ${Math.round((performance.now() - started) / 1000)} s`);
  if (skipped.length) log(`not measured:\n  ${skipped.join('\n  ')}`);
  return skipped.some((s) => s.includes('FAILED')) ? 1 : 0;
}

// Exit at once: keep-alive sockets of the set-up clients must not hold the process open.
process.exit(await main());
