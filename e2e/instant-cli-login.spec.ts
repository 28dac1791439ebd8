import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, ROOT, screenshot, type Browser, type Server } from './harness.ts';
import { newAccount, startProviderOnly } from './fixture.ts';

/**
 * `instant-cli login --headless` (Instant's own CLI, 1.0.67, unchanged) completed in Chromium: the printed URL is
 * opened signed out, the user signs up from the login page, lands on the confirm page and confirms
 * (docs/instant-compat.md §5).
 */
let provider: Server;
let browser: Browser;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'instant-cli-e2e-'));
  provider = await startProviderOnly(home);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await provider?.stop();
  rmSync(home, { recursive: true, force: true });
});

function loginWithCli(onUrl: (url: string) => void): Promise<{ code: number | null; out: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('INSTANT_')) env[k] = v;
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), INSTANT_CLI_API_URI: provider.url, INSTANT_CLI_DASH_URI: provider.url, FORCE_COLOR: '0' });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'instant-cli', 'bin', 'index.js'), 'login', '--headless'], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let told = false;
    const take = (d: Buffer) => {
      out += d.toString('utf8');
      const url = /(http:\/\/\S+\/dash\?ticket=\S+)/.exec(out)?.[1];
      if (url && !told) {
        told = true;
        onUrl(url);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('instant-cli login in Chromium', () => {
  it('signs up from the printed URL, confirms, and the CLI saves a token listed in Settings', async () => {
    const account = newAccount('cli-login');
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    ctx.setDefaultTimeout(30_000);
    const page = await ctx.newPage();
    let browsing: Promise<void> | undefined;
    const run = await loginWithCli((url) => {
      browsing = (async () => {
        await page.goto(url);
        // signed out: the login page, which keeps the ticket in its sign-up link
        await page.getByRole('link', { name: /create an account/i }).click();
        await page.getByLabel('Email').fill(account.email);
        await page.getByLabel('Password').fill(account.password);
        await page.getByRole('button', { name: 'Create account' }).click();
        // sign-up never signs in (docs/security-accounts.md §2): "check your inbox" keeps the ticket in its sign-in link
        await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
        await page.getByRole('link', { name: 'Sign in' }).click();
        await page.getByLabel('Email').fill(account.email);
        await page.getByLabel('Password').fill(account.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Log in to the Instant CLI?' }).waitFor();
        expect(await page.locator('main').innerText()).toContain('instant-cli v1.0.67');
        await screenshot(page, 'instant-cli-login', 'confirm');
        await page.getByRole('button', { name: 'Confirm' }).click();
        await page.getByText('You are logged in to instant-cli v1.0.67').waitFor();
      })();
    });
    await browsing;
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(`Successfully logged in as ${account.email}!`);
    const dir = join(home, '.config', 'instantdb-prod-nodejs', 'auth');
    const token = readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8');
    expect(token).toMatch(/^per_[0-9a-f]{64}$/);

    await page.goto(`${provider.url}/dash/settings/tokens`);
    const row = page.locator('tr', { hasText: 'CLI login: instant-cli v1.0.67' });
    await row.waitFor();
    // Revoking asks first (docs/pages.md §5): open the confirmation, then confirm.
    await row.locator('details.confirm summary', { hasText: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.waitForURL(`${provider.url}/dash/settings/tokens`);
    const me = await fetch(`${provider.url}/dash/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    await ctx.close();
  });
});
