import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstantOAuth } from 'instant-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, screenshot, type Page } from './harness.ts';
import { freePort, newAccount, signUpAtProvider, startWorld, type World } from './fixture.ts';

/** Runs the kit's CLI (`instant-kit`) with a throwaway config directory; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const home = mkdtempSync(join(tmpdir(), 'instant-kit-home-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['client/bin/instant-kit.mjs', ...args], { cwd: ROOT, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      rmSync(home, { recursive: true, force: true });
      resolve({ code, out });
    });
  });
}

/** Creates a personal access token in the provider's settings and returns it (shown once). */
async function createPersonalToken(page: Page, providerUrl: string, name: string): Promise<string> {
  await page.goto(`${providerUrl}/dash/settings/tokens`);
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.waitForURL(`${providerUrl}/dash/settings/tokens`);
  return (await page.locator('.once code.secret').innerText()).trim();
}

/** Whether the provider accepts these client credentials (introspection is client-authenticated, RFC 7662 §2.1). */
async function clientAuthWorks(providerUrl: string, clientId: string, secret: string): Promise<boolean> {
  const res = await fetch(`${providerUrl}/platform/oauth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}` },
    body: new URLSearchParams({ token: 'pat_' + '0'.repeat(64) }),
  });
  return res.status === 200;
}

