// `npm run bench [-- --quick]`: our provider on PGlite and on Postgres, side by side with a bare Hono hello-world and
// oidc-provider, in one run on one machine. Prints a table and writes bench/results.json. See bench/RESULTS.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seedBackend } from './lib/backend.ts';
import { refreshCeiling } from './lib/ceiling.ts';
import { ensurePeers, NODE_24, PEERS, startRedis } from './lib/peers.ts';
import { parseArgs, USAGE, type BenchArgs } from './lib/args.ts';
import type { LoadOptions, LoadResult } from './lib/load.ts';
import { machineInfo } from './lib/machine.ts';
import { createDatabase, postgresAvailable, postgresUrl, ROOT, rssMb, spawnProvider, spawnServer, type Server, type StoreKind } from './lib/servers.ts';
import { measureStartup, type StartupResult } from './lib/startup.ts';
import { helloWorld, oidcRefreshGrant, oidcSignInFlows, setUpOidc } from './scenarios/baselines.ts';
import { apiListApps, backendRefresh, codeExchange, FORWARDED_ENV, PROVIDER_ENV, refreshGrant, setUpProvider, signInFlows, steadyRefresh, temporaryApps } from './scenarios/provider.ts';

export interface ScenarioRow {
  name: string;
  store: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  /** Answers (or flows) counted as success in the measured part. */
  ok?: number;
  baseline: { name: string; rps: number } | null;
  /** The server's CPU time per successful answer in the measured part, ms (main thread, all threads). */
  cpu_ms?: { main: number; all: number };
  /** The whole machine's CPU time per successful answer (every process, ms) and the busy share of all cores. */
  machine?: { cpu_ms: number; busy: number };
  /** Not in the brief's schema, but useful: error samples and notes. */
  notes?: string[];
}

/** Figures that are not scenarios (memory after load, …), written to results.json. */
const observations: string[] = [];
/** Scenarios that could not be measured. */
const failures: string[] = [];

const HELLO = 'hono-hello';
/** The oidc-provider peers, each run in the same run: 8.x on Node 20 and 9.x on Node 24 (memory), 9.x on Redis. */
const PEER_ROWS = {
  oidc8: 'oidc-provider 8 (Node 20)',
  oidc9: 'oidc-provider 9 (Node 24)',
  oidc9redis: 'oidc-provider 9 (Node 24) + Redis',
};
const MEMORY_PEERS = [PEER_ROWS.oidc8, PEER_ROWS.oidc9];
/**
 * The memory peers run again after our stores (rows named `…, again`): the host's speed drifts within a run by more
 * than the ratios resolve (bench/RESULTS.md round 14), and a peer measured only before ours carries that drift into
 * every ratio. Each ratio is taken against the fastest of the peer rows, before and after.
 */
const AGAIN = ', again';
const peerRows = (scenario: string) => MEMORY_PEERS.flatMap((p) => [`${p} ${scenario}`, `${p} ${scenario}${AGAIN}`]);
/** Which rows each of our scenarios is compared with: the faster of them (same run). */
const BASELINE_OF: Record<string, string[]> = {
  'refresh-grant': peerRows('refresh-grant'),
  'refresh-grant-many-clients': peerRows('refresh-grant'),
  'sign-in-flow': peerRows('sign-in-flow'),
  'code-exchange': [HELLO],
  'api-list-apps': [HELLO],
  'temporary-app': [HELLO],
};
/** Users whose refresh tokens the headline backend uses in turn. */
const USERS = 1000;
/**
 * Refresh tokens each peer uses in turn. Its set-up signs in one flow at a time (concurrent first flows of one
 * session race on its grant), so fewer than USERS; a memory Map or Redis GET costs the same for 100 keys as for 1,000.
 */
const PEER_TOKENS = 100;

