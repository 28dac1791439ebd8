import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeInBrowser, createTestClient, createTestUser, insertTokenSet, sessionCookie } from '../../testing/fixtures.ts';
import { mailedLink, startMailbox, type Mailbox, type ReceivedMail } from '../../testing/mailbox.ts';
import { ApiError } from '../../domain/errors.ts';
import { hashToken } from '../../domain/tokens.ts';
import { setOperatorRole } from '../../domain/operator/services.ts';
import { sweepOnce } from '../../domain/sweep.ts';
import { Browser as ConsoleBrowser, makeOAuthApp } from '../../testing/operator.ts';
import { RESEND_PER_USER, requireVerifiedEmail } from '../../domain/accounts/verification.ts';
import { Browser } from '../../testing/accounts.ts';

// docs/security-accounts.md §2 and §9: sign-up mails a link, the address counts as verified only after it,
// and the operator role and publishing need a verified address (finding F1).

let mailbox: Mailbox;
let p: TestProvider;
beforeAll(async () => {
  mailbox = await startMailbox();
});
afterAll(async () => {
  await mailbox.close();
});
beforeEach(async () => {
  p = await createTestProvider({ smtpUrl: mailbox.url, operatorEmails: ['boss@example.com'] });
});
afterEach(async () => {
  await p.close();
});

const PASSWORD = 'correct horse battery';

/** The verification link of a message, as a path on the provider. */
function verifyLink(mail: ReceivedMail): URL {
  return mailedLink(mail, `${p.issuer}/dash/verify-email?token=`);
}

/** Opens the link's page and presses its button, as a browser would. */
async function pressVerify(b: Browser, link: URL): Promise<Response> {
  const { csrf, html } = await b.page(link.pathname + link.search);
  const token = /name="token" value="([^"]*)"/.exec(html)?.[1] ?? link.searchParams.get('token')!;
  return b.form('/dash/verify-email', { _csrf: csrf, token });
}

async function verifiedAt(email: string): Promise<Date | null> {
  return (await p.ctx.db.one<{ email_verified_at: Date | null }>('select email_verified_at from users where email = $1', [email]))!.email_verified_at;
}

async function userinfoVerified(userId: string, clientId: string): Promise<unknown> {
  const { access } = await insertTokenSet(p.ctx, { userId, clientId, scopes: ['openid', 'email'] });
  const res = await p.fetch(new URL('/platform/oauth/userinfo', p.issuer), { headers: { authorization: `Bearer ${access}` } });
  return ((await res.json()) as { email_verified: unknown }).email_verified;
}

