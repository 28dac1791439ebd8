// npm start runs the provider and the demo app on PROVIDER_PORT and DEMO_PORT (scripts/start.mjs): when a port is
// taken, each binary's advice names the variable npm start reads, not only PORT (docs/pages.md §10).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
let taken: Server;
let port: number;
let dataDir: string;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
  dataDir = mkdtempSync(join(tmpdir(), 'port-in-use-'));
});
afterAll(() => {
  taken.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs a binary until it exits (at most 60 s) and returns its exit code and stderr. */
function run(bin: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, bin)], { env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not exit: ${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('a port in use', () => {
  it('the provider names PROVIDER_PORT', async () => {
    const r = await run('provider/bin/instant-provider.mjs', { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: 'memory', DATA_DIR: dataDir, SECRET: randomBytes(32).toString('base64url') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`port ${port} is in use`);
    expect(r.stderr).toContain('PROVIDER_PORT');
  });

  it('the demo app names DEMO_PORT', async () => {
    const r = await run('demo-app/bin/demo-app.mjs', {
      PORT: String(port),
      HOST: '127.0.0.1',
      INSTANT_ISSUER: 'http://localhost:1',
      INSTANT_CLIENT_ID: 'demo-app',
      INSTANT_CLIENT_SECRET: randomBytes(24).toString('base64url'),
      DEMO_SESSION_SECRET: randomBytes(32).toString('base64url'),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`port ${port} is in use`);
    expect(r.stderr).toContain('DEMO_PORT');
  });
});
