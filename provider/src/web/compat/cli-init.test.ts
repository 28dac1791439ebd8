import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, spawnProvider, type Server } from '../../reliability/processes.ts';
import { openStore } from '../../store/index.ts';
import { hashToken } from '../../domain/tokens.ts';
import { CLI_BIN, cliEnv, makeProject, stripAnsi } from '../../testing/cli-runner.ts';

/**
 * `instant-cli init` (1.0.67, unchanged) with its interactive app picker, in a pseudo-terminal against a provider
 * process (docs/instant-compat.md §4, §7). util-linux `script` gives the CLI a terminal; the test types arrow keys and
 * Enter once the prompt it answers is on screen. PGlite (a data directory), or Postgres when TEST_DATABASE_URL is set.
 */
const PASSWORD = 'correct horse battery staple 42';
const PROMPT_WAIT_MS = 20_000;
const DOWN = '\u001b[B';
const onPostgres = !!process.env.TEST_DATABASE_URL;

let server: Server | undefined;
let dropDb: (() => Promise<void>) | undefined;
let databaseUrl: string | undefined;
let work: string;
let token: string;
let child: ChildProcess | undefined;
const apps: Record<string, string> = {};

/** The CLI in a pty of 120×40 (the picker draws boxes the terminal's width), its output as the user sees it. */
function startInPty(args: string[], opts: { cwd: string; home: string }) {
  const command = `stty cols 120 rows 40; exec ${[process.execPath, CLI_BIN, ...args].map((a) => `'${a}'`).join(' ')}`;
  const env = cliEnv({ url: server!.url, home: opts.home, cwd: opts.cwd, env: { INSTANT_CLI_AUTH_TOKEN: token } });
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child = proc;
  let raw = '';
  proc.stdout!.on('data', (b: Buffer) => (raw += b.toString('utf8')));
  proc.stderr!.on('data', (b: Buffer) => (raw += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const output = () => stripAnsi(raw);
  /** Resolves once `text` shows after `from` characters of output; fails with the output so far after 20 s. */
  async function waitFor(text: string, from = 0): Promise<number> {
    const deadline = Date.now() + PROMPT_WAIT_MS;
    for (;;) {
      const at = output().indexOf(text, from);
      if (at >= 0) return at + text.length;
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no "${text}" within ${PROMPT_WAIT_MS / 1000} s; output so far:\n${output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const type = (keys: string) => proc.stdin!.write(keys);
  return { waitFor, type, output, exited };
}

async function exitWithin(exited: Promise<number | null>, output: () => string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`init did not exit within 60 s:\n${output()}`)), 60_000)));
  try {
    return await Promise.race([exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'instant-cli-init-'));
  if (onPostgres) {
    // Our own database (kept when the provider stops), to read what the provider recorded.
    const db = await createDatabase(undefined, 'instant_cli_init');
    databaseUrl = db.url;
    dropDb = db.drop;
    server = await spawnProvider({ store: 'postgres', databaseUrl });
  } else {
    server = await spawnProvider({ store: 'pglite', dataDir: join(work, 'data') });
  }
  const email = `cli-init-${Date.now()}@example.com`;
  const json = { 'content-type': 'application/json' };
  expect((await fetch(new URL('/dash/signup', server.url), { method: 'POST', headers: json, body: JSON.stringify({ email, password: PASSWORD }) })).status).toBe(200);
  const login = await fetch(new URL('/dash/login', server.url), { method: 'POST', headers: json, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const made = await fetch(new URL('/dash/personal_access_tokens', server.url), { method: 'POST', headers: { cookie, ...json }, body: JSON.stringify({ name: 'cli' }) });
  token = ((await made.json()) as { token: string }).token;
  // Two apps: the picker lists the newest first, after "+ New App", so picking the older one takes two steps down.
  for (const title of ['Older Books', 'Newer Books']) {
    const res = await fetch(new URL('/superadmin/apps', server.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, ...json }, body: JSON.stringify({ title }) });
    expect(res.status, title).toBe(200);
    apps[title] = ((await res.json()) as { app: { id: string } }).app.id;
    await new Promise((r) => setTimeout(r, 20)); // distinct created_at, so the order is defined
  }
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.stop();
  await dropDb?.();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('instant-cli 1.0.67 init: the interactive app picker', { timeout: 200_000 }, () => {
  it('picks an existing app with the arrow keys, writes its id and admin token to .env, and reports the import', async () => {
    const home = join(work, 'home');
    await mkdir(home);
    const dir = await makeProject(work, 'project');
    const cli = startInPty(['init'], { cwd: dir, home });

    let at = await cli.waitFor('Select an app');
    await cli.waitFor('Newer Books', at);
    at = await cli.waitFor('Older Books', at);
    cli.type(DOWN);
    await new Promise((r) => setTimeout(r, 300));
    cli.type(DOWN);
    await new Promise((r) => setTimeout(r, 300));
    cli.type('\r');
    at = await cli.waitFor('Selected App: Older Books', at);
    await cli.waitFor('Want us to create this env file for you?', at);
    cli.type('y');
    const code = await exitWithin(cli.exited, cli.output);
    const out = cli.output();
    expect(code, out).toBe(0);
    expect(out).toContain('Created .env file!');
    expect(out).not.toMatch(/undefined/);

    const env = await readFile(join(dir, '.env'), 'utf8');
    const written = /^INSTANT_APP_ID=(.+)\nINSTANT_APP_ADMIN_TOKEN=(.+)\n$/.exec(env);
    expect(written, env).not.toBeNull();
    expect(written![1]).toBe(apps['Older Books']);
    const adminToken = written![2]!;
    expect(adminToken).toMatch(/^[0-9a-f-]{36}$/);

    // What the provider recorded: the picked app's provisional token made permanent, the listing's other one ended.
    await server!.stop();
    server = undefined;
    const store = await openStore(databaseUrl, join(work, 'data'));
    try {
      const rows = await store.query<{ app_id: string; token_hash: string; expires_at: Date | null; revoked_at: Date | null }>(
        `select app_id, token_hash, expires_at, revoked_at from app_admin_tokens where listing_id is not null`,
      );
      const picked = rows.filter((r) => r.app_id === apps['Older Books']);
      expect(picked).toEqual([expect.objectContaining({ token_hash: hashToken(adminToken), expires_at: null, revoked_at: null })]);
      const other = rows.filter((r) => r.app_id === apps['Newer Books']);
      expect(other).toEqual([expect.objectContaining({ revoked_at: expect.any(Date) })]);
    } finally {
      await store.close();
    }
  });
});
