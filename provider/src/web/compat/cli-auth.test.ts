import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { CookieJar, createTestUser, sessionCookie } from '../../testing/fixtures.ts';
import { makeAccessToken, makePersonalToken, req } from '../../testing/platform.ts';

/** docs/instant-compat.md §5: the CLI login, over HTTP as Instant's CLI and a browser drive it. */
let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

const CLI_HEADERS = { 'X-Instant-Source': 'instant-cli', 'X-Instant-Version': 'v1.0.67', 'X-Instant-Command': 'login' };

async function register(): Promise<{ secret: string; ticket: string }> {
  const r = await p.app.request('/dash/cli/auth/register', { method: 'POST', headers: CLI_HEADERS });
  expect(r.status).toBe(200);
  return (await r.json()) as { secret: string; ticket: string };
}

async function check(secret: string) {
  const r = await p.app.request('/dash/cli/auth/check', req('POST', null, { secret }, CLI_HEADERS));
  return { status: r.status, body: (await r.json()) as { token?: string; email?: string; type?: string; message?: string; hint?: { errors?: Array<{ issue: string }> } } };
}

/** A signed-in browser: its jar, and the confirm page of a ticket. */
async function browser() {
  const user = await createTestUser(p);
  const jar = new CookieJar(await sessionCookie(p, user.id));
  const open = async (path: string) => {
    const r = await p.app.request(path, { headers: { cookie: jar.header() } });
    jar.take(r);
    return { res: r, html: await r.text() };
  };
  const post = async (path: string, form: Record<string, string>) => {
    const r = await p.app.request(path, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    jar.take(r);
    return r;
  };
  return { user, jar, open, post };
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

describe('CLI login', () => {
  it('register → waiting-for-user → confirm in the browser → one 200 {token, email}, then the login is used up', async () => {
    const { secret, ticket } = await register();
    expect(secret).not.toBe(ticket);
    const waiting = await check(secret);
    expect(waiting.status).toBe(400);
    expect(waiting.body.hint?.errors?.[0]?.issue).toBe('waiting-for-user');

    const b = await browser();
    const page = await b.open(`/dash?ticket=${ticket}`);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('instant-cli v1.0.67');
    expect(page.html).toContain(b.user.email);
    expect(page.html).toMatch(/everything you can do in your Instant account/);
    expect(page.html).toMatch(/>Confirm</);
    expect(page.html).toMatch(/>Cancel</);
    expect(page.res.headers.get('x-frame-options')).toBe('DENY');
    expect(page.res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    // without the CSRF token nothing is decided
    expect((await b.post('/dash/cli/auth/claim', { ticket })).status).toBe(403);
    expect((await check(secret)).body.hint?.errors?.[0]?.issue).toBe('waiting-for-user');

    const confirmed = await b.post('/dash/cli/auth/claim', { _csrf: csrfOf(page.html), ticket });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('/dash/cli/auth/done');
    expect((await b.open('/dash/cli/auth/done')).html).toContain('You are logged in to instant-cli v1.0.67');

    const done = await check(secret);
    expect(done.status).toBe(200);
    expect(done.body.email).toBe(b.user.email);
    expect(done.body.token).toMatch(/^per_[0-9a-f]{64}$/);
    const me = await p.app.request('/dash/me', req('GET', done.body.token!));
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(b.user.email);

    // single use: the secret and the ticket are spent
    const again = await check(secret);
    expect(again.status).toBe(400);
    expect(again.body.hint?.errors?.[0]?.issue).toBe('already-used');
    expect((await b.open(`/dash?ticket=${ticket}`)).res.status).toBe(404);
    expect((await b.post('/dash/cli/auth/claim', { _csrf: csrfOf(page.html), ticket })).status).toBe(404);

    // shown in Settings under its name, and revocable there
    const settings = await b.open('/dash/settings/tokens');
    expect(settings.html).toContain('CLI login: instant-cli v1.0.67');
    const tokenId = ((await (await p.app.request('/dash/personal_access_tokens', req('GET', done.body.token!))).json()) as { personal_access_tokens: Array<{ id: string; name: string }> }).personal_access_tokens.find((t) => t.name.startsWith('CLI login'))!.id;
    expect((await b.post(`/dash/settings/tokens/${tokenId}/revoke`, { _csrf: csrfOf(settings.html) })).status).toBe(303);
    expect((await p.app.request('/dash/me', req('GET', done.body.token!))).status).toBe(401);
  });

  it('Cancel voids the login: the CLI is told, and gets nothing', async () => {
    const { secret, ticket } = await register();
    const b = await browser();
    const page = await b.open(`/dash?ticket=${ticket}`);
    expect((await b.post('/dash/cli/auth/void', { _csrf: csrfOf(page.html), ticket })).status).toBe(303);
    const r = await check(secret);
    expect(r.status).toBe(400);
    expect(r.body.hint?.errors?.[0]?.issue).toBe('user-voided-request');
    expect(r.body.token).toBeUndefined();
  });

  it('keeps the ticket through login and sign-up', async () => {
    const { ticket } = await register();
    const r = await p.app.request(`/dash?ticket=${ticket}`, { redirect: 'manual' });
    expect(r.status).toBe(303);
    const next = `/dash?ticket=${ticket}`;
    expect(r.headers.get('location')).toBe(`/dash/login?next=${encodeURIComponent(next)}`);
    const login = await p.app.request(r.headers.get('location')!);
    const html = await login.text();
    expect(html).toContain(`value="${next}"`);
    expect(html).toContain(`/dash/signup?next=${encodeURIComponent(next)}`);
    // sign up from that link: the account is made, "check your inbox" keeps the ticket in its sign-in link (sign-up
    // never signs in: docs/security-accounts.md §2), and signing in comes back to the confirm page
    const jar = new CookieJar();
    const signup = await p.app.request(`/dash/signup?next=${encodeURIComponent(next)}`);
    jar.take(signup);
    const email = `cli-${Date.now()}@example.com`;
    const password = 'correct horse battery staple 42';
    const form = new URLSearchParams({ _csrf: csrfOf(await signup.text()), next, email, password });
    const made = await p.app.request('/dash/signup', { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(made.status).toBe(303);
    expect(made.headers.get('location')).toBe(`/dash/check-email?next=${encodeURIComponent(next)}`);
    jar.take(made);
    const inbox = await p.app.request(made.headers.get('location')!, { headers: { cookie: jar.header() } });
    jar.take(inbox);
    expect(await inbox.text()).toContain(`href="/dash/login?next=${encodeURIComponent(next).replace(/&/g, '&amp;')}"`);
    const loginPage = await p.app.request(`/dash/login?next=${encodeURIComponent(next)}`, { headers: { cookie: jar.header() } });
    jar.take(loginPage);
    const creds = new URLSearchParams({ _csrf: csrfOf(await loginPage.text()), next, email, password });
    const signedIn = await p.app.request('/dash/login', { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: creds.toString() });
    expect(signedIn.headers.get('location')).toBe(next);
    jar.take(signedIn);
    const confirm = await p.app.request(next, { headers: { cookie: jar.header() } });
    expect(await confirm.text()).toMatch(/Log in to the Instant CLI\?/);
  });

  it('expires a login after 10 minutes, unconfirmed', async () => {
    const { secret, ticket } = await register();
    p.clock.advance(601);
    const b = await browser();
    expect((await b.open(`/dash?ticket=${ticket}`)).res.status).toBe(404);
    const r = await check(secret);
    expect(r.status).toBe(400);
    expect(r.body.type).toBe('record-expired');
  });

  it('stores the secret and the ticket only as hashes', async () => {
    const { secret, ticket } = await register();
    const rows = await p.ctx.db.query<Record<string, unknown>>(`select * from cli_logins`);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(ticket);
  });

  it('limits polling of one login to 120 a minute', async () => {
    const { secret } = await register();
    const statuses: number[] = [];
    for (let i = 0; i < 122; i++) statuses.push((await check(secret)).status);
    expect(statuses.slice(0, 120).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(120)).toEqual([429, 429]);
    p.clock.advance(60);
    expect((await check(secret)).status).toBe(400);
  });

  it('refuses a check without a secret, or with an unknown one', async () => {
    expect((await p.app.request('/dash/cli/auth/check', req('POST', null, {}))).status).toBe(400);
    expect((await check('nope')).status).toBe(404);
  });
});

describe('GET /dash for the CLI, DELETE /dash/apps/:id, and what is not hosted', () => {
  it('answers {apps, orgs, user} to a bearer token with a fresh admin token per app; an import keeps only that one', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const a = ((await (await p.app.request('/dash/apps', req('POST', per, { title: 'One' }))).json()) as { app: { id: string } }).app;
    const b2 = ((await (await p.app.request('/dash/apps', req('POST', per, { title: 'Two' }))).json()) as { app: { id: string } }).app;
    const dash = (await (await p.app.request('/dash', req('GET', per))).json()) as { apps: Array<{ id: string; title: string; admin_token: string; user_app_role: string }>; orgs: unknown[]; user: { email: string } };
    expect(dash.user.email).toBe(u.email);
    expect(dash.orgs).toEqual([]);
    expect(dash.apps.map((x) => [x.title, x.user_app_role]).sort()).toEqual([['One', 'owner'], ['Two', 'owner']]);
    const tokenOf = (id: string) => dash.apps.find((x) => x.id === id)!.admin_token;
    for (const x of dash.apps) expect((await p.app.request(`/superadmin/apps/${x.id}`, req('GET', x.admin_token))).status).toBe(200);

    expect((await p.app.request(`/dash/apps/${a.id}/track-import`, req('POST', per, {}))).status).toBe(200);
    expect((await p.app.request(`/superadmin/apps/${b2.id}`, req('GET', tokenOf(b2.id)))).status).toBe(401);
    p.clock.advance(16 * 60);
    // the imported app's token stays; an unused provisional one expires
    expect((await p.app.request(`/superadmin/apps/${a.id}`, req('GET', tokenOf(a.id)))).status).toBe(200);
    const again = (await (await p.app.request('/dash', req('GET', per))).json()) as { apps: Array<{ id: string; admin_token: string }> };
    p.clock.advance(16 * 60);
    expect((await p.app.request(`/superadmin/apps/${b2.id}`, req('GET', again.apps.find((x) => x.id === b2.id)!.admin_token))).status).toBe(401);

    // an OAuth access token gets the list, never admin tokens
    const { access } = await makeAccessToken(p.ctx, u.id, ['apps-write']);
    const viaOAuth = (await (await p.app.request('/dash', req('GET', access))).json()) as { apps: Array<Record<string, unknown>> };
    expect(viaOAuth.apps).toHaveLength(2);
    for (const x of viaOAuth.apps) expect(x).not.toHaveProperty('admin_token');

    // a browser still gets the page
    const page = await p.app.request('/dash', { headers: { cookie: await sessionCookie(p, u.id) } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);

    // DELETE /dash/apps/:id
    const del = await p.app.request(`/dash/apps/${b2.id}`, req('DELETE', per));
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ ok: true });
    expect((await p.app.request(`/dash/apps/${b2.id}`, req('GET', per))).status).toBe(404);
    const other = await makePersonalToken(p.ctx, (await createTestUser(p)).id);
    expect((await p.app.request(`/dash/apps/${a.id}`, req('DELETE', other))).status).toBe(404);
  });

  it('answers data-plane routes with a typed 501', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const id = '00000000-0000-4000-8000-000000000001';
    for (const [method, path, feature] of [
      ['POST', '/admin/query', 'queries'],
      ['POST', '/admin/transact', 'transactions'],
      ['GET', `/dash/apps/${id}/webhooks`, 'webhooks'],
      ['POST', `/dash/apps/${id}/webhooks/w1/enable`, 'webhooks'],
      ['GET', `/dash/apps/${id}/backups`, 'backups'],
      ['GET', `/dash/apps/${id}/backup-jobs/j`, 'backups'],
      ['PUT', `/dash/apps/${id}/storage/upload`, 'storage'],
      ['POST', '/admin/storage/files', 'storage'],
      ['POST', `/dash/apps/${id}/clear`, 'clear-data'],
      // App auth settings are stored now (platform/app-auth/, tested by cli-orgs.test.ts); verifying a sender is not.
      ['POST', `/dash/apps/${id}/sender-verification/send-magic-code`, 'sender-verification'],
      ['POST', `/dash/apps/${id}/send-test-email`, 'sender-verification'],
    ] as const) {
      const r = await p.app.request(path, req(method, per, method === 'GET' ? undefined : {}));
      expect(r.status, path).toBe(501);
      const body = (await r.json()) as { type: string; message: string; hint: { feature: string } };
      expect(body.type).toBe('not-supported');
      expect(body.message).toMatch(/is not available on a self-hosted Instant platform$/);
      expect(body.hint.feature).toBe(feature);
    }
    const explorer = await p.app.request(`/dash?s=main&app=${id}&t=explorer`);
    expect(explorer.status).toBe(501);
    expect(await explorer.text()).toContain('The data explorer is not available on a self-hosted Instant platform');
  });
});
