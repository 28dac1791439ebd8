import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from './harness.ts';
import { logInAtProvider, newAccount, signUpAtProvider, startWorld, type World } from './fixture.ts';

// docs/security-accounts.md §8–§10 in Chromium: the provider runs with SMTP_URL pointing at an SMTP server in this
// test process, and every link is read from the message it received.
describe('accounts by mail', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('signs up, reads the verification mail, verifies, and only then has the operator role (OPERATOR_EMAILS, F1)', async () => {
    const J = 'verify-email';
    const ctx = await w.newContext();
    const page = await ctx.newPage();
    const p = w.provider.url;
    const account = { email: 'operator@example.com', password: 'the operator password 9' };

    await page.goto(`${p}/dash/signup`);
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${p}/dash/check-email`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Check your inbox');
    expect(await page.locator('main').innerText()).toContain(account.email);
    await screenshot(page, J, '01-check-your-inbox');
    await logInAtProvider(page, p, account);

    // Listed in OPERATOR_EMAILS, signed in, but the address is not proved yet: no console.
    expect(await page.getByTestId('unverified').innerText()).toContain('is not verified yet');
    expect(await page.getByRole('link', { name: 'Operator' }).count()).toBe(0);
    const refused = await page.goto(`${p}/dash/operator`);
    expect(refused!.status()).toBe(403);
    await screenshot(page, J, '02-operator-refused');

    const mail = await w.mailbox.next(account.email, /Verify your email address/);
    const link = mail.links.find((l) => l.startsWith(`${p}/dash/verify-email?token=`))!;
    expect(link).toBeTruthy();
    await page.goto(link);
    await screenshot(page, J, '03-verify-page');
    await page.getByRole('button', { name: `Verify ${account.email}` }).click();
    await page.waitForURL(`${p}/dash/verify-email/done`);
    expect(await page.locator('main').innerText()).toContain(`${account.email} is verified`);

    await page.goto(`${p}/dash`);
    expect(await page.getByTestId('unverified').count()).toBe(0);
    await page.getByRole('link', { name: 'Operator' }).click();
    await page.waitForURL(`${p}/dash/operator`);
    expect((await page.goto(`${p}/dash/operator`))!.status()).toBe(200);
    await screenshot(page, J, '04-operator-console');
    // The link worked once.
    expect((await page.goto(link))!.status()).toBe(400);
    await ctx.close();
  });

  it('forgets the password, reads the reset mail, sets a new one, and the session in another browser ends', async () => {
    const J = 'reset-password';
    const account = newAccount('forgetful');
    const p = w.provider.url;
    // Signed in on one device…
    const other = await w.newContext();
    const otherPage = await other.newPage();
    await signUpAtProvider(otherPage, p, account);
    await otherPage.goto(`${p}/dash`);
    expect(await otherPage.getByRole('heading', { level: 1 }).innerText()).toContain(account.email);

    // …and forgotten on another.
    const ctx = await w.newContext();
    const page = await ctx.newPage();
    await page.goto(`${p}/dash/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL(`${p}/dash/forgot-password`);
    await page.getByLabel('Email').fill(account.email);
    await page.getByRole('button', { name: 'Send the reset link' }).click();
    await page.waitForURL(`${p}/dash/forgot-password/sent`);
    expect(await page.locator('main').innerText()).toContain(`If ${account.email} has an Instant account, we mailed it a link`);
    await screenshot(page, J, '01-link-sent');

    const mail = await w.mailbox.next(account.email, /Reset your Instant password/);
    const link = mail.links.find((l) => l.startsWith(`${p}/dash/reset-password?token=`))!;
    await page.goto(link);
    const fresh = 'a new and better password 7';
    await page.getByLabel('New password', { exact: true }).fill(fresh);
    await screenshot(page, J, '02-new-password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.waitForURL(`${p}/dash/reset-password/done`);
    expect(await page.locator('main').innerText()).toContain('Every session of the account was signed out, in every browser (1 session was open)');
    await screenshot(page, J, '03-password-changed');

    // The other browser's session is over: the dashboard sends it to sign in.
    await otherPage.goto(`${p}/dash`);
    await otherPage.waitForURL(/\/dash\/login\?next=%2Fdash$/);
    // The old password is refused, the new one works.
    await otherPage.getByLabel('Email').fill(account.email);
    await otherPage.getByLabel('Password').fill(account.password);
    await otherPage.getByRole('button', { name: 'Sign in' }).click();
    await otherPage.getByText('The email or password is incorrect').waitFor();
    await logInAtProvider(page, p, { email: account.email, password: fresh });
    await Promise.all([other.close(), ctx.close()]);
  });
});
