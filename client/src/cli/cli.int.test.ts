import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { personalToken, signedIn, world, type TestProvider } from '../testing/provider.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { configPath, readConfig, updateProvider } from './config.ts';
import type { CliIO } from './io.ts';
import { main } from './main.ts';

const CLIENT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ROOT_MODULES = resolve(CLIENT_DIR, '../node_modules');

/** A project directory whose `instant-kit` and `@instantdb/core` resolve to this repo's. */
function project(): string {
  const dir = tempDir('ik-proj-');
  mkdirSync(join(dir, 'node_modules/@instantdb'), { recursive: true });
  symlinkSync(CLIENT_DIR, join(dir, 'node_modules/instant-kit'));
  symlinkSync(join(ROOT_MODULES, '@instantdb/core'), join(dir, 'node_modules/@instantdb/core'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'proj', type: 'module' }));
  return dir;
}

const SCHEMA_KIT = `import { i } from 'instant-kit';
const _schema = i.schema({
  entities: {
    todos: i.entity({ text: i.string(), done: i.boolean().optional(), due: i.date().indexed().optional() }),
    owners: i.entity({ handle: i.string().unique().indexed() }),
  },
  links: { todoOwner: { forward: { on: 'todos', has: 'one', label: 'owner' }, reverse: { on: 'owners', has: 'many', label: 'todos' } } },
});
export default _schema;
`;
const PERMS = `export default { todos: { allow: { view: 'true', $default: 'false' } } };\n`;

