import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage } from './a11y.ts';
import { launchBrowser, type Browser, type Server } from './harness.ts';
import { newAccount, signUpAtProvider, startProviderOnly, verifyFromMail } from './fixture.ts';
import { startMailbox, type Mailbox } from '../provider/src/testing/mailbox.ts';

/**
 * The dashboard's Orgs pages in Chromium (docs/instant-compat.md §8): one account makes an org and invites another
 * by address (both verified from the mail an SMTP server in this process receives: invitations trust addresses,
 * docs/security-accounts.md §9); the other follows the mailed invitation, accepts on their Orgs page and lands on the
 * org. axe-core finds
 * no WCAG 2.1 AA violation on either page, at both widths and in both themes (docs/pages.md §1).
 */
let provider: Server;
let browser: Browser;
let dir: string;
let mailbox: Mailbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orgs-e2e-'));
  mailbox = await startMailbox();
  provider = await startProviderOnly(dir, { SMTP_URL: mailbox.url });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  await provider?.stop();
  await mailbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Orgs pages', () => {
  it('create an org, invite by address, accept as that address', async () => {
    const found: string[] = [];
    const p = provider.url;
    const owner = newAccount('org-owner');
    const invitee = newAccount('org-invitee');

    const ownerCtx = await browser.newContext();
    const page = await ownerCtx.newPage();
    await signUpAtProvider(page, p, owner);
    await verifyFromMail(page, { mailbox, provider }, owner.email);
    await page.goto(`${p}/dash`);
    await page.getByRole('link', { name: 'Orgs' }).click();
    await page.waitForURL(`${p}/dash/orgs`);
    await checkPage(page, 'orgs (none yet)', found);
    await page.getByLabel('Name').fill('Acme');
    await page.getByRole('button', { name: 'Create org' }).click();
    await page.waitForURL(/\/dash\/orgs\/[0-9a-f-]{36}$/);
    const orgUrl = page.url();
    await page.getByLabel('Email', { exact: true }).fill(invitee.email);
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.waitForURL(orgUrl);
    expect(await page.getByRole('status').innerText()).toContain(`Invited ${invitee.email} as admin.`);
    await checkPage(page, 'org page (owner, one invitation)', found);

    const inviteeCtx = await browser.newContext();
    const other = await inviteeCtx.newPage();
    await signUpAtProvider(other, p, invitee);
    await verifyFromMail(other, { mailbox, provider }, invitee.email);
    const invitation = await mailbox.next(invitee.email, /invited you to Acme/);
    await other.goto(invitation.links.find((l) => l === `${p}/dash/orgs`)!);
    expect(await other.getByRole('heading', { name: `Invitations to ${invitee.email}` }).count()).toBe(1);
    await checkPage(other, 'orgs (an invitation)', found);
    await other.getByRole('button', { name: 'Accept' }).click();
    await other.waitForURL(orgUrl);
    expect(await other.getByRole('status').innerText()).toContain('You joined Acme as admin.');
    await checkPage(other, 'org page (admin)', found);

    await ownerCtx.close();
    await inviteeCtx.close();
    expect(found).toEqual([]);
  }, 240_000);
});
