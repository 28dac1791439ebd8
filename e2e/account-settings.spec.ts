import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage } from './a11y.ts';
import { launchBrowser, screenshot, type Browser, type Server } from './harness.ts';
import { logInAtProvider, newAccount, signUpAtProvider, startProviderOnly } from './fixture.ts';

/**
 * Settings → Account in Chromium (docs/security-lifecycle.md §3–§4): change the password (another browser is signed
 * out, this one stays), then delete the account through its confirmation; both pages pass axe at every width.
 */
let provider: Server;
let browser: Browser;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'e2e-account-'));
  provider = await startProviderOnly(dataDir);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Settings → Account', () => {
  it('changes the password, signing out the other browser, then deletes the account', async () => {
    const J = 'account-settings';
    const p = provider.url;
    const account = newAccount('leaver');
    const found: string[] = [];
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await signUpAtProvider(page, p, account);
    const otherCtx = await browser.newContext();
    const other = await otherCtx.newPage();
    await logInAtProvider(other, p, account);

    await page.goto(`${p}/dash/settings/tokens`);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(`${p}/dash/settings/account`);
    await checkPage(page, 'settings account', found);

    const newPassword = `${account.password} renewed`;
    await page.getByLabel('Current password').fill(account.password);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('New password, again').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(`${p}/dash/settings/account`);
    expect(await page.getByRole('status').innerText()).toBe('Password changed. Signed out of 1 other session; this one stays signed in.');
    await screenshot(page, J, '01-password-changed');
    await other.goto(`${p}/dash/settings/account`);
    await other.waitForURL(/\/dash\/login/);

    // The confirmation says what ends before the password is asked for.
    await page.getByText('Delete account', { exact: true }).last().click();
    expect(await page.locator('#delete-consequences').innerText()).toContain('every session, this one included (1 session)');
    await checkPage(page, 'settings account (delete confirmation open)', found);
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Yes, delete my account' }).click();
    await page.waitForURL(`${p}/dash/login`);
    expect(await page.getByRole('status').innerText()).toContain(`The account ${account.email} has been deleted`);
    await screenshot(page, J, '02-deleted');

    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(async () => page.locator('main').innerText()).toContain('The email or password is incorrect');
    expect(found).toEqual([]);
    await otherCtx.close();
    await ctx.close();
  }, 180_000);
});