function log(msg: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function row(name: string, store: string, r: LoadResult, extraNotes: string[] = []): ScenarioRow {
  const notes = [...extraNotes, ...r.samples.map((s) => `error: ${s}`)];
  return { name, store, rps: Math.round(r.rps * 10) / 10, p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors, ok: r.ok, baseline: null, ...(r.cpu_ms ? { cpu_ms: r.cpu_ms } : {}), ...(r.machine ? { machine: r.machine } : {}), ...(notes.length ? { notes } : {}) };
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

/** The baselines; `again`: only the memory peers, a second time, after our stores (rows `…, again`). */
async function runBaselines(args: BenchArgs, opts: Omit<LoadOptions, 'url'>, rows: ScenarioRow[], again = false) {
  const needOidc = ['refresh-grant', 'sign-in-flow', 'oidc'].some((n) => wanted(args, n));
  const suffix = again ? AGAIN : '';
  if (!again && (wanted(args, HELLO) || args.only.length === 0 || ['code-exchange', 'api-list-apps', 'temporary-app'].some((n) => wanted(args, n)))) {
    log('hono-hello …');
    await withServer(
      () => spawnServer({ name: HELLO, args: ['--import', 'tsx', join(ROOT, 'bench/baselines/hono-hello.ts')] }),
      async (s) => rows.push(row(HELLO, 'none', await helloWorld({ ...opts, url: s.url, serverPid: s.pid }))),
    );
  }
  if (!needOidc) return;
  const peers: Array<{ label: string; store: string; start: () => Promise<Server>; stop?: () => Promise<void> }> = [
    { label: PEER_ROWS.oidc8, store: 'memory', start: () => spawnServer({ name: 'oidc-provider 8', args: ['--import', 'tsx', join(ROOT, 'bench/baselines/oidc-provider.ts')] }) },
  ];
  const why = ensurePeers(log);
  if (why) {
    if (!again) failures.push(`oidc-provider 9 peers: ${why}`);
  } else {
    const nine = (env: Record<string, string> = {}) => spawnServer({ name: 'oidc-provider 9', node: NODE_24, args: [join(PEERS, 'oidc-provider-9.ts')], env });
    peers.push({ label: PEER_ROWS.oidc9, store: 'memory', start: () => nine() });
    let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
    if (!again) {
      peers.push({
        label: PEER_ROWS.oidc9redis,
        store: 'redis',
        start: async () => {
          redis = await startRedis();
          return nine({ REDIS_PORT: String(redis.port) });
        },
        stop: async () => redis?.stop(),
      });
    }
  }
  for (const peer of peers) {
    try {
      await withServer(peer.start, async (s) => {
        log(`${peer.label}: sign-ins for refresh tokens …`);
        const f = await setUpOidc(s.url, wanted(args, 'refresh-grant') || wanted(args, 'oidc') ? PEER_TOKENS : 1);
        if (wanted(args, 'refresh-grant') || wanted(args, 'oidc')) {
          log(`${peer.label} refresh-grant${suffix} …`);
          rows.push(row(`${peer.label} refresh-grant${suffix}`, peer.store, await oidcRefreshGrant({ ...opts, url: s.url, serverPid: s.pid }, f), [`${f.refreshTokens.length} refresh tokens in turn`]));
        }
        if (wanted(args, 'sign-in-flow') || wanted(args, 'oidc')) {
          log(`${peer.label} sign-in-flow${suffix} …`);
          rows.push(row(`${peer.label} sign-in-flow${suffix}`, peer.store, await oidcSignInFlows({ ...opts, url: s.url, serverPid: s.pid }, f), ['rate = complete flows per second; latency = one whole flow']));
        }
      });
    } catch (err) {
      failures.push(`${peer.label}${suffix}: FAILED: ${err instanceof Error ? err.message.slice(0, 1000) : String(err)}`);
    } finally {
      await peer.stop?.();
    }
  }
}

async function runProvider(args: BenchArgs, store: StoreKind, opts: Omit<LoadOptions, 'url'>, rows: ScenarioRow[]) {
  const names = ['refresh-grant', 'steady-refresh', 'steady-refresh-bursts', 'refresh-grant-many-clients', 'code-exchange', 'api-list-apps', 'sign-in-flow'].filter((n) => wanted(args, n));
  if (names.length) await runHeadline(args, store, opts, rows, names);
  if (wanted(args, 'temporary-app')) {
    // Limited per address by design (30 an hour): many forwarded addresses behind TRUST_PROXY=1.
    await withServer(
      () => spawnProvider({ store, env: FORWARDED_ENV }),
      async (s) => {
        log(`provider (${store}) temporary-app (TRUST_PROXY=1, forwarded addresses) …`);
        rows.push(row('temporary-app', store, await temporaryApps({ ...opts, url: s.url, serverPid: s.pid }), ['TRUST_PROXY=1; each request forwarded for a random address']));
      },
    );
  }
}

/** The headline provider: TRUST_PROXY off, one address, on a store seeded with the backends (bench/lib/backend.ts). */
async function runHeadline(args: BenchArgs, store: StoreKind, opts: Omit<LoadOptions, 'url'>, rows: ScenarioRow[], names: string[]) {
  const dataDir = store === 'pglite' ? mkdtempSync(join(tmpdir(), 'bench-pglite-')) : '';
  const db = store === 'postgres' ? await createDatabase() : undefined;
  try {
    log(`seeding ${store}: a backend with ${USERS} users (its app's quota set as an operator would), and one at the default quota …`);
    const backend = await seedBackend(db?.url, dataDir, USERS, 1_000_000);
    const steady = await seedBackend(db?.url, dataDir, USERS, null, 'steady');
    // One profile per thread (main and the tsx loader thread), named by pid and thread.
    const nodeFlags = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.cpuProf, store)}`] : [];
    if (args.cpuProf) mkdirSync(args.cpuProf, { recursive: true });
    await withServer(
      () => spawnProvider({ store, dataDir: dataDir || undefined, databaseUrl: db?.url, env: PROVIDER_ENV, nodeFlags }),
      async (s) => {
        log(`provider (${store}) started in ${Math.round(s.startMs)} ms; setting up accounts and client pools …`);
        const f = await setUpProvider(s.url);
        const o = { ...opts, url: s.url, serverPid: s.pid };
        for (const name of names) {
          log(`provider (${store}) ${name} …`);
          try {
            if (name === 'refresh-grant') rows.push(row(name, store, await backendRefresh(o, backend), [`one client, one address, ${USERS} users' refresh tokens in turn`]));
            if (name === 'steady-refresh') {
              // Independent arrivals, as a backend refreshing each user's token when it expires sends them.
              const r = await steadyRefresh({ ...o, rate: 100, durationS: 30 }, steady);
              rows.push(row(name, store, r, [`100 refreshes/s (Poisson arrivals) for 30 s by one client at the default quota (CLIENT_RATE_LIMIT): ${r.ok} answered 200, ${r.errors} not`]));
            }
            if (name === 'steady-refresh-bursts') {
              // autocannon's overallRate: each second's 100 sent at once over the 32 connections, then nothing.
              const r = await backendRefresh({ ...o, overallRate: 100, warmupS: 0, durationS: 30 }, steady);
              rows.push(row(name, store, r, [`100 refreshes/s as one burst at the start of each second, for 30 s, same client: ${r.ok} answered 200, ${r.errors} not`]));
            }
            if (name === 'refresh-grant-many-clients') rows.push(row(name, store, await refreshGrant(o, f), ['128 clients (one per app), one address']));
            if (name === 'code-exchange') {
              const r = await codeExchange(o, f, Math.max(opts.durationS, 5));
              rows.push(row(name, store, r, [`${r.minted} codes minted beforehand; ${r.ok} exchanged in the measured part`]));
            }
            if (name === 'api-list-apps') rows.push(row(name, store, await apiListApps(o, f)));
            if (name === 'sign-in-flow') rows.push(row(name, store, await signInFlows(o, f), ['rate = complete flows per second; latency = one whole flow']));
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
    if (names.includes('refresh-grant')) {
      log(`ceiling (${store}): the refresh's statements in process, no HTTP …`);
      rows.push(row(`ceiling: refresh statements`, store, await refreshCeiling(db?.url, dataDir, backend, opts.warmupS, opts.durationS), ['client lookup + refreshTokenGrant in process, 32 at a time, no HTTP']));
    }
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  }
}

