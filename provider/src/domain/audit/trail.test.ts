import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeInBrowser, CookieJar, createTestClient, createTestUser, type TestClient } from '../../testing/fixtures.ts';
import { hit } from '../limits/rate-limit.ts';
import { RETIRE_MARGIN_S, resealSigningKeys, rotateSigningKey, sweepSigningKeys } from '../oauth/key-rotation.ts';
import { setOperatorRole } from '../operator/services.ts';
import { forcePasswordReset } from '../accounts/password-reset.ts';
import { Browser } from '../../testing/operator.ts';
import { Browser as SettingsBrowser } from '../../testing/accounts.ts';
import { AUDIT_EVENTS, listEvents, type AuditEvent } from './events.ts';

/**
 * Every event kind of the audit trail, triggered through the real endpoints, is recorded exactly once per
 * occurrence — and no stored row holds any token, code, secret or password that went over the wire.
 */

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('audit trail, end to end', () => {
  it('records every event kind exactly once per occurrence, and never a secret', async () => {
    p = await createTestProvider({ operatorEmails: ['ops@example.com'], refreshTokenReuseGraceS: 0 });
    const pp = p;
    const secrets: string[] = [];
    const expected = new Map<AuditEvent, number>();
    const expect1 = (e: AuditEvent, n = 1) => expected.set(e, (expected.get(e) ?? 0) + n);
    const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
      pp.app.request(path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

    // ---- accounts: sign-up, a failed and a successful login
    const password = 'audit-trail password ' + randomBytes(6).toString('hex');
    secrets.push(password);
    const signup = await json('POST', '/dash/signup', { email: 'alice@example.com', password });
    expect(signup.status).toBe(200);
    expect1('user.signup');
    const jar = new CookieJar();
    jar.take(signup);
    const wrong = 'wrong-password-' + randomBytes(6).toString('hex');
    secrets.push(wrong);
    expect((await json('POST', '/dash/login', { email: 'alice@example.com', password: wrong })).status).toBe(401);
    expect1('login.failure');
    const login = await json('POST', '/dash/login', { email: 'alice@example.com', password });
    expect(login.status).toBe(200);
    expect1('login.success');
    jar.take(login);
    for (const v of jar.header().split('; ')) secrets.push(v.slice(v.indexOf('=') + 1));
    const alice = (await pp.ctx.db.one<{ id: string }>(`select id from users where email = 'alice@example.com'`))!;

    // ---- personal access tokens: create and revoke one
    const made = await json('POST', '/dash/personal_access_tokens', { name: 'ci' }, { cookie: jar.header() });
    expect(made.status).toBe(200);
    const pat = (await made.json()) as { token: string; id: string };
    secrets.push(pat.token);
    expect1('pat.created');
    expect((await pp.app.request(`/dash/personal_access_tokens/${pat.id}`, { method: 'DELETE', headers: { cookie: jar.header() } })).status).toBeLessThan(300);
    expect1('pat.revoked');

    // ---- OAuth, confidential non-rotating client: deny, allow, redeem, refresh, revoke, replay
    const owner = await createTestUser(pp);
    const conf = await createTestClient(pp, { ownerId: owner.id, status: 'published' });
    secrets.push(conf.clientSecret!);
    const cookie = jar.header();
    const denied = await authorizeInBrowser(pp, cookie, { clientId: conf.clientId, redirectUri: conf.redirectUri, decision: 'deny' });
    expect(denied.callback.searchParams.get('error')).toBe('access_denied');
    expect1('consent.denied');
    const allowed = await authorizeInBrowser(pp, cookie, { clientId: conf.clientId, redirectUri: conf.redirectUri });
    expect1('consent.granted');
    expect1('code.issued');
    secrets.push(allowed.code!);
    const token = (c: TestClient, params: Record<string, string>) => {
      const body = new URLSearchParams(params);
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (c.clientSecret) headers.authorization = 'Basic ' + Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64');
      else body.set('client_id', c.clientId);
      return pp.fetch(new URL('/platform/oauth/token', pp.issuer), { method: 'POST', headers, body: body.toString() });
    };
    const first = await token(conf, { grant_type: 'authorization_code', code: allowed.code!, redirect_uri: conf.redirectUri });
    expect(first.status).toBe(200);
    const t1 = (await first.json()) as { access_token: string; refresh_token: string };
    secrets.push(t1.access_token, t1.refresh_token);
    expect1('code.redeemed');
    expect1('token.issued');
    const refreshed = await token(conf, { grant_type: 'refresh_token', refresh_token: t1.refresh_token });
    expect(refreshed.status).toBe(200);
    secrets.push(((await refreshed.json()) as { access_token: string }).access_token);
    expect1('token.refreshed');
    const revoke = await pp.fetch(new URL('/platform/oauth/revoke', pp.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${conf.clientId}:${conf.clientSecret}`).toString('base64') },
      body: new URLSearchParams({ token: t1.refresh_token }).toString(),
    });
    expect(revoke.status).toBe(200);
    expect1('token.revoked');
    expect((await token(conf, { grant_type: 'authorization_code', code: allowed.code!, redirect_uri: conf.redirectUri })).status).toBe(400);
    expect1('code.replay');

    // ---- OAuth, public client (rotates): redeem, rotate, then replay the rotated token
    const pub = await createTestClient(pp, { ownerId: owner.id, status: 'published', public: true });
    const verifier = randomBytes(32).toString('base64url');
    secrets.push(verifier);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const a2 = await authorizeInBrowser(pp, cookie, { clientId: pub.clientId, redirectUri: pub.redirectUri, codeChallenge: challenge });
    expect1('consent.granted');
    expect1('code.issued');
    // Which of her apps that grant reaches, changed in Settings → Authorized apps (docs/mcp.md §8).
    const settings = await pp.app.request('/dash/settings/authorized-apps', { headers: { cookie: jar.header() } });
    jar.take(settings);
    const settingsCsrf = /name="_csrf" value="([^"]*)"/.exec(await settings.text())![1]!;
    const access = new URLSearchParams({ _csrf: settingsCsrf, app_access: 'created' }).toString();
    const changed = await pp.app.request(`/dash/settings/authorized-apps/${pub.appId}/app-access`, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: access });
    expect(changed.status).toBe(303);
    expect1('grant.app_access_changed');
    secrets.push(a2.code!);
    const r2 = await token(pub, { grant_type: 'authorization_code', code: a2.code!, redirect_uri: pub.redirectUri, code_verifier: verifier });
    expect(r2.status).toBe(200);
    const t2 = (await r2.json()) as { access_token: string; refresh_token: string };
    secrets.push(t2.access_token, t2.refresh_token);
    expect1('code.redeemed');
    expect1('token.issued');
    pp.clock.advance(1);
    const rotated = await token(pub, { grant_type: 'refresh_token', refresh_token: t2.refresh_token });
    expect(rotated.status).toBe(200);
    const t3 = (await rotated.json()) as { access_token: string; refresh_token: string };
    secrets.push(t3.access_token, t3.refresh_token);
    expect1('token.rotated');
    pp.clock.advance(5);
    expect((await token(pub, { grant_type: 'refresh_token', refresh_token: t2.refresh_token })).status).toBe(400);
    expect1('token.reuse_detected');

    // ---- Platform API: an admin token presented for another app
    const per = await json('POST', '/dash/personal_access_tokens', { name: 'platform' }, { cookie: jar.header() });
    const perToken = ((await per.json()) as { token: string }).token;
    secrets.push(perToken);
    expect1('pat.created');
    const mkApp = async (title: string) => {
      const res = await json('POST', '/superadmin/apps', { title }, { authorization: `Bearer ${perToken}` });
      expect(res.status).toBe(200);
      return ((await res.json()) as { app: { id: string; 'admin-token': string } }).app;
    };
    const appA = await mkApp('A');
    const appB = await mkApp('B');
    secrets.push(appA['admin-token'], appB['admin-token']);
    expect((await pp.app.request(`/superadmin/apps/${appB.id}`, { headers: { authorization: `Bearer ${appA['admin-token']}` } })).status).toBe(403);
    expect1('admin_token.other_app');
    const rotatedAdmin = await pp.app.request(`/superadmin/apps/${appB.id}/admin-token/rotate`, { method: 'POST', headers: { authorization: `Bearer ${perToken}` } });
    secrets.push(((await rotatedAdmin.json()) as { 'admin-token': string })['admin-token']);
    expect1('admin_token.rotated');

    // ---- orgs and app auth settings (the user's own token)
    const bearer = { authorization: `Bearer ${perToken}` };
    const org = await json('POST', '/dash/orgs', { title: 'Audit org' }, bearer);
    expect(org.status).toBe(200);
    expect1('org.changed');
    const orgId = ((await org.json()) as { org: { id: string } }).org.id;
    expect((await json('POST', `/dash/apps/${appB.id}/transfer_to_org/${orgId}`, {}, bearer)).status).toBe(200);
    expect1('org.changed');
    expect((await json('POST', `/dash/apps/${appB.id}/authorized_redirect_origins`, { service: 'generic', params: ['audit.example.com'] }, bearer)).status).toBe(200);
    expect1('app_auth.changed');

    // ---- rate limits: a refused request is recorded once per limited window, however many follow
    const rule = { limit: 1, windowS: 60 };
    await hit(pp.ctx, 'audit-test:addr:10.0.0.9', rule);
    expect((await hit(pp.ctx, 'audit-test:addr:10.0.0.9', rule)).ok).toBe(false);
    expect((await hit(pp.ctx, 'audit-test:addr:10.0.0.9', rule)).ok).toBe(false);
    expect1('rate_limit.hit');

    // ---- operator actions through the console
    const op = await createTestUser(pp, { email: 'ops@example.com' });
    const ops = await Browser.signedIn(pp, op.id);
    const appPath = `/dash/operator/apps/${conf.appId}`;
    await ops.submit('/dash/operator/apps', `${appPath}/status`, { status: 'test' });
    expect1('operator.app_test_mode');
    await ops.submit('/dash/operator/apps', `${appPath}/status`, { status: 'published' });
    expect1('operator.app_published');
    await ops.submit('/dash/operator/apps', `${appPath}/scopes`, { scope: ['apps-read'] });
    expect1('operator.app_scopes_limited');
    await ops.submit('/dash/operator/apps', `${appPath}/rate-limit`, { per_s: '50' });
    expect1('operator.app_rate_limit_set');
    await ops.submit('/dash/operator/apps', `${appPath}/suspend`);
    expect1('operator.app_suspended');
    const grant = (await pp.ctx.db.one<{ id: string }>(`select id from grants where user_id = $1 and revoked_at is null limit 1`, [alice.id]))!;
    const userPath = `/dash/operator/users/${alice.id}`;
    await ops.submit(userPath, `${userPath}/grants/${grant.id}/revoke`);
    expect1('operator.grant_revoked');
    const perId = (await pp.ctx.db.one<{ id: string }>(`select id from personal_tokens where user_id = $1 and revoked_at is null`, [alice.id]))!.id;
    await ops.submit(userPath, `${userPath}/tokens/${perId}/revoke`);
    expect1('operator.pat_revoked');
    await ops.submit(userPath, `${userPath}/apps/${appA.id}/revoke-admin-tokens`);
    expect1('operator.admin_tokens_revoked');
    await ops.submit(userPath, `${userPath}/lock`);
    expect1('operator.user_locked');
    await ops.submit(userPath, `${userPath}/unlock`);
    expect1('operator.user_unlocked');
    // The CLI's own path (operator add|remove) is tested in cli/commands.test.ts.
    await setOperatorRole(pp.ctx, owner.email, true, { actor: 'cli' });
    expect1('operator.role_granted');
    await setOperatorRole(pp.ctx, owner.email, false, { actor: 'cli' });
    expect1('operator.role_revoked');

    // ---- change password, delete account (Settings → Account, docs/security-lifecycle.md §3–§4)
    const leaver = new SettingsBrowser(pp, '10.0.0.77');
    await leaver.signUp('leaver@example.com', 'leaver password 1');
    expect1('user.signup');
    const account = async (action: string, fields: Record<string, string>) => {
      const { csrf } = await leaver.page('/dash/settings/account');
      expect((await leaver.form(action, { _csrf: csrf, ...fields })).status).toBe(303);
    };
    secrets.push('leaver password 1', 'leaver password 2');
    await account('/dash/settings/account/password', { current_password: 'leaver password 1', new_password: 'leaver password 2', new_password_again: 'leaver password 2' });
    expect1('user.password_changed');
    await account('/dash/settings/account/delete', { password: 'leaver password 2' });
    expect1('user.deleted');

    // ---- signing keys and SECRET (docs/security-lifecycle.md §1–§2; the CLI's own path in web/oauth/secret-rotation.test.ts)
    await rotateSigningKey(pp.ctx, { actor: 'cli' });
    expect1('signing_key.rotated');
    pp.clock.advance(pp.ctx.config.accessTokenTtlS + RETIRE_MARGIN_S);
    await sweepSigningKeys(pp.ctx);
    expect1('signing_key.retired');
    const newSecret = 'a-new-secret-a-new-secret-a-new-secret-01';
    secrets.push(newSecret, pp.ctx.config.secret);
    await resealSigningKeys({ ...pp.ctx, config: { ...pp.ctx.config, secret: newSecret, secretPrevious: [pp.ctx.config.secret] } }, 'cli');
    expect1('signing_key.resealed');

    // ---- mailed links (docs/security-accounts.md §9, §10): resend and use a verification link, forgot and reset a
    // password, the operator's forced reset. Without SMTP_URL the messages are in the dev outbox.
    const mailed = async (to: string, path: string) => {
      const find = () => pp.ctx.mailer.outbox!.find((e) => e.to === to && e.text.includes(path));
      await expect.poll(find).toBeTruthy(); // the message leaves in the background
      const link = new URL(find()!.text.match(/https?:\/\/\S+/g)!.find((l) => l.includes(path))!);
      secrets.push(link.searchParams.get('token')!);
      return link.pathname + link.search;
    };
    const aliceAgain = await Browser.signedIn(pp, alice.id);
    pp.ctx.mailer.outbox!.length = 0;
    expect((await aliceAgain.submit('/dash', '/dash/verify-email/resend')).status).toBe(303);
    expect1('user.verification_sent');
    const verifyAt = await mailed('alice@example.com', '/dash/verify-email?token=');
    expect((await new Browser(pp).submit(verifyAt, '/dash/verify-email', { token: new URLSearchParams(verifyAt.split('?')[1]).get('token')! })).status).toBe(303);
    expect1('user.email_verified');
    expect((await new Browser(pp).submit('/dash/forgot-password', '/dash/forgot-password', { email: 'alice@example.com' })).status).toBe(303);
    expect1('password.reset_requested');
    const resetAt = await mailed('alice@example.com', '/dash/reset-password?token=');
    const newPassword = 'the new audit password ' + randomBytes(6).toString('hex');
    secrets.push(newPassword);
    expect((await new Browser(pp).submit(resetAt, '/dash/reset-password', { token: new URLSearchParams(resetAt.split('?')[1]).get('token')!, password: newPassword })).status).toBe(303);
    expect1('password.reset');
    expect(await forcePasswordReset(pp.ctx, owner.email, 'cli')).toMatchObject({ mailError: null });
    expect1('operator.password_reset');
    await mailed(owner.email, '/dash/reset-password?token=');

    // ---- every kind, exactly as often as it happened
    const rows = await listEvents(pp.ctx, { limit: 1000 });
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.event, (counts.get(r.event) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected));
    for (const kind of AUDIT_EVENTS) expect(counts.get(kind) ?? 0, kind).toBeGreaterThan(0);

    // ---- and nothing secret in any stored row
    const stored = JSON.stringify(await pp.ctx.db.query('select * from audit_events'));
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(7);
      expect(stored, `a secret leaked into the audit trail`).not.toContain(s);
    }
    expect(stored).not.toMatch(/(pat|prt|per|pcs)_[0-9a-f]{16}/);

    // ---- the events carry who and where
    const login1 = rows.find((r) => r.event === 'login.success')!;
    expect(login1).toMatchObject({ user_id: alice.id, address: 'local' });
    const issued = rows.find((r) => r.event === 'token.issued' && r.client_id === conf.clientId)!;
    expect(issued).toMatchObject({ user_id: alice.id, oauth_app_id: conf.appId });
  });
});
