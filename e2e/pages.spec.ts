import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkPage } from './a11y.ts';
import { newAccount, signUpAtProvider, startWorld, verifyFromMail, type World } from './fixture.ts';
import type { BrowserContext, Page } from './harness.ts';

// Every page of the provider, the demo app and the operator console, signed out and signed in, its error pages
// and the consent page of a verified and an unverified app: axe-core finds no WCAG 2.1 AA violation at 1280 and
// 390 px, in the light and the dark theme (docs/pages.md §1). The README's screenshots are taken here.
describe('every page meets WCAG 2.1 AA (axe-core), at both widths and in both themes', () => {
  let w: World;
  let found: string[] = [];
  let ctx: BrowserContext;
  let page: Page;
  const visit = async (url: string, name: string, shot?: string) => {
    await page.goto(url);
    await checkPage(page, name, found, shot);
  };
  beforeAll(async () => {
    w = await startWorld();
    ctx = await w.newContext();
    page = await ctx.newPage();
  });
  afterAll(async () => {
    await w?.stop();
  });
  beforeEach(() => {
    found = [];
  });

  it('signed out: sign-in pages, error pages, the demo home and try pages', async () => {
    const p = w.provider.url;
    await visit(`${p}/dash/login`, 'provider login');
    await visit(`${p}/dash/signup`, 'provider signup');
    await visit(`${p}/dash/check-email`, 'provider check your inbox');
    await visit(`${p}/dash/forgot-password`, 'provider forgot password');
    await visit(`${p}/platform/oauth/start?client_id=no-such-app&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&state=s`, 'error: unknown app', 'error-page');
    await visit(`${p}/platform/oauth/start?client_id=demo-app&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_type=code&state=s`, 'error: bad redirect');
    await visit(`${p}/platform/oauth/start`, 'error: missing parameters');
    await visit(`${p}/platform/oauth/consent?request=expired`, 'error: expired request');
    await visit(`${p}/dash/operator`, 'operator console signed out');
    await visit(w.demo.url, 'demo home');
    await page.getByRole('button', { name: /temporary app/i }).click();
    await page.waitForURL(`${w.demo.url}/try`);
    await checkPage(page, 'demo try', found);
    await visit(`${w.demo.url}/no-such-page`, 'demo not found');
    expect(found).toEqual([]);
  }, 240_000);

  it('signed in: the dashboard, settings, the consent page of a verified app, the demo pages', async () => {
    const p = w.provider.url;
    const account = newAccount('pages');
    await signUpAtProvider(page, p, account);
    await checkPage(page, 'dashboard home (address not verified)', found);
    // The pages of mailed links (docs/security-accounts.md §8): verify, then reset the password's form.
    const verify = (await w.mailbox.next(account.email, /Verify/)).links.find((l) => l.includes('/dash/verify-email?token='))!;
    await visit(verify, 'verify email');
    await page.getByRole('button', { name: `Verify ${account.email}` }).click();
    await page.waitForURL(`${p}/dash/verify-email/done`);
    await checkPage(page, 'email verified', found);
    await visit(`${p}/dash/forgot-password`, 'forgot password (signed in)');
    await page.getByLabel('Email').fill(account.email);
    await page.getByRole('button', { name: 'Send the reset link' }).click();
    await page.waitForURL(`${p}/dash/forgot-password/sent`);
    await checkPage(page, 'reset link sent', found);
    await visit((await w.mailbox.next(account.email, /Reset/)).links.find((l) => l.includes('/dash/reset-password?token='))!, 'reset password');
    await visit(`${p}/dash`, 'dashboard home');
    // The confirm page of an `instant-cli login` (docs/instant-compat.md): its ticket from the CLI's register call.
    const cli = await fetch(`${p}/dash/cli/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(cli.status).toBe(200);
    const { ticket } = (await cli.json()) as { ticket: string };
    await visit(`${p}/dash?ticket=${encodeURIComponent(ticket)}`, 'CLI login confirm');
    expect(await page.getByRole('button', { name: /confirm/i }).count()).toBeGreaterThan(0);
    await page.goto(w.demo.url);
    await page.getByRole('link', { name: 'Sign in with Instant' }).click();
    await page.waitForURL(/\/platform\/oauth\/consent/);
    await checkPage(page, 'consent (verified app)', found, 'consent');
    // Allow and Deny apart as the layout intends; "Use another account" a button of its own size, not a block.
    await page.setViewportSize({ width: 1280, height: 800 });
    const allow = (await page.getByRole('button', { name: 'Allow' }).boundingBox())!;
    const deny = (await page.getByRole('button', { name: 'Deny' }).boundingBox())!;
    expect(deny.x - (allow.x + allow.width)).toBeGreaterThanOrEqual(10);
    const other = (await page.getByRole('button', { name: 'Use another account' }).boundingBox())!;
    expect(other.width).toBeLessThan(300);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${w.demo.url}/`);
    await checkPage(page, 'demo signed in', found);
    await page.getByLabel('App name').fill('Groceries');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(/\/apps\/[0-9a-f-]{36}$/);
    const appUrl = page.url();
    await checkPage(page, 'demo app (just created)', found);
    await page.getByLabel('Field name').fill('priority');
    await page.getByRole('button', { name: 'Plan the change' }).click();
    await checkPage(page, 'demo plan', found);
    await visit(appUrl, 'demo app');

    await visit(`${p}/dash/apps`, 'dashboard apps', 'dashboard-apps');
    await visit(`${p}/dash/settings/tokens`, 'settings tokens');
    await page.getByLabel('Name').fill('deploy');
    await page.getByRole('button', { name: /create token/i }).click();
    await checkPage(page, 'settings tokens (new token shown once)', found);
    // Copy puts the exact token on the clipboard and says so in its live region (docs/pages.md §7).
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: p });
    const token = (await page.locator('.once code.secret').innerText()).trim();
    expect(token).toMatch(/^per_[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Copy' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#once-copied').innerText()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await checkPage(page, 'settings tokens (token copied)', found);
    await visit(`${p}/dash/settings/oauth-apps`, 'settings oauth apps');
    await page.getByLabel('Name').fill('Shopping List Pro');
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.waitForURL(/\/dash\/settings\/oauth-apps\/[0-9a-f-]{36}$/);
    await checkPage(page, 'settings oauth app', found);
    await page.getByLabel('Name', { exact: true }).first().fill('web');
    await page.getByLabel('Redirect URIs (one per line)').fill('http://127.0.0.1:4000/auth/callback');
    await page.getByRole('button', { name: 'Add client' }).click();
    await checkPage(page, 'settings oauth app (new client secret shown once)', found, 'settings-oauth-app');
    await visit(`${p}/dash/settings/authorized-apps`, 'settings authorized apps', 'settings-authorized-apps');
    await visit(`${p}/dash/no-such-page`, 'dashboard not found');
    expect(found).toEqual([]);
  }, 300_000);

  it('the consent page of an unverified (self-registered) app', async () => {
    const redirect = 'http://127.0.0.1:4999/callback';
    const reg = await fetch(`${w.provider.url}/platform/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Some Agent', redirect_uris: [redirect], token_endpoint_auth_method: 'none' }),
    });
    expect(reg.status).toBe(201);
    const { client_id } = (await reg.json()) as { client_id: string };
    const q = new URLSearchParams({ client_id, redirect_uri: redirect, response_type: 'code', state: 'st', scope: 'apps-read', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    await page.goto(`${w.provider.url}/platform/oauth/start?${q}`);
    await page.waitForURL(/\/platform\/oauth\/consent/);
    expect(await page.locator('main').innerText()).toContain('Unverified');
    await checkPage(page, 'consent (unverified app)', found, 'consent-unverified');
    expect(found).toEqual([]);
  }, 120_000);

  it('the operator console', async () => {
    const op = await ctx.browser()!.newContext({ viewport: { width: 1280, height: 800 } });
    page = await op.newPage();
    const p = w.provider.url;
    await signUpAtProvider(page, p, { email: 'operator@example.com', password: 'operator password 1' });
    await verifyFromMail(page, w, 'operator@example.com'); // the role needs a verified address (F1)
    for (const [path, name, shot] of [
      ['', 'operator home'],
      ['/apps', 'operator apps'],
      ['/clients', 'operator self-registered clients'],
      ['/users', 'operator users'],
      ['/audit', 'operator audit', 'operator-audit'],
    ] as Array<[string, string, string?]>) {
      await visit(`${p}/dash/operator${path}`, name, shot);
    }
    await page.goto(`${p}/dash/operator/users?q=pages`);
    await page.getByRole('link', { name: 'pages@example.com' }).first().click();
    await checkPage(page, 'operator user', found);
    await page.goto(`${p}/dash/operator/apps`);
    await page.getByRole('link', { name: 'Instant Demo App' }).first().click();
    await checkPage(page, 'operator app', found);
    expect(found).toEqual([]);
    await op.close();
  }, 240_000);
});
