import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../testing/accounts.ts';
import { authorizeInBrowser, createTestClient, pkcePair, sessionCookie } from '../../testing/fixtures.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';

let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

/** The Confirm disclosures of a page: [its label, what it says will end, the confirming button]. */
const confirms = (html: string) =>
  [...html.matchAll(/<details class="confirm"><summary>([^<]*)<\/summary><div class="confirm-body"><p>([^<]*)<\/p>[\s\S]*?<button type="submit" class="danger">([^<]*)<\/button>/g)].map((m) => [m[1], m[2], m[3]]);

describe('destructive actions confirm and say what will end (docs/pages.md §5)', () => {
  it('revoking a personal access token', async () => {
    const b = new Browser(p);
    await b.signUp('confirm-token@example.com');
    const { csrf } = await b.page('/dash/settings/tokens');
    expect((await b.form('/dash/settings/tokens', { _csrf: csrf, name: 'deploy script', expires_in_days: '30' })).status).toBe(303);
    const { html } = await b.page('/dash/settings/tokens');
    expect(confirms(html)).toEqual([['Revoke', 'Revoke &quot;deploy script&quot;? Scripts and tools that use this token lose access at once. This cannot be undone.', 'Yes, revoke']]);
  });

  it('Authorized apps: every scope in words, a second client of the same app with fewer scopes narrows nothing, revoking confirms', async () => {
    const b = new Browser(p);
    const user = await b.signUp('confirm-apps@example.com');
    const cookie = await sessionCookie(p, user.id);
    const a = await createTestClient(p, { name: 'Two Clients' });
    await authorizeInBrowser(p, cookie, { clientId: a.clientId, redirectUri: a.redirectUri, scope: 'apps-read apps-write openid email' });
    // A second (public) client of the same OAuth app, allowed only apps-read.
    const second = p.ctx.random.uuid();
    await p.ctx.db.query(`insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, 'cli', true, $3, now())`, [second, a.appId, [a.redirectUri]]);
    const r = await authorizeInBrowser(p, cookie, { clientId: second, redirectUri: a.redirectUri, scope: 'apps-read', codeChallenge: pkcePair().challenge });
    expect(r.code).toBeTruthy();
    const grants = await p.ctx.db.query<{ scopes: string[] }>(`select scopes from grants where user_id = $1 and revoked_at is null`, [user.id]);
    expect(grants.map((g) => [...g.scopes].sort())).toEqual([['apps-read', 'apps-write', 'email', 'openid']]);

    const { html } = await b.page('/dash/settings/authorized-apps');
    expect([...html.matchAll(/<li data-scope="([^"]+)">([^<]+)<\/li>/g)].map((m) => [m[1], m[2]])).toEqual([
      ['apps-read', 'See your Instant apps, their schema and permissions'],
      ['apps-write', 'Create, change and delete your Instant apps, their schema and permissions'],
      ['email', 'See your email address'],
      ['openid', 'Know who you are (your Instant account id)'],
    ]);
    expect(html).not.toContain('Can: ');
    expect(confirms(html)).toEqual([
      [
        'Revoke access',
        'End the access of Two Clients? Every token it holds for you stops working at once, and it must ask you again to get access. Your Instant apps are not changed.',
        'Yes, revoke access',
      ],
    ]);
  });
});