function linkBaselines(rows: ScenarioRow[]) {
  for (const r of rows) {
    const candidates = (BASELINE_OF[r.name] ?? []).map((b) => rows.find((x) => x.name === b)).filter((x): x is ScenarioRow => x !== undefined);
    const base = candidates.sort((a, b) => b.rps - a.rps)[0];
    r.baseline = base ? { name: base.name, rps: base.rps } : null;
    // req/s counts answers that succeeded: a peer that failed requests did other work than ours, and its figure is
    // not a measure of the same thing (the memory adapter's LRU once evicted the peers' refresh tokens).
    if (base && base.errors > 0) log(`warning: ${base.name}, the baseline of ${r.name} (${r.store}), had ${base.errors} errors: the ratio is not comparable`);
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
  for (const r of rows.filter((x) => x.name.startsWith('steady-refresh'))) {
    out.push({ target: `${r.name} (${r.store}): 100 refreshes/s for 30 s from one client, all 200`, measured: `${r.notes?.[0]?.split(': ')[1] ?? ''}`, met: r.errors === 0 && (r.ok ?? 0) >= 2900 });
  }
  const errors = rows.reduce((a, r) => a + r.errors, 0);
  if (rows.length) out.push({ target: 'zero errors anywhere', measured: `${errors} errors`, met: errors === 0 });
  for (const s of startup.filter((x) => x.store.startsWith('pglite file'))) {
    if (s.all_ms.length) out.push({ target: `cold start ≤ 1.5 s (${s.store})`, measured: `${s.cold_start_ms} ms`, met: s.cold_start_ms <= 1500 });
    out.push({ target: `idle RSS ≤ 150 MB (${s.store})`, measured: `${s.idle_rss_mb} MB`, met: s.idle_rss_mb <= 150 });
  }
  return out;
}

export function formatTable(rows: ScenarioRow[], startup: StartupResult[]): string {
  const head = ['scenario', 'store', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req main/all', 'machine ms/req (busy)', 'baseline', 'vs baseline'];
  const body = rows.map((r) => [
    r.name,
    r.store,
    r.rps.toFixed(0),
    r.p50_ms.toFixed(1),
    r.p99_ms.toFixed(1),
    String(r.errors),
    r.cpu_ms ? `${r.cpu_ms.main.toFixed(2)} / ${r.cpu_ms.all.toFixed(2)}` : '',
    r.machine ? `${r.machine.cpu_ms.toFixed(2)} (${Math.round(r.machine.busy * 100)} %)` : '',
    r.baseline ? `${r.baseline.name} (${r.baseline.rps.toFixed(0)})` : '',
    r.baseline && r.baseline.rps > 0 ? `${(r.rps / r.baseline.rps).toFixed(2)}×` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  const out = [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)];
  if (startup.length) {
    out.push('', '| start-up | cold start ms (median) | idle RSS MB (30 s after /healthz, median) |', '|---|---|---|');
    for (const s of startup) out.push(`| ${s.store} | ${s.all_ms.length ? `${s.cold_start_ms} (${s.all_ms.join(', ')})` : '—'} | ${s.idle_rss_mb}${s.idle_rss_all_mb && s.idle_rss_all_mb.length > 1 ? ` (${s.idle_rss_all_mb.join(', ')})` : ''} |`);
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
  if (args.baselines) await section('baselines, again', () => runBaselines(args, opts, rows, true));
  let startup: StartupResult[] = [];
  if (wanted(args, 'startup')) {
    log('start-up time and idle memory …');
    await section('startup', async () => {
      startup = await measureStartup(args.quick ? 2 : 5, args.quick ? 2 : 3, args.quick ? 1 : 3);
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
