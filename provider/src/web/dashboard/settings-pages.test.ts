import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { hashToken } from '../../domain/tokens.ts';
import { Browser, bearer, issueTokens } from '../../testing/accounts.ts';

let p: TestProvider;
let b: Browser;
let userId: string;
beforeEach(async () => {
  p = await createTestProvider();
  b = new Browser(p);
  userId = (await b.signUp('settings@example.com')).id;
});
afterEach(async () => {
  await p.close();
});

/** Posts a form from `page` (taking its CSRF token) and expects a 303; returns the Location. */
async function submit(page: string, action: string, fields: Record<string, string>): Promise<string> {
  const { csrf } = await b.page(page);
  const res = await b.form(action, { _csrf: csrf, ...fields });
  expect(res.status, `${action}: ${res.status}`).toBe(303);
  return res.headers.get('location')!;
}

describe('settings: personal access tokens page', () => {
  it('creates a token shown exactly once, lists it, and revokes it', async () => {
    const back = await submit('/dash/settings/tokens', '/dash/settings/tokens', { name: 'deploy', expires_in_days: '30' });
    expect(back).toBe('/dash/settings/tokens');
    const first = await b.page(back);
    const token = /per_[0-9a-f]{64}/.exec(first.html)?.[0];
    expect(token).toBeDefined();
    expect(first.html).toContain('deploy');
    expect((await p.app.request('/dash/me', { headers: bearer(token!) })).status).toBe(200);
    const second = await b.page(back);
    expect(second.html).not.toContain(token!);
    expect(second.html).toContain('deploy');
    const id = /\/dash\/settings\/tokens\/([0-9a-f-]{36})\/revoke/.exec(second.html)![1]!;
    expect(await submit(back, `/dash/settings/tokens/${id}/revoke`, {})).toBe(back);
    expect((await p.app.request('/dash/me', { headers: bearer(token!) })).status).toBe(401);
  });

  it('sends invalid input back with a message and creates nothing', async () => {
    await submit('/dash/settings/tokens', '/dash/settings/tokens', { name: '', expires_in_days: '' });
    await submit('/dash/settings/tokens', '/dash/settings/tokens', { name: 'x', expires_in_days: '-3' });
    const { html } = await b.page('/dash/settings/tokens');
    expect(html).toContain('role="alert"');
    expect(html).toContain('You have no personal access tokens');
  });

  it('refuses a settings post without a valid CSRF token', async () => {
    const res = await b.form('/dash/settings/tokens', { _csrf: 'nope', name: 'csrf' });
    expect(res.status).toBe(403);
    const count = await p.ctx.db.one<{ n: number }>(`select count(*)::int as n from personal_tokens`);
    expect(count!.n).toBe(0);
  });
});