describe('instant-kit CLI against the real provider (in process)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let p: TestProvider;
  let env: Record<string, string>;
  beforeEach(async () => {
    w = await world();
    p = w.p;
    env = { XDG_CONFIG_HOME: tempDir('ik-cfg-') };
  });
  afterEach(async () => {
    await p.close();
  });

  async function run(argv: string[], cwd = process.cwd()) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { stdout: (l) => void out.push(l), stderr: (l) => void err.push(l), env, cwd, isTTY: false, ask: async () => 'n', openBrowser: () => {}, fetch: p.fetch };
    const code = await main([...argv, '--api-uri', p.issuer], io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('init-without-files --temp prints {"app":{"appId","adminToken"},"error":null} on stdout, messages on stderr', async () => {
    const r = await run(['init-without-files', '--title', 'Temp app', '--temp']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(['app', 'error']);
    expect(Object.keys(json.app)).toEqual(['appId', 'adminToken']);
    expect(json.error).toBeNull();
    expect(json.app.appId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.err).toContain('Successfully created new app!');
  });

  it('init-without-files --token creates an app owned by the token user', async () => {
    const token = await personalToken(p, w.cookie);
    const r = await run(['init-without-files', '--title', 'Owned', '--token', token]);
    expect(r.code).toBe(0);
    const { app } = JSON.parse(r.out);
    const list = await run(['apps', 'list', '--json', '--token', token]);
    expect(JSON.parse(list.out).apps.map((a: { id: string }) => a.id)).toEqual([app.appId]);
  });

  it('push shows the plan, refuses without --yes, applies with --yes, and a second push applies nothing', async () => {
    const token = await personalToken(p, w.cookie);
    const { app } = JSON.parse((await run(['init-without-files', '--title', 'Todos', '--token', token])).out);
    const dir = project();
    writeFileSync(join(dir, 'instant.schema.ts'), SCHEMA_KIT);
    writeFileSync(join(dir, 'instant.perms.ts'), PERMS);

    const refused = await run(['push', '--token', token, '--app', app.appId], dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Create new entity todos.id.');
    expect(refused.err.trim().split('\n').at(-1)).toMatch(/^instant-kit: .*pass --yes$/);

    const first = await run(['push', '--token', token, '--app', app.appId, '--yes', '--json'], dir);
    expect(first.code, first.err).toBe(0);
    const result = JSON.parse(first.out);
    expect(result.schema.applied).toBe(true);
    expect(result.schema.steps).toContain('Link todos.owner to owners.todos.');
    expect(result.perms).toEqual({ changed: true, namespaces: ['todos'] });
    expect(first.err.match(/Finished \d+ schema operations?/g)).toHaveLength(1);

    const second = await run(['push', '--token', token, '--app', app.appId, '--json'], dir);
    expect(second.code, second.err).toBe(0);
    expect(JSON.parse(second.out)).toEqual({ schema: { steps: [], applied: false }, perms: { changed: false } });
    expect(second.err).toContain('Schema: no changes to apply.');
  });

  it('pull writes files that push back as no changes; schema files may import from @instantdb/core', async () => {
    const token = await personalToken(p, w.cookie);
    const { app } = JSON.parse((await run(['init-without-files', '--title', 'Core', '--token', token])).out);
    const dir = project();
    writeFileSync(join(dir, 'instant.schema.ts'), SCHEMA_KIT.replace("from 'instant-kit'", "from '@instantdb/core'"));
    expect((await run(['push', 'schema', '--token', token, '--app', app.appId, '--yes'], dir)).code).toBe(0);

    const pulled = project();
    const r = await run(['pull', '--token', token, '--app', app.appId], pulled);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(pulled, 'instant.schema.ts'), 'utf8')).toContain('i.string().unique().indexed()');
    const again = await run(['push', '--token', token, '--app', app.appId, '--json'], pulled);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out).schema).toEqual({ steps: [], applied: false });
  });

  it('an app admin token can push to its own app', async () => {
    const { app } = JSON.parse((await run(['init-without-files', '--title', 'Admin', '--temp'])).out);
    const dir = project();
    writeFileSync(join(dir, 'instant.schema.ts'), SCHEMA_KIT);
    const r = await run(['push', 'schema', '--token', app.adminToken, '--app', app.appId, '--yes'], dir);
    expect(r.code, r.err).toBe(0);
  });

  it('claim moves a temporary app to the user; whoami names the user', async () => {
    const token = await personalToken(p, w.cookie);
    const { app } = JSON.parse((await run(['init-without-files', '--title', 'Claim me', '--temp'])).out);
    const c = await run(['claim', '--token', token, '--app', app.appId, '--admin-token', app.adminToken, '--json']);
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse(c.out)).toMatchObject({ claimed: true });
    const list = JSON.parse((await run(['apps', 'list', '--json', '--token', token])).out);
    expect(list.apps.map((a: { id: string }) => a.id)).toContain(app.appId);
    const me = await run(['whoami', '--token', token, '--json']);
    expect(JSON.parse(me.out).user.email).toBe(w.user.email);
  });

  it('uses the saved login, refreshes an expired access token and saves the rotated refresh token (0600)', async () => {
    const s = await signedIn(w, { public: true });
    updateProvider(env, p.issuer, () => ({
      clientId: s.client.clientId,
      tokens: { accessToken: s.tokens.accessToken, refreshToken: s.tokens.refreshToken, expiresAt: Date.now() - 1000, scopes: s.tokens.scopes },
    }));
    const r = await run(['apps', 'list', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ apps: [] });
    const saved = readConfig(env).providers[p.issuer]!.tokens!;
    expect(saved.refreshToken).toMatch(/^prt_/);
    expect(saved.refreshToken).not.toBe(s.tokens.refreshToken);
    expect(saved.expiresAt).toBeGreaterThan(Date.now());
    expect(statSync(configPath(env)).mode & 0o777).toBe(0o600);
    // the saved, rotated token keeps working for the next command
    updateProvider(env, p.issuer, (e) => ({ ...e, tokens: { ...e.tokens!, expiresAt: Date.now() - 1000 } }));
    expect((await run(['whoami'])).out).toBe(w.user.email);
  });

  it('a revoked login fails with one line telling the user to log in again', async () => {
    const s = await signedIn(w, { public: true });
    updateProvider(env, p.issuer, () => ({
      clientId: s.client.clientId,
      tokens: { accessToken: s.tokens.accessToken, refreshToken: s.tokens.refreshToken, expiresAt: Date.now() + 60_000, scopes: s.tokens.scopes },
    }));
    await s.oauth.revoke(s.tokens.refreshToken, 'refresh_token');
    const r = await run(['apps', 'list']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^instant-kit: Your login has expired or was revoked .*run "instant-kit login"$/);
  });

  it('fails with one line and a non-zero exit on API errors', async () => {
    const r = await run(['apps', 'list', '--token', 'per_' + '0'.repeat(64)]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^instant-kit: .*HTTP 401/);
  });
});