describe('Developer journeys: temporary apps, the dashboard, public clients', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('a temporary app without an account, then claimed with the CLI', async () => {
    const J = 'temporary-app-claim';
    const ctx = await w.newContext();
    const page = await ctx.newPage();
    await page.goto(w.demo.url);
    await page.getByLabel('App name').fill('Weekend hack');
    await page.getByRole('button', { name: 'Create a temporary app' }).click();
    await page.waitForURL(`${w.demo.url}/try`);
    const appId = await page.getByTestId('temp-app-id').innerText();
    const adminToken = await page.getByTestId('temp-admin-token').innerText();
    expect(await page.getByTestId('temp-expires').innerText()).toMatch(/UTC \(in 14 days\)/);
    const command = await page.getByTestId('claim-command').innerText();
    expect(command.replace(/\s*\\\n\s*/g, ' ')).toContain(`claim --api-uri ${w.provider.url} --app ${appId} --admin-token ${adminToken}`);
    await screenshot(page, J, '01-temporary-app');
    const before = await (await fetch(`${w.provider.url}/dash/apps/ephemeral/${appId}`)).json();
    expect(before.expires_ms).toBeGreaterThan(Date.now());

    const account = newAccount('tess');
    await signUpAtProvider(page, w.provider.url, account);
    const token = await createPersonalToken(page, w.provider.url, 'CLI on my laptop');
    expect(token).toMatch(/^per_[0-9a-f]{64}$/);
    const claim = await cli(['claim', '--api-uri', w.provider.url, '--app', appId, '--admin-token', adminToken, '--token', token, '--yes']);
    expect(claim.out).not.toMatch(/error/i);
    expect(claim.code).toBe(0);

    const mine = await (await fetch(`${w.provider.url}/superadmin/apps`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(mine.apps.map((a: { id: string }) => a.id)).toContain(appId);
    await page.goto(`${w.provider.url}/dash/apps`);
    expect(await page.locator('main').innerText()).toContain('Weekend hack');
    await screenshot(page, J, '02-provider-apps-after-claim');
    await ctx.close();
  });

  it("in the provider's dashboard: a personal access token, an OAuth app and client, a rotated secret", async () => {
    const J = 'dashboard-oauth-app';
    const ctx = await w.newContext();
    const page = await ctx.newPage();
    const account = newAccount('dana');
    await signUpAtProvider(page, w.provider.url, account);

    const token = await createPersonalToken(page, w.provider.url, 'deploy script');
    await screenshot(page, J, '01-personal-token');
    const me = await (await fetch(`${w.provider.url}/dash/me`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(me.user.email).toBe(account.email);

    await page.getByRole('link', { name: 'OAuth apps' }).click();
    await page.getByLabel('Name').fill('Shopping List Pro');
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.waitForURL(/\/dash\/settings\/oauth-apps\/[0-9a-f-]{36}$/);
    await page.getByLabel('Name', { exact: true }).first().fill('web');
    await page.getByLabel('Redirect URIs (one per line)').fill('http://127.0.0.1:4000/auth/callback');
    await page.getByRole('button', { name: 'Add client' }).click();
    const clientId = /client ID is ([\w-]+)/.exec(await page.getByRole('status').first().innerText())![1]!;
    const secret1 = (await page.locator('.once code.secret').innerText()).trim();
    expect(await clientAuthWorks(w.provider.url, clientId, secret1)).toBe(true);
    await screenshot(page, J, '02-client-created');

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const secret2 = (await page.locator('.once code.secret').innerText()).trim();
    expect(secret2).not.toBe(secret1);
    expect(await clientAuthWorks(w.provider.url, clientId, secret2)).toBe(true);
    expect(await clientAuthWorks(w.provider.url, clientId, secret1)).toBe(true); // both live until the older is revoked
    await screenshot(page, J, '03-secret-rotated');
    await page.locator('details.confirm summary', { hasText: 'Revoke' }).first().click();
    await page.getByRole('button', { name: 'Yes, revoke' }).first().click();
    await page.waitForURL(/\/dash\/settings\/oauth-apps\/[0-9a-f-]{36}$/);
    expect(await clientAuthWorks(w.provider.url, clientId, secret1)).toBe(false);
    expect(await clientAuthWorks(w.provider.url, clientId, secret2)).toBe(true);
    await screenshot(page, J, '04-old-secret-revoked');
    await ctx.close();
  });

  it('a public client (PKCE, no secret) signs in and refreshes', async () => {
    const J = 'public-client';
    const ctx = await w.newContext();
    const page = await ctx.newPage();
    const account = newAccount('pat');
    await signUpAtProvider(page, w.provider.url, account);
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/callback`;

    await page.goto(`${w.provider.url}/dash/settings/oauth-apps`);
    await page.getByLabel('Name').fill('Pocket CLI');
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.waitForURL(/\/dash\/settings\/oauth-apps\/[0-9a-f-]{36}$/);
    await page.getByLabel('Name', { exact: true }).first().fill('native');
    await page.getByLabel('Redirect URIs (one per line)').fill(redirectUri);
    await page.getByLabel(/Public client/).check();
    await page.getByRole('button', { name: 'Add client' }).click();
    const clientId = /client ID is ([\w-]+)/.exec(await page.getByRole('status').first().innerText())![1]!;
    expect(await page.locator('.once code.secret').count()).toBe(0);
    await screenshot(page, J, '01-public-client');

    const oauth = new InstantOAuth({ issuer: w.provider.url, clientId, redirectUri });
    const req = await oauth.authorizationUrl({ scopes: ['apps-read', 'openid', 'email'] });
    expect(req.url.searchParams.get('code_challenge_method')).toBe('S256');
    // The loopback redirect has no server behind it here: answer it in the browser.
    await page.route(`http://127.0.0.1:${port}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Signed in</title><p>You can close this window.</p>' }));
    await page.goto(req.url.href);
    await page.waitForURL(/\/platform\/oauth\/consent/);
    expect(await page.locator('.app-name').innerText()).toBe('Pocket CLI');
    await screenshot(page, J, '02-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}**`);
    const tokens = await oauth.exchangeCallback(page.url(), req);
    expect(tokens.idTokenClaims?.email).toBe(account.email);
    expect(tokens.scopes).toContain('apps-read');
    const list = (t: string) => fetch(`${w.provider.url}/superadmin/apps`, { headers: { authorization: `Bearer ${t}` } });
    expect((await list(tokens.accessToken)).status).toBe(200);

    const refreshed = await oauth.refresh(tokens.refreshToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken); // public clients rotate (RFC 9700 §4.14.2)
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect((await list(refreshed.accessToken)).status).toBe(200);
    const again = await oauth.refresh(refreshed.refreshToken);
    expect((await list(again.accessToken)).status).toBe(200);
    await ctx.close();
  });
});
