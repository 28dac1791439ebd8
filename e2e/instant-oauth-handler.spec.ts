import { createServer, type Server as HttpServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, ROOT, type Browser, type BrowserContext, type Page, type Server } from './harness.ts';
import { freePort, newAccount, signUpAtProvider, startProviderOnly } from './fixture.ts';

/**
 * Instant's own `OAuthHandler` (`@instantdb/platform` 1.0.67, unchanged, bundled for the browser) on an app builder's
 * page served from another origin: the popup, login, consent, the redirect page's BroadcastChannel hand-off, then the
 * token request and `tokenInfo()` from the builder's page — cross-origin, with the SDK's own headers
 * (docs/instant-compat.md §1).
 */
let provider: Server;
let browser: Browser;
let builder: HttpServer;
let builderUrl: string;
let dataDir: string;

// The app builder's code: what its page would do with Instant's SDK.
const ENTRY = `
import { OAuthHandler, PlatformApi } from '@instantdb/platform';
const cfg = window.BUILDER_CONFIG;
const handler = new OAuthHandler({ clientId: cfg.clientId, redirectUri: cfg.redirectUri, apiURI: cfg.apiURI });
if (location.pathname === '/callback') {
  handler.handleClientRedirect();
} else {
  window.connect = () =>
    handler.startClientOnlyFlow(['apps-read']).then(
      (t) => ({ ok: true, token: t.token, expiresAt: String(t.expiresAt) }),
      (e) => ({ ok: false, error: e && e.error ? e.error : String(e) }),
    );
  window.tokenInfo = (token) => new PlatformApi({ apiURI: cfg.apiURI, auth: { token } }).tokenInfo().then((i) => ({ scopes: i.scopes, tokenType: i.tokenType }));
}
`;

let bundle = '';
let clientConfig = { clientId: '', redirectUri: '', apiURI: '' };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'instant-oauth-handler-'));
  provider = await startProviderOnly(dataDir);
  const built = await build({ stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'js' }, bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'silent' });
  bundle = built.outputFiles[0]!.text;
  // 127.0.0.1 here, localhost for the provider: a different origin, as an app builder's site is.
  const port = await freePort();
  builderUrl = `http://127.0.0.1:${port}`;
  builder = createServer((req, res) => {
    const path = new URL(req.url ?? '/', builderUrl).pathname;
    if (path === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      return;
    }
    const html = `<!doctype html><html><head><title>Builder</title><script>window.BUILDER_CONFIG = ${JSON.stringify(clientConfig)};</script><script src="/app.js"></script></head><body><h1>App builder</h1></body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => builder.listen(port, '127.0.0.1', resolve));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  if (builder) await new Promise((r) => builder.close(r));
  await provider?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("Instant's OAuthHandler in Chromium, from an app builder's page", () => {
  let ctx: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    ctx.setDefaultTimeout(30_000);
    const setup = await ctx.newPage();
    await signUpAtProvider(setup, provider.url, newAccount('oauth-handler'));
    // A public client (PKCE only), registered by the same account: a new OAuth app is in test mode, its owner may use it.
    const app = await ctx.request.post(`${provider.url}/dash/oauth_apps`, { data: { name: 'Builder Site' } });
    expect(app.status()).toBe(200);
    const appId = ((await app.json()) as { oauthApp: { id: string } }).oauthApp.id;
    const client = await ctx.request.post(`${provider.url}/dash/oauth_apps/${appId}/clients`, { data: { name: 'browser', public: true, redirect_uris: [`${builderUrl}/callback`] } });
    expect(client.status()).toBe(200);
    const clientId = ((await client.json()) as { client: { client_id: string } }).client.client_id;
    clientConfig = { clientId, redirectUri: `${builderUrl}/callback`, apiURI: provider.url };
    await setup.close();
    page = await ctx.newPage();
    await page.goto(builderUrl);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const start = async () => {
    const popup = ctx.waitForEvent('page');
    const result = page.evaluate(() => (window as unknown as { connect(): Promise<{ ok: boolean; token?: string; error?: string }> }).connect());
    return { popup: await popup, result };
  };

  it('a closed popup gives no token, and a new flow can start', async () => {
    const { popup, result } = await start();
    await popup.getByRole('button', { name: 'Allow' }).waitFor();
    await popup.close();
    const settled = await Promise.race([result.then(() => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 3000))]);
    // Instant's handler does not watch the popup: the promise stays pending, and nothing was granted.
    expect(settled).toBe('pending');
    const grants = await ctx.request.get(`${provider.url}/dash/authorized_apps`);
    expect(((await grants.json()) as { authorized_apps: unknown[] }).authorized_apps).toEqual([]);
  });

  it('Deny: the builder page gets access_denied', async () => {
    const { popup, result } = await start();
    await popup.getByRole('button', { name: 'Deny' }).click();
    expect(await result).toEqual({ ok: false, error: 'access_denied' });
  });

  it('Allow: the builder page gets an access token and reads tokenInfo cross-origin', async () => {
    const { popup, result } = await start();
    expect(await popup.locator('main').innerText()).toContain('Builder Site');
    await popup.getByRole('button', { name: 'Allow' }).click();
    const r = await result;
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.token).toMatch(/^pat_[0-9a-f]{64}$/);
    const info = await page.evaluate((t) => (window as unknown as { tokenInfo(t: string): Promise<{ scopes: string; tokenType: string }> }).tokenInfo(t), r.token!);
    expect(info.tokenType).toBe('Bearer');
    expect(info.scopes.split(' ')).toContain('apps-read');
  });
});
