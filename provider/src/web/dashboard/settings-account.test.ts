import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { createTestClient, createTestUser } from '../../testing/fixtures.ts';
import { listEvents } from '../../domain/audit/events.ts';
import { Browser, bearer, issueTokens, refreshTokenLive } from '../../testing/accounts.ts';
import { Browser as OperatorBrowser, bearerAccepted, makeGrant, makeOAuthApp, makePersonalToken } from '../../testing/operator.ts';
import { createApp } from '../../domain/platform/apps.ts';
import { createOrg } from '../../domain/platform/orgs/orgs.ts';
import type { User } from '../../domain/accounts/users.ts';

/** Settings → Account: change password and delete account (docs/security-lifecycle.md §3–§4). */

const PASSWORD = 'correct horse battery';
const PAGE = '/dash/settings/account';
let p: TestProvider;
let b: Browser;
let user: { id: string; email: string };
beforeEach(async () => {
  p = await createTestProvider({ operatorEmails: ['ops@example.com'] });
  b = new Browser(p);
  user = await b.signUp('owner@example.com', PASSWORD);
});
afterEach(async () => {
  await p.close();
});

/** Posts a form of the account page with its CSRF token; returns the Location of the 303. */
async function submit(action: string, fields: Record<string, string>, browser = b): Promise<string> {
  const { csrf } = await browser.page(PAGE);
  const res = await browser.form(action, { _csrf: csrf, ...fields });
  expect(res.status, `${action}: ${res.status}`).toBe(303);
  return res.headers.get('location')!;
}

const login = (browser: Browser, password: string) => browser.json('POST', '/dash/login', { email: user.email, password });
const me = (browser: Browser) => browser.request('/dash/me').then((r) => r.status);
const passwordHash = async () => (await p.ctx.db.one<{ password_hash: string }>('select password_hash from users where id = $1', [user.id]))!.password_hash;

describe('settings: change password', () => {
  it('needs the current password, validates the new one like sign-up, and ends every other session but this one', async () => {
    const other = new Browser(p, '10.0.0.2');
    expect((await login(other, PASSWORD)).status).toBe(200);
    const { html } = await b.page(PAGE);
    expect(html).toContain('<a href="/dash/settings/account" aria-current="page">Account</a>');
    const before = await passwordHash();

    expect(await submit(`${PAGE}/password`, { current_password: 'wrong password!', new_password: 'a brand new one', new_password_again: 'a brand new one' })).toBe(PAGE);
    expect((await b.page(PAGE)).html).toContain('The current password is incorrect');
    expect(await submit(`${PAGE}/password`, { current_password: PASSWORD, new_password: 'short', new_password_again: 'short' })).toBe(PAGE);
    expect((await b.page(PAGE)).html).toContain('Password must be at least 8 characters');
    await submit(`${PAGE}/password`, { current_password: PASSWORD, new_password: 'a brand new one', new_password_again: 'a brand new two' });
    expect((await b.page(PAGE)).html).toContain('The two new passwords differ');
    expect(await passwordHash()).toBe(before);
    expect(await me(other)).toBe(200);

    await submit(`${PAGE}/password`, { current_password: PASSWORD, new_password: 'a brand new one', new_password_again: 'a brand new one' });
    expect((await b.page(PAGE)).html).toContain('Password changed. Signed out of 1 other session; this one stays signed in.');
    expect(await me(b)).toBe(200);
    expect(await me(other)).toBe(401);
    expect((await login(new Browser(p, '10.0.0.3'), PASSWORD)).status).toBe(401);
    expect((await login(new Browser(p, '10.0.0.3'), 'a brand new one')).status).toBe(200);

    const events = await listEvents(p.ctx, { event: 'user.password_changed' });
    expect(events.map((e) => [e.outcome, e.user_id, e.details])).toEqual([
      ['success', user.id, { sessions_ended_count: 1 }],
      ['failure', user.id, { reason: 'credentials' }],
    ]);
  });

  it('refuses a post without a valid CSRF token and changes nothing', async () => {
    const before = await passwordHash();
    const res = await b.form(`${PAGE}/password`, { _csrf: 'forged', current_password: PASSWORD, new_password: 'a brand new one', new_password_again: 'a brand new one' });
    expect(res.status).toBe(403);
    expect(await passwordHash()).toBe(before);
  });

  it('counts guesses of the current password with the login attempts of the account', async () => {
    for (let i = 0; i < 10; i++) await submit(`${PAGE}/password`, { current_password: `guess ${i} wrong`, new_password: 'a brand new one', new_password_again: 'a brand new one' });
    const { csrf } = await b.page(PAGE);
    const limited = await b.form(`${PAGE}/password`, { _csrf: csrf, current_password: PASSWORD, new_password: 'a brand new one', new_password_again: 'a brand new one' });
    expect(limited.status).toBe(429);
    expect((await login(new Browser(p, '10.0.0.9'), PASSWORD)).status).toBe(429);
  });
});

