import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docScreenshot, screenshot } from './harness.ts';
import { basic, demoFlow, demoTokens, newAccount, signUpAtProvider, startWorld, tabTo, type World } from './fixture.ts';

describe('Sign in with Instant from the demo app', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });

  async function freshUser(label: string) {
    const ctx = await w.newContext();
    const page = await ctx.newPage();
    const account = newAccount(label);
    await signUpAtProvider(page, w.provider.url, account);
    return { ctx, page, account };
  }

  it('signs up, consents, creates an app, adds a field, disconnects; the grant and its tokens end', async () => {
    const J = 'sign-in-and-create-app';
    const { ctx, page, account } = await freshUser('alice');
    await screenshot(page, J, '01-provider-signed-up');

    await page.goto(w.demo.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toMatch(/todo backend/i);
    await screenshot(page, J, '02-demo-home');
    await page.getByRole('link', { name: 'Sign in with Instant' }).click();

    await page.waitForURL(/\/platform\/oauth\/consent/);
    const heading = await page.getByRole('heading', { level: 1 }).innerText();
    expect(heading).toMatch(/wants to access your Instant account/);
    expect(await page.locator('.app-name').innerText()).toBe('Instant Demo App');
    expect(await page.locator('main').innerText()).not.toContain('Test mode');
    expect(await page.locator('.account').innerText()).toBe(account.email);
    const scopes = await page.locator('ul.scopes li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-scope')));
    expect(scopes).toEqual(expect.arrayContaining(['apps-read', 'apps-write', 'openid', 'email']));
    await screenshot(page, J, '03-consent');
    await docScreenshot(page, 'consent', 600);

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${w.demo.url}/`);
    expect(await page.getByTestId('user-email').innerText()).toBe(account.email);
    await screenshot(page, J, '04-demo-signed-in');

    await page.getByLabel('App name').fill('Groceries');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL(/\/apps\/[0-9a-f-]{36}$/);
    const appId = await page.getByTestId('app-id').innerText();
    expect(await page.getByTestId('admin-token').innerText()).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.getByTestId('schema').innerText()).toMatch(/todos\s+text\s+string/);
    expect(await page.getByTestId('perms').innerText()).toContain('auth.id == data.ownerId');
    await screenshot(page, J, '05-app-created');
    await page.reload();
    expect(await page.getByTestId('created').count()).toBe(0); // the admin token is shown once

    await page.goto(w.demo.url);
    expect(await page.getByTestId('app-list').innerText()).toContain('Groceries');
    await screenshot(page, J, '06-demo-app-listed');
    await docScreenshot(page, 'demo', 600);
    await page.goto(`${w.provider.url}/dash/apps`);
    expect(await page.locator('main').innerText()).toContain('Groceries');
    await screenshot(page, J, '07-provider-app-listed');

    await page.goto(`${w.demo.url}/apps/${appId}`);
    await page.getByLabel('Field name').fill('priority');
    await page.getByLabel('Type').selectOption('number');
    await page.getByRole('button', { name: 'Plan the change' }).click();
    expect(await page.getByTestId('plan').innerText()).toMatch(/todos\.priority/);
    await screenshot(page, J, '08-plan');
    await page.getByRole('button', { name: 'Apply the change' }).click();
    await page.waitForURL(`${w.demo.url}/apps/${appId}`);
    expect(await page.getByRole('status').innerText()).toContain('Added todos.priority');
    expect(await page.getByTestId('schema').innerText()).toMatch(/priority\s+number/);
    await screenshot(page, J, '09-field-added');

    const tokens = await demoTokens(ctx, w);
    expect(tokens?.accessToken).toMatch(/^pat_/);
    const apps = (token: string) => fetch(`${w.provider.url}/superadmin/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect((await apps(tokens!.accessToken)).status).toBe(200);

    await page.locator('details.confirm summary', { hasText: 'Disconnect' }).click();
    await page.getByRole('button', { name: 'Yes, disconnect' }).click();
    await page.waitForURL(`${w.demo.url}/`);
    expect(await page.getByRole('link', { name: 'Sign in with Instant' }).count()).toBe(1);
    await screenshot(page, J, '10-disconnected');

    await page.goto(`${w.provider.url}/dash/settings/authorized-apps`);
    expect(await page.locator('main').innerText()).toContain('You have not authorized any apps.');
    await screenshot(page, J, '11-provider-authorized-apps-empty');

    expect((await apps(tokens!.accessToken)).status).toBe(401);
    const refresh = await fetch(`${w.provider.url}/platform/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(w) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens!.refreshToken }),
    });
    expect(refresh.status).toBe(400);
    expect((await refresh.json()).error).toBe('invalid_grant');
    await ctx.close();
  });

  it('Deny on the consent page: the demo shows the refusal and creates nothing', async () => {
    const J = 'deny';
    const { ctx, page } = await freshUser('bob');
    await page.goto(`${w.demo.url}/auth/instant/login`);
    await page.waitForURL(/\/platform\/oauth\/consent/);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${w.demo.url}/auth/instant/callback**`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('You did not connect your Instant account');
    expect(await page.locator('[data-problem]').getAttribute('data-problem')).toBe('access_denied');
    expect(await page.getByRole('link', { name: 'Try again' }).count()).toBe(1);
    expect(await page.getByTestId('user-email').count()).toBe(0);
    await screenshot(page, J, 'denied');
    await ctx.close();
  });

  it('a tampered state on the callback is refused and the code is not used', async () => {
    const J = 'tampered-state';
    const { ctx, page } = await freshUser('mallory');
    await page.goto(`${w.demo.url}/auth/instant/login`);
    await page.waitForURL(/\/platform\/oauth\/consent/);
    // An attacker swaps the state of the redirect back to the demo (the provider's 303 after Allow).
    const { codeVerifier } = (await demoFlow(ctx, w))!;
    let callback: URL | undefined;
    await page.route(`${w.provider.url}/platform/oauth/consent`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      // Replayed from Playwright's side, which drops the Fetch Metadata the browser adds on the wire: put back the
      // Sec-Fetch-Site the browser sends for this same-origin form post (the provider's CSRF check reads it).
      const res = await route.fetch({ maxRedirects: 0, headers: { ...(await route.request().allHeaders()), 'sec-fetch-site': 'same-origin' } });
      callback = new URL(res.headers().location!, w.provider.url);
      const forged = new URL(callback);
      forged.searchParams.set('state', 'tampered-' + callback.searchParams.get('state'));
      return route.fulfill({ status: 303, headers: { location: forged.href } });
    });
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/tampered-/);
    expect(await page.locator('[data-problem]').getAttribute('data-problem')).toBe('state_mismatch');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('This sign-in link is not valid');
    await screenshot(page, J, 'refused');
    // The demo refused before redeeming the code: it still works once, for the legitimate client.
    const exchange = await fetch(`${w.provider.url}/platform/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(w) },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback!.searchParams.get('code')!, redirect_uri: `${w.demo.url}/auth/instant/callback`, code_verifier: codeVerifier }),
    });
    expect(exchange.status).toBe(200);
    await page.unroute(`${w.provider.url}/platform/oauth/consent`);
        await page.goto(w.demo.url);
    expect(await page.getByTestId('user-email').count()).toBe(0);
    await ctx.close();
  });

  it('keyboard only: the consent page is completed without a mouse and its controls have accessible names', async () => {
    const J = 'keyboard-consent';
    const { ctx, page, account } = await freshUser('kim');
    await page.goto(w.demo.url);
    await tabTo(page, /^I?\s*Sign in with Instant$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/platform\/oauth\/consent/);
    for (const name of ['Allow', 'Deny', 'Use another account']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(1);
    const unnamed = await page.locator('button, a[href], input:not([type=hidden]), select, textarea').evaluateAll((els) =>
      els.filter((el) => !(el.getAttribute('aria-label') || (el as HTMLElement).innerText?.trim() || el.getAttribute('title') || (el as HTMLInputElement).labels?.length)).map((el) => el.outerHTML),
    );
    expect(unnamed).toEqual([]);
    await tabTo(page, /^Allow$/);
    await screenshot(page, J, 'allow-focused');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${w.demo.url}/`);
    expect(await page.getByTestId('user-email').innerText()).toBe(account.email);
    await screenshot(page, J, 'signed-in');
    await ctx.close();
  });

  it('access revoked at the provider, then the provider down: the demo explains both and offers a way back', async () => {
    const J = 'revoked-and-provider-down';
    const { ctx, page } = await freshUser('rita');
    await page.goto(`${w.demo.url}/auth/instant/login`);
    await page.waitForURL(/\/platform\/oauth\/consent/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${w.demo.url}/`);

    await page.goto(`${w.provider.url}/dash/settings/authorized-apps`);
    await page.locator('details.confirm summary', { hasText: 'Revoke access' }).first().click();
    await page.getByRole('button', { name: 'Yes, revoke access' }).first().click();
    await page.waitForURL(`${w.provider.url}/dash/settings/authorized-apps`);
    await page.goto(w.demo.url);
    expect(await page.locator('[data-problem]').getAttribute('data-problem')).toBe('grant_revoked');
    expect(await page.getByRole('link', { name: 'Sign in again' }).count()).toBe(1);
    await screenshot(page, J, 'grant-revoked');
    await page.reload();
    expect(await page.getByRole('link', { name: 'Sign in with Instant' }).count()).toBe(1); // the session was cleared

    await page.getByRole('link', { name: 'Sign in with Instant' }).click();
    await page.waitForURL(/\/platform\/oauth\/consent/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${w.demo.url}/`);
    await w.provider.stop();
    await page.reload();
    expect(await page.locator('[data-problem]').getAttribute('data-problem')).toBe('provider_unavailable');
    expect(await page.getByRole('link', { name: 'Try again' }).count()).toBe(1);
    await screenshot(page, J, 'provider-down');
    await ctx.close();
  });
});
