// npm start (scripts/start.mjs) as the README runs it: both servers up on the ports it prints, the demo login it
// prints signs in through the demo app, a restart keeps that login, and its Ctrl-C stops both and frees their ports.
// PROVIDER_PORT=0 / DEMO_PORT=0 pick free ports (so the suite never needs 8787 and 3000) and DATA_DIR keeps the whole
// start in a directory of the test's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CookieJar } from '../provider/src/testing/cookie-jar.ts';
import { browserLeg } from '../client/src/testing/provider.ts';

const ROOT = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
const started: ChildProcess[] = [];

// Whatever a failed assertion left running: the launcher's process group (it and the two servers it spawned).
afterEach(async () => {
  for (const c of started.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((r) => c.once('exit', r));
    process.kill(-c.pid!, 'SIGKILL');
    await gone;
  }
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Start {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function launch(env: Record<string, string>): Start {
  // A process group of its own (detached), so afterEach can stop what a failing test leaves behind.
  const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), DATA_DIR: dataDir, PROVIDER_PORT: '0', DEMO_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

/** The banner's URLs and demo password, once it printed "ready" (else what it printed before it gave up or exited). */
async function ready(s: Start): Promise<{ demoUrl: string; providerUrl: string; password: string }> {
  const deadline = Date.now() + 90_000;
  while (!/ready in/.test(s.out())) {
    if (s.child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not get ready:\n${s.out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const field = (re: RegExp) => re.exec(s.out())?.[1] ?? '';
  return {
    demoUrl: field(/Demo app \(the app builder's site\):\s+(\S+)/),
    providerUrl: field(/Provider \(Sign in with Instant\):\s+(\S+)\/dash/),
    password: field(/Demo login:\s+demo@example\.com \/ (\S+)/),
  };
}

function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/** The visitor's journey through the demo app: its sign-in button, the provider's login and consent, and back. */
async function signInThroughDemo(demoUrl: string, providerUrl: string, password: string): Promise<string> {
  const demo = new CookieJar();
  const login = await fetch(new URL('/auth/instant/login', demoUrl), { redirect: 'manual' });
  demo.take(login);
  expect(login.status).toBe(302);
  const authorize = new URL(login.headers.get('location')!);
  expect(authorize.origin).toBe(providerUrl);
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${demoUrl}/auth/instant/callback`);

  const account = await fetch(new URL('/dash/login', providerUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'demo@example.com', password }) });
  expect(account.status).toBe(200);
  const provider = new CookieJar();
  provider.take(account);

  const at = await browserLeg({ issuer: providerUrl, fetch }, authorize, provider.header());
  expect(at.origin + at.pathname).toBe(`${demoUrl}/auth/instant/callback`);
  const callback = await fetch(at, { headers: { cookie: demo.header() }, redirect: 'manual' });
  demo.take(callback);
  expect(callback.status, await callback.clone().text()).toBeOneOf([302, 303]);
  expect(callback.headers.get('location')).toBe('/');
  const home = await fetch(new URL('/', demoUrl), { headers: { cookie: demo.header() } });
  expect(home.status).toBe(200);
  return home.text();
}

describe('npm start', () => {
  let first: { demoUrl: string; providerUrl: string; password: string };

  it('prints the URLs both servers answer on, and its demo login signs in through the demo app', async () => {
    const s = launch({});
    first = await ready(s);
    for (const url of [first.demoUrl, first.providerUrl]) expect(url).toMatch(/^http:\/\/localhost:[1-9]\d*$/);
    expect(first.demoUrl).not.toBe(first.providerUrl);

    const discovery = await fetch(new URL('/.well-known/openid-configuration', first.providerUrl));
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(first.providerUrl);
    expect((await fetch(new URL('/healthz', first.demoUrl))).status).toBe(200);
    expect(await signInThroughDemo(first.demoUrl, first.providerUrl, first.password)).toContain('demo@example.com');

    // Ctrl-C: the launcher stops both servers, exits 0, and leaves both ports free.
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(await refused(first.providerUrl)).toBe(true);
    expect(await refused(first.demoUrl)).toBe(true);
  }, 120_000);

  it('keeps the demo login and the embedded store across a restart', async () => {
    expect(first).toBeDefined();
    const s = launch({});
    const again = await ready(s);
    expect(again.password).toBe(first.password);
    expect(await signInThroughDemo(again.demoUrl, again.providerUrl, again.password)).toContain('demo@example.com');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 120_000);

  it('refuses a port that is not a number, before starting anything', async () => {
    const s = launch({ DEMO_PORT: '30o0' });
    expect(await s.exited).toBe(1);
    expect(s.out()).toContain('DEMO_PORT must be a port number from 0 to 65535 (0 picks a free one), got "30o0"');
    expect(s.out()).not.toContain('provider');
  });
});
