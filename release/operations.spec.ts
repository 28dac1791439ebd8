// docs/operations.md, run as written: the install commands of §1, the environment file deploy/instant-provider.env
// and the ExecStart of deploy/instant-provider.service (as systemd would run it: only PATH and the file's variables),
// then the backup and restore commands of §7. Replaced: paths (/opt, /tmp, /var/backups → a temp directory), the
// port, the database (a new one on TEST_DATABASE_URL's server) and the secret. Not run: `useradd` (it changes the
// machine), and systemd itself.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, packWorkspace, ROOT } from './packed.ts';

const DOC = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
const UNIT = readFileSync(join(ROOT, 'deploy/instant-provider.service'), 'utf8');
const ENV_FILE = readFileSync(join(ROOT, 'deploy/instant-provider.env'), 'utf8');
const PG_URL = process.env.TEST_DATABASE_URL;

/** The shell block after `<!-- recipe: NAME -->` in docs/operations.md. */
function recipe(name: string): string {
  const m = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  if (!m) throw new Error(`docs/operations.md has no "recipe: ${name}" block`);
  return m[1]!;
}

/** KEY=VALUE lines as systemd's EnvironmentFile reads them (comments and blank lines skipped). */
function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const unitValues = (key: string) => [...UNIT.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

/**
 * What an operator's root shell has besides PATH and HOME that npm needs to reach the registry: proxies and the
 * certificates of this machine's network (a Node from the npm registry trusts only its own CAs, not the system's).
 */
const NETWORK_ENV = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
const networkEnv = Object.fromEntries(NETWORK_ENV.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])));

function sh(script: string, env: Record<string, string> = {}): string {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...networkEnv, ...env }, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`recipe failed (${r.status}):\n${script}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const withDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).href;

describe.runIf(PG_URL)('the production recipe (docs/operations.md) on PostgreSQL', () => {
  let dir: string;
  let opt: string;
  const dbs: string[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'instant-ops-'));
    opt = join(dir, 'opt/instant-provider');
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    for (const db of dbs) await admin.query(`drop database if exists ${db} with (force)`).catch(() => {});
    await admin?.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newDatabase(): Promise<string> {
    const name = `instant_ops_${randomBytes(5).toString('hex')}`;
    await admin.query(`create database ${name}`);
    dbs.push(name);
    return withDatabase(PG_URL!, name);
  }

  /** ExecStart with the unit's Environment= and the environment file, nothing else of ours. */
  async function startAsUnit(env: Record<string, string>) {
    const [execStart] = unitValues('ExecStart');
    const argv = execStart!.replaceAll('/opt/instant-provider', opt).split(' ');
    expect(argv[0]).toBe('/usr/bin/node');
    argv[0] = process.execPath; // the node running this test (the matrix's)
    const unitEnv = Object.fromEntries(unitValues('Environment').map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
    const child = spawn(argv[0], argv.slice(1), { env: { PATH: process.env.PATH!, ...unitEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within 60 s:\n${out}\n${err}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /^instant-provider listening on .*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited (${code}) before listening:\n${out}\n${err}`)));
    });
    const stop = async () => {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return exited;
    };
    return { line, stderr: () => err, stop };
  }

  it('installs the packed provider, runs it from the env file and unit, logs requests, backs up and restores', async () => {
    const packed = packWorkspace(join(dir, 'tarballs'), ['instant-kit', 'instant-provider']);
    const tarball = packed.tarballs['instant-provider']!;
    const version = packed.versions['instant-provider']!;

    // §1, as root would run it (but for useradd), with our paths.
    const install = recipe('install')
      .split('\n')
      .filter((l) => !l.startsWith('useradd '))
      .join('\n')
      .replaceAll('/opt/instant-provider', opt)
      .replaceAll('/tmp/instant-provider-0.1.0.tgz', tarball)
      .replaceAll('/tmp/instant-kit-0.1.0.tgz', packed.tarballs['instant-kit']!)
      .replaceAll('/usr/bin/node', process.execPath);
    mkdirSync(join(dir, 'opt'), { recursive: true });
    expect(sh(install).trim().split('\n').at(-1)).toBe(version);

    // §2: the environment file as shipped, with this machine's port, database and a secret.
    const shipped = envFile(ENV_FILE);
    expect(shipped).toMatchObject({ PUBLIC_URL: 'https://auth.example.com', HOST: '127.0.0.1', TRUST_PROXY: '1', LOG_LEVEL: 'info' });
    const port = await freePort();
    const env = { ...shipped, PORT: String(port), DATABASE_URL: await newDatabase(), SECRET: randomBytes(32).toString('base64') };

    // §3: the unit's command line.
    const first = await startAsUnit(env);
    expect(first.line).toBe(`instant-provider listening on https://auth.example.com (public URL), bound to 127.0.0.1:${port}`);
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz?code=not-for-logs`, { headers: { 'x-request-id': 'ops-check-1' } });
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBe('ops-check-1');
    expect(((await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer).toBe('https://auth.example.com');
    await new Promise((r) => setTimeout(r, 100));
    const access = first
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request');
    expect(access).toContainEqual(expect.objectContaining({ level: 'info', method: 'GET', route: '/healthz', status: 200, request_id: 'ops-check-1' }));
    expect(first.stderr()).not.toContain('not-for-logs');
    expect(await first.stop()).toBe(0);

    // §7: the backup command, then the restore into an empty database, and the provider on it with the same SECRET.
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    sh(recipe('backup').replaceAll('/var/backups', backups), { DATABASE_URL: env.DATABASE_URL });
    const [dump] = readdirSync(backups);
    expect(dump).toMatch(/^instant-\d{4}-\d{2}-\d{2}\.dump$/);
    const restored = await newDatabase();
    sh(recipe('restore').replace('/var/backups/instant-YYYY-MM-DD.dump', join(backups, dump!)), { RESTORE_DATABASE_URL: restored });
    const again = await startAsUnit({ ...env, DATABASE_URL: restored });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await again.stop()).toBe(0);
  }, 300_000);
});
