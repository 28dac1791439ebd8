import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProvider, type Server } from '../../reliability/processes.ts';
import { makeProject, runCli, type Run } from '../../testing/cli-runner.ts';

/**
 * Instant's own published CLI (`instant-cli` 1.0.67), unchanged, as a child process against a real provider process,
 * with only INSTANT_CLI_API_URI / INSTANT_CLI_DASH_URI pointed at it (docs/instant-compat.md §7). The browser half of
 * `login` is done over HTTP here (e2e/instant-cli-login.spec.ts does it in Chromium). PGlite, or Postgres with TEST_DATABASE_URL.
 */
const PASSWORD = 'correct horse battery staple 42';
let server: Server;
let work: string;
let home: string;
let email: string;
let cookie = '';

const cli = (args: string[], opts: { cwd?: string; env?: Record<string, string>; onOutput?: (all: string) => void } = {}): Promise<Run> =>
  runCli(args, { url: server.url, home, cwd: opts.cwd ?? join(work, 'project'), env: opts.env, onOutput: opts.onOutput });
const project = (dir: string) => makeProject(work, dir);

function takeCookies(res: Response): void {
  const jar = new Map(cookie ? cookie.split('; ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]) : []);
  for (const sc of res.headers.getSetCookie()) {
    const pair = sc.split(';')[0]!;
    jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
  }
  cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function browse(path: string, form?: Record<string, string>): Promise<Response> {
  const res = await fetch(new URL(path, server.url), {
    method: form ? 'POST' : 'GET',
    headers: { cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
    redirect: 'manual',
  });
  takeCookies(res);
  return res;
}

beforeAll(async () => {
  // The store of the pass: PGlite, or Postgres when TEST_DATABASE_URL is set (the Postgres pass then tests the CLI
  // against it rather than repeating the PGlite run).
  server = await spawnProvider({ store: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite' });
  work = await mkdtemp(join(tmpdir(), 'instant-cli-compat-'));
  home = join(work, 'home');
  await mkdir(home);
  const dir = await project('project');
  await writeFile(
    join(dir, 'instant.schema.ts'),
    `import { i } from '@instantdb/core';\nconst _schema = i.schema({ entities: { books: i.entity({ title: i.string().indexed(), isbn: i.string().unique() }) } });\nexport default _schema;\n`,
  );
  await writeFile(join(dir, 'instant.perms.ts'), `export default { books: { allow: { view: 'true', create: 'false' } } };\n`);
  email = `cli-${Date.now()}@example.com`;
  const signup = await fetch(new URL('/dash/signup', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(signup.status).toBe(200);
  // Sign-up never signs in (docs/security-accounts.md §2): log in for the session.
  const login = await fetch(new URL('/dash/login', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(login.status).toBe(200);
  takeCookies(login);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const noUndefined = (r: Run) => expect(r.out, r.out).not.toMatch(/undefined/);
let appId = '';

describe('instant-cli 1.0.67 against the provider', { timeout: 200_000 }, () => {
  it('login --headless: prints the URL, waits, and saves the token once the user confirms in the browser', async () => {
    let confirming: Promise<void> | undefined;
    const run = await cli(['login', '--headless'], {
      onOutput: (all) => {
        const url = /(http:\/\/\S+\/dash\?ticket=\S+)/.exec(all)?.[1];
        if (!url || confirming || !all.includes('Waiting for authentication')) return;
        confirming = (async () => {
          const page = await browse(new URL(url).pathname + new URL(url).search);
          const html = await page.text();
          expect(html).toContain('instant-cli v1.0.67');
          const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
          const ticket = new URL(url).searchParams.get('ticket')!;
          expect((await browse('/dash/cli/auth/claim', { _csrf: csrf, ticket })).status).toBe(303);
        })();
      },
    });
    await confirming;
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(`Successfully logged in as ${email}!`);
    noUndefined(run);
    const saved = await readdir(join(home, '.config', 'instantdb-prod-nodejs', 'auth'));
    expect(saved).toHaveLength(1);
    expect(await readFile(join(home, '.config', 'instantdb-prod-nodejs', 'auth', saved[0]!), 'utf8')).toMatch(/^per_[0-9a-f]{64}$/);
    const tokens = (await (await browse('/dash/personal_access_tokens')).json()) as { personal_access_tokens: Array<{ name: string }> };
    expect(tokens.personal_access_tokens.map((t) => t.name)).toEqual([expect.stringMatching(/^CLI login: instant-cli v1\.0\.67, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/)]);
  });

  it('info and app list use the saved token', async () => {
    const info = await cli(['info']);
    expect(info.code, info.out).toBe(0);
    expect(info.out).toContain(`Logged in as ${email}`);
    const list = await cli(['app', 'list']);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toContain('No apps found.');
  });

  it('init-without-files creates an app that app list shows', async () => {
    const made = await cli(['init-without-files', '--title', 'CLI Books']);
    expect(made.code, made.out).toBe(0);
    const json = JSON.parse(made.out.slice(made.out.indexOf('{'), made.out.lastIndexOf('}') + 1)) as { app: { appId: string; adminToken: string }; error: null };
    appId = json.app.appId;
    expect(json.app.adminToken).toMatch(/^[0-9a-f-]{36}$/);
    const list = await cli(['app', 'list']);
    expect(list.out).toMatch(new RegExp(`CLI Books\\s+${appId}`));
  });

  it('push of schema and perms shows its progress lines with attribute names', async () => {
    const run = await cli(['push', '--yes'], { env: { INSTANT_APP_ID: appId } });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('Finished adding index to books.title.');
    expect(run.out).toContain('Finished adding uniqueness constraint to books.isbn.');
    expect(run.out).toContain('Permissions updated!');
    noUndefined(run);
  });

  it('pull writes the schema and perms files', async () => {
    const dir = await project('pulled');
    const run = await cli(['pull', '--yes'], { cwd: dir, env: { INSTANT_APP_ID: appId } });
    expect(run.code, run.out).toBe(0);
    noUndefined(run);
    const schema = await readFile(join(dir, 'instant.schema.ts'), 'utf8');
    expect(schema).toMatch(/books: i\.entity\(\{/);
    expect(schema).toMatch(/title: i\.string\(\)\.indexed\(\)/);
    expect(schema).toMatch(/isbn: i\.string\(\)\.unique\(\)/);
    expect(await readFile(join(dir, 'instant.perms.ts'), 'utf8')).toContain('create: "false"');
  });

  it('init-without-files --temp, then claim moves the temporary app into the account', async () => {
    const made = await cli(['init-without-files', '--temp', '--title', 'Temp CLI']);
    expect(made.code, made.out).toBe(0);
    const { app } = JSON.parse(made.out.slice(made.out.indexOf('{'), made.out.lastIndexOf('}') + 1)) as { app: { appId: string; adminToken: string } };
    const claimed = await cli(['claim'], { env: { INSTANT_APP_ID: app.appId, INSTANT_APP_ADMIN_TOKEN: app.adminToken } });
    expect(claimed.code, claimed.out).toBe(0);
    expect(claimed.out).toContain('App claimed!');
    expect((await cli(['app', 'list'])).out).toMatch(new RegExp(`Temp CLI\\s+${app.appId}`));
  });

  it('init-without-files --token works with a token given on the command line', async () => {
    const made = await fetch(new URL('/dash/personal_access_tokens', server.url), { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci' }) });
    const { token } = (await made.json()) as { token: string };
    const run = await cli(['init-without-files', '--title', 'Token app', '--token', token], { env: { HOME: join(work, 'nobody'), XDG_CONFIG_HOME: join(work, 'nobody') } });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('"appId"');
  });

  it('an unsupported command shows the typed message', async () => {
    const run = await cli(['query', '{books: {}}', '--admin', '--app', appId]);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain('is not available on a self-hosted Instant platform');
  });

  it('app delete, then logout', async () => {
    const del = await cli(['app', 'delete', '--app', appId, '--yes']);
    expect(del.code, del.out).toBe(0);
    expect(del.out).toContain(`Deleted app "CLI Books" (${appId}).`);
    expect((await cli(['app', 'list'])).out).not.toContain(appId);
    const out = await cli(['logout']);
    expect(out.code, out.out).toBe(0);
    noUndefined(out);
    expect(await readdir(join(home, '.config', 'instantdb-prod-nodejs', 'auth'))).toEqual([]);
    const info = await cli(['info']);
    expect(info.out).toContain('Not logged in.');
  });
});
