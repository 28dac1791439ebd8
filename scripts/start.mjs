#!/usr/bin/env node
// npm start: the provider (:8787, embedded store, demo account + client seeded) and the demo app (:3000),
// waits until both answer, prints the URLs and the demo login, and stops both on Ctrl-C.
/* global setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { readyBanner } from './start-banner.mjs';
import { mallocEnv } from './malloc-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A port nothing listens on now: what `0` means for PROVIDER_PORT or DEMO_PORT. Each URL names the other
 * server's port (the issuer, the redirect URI), so both are known before either starts. */
function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}
function portFrom(name, fallback) {
  const raw = process.env[name]?.trim() || String(fallback);
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    console.error(`${name} must be a port number from 0 to 65535 (0 picks a free one), got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return port === 0 ? freePort() : port;
}
const providerPort = await portFrom('PROVIDER_PORT', 8787);
const demoPort = await portFrom('DEMO_PORT', 3000);
const providerUrl = process.env.PUBLIC_URL?.trim().replace(/\/+$/, '') || `http://localhost:${providerPort}`;
const demoUrl = `http://localhost:${demoPort}`;

// Secrets made on the first start and kept in .data (with DATA_DIR set: in DATA_DIR/npm-start, so one directory
// holds a whole start), so restarts keep the demo login, the demo client (its secret is shared by the provider's
// seed and the demo app) and the demo's sessions.
const providerDataDir = process.env.DATA_DIR?.trim() ? resolve(root, process.env.DATA_DIR.trim()) : undefined;
const dataDir = providerDataDir ? join(providerDataDir, 'npm-start') : join(root, '.data');
mkdirSync(dataDir, { recursive: true });
function kept(name, make) {
  const file = join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, make() + '\n', { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
const demoClientSecret = process.env.DEMO_CLIENT_SECRET || kept('demo-client-secret', () => randomBytes(32).toString('base64url'));
const demoPassword = process.env.DEMO_PASSWORD || kept('demo-password', () => `demo-${randomBytes(6).toString('hex')}`);
const demoSessionSecret = process.env.DEMO_SESSION_SECRET || kept('demo-session-secret', () => randomBytes(32).toString('base64url'));

const children = [];
function run(name, args, env) {
  // glibc's malloc as scripts/malloc-env.mjs explains: ~30 MB less resident memory once the provider is idle.
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...mallocEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (line) => `${name.padEnd(8)}| ${line}\n`;
  const pipe = (stream, out) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        out.write(prefix(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
  };
  child.listening = new Promise((resolve) => {
    let seen = '';
    child.stdout.on('data', (d) => {
      seen += d;
      if (/listening on http/.test(seen)) resolve(true);
    });
  });
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n${name} exited (${signal ?? code}); stopping.`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  const t = setTimeout(() => process.exit(code), 5000);
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null))).then(() => {
    clearTimeout(t);
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitFor(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

const started = Date.now();
run('provider', ['provider/bin/instant-provider.mjs', '--seed-demo'], {
  PORT: String(providerPort),
  PUBLIC_URL: providerUrl,
  ...(providerDataDir ? { DATA_DIR: providerDataDir } : {}),
  DEMO_CLIENT_SECRET: demoClientSecret,
  DEMO_PASSWORD: demoPassword,
  DEMO_REDIRECT_URI: `${demoUrl}/auth/instant/callback`,
});
if (existsSync(join(root, 'demo-app/bin/demo-app.mjs'))) {
  run('demo-app', ['demo-app/bin/demo-app.mjs'], {
    PORT: String(demoPort),
    DEMO_PUBLIC_URL: demoUrl,
    INSTANT_ISSUER: providerUrl,
    INSTANT_CLIENT_ID: 'demo-app',
    INSTANT_CLIENT_SECRET: demoClientSecret,
    DEMO_SESSION_SECRET: demoSessionSecret,
  });
}

// Ready = each process printed its "listening on" line (the provider does so after seeding) and answers HTTP.
const withTimeout = (p, ms) => Promise.race([p, new Promise((r) => setTimeout(() => r(false), ms))]);
const ok = await Promise.all([
  withTimeout(children[0].listening, 60_000).then((up) => up && waitFor(`${providerUrl}/.well-known/openid-configuration`, 10_000)),
  children.length > 1 ? withTimeout(children[1].listening, 60_000).then((up) => up && waitFor(`${demoUrl}/healthz`, 10_000)) : Promise.resolve(true),
]);
if (stopping) process.exit(1);
if (!ok.every(Boolean)) {
  console.error('a server did not answer within 60 s; stopping.');
  stop(1);
} else {
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(readyBanner({ secs, demoUrl: children.length > 1 ? demoUrl : undefined, providerUrl, demoPassword, operatorEmails: process.env.OPERATOR_EMAILS?.trim(), smtpUrl: process.env.SMTP_URL?.trim() }));
}
