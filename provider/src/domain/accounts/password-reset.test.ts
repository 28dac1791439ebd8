import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { createTestUser, sessionCookie } from '../../testing/fixtures.ts';
import { mailedLink, startMailbox, type Mailbox, type ReceivedMail } from '../../testing/mailbox.ts';
import { runAdminCommand } from '../../cli/commands.ts';
import { hashToken } from '../tokens.ts';
import { FORGOT_PER_ACCOUNT, FORGOT_PER_ADDRESS } from './password-reset.ts';
import { Browser } from '../../testing/accounts.ts';

// docs/security-accounts.md §10: forgot password by email, and the operator's forced reset.

let mailbox: Mailbox;
let p: TestProvider;
beforeAll(async () => {
  mailbox = await startMailbox();
});
afterAll(async () => {
  await mailbox.close();
});
beforeEach(async () => {
  p = await createTestProvider({ smtpUrl: mailbox.url });
});
afterEach(async () => {
  await p.close();
});

const OLD = 'the old password 1';
const NEW = 'a brand new password 2';

function resetLink(mail: ReceivedMail): URL {
  return mailedLink(mail, `${p.issuer}/dash/reset-password?token=`);
}

async function forgot(b: Browser, email: string): Promise<Response> {
  const { csrf } = await b.page('/dash/forgot-password');
  return b.form('/dash/forgot-password', { _csrf: csrf, email });
}

/** Opens the reset link's page and submits a new password through its form. */
async function reset(b: Browser, link: URL, password: string): Promise<Response> {
  const { csrf, html } = await b.page(link.pathname + link.search);
  const token = /name="token" value="([^"]*)"/.exec(html)?.[1] ?? link.searchParams.get('token')!;
  return b.form('/dash/reset-password', { _csrf: csrf, token, password });
}

const login = (email: string, password: string) => new Browser(p).json('POST', '/dash/login', { email, password }).then((r) => r.status);

describe('forgot password', () => {
  it('mails a single-use link (only its hash stored); a new password ends every session of the account, and the page says so', async () => {
    const u = await createTestUser(p, { email: 'rita@example.com', password: OLD });
    // Signed in in two browsers (another device too).
    const laptop = new Browser(p);
    laptop.jar.add(await sessionCookie(p, u.id));
    const phone = new Browser(p);
    phone.jar.add(await sessionCookie(p, u.id));
    expect((await phone.request('/dash/me')).status).toBe(200);

    const asked = await forgot(new Browser(p, '10.7.0.1'), 'Rita@Example.com');
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe('/dash/forgot-password/sent');
    const mail = await mailbox.next('rita@example.com', /Reset your Instant password/);
    const link = resetLink(mail);
    expect(await p.ctx.db.query('select token_hash from email_tokens where user_id = $1 and purpose = $2', [u.id, 'reset'])).toEqual([{ token_hash: hashToken(link.searchParams.get('token')!) }]);

    const b = new Browser(p, '10.7.0.1');
    // A refused password leaves the link working.
    const short = await reset(b, link, 'short');
    expect(short.status).toBe(303);
    expect(short.headers.get('location')).toBe(link.pathname + link.search);
    expect((await b.page(short.headers.get('location')!)).html).toContain('at least 8 characters');
    const done = await reset(b, link, NEW);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/dash/reset-password/done');
    const page = (await b.page('/dash/reset-password/done')).html;
    expect(page).toContain('Every session of the account was signed out, in every browser (2 sessions were open)');

    expect((await laptop.request('/dash/me')).status).toBe(401);
    expect((await phone.request('/dash/me')).status).toBe(401);
    expect(await login('rita@example.com', OLD)).toBe(401);
    expect(await login('rita@example.com', NEW)).toBe(200);
    // Single use.
    expect((await new Browser(p).request(link.pathname + link.search)).status).toBe(400);
    const c = new Browser(p);
    const { csrf } = await c.page('/dash/login');
    expect((await c.form('/dash/reset-password', { _csrf: csrf, token: link.searchParams.get('token')!, password: 'yet another password' })).status).toBe(400);
    expect(await login('rita@example.com', NEW)).toBe(200);

    const events = await p.ctx.db.query<{ event: string; details: Record<string, unknown> }>(
      `select event, details from audit_events where user_id = $1 and event like 'password.%' order by at`,
      [u.id],
    );
    expect(events.map((e) => e.event)).toEqual(['password.reset_requested', 'password.reset']);
    expect(events[1]!.details).toMatchObject({ sessions_ended: 2 });
  });

  it('answers the same whether or not the address has an account, and mails only an account', async () => {
    await createTestUser(p, { email: 'known@example.com', password: OLD });
    const answer = async (email: string) => {
      const b = new Browser(p);
      const res = await forgot(b, email);
      const page = await b.page(res.headers.get('location')!);
      return { status: res.status, location: res.headers.get('location'), page: page.res.status, html: page.html.replace(email, 'EMAIL') };
    };
    const known = await answer('known@example.com');
    const unknown = await answer('unknown@example.com');
    expect(unknown).toEqual(known);
    expect(known.html).toContain('If EMAIL has an Instant account, we mailed it a link');
    await mailbox.next('known@example.com', /Reset/);
    await new Promise((r) => setTimeout(r, 300));
    expect(mailbox.messages.some((m) => m.to.includes('unknown@example.com'))).toBe(false);
    const audited = await p.ctx.db.query<{ user_id: string | null }>(`select user_id from audit_events where event = 'password.reset_requested' and details->>'email' = 'unknown@example.com'`);
    expect(audited).toEqual([{ user_id: null }]);
  });

  it('refuses a reset link after 30 minutes, and a newer link replaces an older one', async () => {
    const u = await createTestUser(p, { email: 'slow@example.com', password: OLD });
    await forgot(new Browser(p, '10.8.0.1'), 'slow@example.com');
    const first = resetLink(await mailbox.next('slow@example.com', /Reset/));
    await forgot(new Browser(p, '10.8.0.1'), 'slow@example.com');
    const second = resetLink(await mailbox.next('slow@example.com', /Reset/));
    expect((await new Browser(p).request(first.pathname + first.search)).status).toBe(400);
    const b = new Browser(p);
    const { csrf } = await b.page(second.pathname + second.search);
    p.clock.advance(30 * 60 + 1);
    expect((await b.form('/dash/reset-password', { _csrf: csrf, token: second.searchParams.get('token')!, password: NEW })).status).toBe(400);
    expect(await login('slow@example.com', OLD)).toBe(200);
    expect(u.id).toBeTruthy();
  });

  it('rate-limits requests per address asked about and per client address', async () => {
    for (let i = 0; i < FORGOT_PER_ACCOUNT.limit; i++) expect((await forgot(new Browser(p, `10.9.1.${i}`), 'target@example.com')).status).toBe(303);
    const perAccount = await forgot(new Browser(p, '10.9.2.1'), 'target@example.com');
    expect(perAccount.status).toBe(429);
    expect(perAccount.headers.get('retry-after')).toMatch(/^\d+$/);

    const b = new Browser(p, '10.9.3.3');
    for (let i = 0; i < FORGOT_PER_ADDRESS.limit; i++) expect((await forgot(b, `someone${i}@example.com`)).status).toBe(303);
    expect((await forgot(b, 'one-more@example.com')).status).toBe(429);
  });
});

