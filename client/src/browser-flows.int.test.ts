import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateProvider } from './cli/config.ts';
import { launchChromium, popupPageScript, providerOnLoopback, serveOnLoopback } from './testing/browser.ts';
import { client, createTestUser, sessionCookie, type TestProvider } from './testing/provider.ts';
import { tempDir } from './testing/temp-dir.ts';

const BIN = fileURLToPath(new URL('../bin/instant-kit.mjs', import.meta.url));
const BROWSER_ENTRY = fileURLToPath(new URL('./browser.ts', import.meta.url));

let browser: Browser;
let provider: Awaited<ReturnType<typeof providerOnLoopback>>;
let p: TestProvider;

beforeAll(async () => {
  provider = await providerOnLoopback();
  p = provider.p;
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await provider?.close();
});

/** A browser context signed in to the provider's dashboard as a new user. */
async function signedInContext(): Promise<{ ctx: BrowserContext; user: Awaited<ReturnType<typeof createTestUser>> }> {
  const user = await createTestUser(p);
  const [name, value] = (await sessionCookie(p, user.id)).split(/=(.*)/s) as [string, string];
  const ctx = await browser.newContext();
  await ctx.addCookies([{ name, value, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Lax' }]);
  return { ctx, user };
}

/** Runs the real `instant-kit` binary; `onStderr` sees stderr as it arrives. */
function runBin(args: string[], env: Record<string, string>, onStderr?: (text: string) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      onStderr?.(err);
    });
    child.on('close', (code) => ok({ code, out, err }));
  });
}

describe('CLI login through a real browser', () => {
  it('logs in with PKCE on a loopback redirect, saves tokens 0600, whoami works, logout revokes', async () => {
    const { ctx, user } = await signedInContext();
    const env = { XDG_CONFIG_HOME: tempDir('ik-login-'), INSTANT_CLI_API_URI: provider.origin };
    // A remembered client id the provider does not know (e.g. its database was reset) is replaced.
    const STALE = '00000000-0000-4000-8000-000000000000';
    updateProvider(env, provider.origin, () => ({ clientId: STALE }));
    const page = await ctx.newPage();
    let opened = false;
    const login = runBin(['login', '--no-browser'], env, (err) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/platform\/oauth\/start\?\S+)/.exec(err)?.[1];
      if (url && !opened) {
        opened = true;
        void (async () => {
          await page.goto(url);
          await page.click('button[name=decision][value=allow]');
        })();
      }
    });
    const r = await login;
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`Logged in as ${user.email}.`);
    expect(await page.textContent('h1')).toBe('Signed in');

    const file = join(env.XDG_CONFIG_HOME, 'instant-kit/config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')).providers[provider.origin];
    expect(saved.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(saved.clientId).not.toBe(STALE);
    expect(saved.tokens.refreshToken).toMatch(/^prt_/);

    const me = await runBin(['whoami', '--json'], env);
    expect(me.code, me.err).toBe(0);
    expect(JSON.parse(me.out).user.email).toBe(user.email);

    const made = await runBin(['init-without-files', '--title', 'From login'], env);
    expect(made.code, made.err).toBe(0);
    expect(JSON.parse(made.out)).toMatchObject({ app: { appId: expect.any(String), adminToken: expect.any(String) }, error: null });

    const out = await runBin(['logout', '--json'], env);
    expect(JSON.parse(out.out)).toEqual({ loggedOut: true, revoked: true });
    const refused = await p.fetch(new URL('/platform/oauth/token', p.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: saved.tokens.refreshToken, client_id: saved.clientId }).toString(),
    });
    expect(refused.status).toBe(400);
    const after = await runBin(['whoami'], env);
    expect(after.code).toBe(1);
    expect(after.err.trim()).toMatch(/^instant-kit: Not logged in/);
    await ctx.close();
  }, 120_000);
});

describe('instant-kit/browser popup flow in a real browser', () => {
  /** The page app: served first (its origin is the redirect URI), its script bundled once the client exists. */
  async function staticApp() {
    let js = '';
    const html = `<!doctype html><meta charset="utf-8"><button id="go">Sign in with Instant</button><pre id="result"></pre><script type="module" src="/app.js"></script>`;
    const server = await serveOnLoopback((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/app.js') return new Response(js, { headers: { 'content-type': 'text/javascript' } });
      return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    });
    const bundleFor = async (clientId: string, apiURI: string) => {
      const out = await build({
        stdin: {
          contents: popupPageScript(BROWSER_ENTRY, clientId, apiURI),
          resolveDir: process.cwd(),
          loader: 'ts',
        },
        bundle: true,
        write: false,
        platform: 'browser',
        format: 'esm',
        logLevel: 'silent',
      });
      js = out.outputFiles[0]!.text;
    };
    return { ...server, bundleFor };
  }

  for (const decision of ['allow', 'deny', 'close'] as const) {
    const what = { allow: 'the popup reports back over BroadcastChannel; refresh token returned and rotated', deny: 'the popup reports back as AccessDeniedError', close: 'closing the popup ends the flow with popup_closed' }[decision];
    it(`${decision}: ${what}`, async () => {
      const { ctx, user } = await signedInContext();
      const bundle = await staticApp();
      const c = await client(p, user.id, `${bundle.origin}/redirect.html`, { public: true });
      await bundle.bundleFor(c.clientId, provider.origin);
      const page = await ctx.newPage();
      await page.goto(bundle.origin + '/');
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#go')]);
      await popup.waitForURL(/\/platform\/oauth\/consent/);
      if (decision === 'close') await popup.close();
      else await popup.click(`button[name=decision][value=${decision}]`);
      await page.waitForFunction(() => document.getElementById('result')?.textContent !== '', null, { timeout: 30_000 });
      const result = JSON.parse((await page.textContent('#result'))!);
      if (decision === 'allow') expect(result).toEqual({ ok: true, token: 'pat_', refreshToken: 'prt_', apps: 0, rotated: true });
      else if (decision === 'deny') expect(result).toEqual({ ok: false, name: 'AccessDeniedError', error: 'access_denied' });
      else expect(result).toEqual({ ok: false, name: 'InstantOAuthError', error: 'popup_closed' });
      await popup.waitForEvent('close', { timeout: 10_000 }).catch(() => {});
      expect(popup.isClosed()).toBe(true);
      await bundle.close();
      await ctx.close();
    }, 120_000);
  }
});