async function idTokenVerified(cookie: string, client: Awaited<ReturnType<typeof createTestClient>>): Promise<unknown> {
  const r = await authorizeInBrowser(p, cookie, { clientId: client.clientId, redirectUri: client.redirectUri, scope: 'openid email' });
  const res = await p.fetch(new URL('/platform/oauth/token', p.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${client.clientId}:${client.clientSecret}`)}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: r.code!, redirect_uri: client.redirectUri }).toString(),
  });
  const body = (await res.json()) as { id_token: string };
  return decodeJwt(body.id_token).email_verified;
}

describe('verified email', () => {
  it('mails a single-use link at sign-up (only its hash stored); email_verified in id_tokens and userinfo turns true only after it', async () => {
    const b = new Browser(p);
    const user = await b.signUp('ann@example.com', PASSWORD);
    const mail = await mailbox.next('ann@example.com', /Verify your email/);
    const link = verifyLink(mail);
    const token = link.searchParams.get('token')!;
    const stored = await p.ctx.db.query<{ token_hash: string; purpose: string }>('select token_hash, purpose from email_tokens where user_id = $1', [user.id]);
    expect(stored).toEqual([{ token_hash: hashToken(token), purpose: 'verify' }]);

    const client = await createTestClient(p);
    const cookie = await sessionCookie(p, user.id);
    expect(await userinfoVerified(user.id, client.clientId)).toBe(false);
    expect(await idTokenVerified(cookie, client)).toBe(false);

    // Opening the link (a mail scanner does) verifies nothing; the page's button does.
    expect((await new Browser(p).request(link.pathname + link.search)).status).toBe(200);
    expect(await verifiedAt('ann@example.com')).toBeNull();
    const done = await pressVerify(new Browser(p), link);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/dash/verify-email/done');
    expect(await verifiedAt('ann@example.com')).toBeInstanceOf(Date);

    expect(await userinfoVerified(user.id, client.clientId)).toBe(true);
    expect(await idTokenVerified(cookie, client)).toBe(true);
    // Single use: the same link again is dead.
    expect((await new Browser(p).request(link.pathname + link.search)).status).toBe(400);
    const again = await new Browser(p).page('/dash/login');
    expect((await new Browser(p).form('/dash/verify-email', { _csrf: again.csrf, token })).status).toBe(403); // other browser's CSRF
    const c = new Browser(p);
    const { csrf } = await c.page('/dash/login');
    expect((await c.form('/dash/verify-email', { _csrf: csrf, token })).status).toBe(400);
    const events = await p.ctx.db.query<{ event: string }>(`select event from audit_events where user_id = $1 and event = 'user.email_verified'`, [user.id]);
    expect(events).toHaveLength(1);
  });

  it('refuses a verification link after 24 hours', async () => {
    await new Browser(p).signUp('late@example.com', PASSWORD);
    const link = verifyLink(await mailbox.next('late@example.com', /Verify/));
    const b = new Browser(p);
    const { csrf } = await b.page('/dash/login');
    p.clock.advance(86_400 + 1);
    expect((await b.request(link.pathname + link.search)).status).toBe(400);
    expect((await b.form('/dash/verify-email', { _csrf: csrf, token: link.searchParams.get('token')! })).status).toBe(400);
    expect(await verifiedAt('late@example.com')).toBeNull();
    // A day past its expiry the sweeper deletes the row.
    p.clock.advance(86_400);
    await sweepOnce(p.ctx);
    expect(await p.ctx.db.query('select 1 from email_tokens')).toEqual([]);
  });

  it('answers a sign-up with a registered address exactly like a new one, and mails "you already have an account" (no link to verify)', async () => {
    await createTestUser(p, { email: 'taken@example.com', password: PASSWORD });
    const answer = async (email: string, password: string) => {
      const b = new Browser(p);
      const { csrf } = await b.page('/dash/signup');
      const res = await b.form('/dash/signup', { _csrf: csrf, email, password });
      const page = await b.page(res.headers.get('location')!);
      const session = res.headers.getSetCookie().some((l) => l.startsWith('instant_session='));
      return { status: res.status, location: res.headers.get('location'), session, page: page.res.status, html: page.html.replace(email, 'EMAIL').replace(/name="_csrf" value="[^"]*"/g, '') };
    };
    const fresh = await answer('fresh@example.com', PASSWORD);
    const taken = await answer('taken@example.com', 'any other password');
    expect(fresh).toMatchObject({ status: 303, location: '/dash/check-email', session: false, page: 200 });
    expect(taken).toEqual(fresh);
    expect(fresh.html).toContain('Check your inbox');
    const mail = await mailbox.next('taken@example.com');
    expect(mail.subject).toBe('You already have an Instant account');
    expect(mail.links).toEqual([p.issuer, `${p.issuer}/dash/login`, `${p.issuer}/dash/forgot-password`]);
    expect((await mailbox.next('fresh@example.com')).subject).toMatch(/Verify/);
  });

  it('gives the OPERATOR_EMAILS role only once the address is verified (F1)', async () => {
    // The squatter signs up first with the operator's address and signs in.
    const b = new Browser(p);
    await b.signUp('boss@example.com', PASSWORD);
    expect((await b.request('/dash/operator')).status).toBe(403);
    expect(await b.page('/dash').then((r) => r.html)).not.toContain('href="/dash/operator"');
    // Only the owner of the mailbox can follow the link.
    await pressVerify(new Browser(p), verifyLink(await mailbox.next('boss@example.com', /Verify/)));
    expect((await b.request('/dash/operator')).status).toBe(200);
  });

  it('gives the role stored by `operator add` only to a verified address (F1)', async () => {
    const u = await createTestUser(p, { email: 'cli-op@example.com', verified: false });
    await setOperatorRole(p.ctx, 'cli-op@example.com', true, { actor: 'cli' });
    const b = new Browser(p);
    b.jar.add(await sessionCookie(p, u.id));
    expect((await b.request('/dash/operator')).status).toBe(403);
    // Resend from the dashboard, then the link.
    const { csrf, html } = await b.page('/dash');
    expect(html).toContain('Send the verification link again');
    expect((await b.form('/dash/verify-email/resend', { _csrf: csrf })).headers.get('location')).toBe('/dash');
    await pressVerify(new Browser(p), verifyLink(await mailbox.next('cli-op@example.com', /Verify/)));
    expect((await b.request('/dash/operator')).status).toBe(200);
  });

  it("publishes an OAuth app only when its owner's address is verified (F1)", async () => {
    const op = await createTestUser(p, { email: 'boss@example.com' });
    const owner = await createTestUser(p, { email: 'squatter@example.com', verified: false });
    const app = await makeOAuthApp(p.ctx, owner.id);
    const ops = await ConsoleBrowser.signedIn(p, op.id);
    const refused = await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'published' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('squatter@example.com is not verified');
    const status = async () => (await p.ctx.db.one<{ status: string }>('select status from oauth_apps where id = $1', [app.appId]))!.status;
    expect(await status()).toBe('test');
    await p.ctx.db.query('update users set email_verified_at = now() where id = $1', [owner.id]);
    expect((await ops.submit('/dash/operator/apps', `/dash/operator/apps/${app.appId}/status`, { status: 'published' })).status).toBe(303);
    expect(await status()).toBe('published');
  });

  it('rate-limits resending the link per account', async () => {
    const u = await createTestUser(p, { email: 'resend@example.com', verified: false });
    const b = new Browser(p);
    b.jar.add(await sessionCookie(p, u.id));
    const mails = [];
    for (let i = 0; i < RESEND_PER_USER.limit; i++) {
      const { csrf } = await b.page('/dash');
      expect((await b.form('/dash/verify-email/resend', { _csrf: csrf })).status).toBe(303);
      mails.push(await mailbox.next('resend@example.com', /Verify/));
    }
    const { csrf } = await b.page('/dash');
    const limited = await b.form('/dash/verify-email/resend', { _csrf: csrf });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Only the newest link works.
    const c = new Browser(p);
    const page = await c.page('/dash/login');
    expect((await c.form('/dash/verify-email', { _csrf: page.csrf, token: verifyLink(mails[0]!).searchParams.get('token')! })).status).toBe(400);
    expect((await pressVerify(new Browser(p), verifyLink(mails.at(-1)!))).status).toBe(303);
  });

  it('requireVerifiedEmail refuses an unverified account with 403 email-unverified', async () => {
    const unverified = await createTestUser(p, { verified: false });
    const verified = await createTestUser(p);
    expect(() => requireVerifiedEmail(verified)).not.toThrow();
    let thrown: unknown;
    try {
      requireVerifiedEmail(unverified);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ status: 403, hint: { reason: 'email-unverified' } });
  });
});