describe('instant-provider users reset-password', () => {
  it('ends the sessions, stops the current password, mails a reset link and says so; audited', async () => {
    const u = await createTestUser(p, { email: 'forced@example.com', password: OLD });
    const b = new Browser(p);
    b.jar.add(await sessionCookie(p, u.id));
    let out = '';
    let err = '';
    const code = await runAdminCommand(['users', 'reset-password', 'forced@example.com'], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { SMTP_URL: mailbox.url, PUBLIC_URL: p.issuer },
      open: async () => p.ctx.db,
    });
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe('forced@example.com: the old password no longer works; ended 1 session(s); mailed a reset link to forced@example.com (valid 30 minutes)\n');
    expect((await b.request('/dash/me')).status).toBe(401);
    expect(await login('forced@example.com', OLD)).toBe(401);
    const mail = await mailbox.next('forced@example.com', /Set a new password/);
    expect(mail.text).toContain('An operator of');
    expect((await reset(new Browser(p), resetLink(mail), NEW)).status).toBe(303);
    expect(await login('forced@example.com', NEW)).toBe(200);
    const audit = await p.ctx.db.query<{ actor: string }>(`select actor from audit_events where event = 'operator.password_reset' and user_id = $1`, [u.id]);
    expect(audit).toEqual([{ actor: 'cli' }]);
  });

  it('prints the message without SMTP_URL, and refuses an unknown address', async () => {
    await createTestUser(p, { email: 'local@example.com', password: OLD });
    let out = '';
    const io = { out: (t: string) => (out += t), err: () => {}, env: { PUBLIC_URL: p.issuer }, open: async () => p.ctx.db };
    expect(await runAdminCommand(['users', 'reset-password', 'local@example.com'], io)).toBe(0);
    expect(out).toMatch(/--- mail \(no SMTP_URL, so printed here\) ---\nTo: local@example\.com\n/);
    expect(out).toMatch(/http:\/\/localhost:8787\/dash\/reset-password\?token=[A-Za-z0-9_-]{43}/);
    expect(out).toContain('the reset link for local@example.com is printed above');
    expect(await runAdminCommand(['users', 'reset-password', 'nobody@example.com'], io)).toBe(1);
    expect(await runAdminCommand(['users', 'reset-password'], io)).toBe(2);
  });
});