describe('settings: delete account', () => {
  it('says what ends, then ends every token, grant, personal token and session and deletes the apps; audited; gone from the console', async () => {
    const stranger = await createTestUser(p);
    // The user's personal token, an app they authorized, an OAuth app they own that someone else authorized, an Instant app.
    const pat = await makePersonalToken(p.ctx, user.id);
    const elsewhere = await createTestClient(p, { name: 'Elsewhere' });
    const mine = await issueTokens(p, user.id, elsewhere.clientId);
    const owned = await makeOAuthApp(p.ctx, user.id, { name: 'Owned app', status: 'published' });
    const theirs = await makeGrant(p.ctx, stranger.id, owned);
    const instantApp = await createApp(p.ctx, user.id, { title: 'My Instant app' });
    const other = new Browser(p, '10.0.0.2');
    expect((await login(other, PASSWORD)).status).toBe(200);

    const { html } = await b.page(PAGE);
    expect(html).toContain('every session, this one included (2 sessions)');
    expect(html).toContain('every personal access token (1 token)');
    expect(html).toContain('(1 authorized app, 2 OAuth tokens)');
    expect(html).toContain('(1 OAuth app)');
    expect(html).toContain('(1 Instant app)');

    // A wrong password, or a forged form, deletes nothing.
    expect(await submit(`${PAGE}/delete`, { password: 'not my password' })).toBe(PAGE);
    expect((await b.page(PAGE)).html).toContain('The current password is incorrect');
    expect((await b.form(`${PAGE}/delete`, { _csrf: 'forged', password: PASSWORD })).status).toBe(403);
    expect(await bearerAccepted(p.ctx, pat.token)).toBe(true);
    const adminRead = async () => (await p.app.request(`/superadmin/apps/${instantApp.app.id}`, { headers: bearer(instantApp.adminToken) })).status;
    expect(await adminRead()).toBe(200);

    expect(await submit(`${PAGE}/delete`, { password: PASSWORD })).toBe('/dash/login');
    const signedOut = await b.page('/dash/login');
    expect(signedOut.html).toContain('The account owner@example.com has been deleted');
    expect(await me(b)).toBe(401);
    expect(await me(other)).toBe(401);
    expect(await bearerAccepted(p.ctx, pat.token)).toBe(false);
    expect(await bearerAccepted(p.ctx, mine.access)).toBe(false);
    expect(await refreshTokenLive(p, mine.refresh)).toBe(false);
    expect(await bearerAccepted(p.ctx, theirs.access)).toBe(false); // the stranger's access to the deleted OAuth app
    expect(await adminRead()).toBe(401); // the app and its admin token are gone
    const left = await p.ctx.db.one<Record<string, number>>(
      `select (select count(*)::int from users where id = $1) as users, (select count(*)::int from oauth_apps where id = $2) as oauth_apps,
              (select count(*)::int from oauth_clients where client_id = $3) as clients, (select count(*)::int from apps where id = $4) as apps,
              (select count(*)::int from grants where user_id = $1 or oauth_app_id = $2) as grants`,
      [user.id, owned.appId, owned.clientId, instantApp.app.id],
    );
    expect(left).toEqual({ users: 0, oauth_apps: 0, clients: 0, apps: 0, grants: 0 });
    expect((await login(new Browser(p, '10.0.0.3'), PASSWORD)).status).toBe(401);

    // The audit rows outlive the user.
    const deleted = await listEvents(p.ctx, { event: 'user.deleted' });
    expect(deleted.map((e) => [e.outcome, e.user_id, e.actor, e.details])).toEqual([
      ['success', user.id, user.id, { email: 'owner@example.com', sessions_count: 2, personal_tokens_count: 1, grants_count: 1, oauth_tokens_count: 2, oauth_apps_count: 1, apps_count: 1 }],
      ['failure', user.id, user.id, { reason: 'credentials' }],
    ]);
    expect((await listEvents(p.ctx, { event: 'user.signup' })).map((e) => e.user_id)).toContain(user.id);

    // The operator console no longer lists the account, and its page is gone.
    const ops = await createTestUser(p, { email: 'ops@example.com' });
    const console = await OperatorBrowser.signedIn(p, ops.id);
    const search = await console.get('/dash/operator/users?q=owner');
    expect(search.res.status).toBe(200);
    expect(search.html).not.toContain('owner@example.com');
    expect((await console.get(`/dash/operator/users/${user.id}`)).res.status).toBe(404);
  });

  it("refuses while the user is an org's only owner, and goes through once another member is an owner: the org and its apps stay", async () => {
    const me = (await p.ctx.db.one<User>('select * from users where id = $1', [user.id]))!;
    const org = await createOrg(p.ctx, me, 'Acme');
    const orgApp = await createApp(p.ctx, user.id, { title: 'Acme site', orgId: org.id });
    expect(await submit(`${PAGE}/delete`, { password: PASSWORD })).toBe(PAGE);
    expect((await b.page(PAGE)).html).toContain('You are the only owner of the org “Acme”');
    expect(await p.ctx.db.one('select 1 from users where id = $1', [user.id])).toBeTruthy();

    const partner = await createTestUser(p);
    await p.ctx.db.query(`insert into org_members (id, org_id, user_id, role, created_at) values ($1, $2, $3, 'owner', now())`, [p.ctx.random.uuid(), org.id, partner.id]);
    expect(await submit(`${PAGE}/delete`, { password: PASSWORD })).toBe('/dash/login');
    const left = await p.ctx.db.one<Record<string, number>>(
      `select (select count(*)::int from users where id = $1) as users, (select count(*)::int from org_members where org_id = $2) as members,
              (select count(*)::int from apps where id = $3) as apps`,
      [user.id, org.id, orgApp.app.id],
    );
    expect(left).toEqual({ users: 0, members: 1, apps: 1 });
  });
});
