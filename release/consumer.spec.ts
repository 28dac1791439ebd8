// The packages as their users get them: `npm pack` the kit and the provider, install the tarballs into a new project
// in the temp directory (outside this workspace, with only registry dependencies), and use them there the way an app
// builder and an operator would: plain Node ESM and require(), a strict TypeScript consumer under `nodenext` and
// `bundler`, the browser entry bundled with esbuild and its popup flow run in Chromium against the packed provider,
// both binaries, publint and @arethetypeswrong/cli. docs/operations.md §1.
// Paths such as package/README.md below are entries of a tarball, not documents: check-doc-refs: ignore-file
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, popupPageScript } from '../client/src/testing/browser.ts';
import { dropDatabases, installTarballs, newStoreUrl, nodeBinaries, packWorkspace, ROOT, run, startPackedProvider, type Packed, type PackedProvider } from './packed.ts';

let dir: string;
let packed: Packed;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'instant-consumer-'));
  packed = packWorkspace(join(dir, 'tarballs'));
  installTarballs(join(dir, 'app'), packed, ['typescript', 'esbuild', '@types/node']);
}, 300_000);
afterAll(async () => {
  await dropDatabases();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const app = () => join(dir, 'app');

describe('the packed tarballs', () => {
  it('hold what users need and nothing else: dist with declarations and source maps, bin, README, CHANGELOG, LICENSE', () => {
    for (const [name, files] of Object.entries(packed.files)) {
      expect(files, name).toContain('package/LICENSE');
      expect(files, name).toContain('package/CHANGELOG.md');
      expect(files, name).toContain('package/package.json');
      expect(files, name).toContain('package/dist/index.js');
      expect(files, name).toContain('package/dist/index.d.ts');
      expect(files, name).toContain('package/dist/index.js.map');
      for (const f of files) {
        expect(f, name).not.toMatch(/\.test\.|\.spec\.|\/src\/|tsbuildinfo|global-setup|\.tsx?$(?<!\.d\.ts)/);
        // The provider ships its test support (instant-provider/testing: a provider on a fresh store, users,
        // clients, a cookie jar) for app builders' own tests; the kit's in-repo test helpers stay out.
        if (name === 'instant-kit') expect(f, name).not.toMatch(/\/testing\//);
      }
    }
    expect(packed.files['instant-kit']).toContain('package/README.md');
    expect(packed.files['instant-kit']).toContain('package/bin/instant-kit.mjs');
    expect(packed.files['instant-provider']).toContain('package/bin/instant-provider.mjs');
    expect(packed.files['instant-provider']).toContain('package/dist/store/migrations/001_accounts_oauth.sql');
  });

  it('install without tsx or esbuild as a dependency of either package', () => {
    const lock = JSON.parse(readFileSync(join(app(), 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const installed = Object.keys(lock.packages);
    expect(installed.filter((p) => /node_modules\/tsx$/.test(p))).toEqual([]);
    // esbuild is in this project because the test bundles the browser entry with it, at the top level only.
    expect(installed.filter((p) => /node_modules\/(instant-kit|instant-provider)\/node_modules\//.test(p))).toEqual([]);
    for (const name of ['instant-kit', 'instant-provider']) {
      const pkg = JSON.parse(readFileSync(join(app(), 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      expect(Object.keys(pkg.dependencies ?? {}), name).not.toContain('tsx');
      expect(Object.keys(pkg.dependencies ?? {}), name).not.toContain('esbuild');
    }
  });
});

describe('plain Node', () => {
  const ESM = `
import * as kit from 'instant-kit';
import * as hono from 'instant-kit/hono';
import * as browser from 'instant-kit/browser';
import * as provider from 'instant-provider';
const need = { kit: ['InstantOAuth', 'PlatformApi', 'i', 'schemaToDefs', 'InstantAPIError'], hono: ['signInWithInstant', 'requireInstant'], browser: ['OAuthHandler', 'PlatformApi'], provider: ['createProvider', 'defaultConfig', 'loadConfig'] };
const got = { kit, hono, browser, provider };
for (const [m, names] of Object.entries(need)) for (const n of names) if (typeof got[m][n] !== 'function' && typeof got[m][n] !== 'object') throw new Error(m + ' lacks ' + n);
const schema = kit.i.schema({ entities: { todos: kit.i.entity({ title: kit.i.string() }) }, links: {}, rooms: {} });
console.log(JSON.stringify(kit.schemaToDefs(schema)));
`;
  const CJS = `
const kit = require('instant-kit');
const hono = require('instant-kit/hono');
const browser = require('instant-kit/browser');
const provider = require('instant-provider');
console.log([typeof kit.PlatformApi, typeof hono.signInWithInstant, typeof browser.OAuthHandler, typeof provider.createProvider].join(' '));
`;
  for (const [label, node] of nodeBinaries()) {
    it(`imports every entry as ESM and with require() on ${label}`, () => {
      writeFileSync(join(app(), 'esm.mjs'), ESM);
      writeFileSync(join(app(), 'cjs.cjs'), CJS);
      const esm = run(node, ['esm.mjs'], { cwd: app() });
      expect(esm.status, esm.stderr).toBe(0);
      expect(esm.stdout).toContain('todos');
      // require(esm): Node 20.19+, 22.12+ and 24 (the ranges in engines). The kit ships ESM only.
      const cjs = run(node, ['--no-warnings', 'cjs.cjs'], { cwd: app() });
      expect(cjs.status, cjs.stderr).toBe(0);
      expect(cjs.stdout.trim()).toBe('function function function function');
    });
  }

  it('mounts createProvider(config) inside an existing Hono app', async () => {
    const databaseUrl = await newStoreUrl();
    writeFileSync(
      join(app(), 'mount.mjs'),
      `import { Hono } from 'hono';
import { createProvider, defaultConfig } from 'instant-provider';
const provider = await createProvider(defaultConfig({ databaseUrl: process.env.STORE_URL, publicUrl: 'https://auth.example.com', secret: 'consumer-secret-consumer-secret-0123456' }));
await provider.ready;
const host = new Hono();
host.get('/mine', (c) => c.text('the host app'));
host.route('/', provider.app);
const mine = await (await host.request('/mine')).text();
const health = await host.request('/healthz');
const meta = await (await host.request('/.well-known/openid-configuration')).json();
console.log(JSON.stringify({ mine, health: health.status, issuer: meta.issuer }));
await provider.close();
`,
    );
    const r = run(process.execPath, ['mount.mjs'], { cwd: app(), env: { LOG_LEVEL: 'error', STORE_URL: databaseUrl } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ mine: 'the host app', health: 200, issuer: 'https://auth.example.com' });
  }, 120_000);
});

describe('TypeScript consumers (strict)', () => {
  const CONSUMER = `import { Hono } from 'hono';
import { InstantAPIError, InstantOAuth, PlatformApi, i, schemaToDefs, type InstantRules } from 'instant-kit';
import { requireInstant, signInWithInstant, type InstantEnv } from 'instant-kit/hono';
import { OAuthHandler } from 'instant-kit/browser';
import { createProvider, defaultConfig, type ProviderConfig } from 'instant-provider';

const schema = i.schema({ entities: { todos: i.entity({ title: i.string(), done: i.boolean().optional() }) }, links: {}, rooms: {} });
const rules: InstantRules = { todos: { allow: { view: 'true' } } };
const api = new PlatformApi({ apiURI: 'https://auth.example.com', auth: { token: 'per_x' } });
const oauth = new InstantOAuth({ issuer: 'https://auth.example.com', clientId: 'c', redirectUri: 'https://app.example.com/cb' });
const app = new Hono<InstantEnv>();
app.use('*', signInWithInstant({ issuer: 'https://auth.example.com', clientId: 'c', redirectUri: 'https://app.example.com/cb', sessionPassword: 'x'.repeat(32) }));
app.post('/apps', requireInstant(), async (c) => {
  const instant = c.get('instant');
  const email: string | undefined = instant?.user.email;
  return c.json({ email });
});
const handler = new OAuthHandler({ clientId: 'c', redirectUri: 'https://app.example.com/r', apiURI: 'https://auth.example.com' });
const config: ProviderConfig = defaultConfig({ publicUrl: 'https://auth.example.com' });
export const used = [schemaToDefs(schema), rules, api, oauth, handler, config, createProvider, InstantAPIError] as const;
`;
  for (const moduleResolution of ['nodenext', 'bundler'] as const) {
    // nodenext also checks the packages' declaration files themselves (no skipLibCheck); bundler as most apps set it.
    it(`type-checks under moduleResolution ${moduleResolution}${moduleResolution === 'nodenext' ? ', without skipLibCheck' : ', with skipLibCheck'}`, () => {
      const sub = join(app(), `ts-${moduleResolution}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, 'consumer.ts'), CONSUMER);
      writeFileSync(
        join(sub, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            lib: ['ES2023', 'DOM'],
            module: moduleResolution === 'nodenext' ? 'nodenext' : 'esnext',
            moduleResolution,
            types: ['node'],
            skipLibCheck: moduleResolution !== 'nodenext',
          },
          files: ['consumer.ts'],
        }),
      );
      const r = run(process.execPath, [join(app(), 'node_modules/typescript/bin/tsc'), '-p', sub], { cwd: sub });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }, 120_000);
  }
});

describe('package linters', () => {
  it('publint finds nothing in instant-kit (strict: warnings count)', () => {
    const r = run(process.execPath, [join(ROOT, 'node_modules/publint/src/cli.js'), '--strict', join(app(), 'node_modules/instant-kit')], { cwd: app() });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/warning|error|suggestion/i);
  }, 60_000);

  it('@arethetypeswrong/cli finds no problem in instant-kit (ESM-only profile)', () => {
    const r = run(process.execPath, [join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), packed.tarballs['instant-kit']!, '--profile', 'esm-only', '--format', 'table-flipped'], { cwd: app() });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // Every entry resolves, with types, for Node's ESM resolution and for bundlers (CommonJS `require` of an ES module
    // and node10's lack of `exports` are what the esm-only profile leaves out).
    const table = r.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''); // colours off
    for (const entry of ['instant-kit', 'instant-kit/hono', 'instant-kit/browser']) {
      expect(table).toMatch(new RegExp(`"${entry}"\\s*│ 🟢 \\(ESM\\)\\s*│ 🟢\\s*│`));
    }
  }, 60_000);
});

describe('the binaries from the installed packages', () => {
  it('instant-kit --version and --help, instant-provider --version and --help', () => {
    const kit = run(join(app(), 'node_modules/.bin/instant-kit'), ['--version'], { cwd: app() });
    expect(kit.status, kit.stderr).toBe(0);
    expect(kit.stdout.trim()).toBe(packed.versions['instant-kit']);
    const kitHelp = run(join(app(), 'node_modules/.bin/instant-kit'), ['--help'], { cwd: app() });
    expect(kitHelp.stdout).toMatch(/^Usage: instant-kit/);
    const prov = run(join(app(), 'node_modules/.bin/instant-provider'), ['--version'], { cwd: app() });
    expect(prov.status, prov.stderr).toBe(0);
    expect(prov.stdout.trim()).toBe(packed.versions['instant-provider']);
    const provHelp = run(join(app(), 'node_modules/.bin/instant-provider'), ['--help'], { cwd: app() });
    expect(provHelp.stdout).toMatch(/^Usage: instant-provider/);
  });

  it('runs as the READMEs print it: npx --no (the installed binary, never the registry) and npx --package <tarball>', () => {
    // (npx keeps --version and --help for itself: the kit's `version` and `help` commands are what the READMEs print.)
    const local = run('npx', ['--no', 'instant-kit', 'version'], { cwd: app() });
    expect(local.status, local.stderr).toBe(0);
    expect(local.stdout.trim()).toBe(packed.versions['instant-kit']);
    const elsewhere = mkdtempSync(join(tmpdir(), 'instant-npx-'));
    try {
      const once = run('npx', ['--yes', '--package', packed.tarballs['instant-kit']!, 'instant-kit', 'help'], { cwd: elsewhere });
      expect(once.status, once.stderr).toBe(0);
      expect(once.stdout).toMatch(/^Usage: instant-kit/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('instant-kit/browser bundled with esbuild, in Chromium, against the packed provider', () => {
  let browser: Browser;
  let provider: PackedProvider;
  beforeAll(async () => {
    provider = await startPackedProvider(app());
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await provider?.stop();
  });

  it('signs in through the popup (Allow), lists apps with the token and rotates the refresh token', async () => {
    // The page app: its origin is the redirect URI of a public client registered over RFC 7591.
    let js = '';
    const html = `<!doctype html><meta charset="utf-8"><button id="go">Sign in with Instant</button><pre id="result"></pre><script type="module" src="/app.js"></script>`;
    const server = createServer((req, res) => {
      const isJs = req.url === '/app.js';
      res.writeHead(200, { 'content-type': isJs ? 'text/javascript' : 'text/html; charset=utf-8' });
      res.end(isJs ? js : html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const reg = await fetch(`${provider.url}/platform/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [`${origin}/redirect.html`], token_endpoint_auth_method: 'none', client_name: 'Consumer test' }),
      });
      expect(reg.status).toBe(201);
      const { client_id: clientId } = (await reg.json()) as { client_id: string };

      writeFileSync(join(app(), 'page.js'), popupPageScript('instant-kit/browser', clientId, provider.url));
      // The project's own esbuild, from the registry, bundling the installed package for the browser.
      execFileSync(join(app(), 'node_modules/.bin/esbuild'), ['page.js', '--bundle', '--platform=browser', '--format=esm', '--outfile=page.bundle.js', '--log-level=error'], { cwd: app() });
      js = readFileSync(join(app(), 'page.bundle.js'), 'utf8');
      expect(js).not.toMatch(/node:|require\(/);

      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${provider.url}/dash/login`);
      await page.fill('input[name=email]', provider.demoEmail);
      await page.fill('input[name=password]', provider.demoPassword);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/dash/login')), page.click('button[type=submit]')]);
      await page.goto(`${origin}/`);
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')]);
      await popup.waitForURL(/\/platform\/oauth\/consent/);
      await popup.click('button[name=decision][value=allow]');
      await page.waitForFunction(() => document.getElementById('result')?.textContent !== '', null, { timeout: 30_000 });
      expect(JSON.parse((await page.textContent('#result'))!)).toEqual({ ok: true, token: 'pat_', refreshToken: 'prt_', apps: 0, rotated: true });
      await ctx.close();
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 120_000);
});

// The installed CLI against the packed provider: the temporary-app journey the demo app prints, without a login.
describe('instant-kit CLI against the packed provider', () => {
  let provider: PackedProvider;
  beforeAll(async () => {
    provider = await startPackedProvider(app());
  }, 120_000);
  afterAll(async () => provider?.stop());

  it('creates a temporary app with init-without-files --temp, and pushes a TypeScript schema without tsx where Node can', () => {
    const r = spawnSync(join(app(), 'node_modules/.bin/instant-kit'), ['init-without-files', '--title', 'From the tarball', '--temp', '--api-uri', provider.url], { cwd: app(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const made = JSON.parse(r.stdout) as { app: { appId: string; adminToken: string } };
    expect(made).toMatchObject({ app: { appId: expect.stringMatching(/^[0-9a-f-]{36}$/), adminToken: expect.any(String) }, error: null });

    // The kit compiles nothing: Node 22.18+ strips the types itself; an older Node without tsx gets told what to do.
    const project = join(app(), 'schema-project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'instant.schema.ts'), `import { i } from 'instant-kit';\nconst title: string = 'title';\nexport default i.schema({ entities: { todos: i.entity({ [title]: i.string() }) }, links: {}, rooms: {} });\n`);
    const bin = join(app(), 'node_modules/instant-kit/bin/instant-kit.mjs');
    for (const [label, node] of nodeBinaries()) {
      const push = run(node, [bin, 'push', 'schema', '--app', made.app.appId, '--token', made.app.adminToken, '--yes', '--api-uri', provider.url, '--cwd', project], { cwd: app() });
      const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
      const strips = node === process.execPath ? major > 22 || (major === 22 && minor >= 18) : true; // the other is Node 24
      if (strips) {
        expect(push.status, `${label}: ${push.stderr}`).toBe(0);
        expect(push.stderr).toMatch(/Schema: /);
      } else {
        expect(push.status, label).toBe(1);
        expect(push.stderr).toContain('cannot run TypeScript; use Node 22.18+ or install tsx in your project (npm install --save-dev tsx)');
      }
    }
  }, 120_000);
});
