import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callFails, callOk, resultText, userToolScenario } from '../client/src/testing/mcp-tools.ts';
import { checkPage } from './a11y.ts';
import { freePort, newAccount, signUpAtProvider } from './fixture.ts';
import { launchBrowser, screenshot, startProcess, type Browser, type Server } from './harness.ts';

/** An MCP client's OAuth state, kept in memory as a desktop agent would keep it on disk. */
class MemoryOAuthProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | null = null;
  constructor(readonly redirect: string, readonly extra: { clientMetadataUrl?: string } = {}) {}
  get clientMetadataUrl() {
    return this.extra.clientMetadataUrl;
  }
  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'Test Agent', redirect_uris: [this.redirect], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  state() {
    return randomBytes(16).toString('base64url');
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(t: OAuthTokens) {
    this.saved = t;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The agent's loopback redirect (RFC 8252 §7.3): records the code it receives. */
async function loopbackCallback(port = 0): Promise<{ url: string; server: HttpServer; code: () => Promise<string> }> {
  let resolve!: (code: string) => void;
  const got = new Promise<string>((r) => (resolve = r));
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const code = u.searchParams.get('code');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(code ? 'Signed in: you can close this tab.' : `Failed: ${u.searchParams.get('error')}`);
    if (code) resolve(code);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, server, code: () => got };
}

describe('An MCP client authorizes with Sign in with Instant and manages apps (docs/mcp.md)', () => {
  let provider: Server;
  let browser: Browser;
  let issuer: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'instant-e2e-mcp-'));
  /** The agent's own https site on loopback, serving its Client ID Metadata Document (and bad ones). */
  let site: HttpsServer;
  let siteUrl: string;
  let callbackForDocument: string;
  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, which the provider trusts through NODE_EXTRA_CA_CERTS.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dataDir, 'key.pem'), '-out', join(dataDir, 'cert.pem')], { stdio: 'ignore' });
    const callbackPort = await freePort();
    callbackForDocument = `http://127.0.0.1:${callbackPort}/callback`;
    site = createHttpsServer({ key: readFileSync(join(dataDir, 'key.pem')), cert: readFileSync(join(dataDir, 'cert.pem')) }, (req, res) => {
      const self = `${siteUrl}${req.url}`;
      if (req.url === '/agent/client.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: self, client_name: 'Doc Agent', redirect_uris: [callbackForDocument], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }));
      } else if (req.url === '/agent/huge.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: self, client_name: 'x'.repeat(10_000), redirect_uris: [callbackForDocument] }));
      } else if (req.url === '/agent/slow.json') {
        setTimeout(() => res.writeHead(200).end('{}'), 8_000).unref();
      } else if (req.url === '/agent/moved.json') {
        res.writeHead(302, { location: '/agent/client.json' }).end();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `https://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    provider = await startProcess('provider', ['provider/bin/instant-provider.mjs'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: issuer,
      DATABASE_URL: 'memory',
      DATA_DIR: dataDir,
      SECRET: randomBytes(32).toString('base64url'),
      SWEEP_INTERVAL_S: '3600',
      NODE_EXTRA_CA_CERTS: join(dataDir, 'cert.pem'),
      // The document is on loopback here; in production only public addresses are fetched (docs/mcp.md §7).
      CLIENT_METADATA_ALLOW_PRIVATE: 'true',
    }, 60_000);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await provider?.stop();
    site?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('from nothing: 401 → metadata → registration → consent in Chromium → tokens → tools → the app is in the dashboard', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const account = newAccount('mcp-agent-user');
    await signUpAtProvider(page, issuer, account);

    const callback = await loopbackCallback();
    const oauth = new MemoryOAuthProvider(callback.url);
    const seen: string[] = [];
    const logged: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const u = new URL(input instanceof Request ? input.url : String(input));
      seen.push(`${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${u.pathname} ${res.status}`);
      return res;
    };
    const mcpUrl = new URL('/mcp', issuer);
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth, fetch: logged });
    await expect(new Client({ name: 'test-agent', version: '1' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    // The discovery the MCP authorization spec describes, in order.
    expect(seen.slice(0, 4)).toEqual([
      'POST /mcp 401',
      'GET /.well-known/oauth-protected-resource/mcp 200',
      'GET /.well-known/oauth-authorization-server 200',
      'POST /platform/oauth/register 201',
    ]);
    const authUrl = oauth.authorizationUrl!;
    expect(authUrl.searchParams.get('resource')).toBe(`${issuer}/mcp`);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');

    // Consent in the browser: an agent, unverified (it registered itself).
    await page.goto(authUrl.toString());
    await expect.poll(() => page.locator('[data-agent]').innerText()).toContain('AI agent');
    expect(await page.locator('.badge.warn').innerText()).toContain('Unverified');
    expect(await page.locator('h1').innerText()).toContain('Test Agent');
    await screenshot(page, 'mcp', 'consent');
    // The agent's consent page meets WCAG 2.1 AA too, at both widths and in both themes (docs/pages.md §1).
    const violations: string[] = [];
    await checkPage(page, 'consent (AI agent, unverified)', violations);
    expect(violations).toEqual([]);
    await page.getByRole('button', { name: 'Allow' }).click();
    const code = await callback.code();
    await first.finishAuth(code);
    expect(oauth.saved?.access_token).toMatch(/^pat_/);
    expect(seen.at(-1)).toBe('POST /platform/oauth/token 200');

    const client = new Client({ name: 'test-agent', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth, fetch: logged }));
    const app = await userToolScenario(client, 'Made by an agent');
    const bad = await client.callTool({ name: 'push_schema', arguments: { app_id: app.id } });
    expect(bad.isError).toBe(true);
    expect(resultText(bad)).toContain('schema');
    expect(await callFails(client, 'rename_app', { app_id: app.id, title: '' })).toMatch(/title/);
    expect(await callOk(client, 'token_info')).toMatchObject({ scopes: 'apps-read apps-write' });

    // The user sees the app in their dashboard.
    await page.goto(`${issuer}/dash/apps`);
    await expect.poll(() => page.locator('main').innerText()).toContain('Made by an agent (renamed)');
    await screenshot(page, 'mcp', 'dashboard');
    await client.close();
    callback.server.close();
    await ctx.close();
  });

  it('with a Client ID Metadata Document served on loopback https instead of registration', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signUpAtProvider(page, issuer, newAccount('mcp-cimd-user'));
    // An app of the user's own, made before the agent asks: the agent is limited below to the apps it creates.
    // (The browser context's own request API, with the session cookie: the Platform API's POST /dash/apps.)
    const made = await page.request.post(`${issuer}/dash/apps`, { data: { title: 'My private app' }, headers: { origin: issuer } });
    expect(made.status()).toBe(200);
    const own = ((await made.json()) as { app: { id: string } }).app.id;
    const callback = await loopbackCallback(Number(new URL(callbackForDocument).port));
    const documentUrl = `${siteUrl}/agent/client.json`;
    const oauth = new MemoryOAuthProvider(callback.url, { clientMetadataUrl: documentUrl });
    const seen: string[] = [];
    const logged: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      seen.push(`${new URL(input instanceof Request ? input.url : String(input)).pathname} ${res.status}`);
      return res;
    };
    const mcpUrl = new URL('/mcp', issuer);
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth, fetch: logged });
    await expect(new Client({ name: 'doc-agent', version: '1' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(seen).not.toContain('/platform/oauth/register 201');
    expect(oauth.authorizationUrl!.searchParams.get('client_id')).toBe(documentUrl);
    await page.goto(oauth.authorizationUrl!.toString());
    expect(await page.locator('h1').innerText()).toContain('Doc Agent');
    await expect.poll(() => page.locator('[data-agent]').innerText()).toContain('AI agent');
    // Which apps it may reach (docs/mcp.md §8): "all" is preselected; the user picks "only apps it creates".
    const reach = page.getByRole('group', { name: 'Which of your Instant apps may it reach?' });
    expect(await reach.getByRole('radio', { name: 'All my apps, including apps I make later' }).isChecked()).toBe(true);
    expect(await reach.getByRole('checkbox', { name: 'My private app' }).isVisible()).toBe(true);
    await reach.getByRole('radio', { name: 'Only apps it creates from now on' }).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await first.finishAuth(await callback.code());
    const client = new Client({ name: 'doc-agent', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth, fetch: logged }));
    const app = await userToolScenario(client, 'Made by a documented agent');
    expect(await callOk(client, 'token_info')).toMatchObject({ client_id: documentUrl, app_access: { mode: 'created', app_ids: [app.id] } });
    // The user's own app is out of its reach: unknown, as another user's app would be.
    expect(await callFails(client, 'get_app', { app_id: own })).toMatch(/^App not found \(HTTP 404/);
    expect(await callFails(client, 'push_schema', { app_id: own, schema: { entities: {}, links: {} } })).toMatch(/^App not found \(HTTP 404/);
    expect((await callOk<{ apps: Array<{ id: string }> }>(client, 'list_apps')).apps.map((a) => a.id)).toEqual([app.id]);
    await page.goto(`${issuer}/dash/apps`);
    await expect.poll(() => page.locator('main').innerText()).toContain('Made by a documented agent (renamed)');
    expect(await page.locator('main').innerText()).toContain('My private app');
    // Settings → Authorized apps says what it reaches.
    await page.goto(`${issuer}/dash/settings/authorized-apps`);
    expect(await page.locator('[data-app-access]').innerText()).toContain('It can reach only apps it created (Made by a documented agent (renamed)).');
    await client.close();
    callback.server.close();
    await ctx.close();
  });

  it('refuses documents that are too large, too slow, redirected or missing, with an error page and no redirect', async () => {
    const start = (doc: string) =>
      fetch(`${issuer}/platform/oauth/start?client_id=${encodeURIComponent(`${siteUrl}/agent/${doc}`)}&redirect_uri=${encodeURIComponent(callbackForDocument)}&response_type=code&scope=apps-read&state=s&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, { redirect: 'manual' });
    for (const [doc, why] of [
      ['huge.json', 'larger than 5120 bytes'],
      ['moved.json', 'HTTP 302 (redirects are not followed)'],
      ['missing.json', 'HTTP 404'],
    ]) {
      const res = await start(doc!);
      expect(res.status, doc).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain(why);
    }
    const t0 = Date.now();
    const slow = await start('slow.json');
    expect(await slow.text()).toContain('did not arrive within 5000 ms');
    expect(Date.now() - t0).toBeLessThan(7_500);
  });
});
