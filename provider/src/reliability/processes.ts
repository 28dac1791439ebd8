// Servers under test (the provider, baselines), each a child process on a free loopback port, found by the line it
// prints once listening. Shared by the benchmark (bench/) and the reliability tests; every child is killed when the
// parent exits, whatever happens.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The provider's CLI; BENCH_PROVIDER_BIN points the benchmark at another copy (A/B comparisons of a change). */
export const PROVIDER_BIN = process.env.BENCH_PROVIDER_BIN ?? join(ROOT, 'provider', 'bin', 'instant-provider.mjs');
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:55432/postgres';
export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

export interface Server {
  name: string;
  /** Origin to send requests to (always 127.0.0.1, whatever the server calls itself). */
  url: string;
  /** What the server printed as its URL (the provider's issuer). */
  announced: string;
  pid: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the "listening on" line. */
  startMs: number;
  /** Everything written to stderr so far (for error messages). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (crash tests). */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  // Whatever happens to the parent, no child is left behind.
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const c of live) c.kill('SIGKILL');
      process.exit(130);
    });
  }
}

export interface SpawnOptions {
  name: string;
  /** argv after `node`. */
  args: string[];
  env?: Record<string, string | undefined>;
  /** Matches the line that says the server is up; group 1 is its URL. */
  ready?: RegExp;
  timeoutMs?: number;
  cwd?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Another node binary (the benchmark's Node 24 peer); default this process's. */
  node?: string;
}

/** Spawns `node <args>` and resolves once it prints its "listening on <url>" line. */
export async function spawnServer(opts: SpawnOptions): Promise<Server> {
  hookExit();
  const ready = opts.ready ?? /listening on (\S+)/;
  const t0 = performance.now();
  const child = spawn(opts.node ?? process.execPath, [...(opts.nodeFlags ?? []), ...opts.args], {
    cwd: opts.cwd ?? ROOT,
    env: definedOnly({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ...opts.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const announced = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${opts.name} did not start within ${opts.timeoutMs ?? 90_000} ms\n${err}`));
    }, opts.timeoutMs ?? 90_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited before listening (code ${code}, signal ${signal})\n${err}`));
    });
  });
  const startMs = performance.now() - t0;
  child.stdout!.resume();
  const u = new URL(announced);
  return {
    name: opts.name,
    url: `http://127.0.0.1:${u.port}`,
    announced,
    pid: child.pid!,
    child,
    startMs,
    stderr: () => err,
    async stop(graceMs = 5_000) {
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await kill('SIGTERM');
      clearTimeout(t);
    },
    kill: () => kill('SIGKILL'),
  };
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export type StoreKind = 'pglite' | 'postgres';

export interface ProviderOptions {
  store: StoreKind;
  /** For `pglite`: a data directory for the file-backed embedded store; unset → in memory. */
  dataDir?: string;
  /** For `postgres`: the database URL to use (else a fresh database is created and dropped on stop). */
  databaseUrl?: string;
  env?: Record<string, string | undefined>;
  nodeFlags?: string[];
  args?: string[];
}

/** Starts `node provider/bin/instant-provider.mjs` on PGlite (memory or a data dir) or on a fresh Postgres database. */
export async function spawnProvider(opts: ProviderOptions): Promise<Server & { databaseUrl?: string }> {
  let databaseUrl: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  if (opts.store === 'postgres') {
    if (opts.databaseUrl) databaseUrl = opts.databaseUrl;
    else {
      const fresh = await createDatabase();
      databaseUrl = fresh.url;
      dropDb = fresh.drop;
    }
  }
  const env: Record<string, string | undefined> = {
    DATABASE_URL: opts.store === 'postgres' ? databaseUrl : opts.dataDir ? undefined : 'memory',
    DATA_DIR: opts.dataDir,
    SECRET: BENCH_SECRET,
    ...opts.env,
  };
  try {
    const server = await spawnServer({ name: `provider (${opts.store})`, args: [PROVIDER_BIN, ...(opts.args ?? [])], env, nodeFlags: opts.nodeFlags });
    const stop = server.stop;
    const kill = server.kill;
    return {
      ...server,
      databaseUrl,
      async stop(graceMs?: number) {
        await stop(graceMs);
        await dropDb?.();
      },
      async kill() {
        await kill();
        await dropDb?.();
      },
    };
  } catch (err) {
    await dropDb?.();
    throw err;
  }
}

export function postgresUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_PG_URL;
}

/** True when the Postgres server answers. */
export async function postgresAvailable(url = postgresUrl()): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** A new, empty database on the Postgres server; the provider migrates it on start. */
export async function createDatabase(url = postgresUrl(), prefix = 'instant_bench'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await c.end();
    },
  };
}

/** Resident set size of a process in MB (Linux /proc), or undefined. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Node flags that preload memory-probe.mjs, for `probeMemory`. */
export const MEMORY_PROBE_FLAGS = ['--expose-gc', '--import', join(dirname(fileURLToPath(import.meta.url)), 'memory-probe.mjs')];

export interface MemoryProbe {
  /** Bytes, right after a full garbage collection in the server. */
  rss: number;
  heapUsed: number;
  /** Memory outside the JS heap: PGlite's WebAssembly memory is counted here. */
  external: number;
}

/** Asks a server started with MEMORY_PROBE_FLAGS to collect its garbage and report its memory. */
export async function probeMemory(server: Server, timeoutMs = 10_000): Promise<MemoryProbe> {
  // The last report in stderr, by its sequence number (stderr is kept as a bounded tail, so lines are not counted).
  const last = () => {
    const line = server.stderr().match(/^memory-probe (.*)$/gm)?.at(-1);
    return line ? (JSON.parse(line.slice('memory-probe '.length)) as MemoryProbe & { seq: number; gc: boolean }) : undefined;
  };
  const before = last()?.seq ?? 0;
  process.kill(server.pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = last();
    if (m && m.seq > before) {
      if (!m.gc) throw new Error(`${server.name} was not started with --expose-gc`);
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
    }
    if (Date.now() > deadline) throw new Error(`${server.name} did not answer the memory probe within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