describe('settings: OAuth apps pages', () => {
  async function createApp(name = 'Page App'): Promise<string> {
    const loc = await submit('/dash/settings/oauth-apps', '/dash/settings/oauth-apps', { name, home_page: 'https://page.example', logo: '', support_email: '' });
    expect(loc).toMatch(/^\/dash\/settings\/oauth-apps\/[0-9a-f-]{36}$/);
    return loc;
  }

  it('registers an app in test mode, says so, and escapes what the user typed', async () => {
    const loc = await createApp('<script>alert(1)</script>');
    const { html } = await b.page(loc);
    expect(html).toContain('test mode');
    expect(html).toContain('only you can authorize');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('adds a confidential client with its secret shown once, rotates, revokes the old secret and deletes it', async () => {
    const loc = await createApp();
    const appId = loc.split('/').pop()!;
    expect(await submit(loc, `${loc}/clients`, { name: 'web', redirect_uris: 'https://page.example/cb\r\nhttp://localhost:3000/cb' })).toBe(loc);
    const shown = await b.page(loc);
    const secret = /pcs_[0-9a-f]{64}/.exec(shown.html)?.[0];
    expect(secret).toBeDefined();
    expect((await b.page(loc)).html).not.toContain(secret!);
    const client = await p.ctx.db.one<{ client_id: string; redirect_uris: string[] }>(`select client_id, redirect_uris from oauth_clients where oauth_app_id = $1`, [appId]);
    expect(client!.redirect_uris).toEqual(['https://page.example/cb', 'http://localhost:3000/cb']);
    const base = `${loc}/clients/${client!.client_id}`;

    await submit(loc, `${base}/secrets`, {});
    const rotated = /pcs_[0-9a-f]{64}/.exec((await b.page(loc)).html)?.[0];
    const live = async () => (await p.ctx.db.query<{ id: string; secret_hash: string }>(`select id, secret_hash from client_secrets where client_id = $1 and revoked_at is null order by created_at`, [client!.client_id]));
    expect((await live()).map((s) => s.secret_hash).sort()).toEqual([hashToken(secret!), hashToken(rotated!)].sort());
    const old = (await live()).find((s) => s.secret_hash === hashToken(secret!))!;
    await submit(loc, `${base}/secrets/${old.id}/revoke`, {});
    expect((await live()).map((s) => s.secret_hash)).toEqual([hashToken(rotated!)]);

    await submit(loc, `${base}/redirect-uris/remove`, { redirect_uri: 'http://localhost:3000/cb' });
    await submit(loc, `${base}/redirect-uris`, { redirect_uri: 'https://page.example/other' });
    const after = await p.ctx.db.one<{ redirect_uris: string[] }>(`select redirect_uris from oauth_clients where client_id = $1`, [client!.client_id]);
    expect(after!.redirect_uris).toEqual(['https://page.example/cb', 'https://page.example/other']);

    const { access } = await issueTokens(p, userId, client!.client_id);
    await submit(loc, `${base}/delete`, {});
    expect((await p.app.request('/dash/me', { headers: bearer(access) })).status).toBe(401);
    expect(await p.ctx.db.one(`select 1 from oauth_clients where client_id = $1`, [client!.client_id])).toBeUndefined();
  });

  it('sends a bad redirect URI back to the app page with the reason', async () => {
    const loc = await createApp();
    expect(await submit(loc, `${loc}/clients`, { name: 'bad', redirect_uris: 'http://not-loopback.example/cb' })).toBe(loc);
    const { html } = await b.page(loc);
    expect(html).toContain('Plain http is allowed only');
    expect(await p.ctx.db.one(`select 1 from oauth_clients`)).toBeUndefined();
  });

  it("shows another user's app as not found", async () => {
    const loc = await createApp();
    const other = new Browser(p, '10.0.0.9');
    await other.signUp('other@example.com');
    const res = await other.request(loc);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const { csrf } = await other.page('/dash/settings/oauth-apps');
    expect((await other.form(`${loc}/delete`, { _csrf: csrf })).status).toBe(404);
    expect((await b.request(loc)).status).toBe(200);
  });

  it('deletes an app from its page', async () => {
    const loc = await createApp();
    expect(await submit(loc, `${loc}/delete`, {})).toBe('/dash/settings/oauth-apps');
    expect((await b.request(loc)).status).toBe(404);
  });
});

describe('settings: authorized apps page', () => {
  it('lists a granted app and revokes it, ending its tokens', async () => {
    const builder = new Browser(p, '10.0.2.1');
    await builder.signUp('builder@example.com');
    const app = ((await (await builder.json('POST', '/dash/oauth_apps', { name: 'Granted App' })).json()) as { oauthApp: { id: string } }).oauthApp;
    const { client } = (await (await builder.json('POST', `/dash/oauth_apps/${app.id}/clients`, { name: 'w', redirect_uris: ['https://g.example/cb'] })).json()) as { client: { client_id: string } };
    const { access } = await issueTokens(p, userId, client.client_id, ['apps-read', 'email']);
    const { html } = await b.page('/dash/settings/authorized-apps');
    expect(html).toContain('Granted App');
    expect(html).toContain('apps-read');
    expect(await submit('/dash/settings/authorized-apps', `/dash/settings/authorized-apps/${app.id}/revoke`, {})).toBe('/dash/settings/authorized-apps');
    expect((await p.app.request('/dash/me', { headers: bearer(access) })).status).toBe(401);
    expect((await b.page('/dash/settings/authorized-apps')).html).toContain('You have not authorized any apps');
  });
});
