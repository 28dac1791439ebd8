import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../domain/platform/apps.ts';
import { appField } from '../../domain/platform/grant-apps.ts';
import { limitedTokens, req } from '../../testing/platform.ts';
import { authorizeInBrowser, CookieJar, createTestClient, pkcePair, type TestClient } from '../../testing/fixtures.ts';
import { browserHelpers } from '../../testing/browser-helpers.ts';
import { newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';

/** The consent page's choice of apps, consent-skip, Settings → Authorized apps, introspection and token-info (docs/mcp.md §8). */
let w: OAuthWorld;
let mine: string;
let second: string;
beforeEach(async () => {
  w = await world();
  mine = (await createApp(w.p.ctx, w.user.id, { title: 'Todo <app>' })).app.id;
  second = (await createApp(w.p.ctx, w.user.id, { title: 'Second app' })).app.id;
});
afterEach(async () => w.p.close());
const { start, consentPageOf, base } = browserHelpers(() => w);

const pageFor = async (c: TestClient, scope: string, extra: Record<string, string> = {}) =>
  (await consentPageOf(await start({ ...base(c.clientId, c.redirectUri), scope, ...extra }), w.cookie)).html;
const storedMode = async () => (await w.p.ctx.db.one<{ app_access: string }>(`select app_access from grants where user_id = $1 and revoked_at is null`, [w.user.id]))?.app_access;
const status = async (token: string, appId: string) => (await w.p.fetch(new URL(`/superadmin/apps/${appId}`, w.p.issuer), req('GET', token))).status;

describe('the consent page asks which apps (docs/mcp.md §8)', () => {
  it('a fieldset with a legend, three labelled choices ("all" by default) and a labelled checkbox per app, only when the scopes reach apps', async () => {
    const c = await createTestClient(w.p, { status: 'published' });
    const html = await pageFor(c, 'apps-read apps-write');
    const fieldset = /<fieldset class="app-access"[\s\S]*?<\/fieldset>\s*<p class="hint"[\s\S]*?<\/fieldset>/.exec(html)?.[0];
    expect(fieldset).toBeDefined();
    expect(fieldset).toContain('<legend>Which of your Instant apps may it reach?</legend>');
    // It sits in the Allow form, so its fields are posted with Allow (and its CSRF token).
    expect(html).toMatch(/<form method="post" action="\/platform\/oauth\/consent" class="buttons">\s*<input type="hidden" name="_csrf"[\s\S]*<fieldset class="app-access"[\s\S]*name="decision" value="allow"/);
    const radios = [...fieldset!.matchAll(/<label class="checkbox"><input type="radio" name="app_access" value="(\w+)"( checked="")?\/?>/g)].map((m) => [m[1], !!m[2]]);
    expect(radios).toEqual([['all', true], ['created', false], ['selected', false]]);
    expect(fieldset).toContain('Only apps it creates from now on');
    for (const id of [mine, second]) expect(fieldset).toMatch(new RegExp(`<label class="checkbox"><input type="checkbox" name="${appField(id)}" value="1"/?> `));
    expect(fieldset).toContain('Todo &lt;app&gt;');
    expect(fieldset).toMatch(/aria-describedby="consent-apps-hint"[\s\S]*id="consent-apps-hint"/);
    expect(fieldset).toContain('hidden from it, as if it did not exist');
    expect(await pageFor(c, 'openid email')).not.toContain('app-access');
  });

  it('stores the choice; prompt=consent shows it again and can change it; a remembered consent keeps it', async () => {
    const c = await newClient(w, { public: true });
    const t1 = (await limitedTokens(w, c, { app_access: 'selected', [appField(mine)]: '1' })).access_token;
    expect(await storedMode()).toBe('selected');
    expect([await status(t1, mine), await status(t1, second)]).toEqual([200, 404]);

    // Consent skipped (a live grant covers the request): the fields of a page never shown change nothing.
    const { challenge } = pkcePair();
    const skipped = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, scope: 'apps-read', codeChallenge: challenge, consentFields: { app_access: 'all' } });
    expect(skipped.code).toBeTruthy();
    expect(await storedMode()).toBe('selected');

    // prompt=consent: the page again, the stored choice preselected.
    const again = await pageFor(c, 'apps-read apps-write', { prompt: 'consent', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(again).toMatch(/value="selected" checked=""/);
    expect(again).toMatch(new RegExp(`name="${appField(mine)}" value="1" checked=""`));
    expect(again).not.toMatch(new RegExp(`name="${appField(second)}" value="1" checked=""`));
    await limitedTokens(w, c, { app_access: 'created' }, { prompt: 'consent' });
    expect(await storedMode()).toBe('created');
    // One grant, so the first token is now limited the same way.
    expect(await status(t1, mine)).toBe(404);
  });
});

describe('Settings → Authorized apps (docs/mcp.md §8)', () => {
  async function settings(jar: CookieJar) {
    const res = await w.p.fetch(new URL('/dash/settings/authorized-apps', w.p.issuer), { headers: { cookie: jar.header() } });
    jar.take(res);
    const html = await res.text();
    return { html, csrf: /name="_csrf" value="([^"]*)"/.exec(html)![1]! };
  }
  const post = async (jar: CookieJar, path: string, fields: Record<string, string>) => {
    const res = await w.p.fetch(new URL(path, w.p.issuer), { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });
    jar.take(res);
    return res;
  };

  it('shows the choice, changes it behind CSRF, audits the old and the new, and the token follows at once', async () => {
    const c = await newClient(w, { public: true });
    const token = (await limitedTokens(w, c, { app_access: 'created' })).access_token;
    const made = ((await (await w.p.fetch(new URL('/superadmin/apps', w.p.issuer), req('POST', token, { title: 'Agent app' }))).json()) as { app: { id: string } }).app.id;
    const jar = new CookieJar(w.cookie);
    const page = await settings(jar);
    expect(page.html).toContain('It can reach only apps it created (Agent app).');
    expect(page.html).toMatch(/<summary>Change which apps [^<]+ can reach<\/summary>/);
    expect(page.html).toMatch(/<input type="checkbox" checked="" disabled=""\/?> Agent app <span class="muted">\(it created this app\)<\/span>/);
    const oauthAppId = c.appId;
    const action = `/dash/settings/authorized-apps/${oauthAppId}/app-access`;
    expect(page.html).toContain(`action="${action}"`);

    // No CSRF token: refused, nothing changed.
    expect((await post(jar, action, { app_access: 'all' })).status).toBe(403);
    expect(await storedMode()).toBe('created');

    const res = await post(jar, action, { _csrf: page.csrf, app_access: 'selected', [appField(second)]: '1' });
    expect(res.status).toBe(303);
    expect(await storedMode()).toBe('selected');
    expect([await status(token, second), await status(token, made), await status(token, mine)]).toEqual([200, 200, 404]);
    const event = await w.p.ctx.db.one<{ details: Record<string, unknown>; actor: string }>(`select details, actor from audit_events where event = 'grant.app_access_changed'`);
    expect(event).toMatchObject({ actor: w.user.id, details: { old: { mode: 'created', app_ids: [made] }, new: { mode: 'selected', app_ids: [made, second] } } });
    // (Both apps were made at the same instant of the test clock: either order.)
    expect((await settings(jar)).html).toMatch(/It can reach only the apps you picked and apps it created \((Agent app, Second app|Second app, Agent app)\)\./);

    // Back to all; an unknown mode goes back with the message; another user's grant is a 404.
    expect((await post(jar, action, { _csrf: page.csrf, app_access: 'all' })).status).toBe(303);
    expect(await status(token, mine)).toBe(200);
    expect((await post(jar, action, { _csrf: page.csrf, app_access: 'some' })).status).toBe(303);
    expect(await storedMode()).toBe('all');
    expect((await settings(jar)).html).toContain('app_access must be all, created or selected');
    expect((await post(jar, `/dash/settings/authorized-apps/00000000-0000-4000-8000-000000000000/app-access`, { _csrf: page.csrf, app_access: 'all' })).status).toBe(404);
  });
});

describe('introspection and token-info report it (docs/mcp.md §8)', () => {
  it('instant_app_access at introspection, app_access at token-info (absent for a grant of all apps)', async () => {
    const c = await newClient(w);
    const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret!)}`).toString('base64');
    const introspect = async (token: string) =>
      (await (await w.p.fetch(new URL('/platform/oauth/introspect', w.p.issuer), { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` })).json()) as Record<string, unknown>;
    const info = async (token: string) => (await (await w.p.fetch(new URL('/platform/oauth/token-info', w.p.issuer), { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;

    const all = await limitedTokens(w, c, {});
    expect((await introspect(all.access_token)).instant_app_access).toEqual({ mode: 'all' });
    expect(await info(all.access_token)).not.toHaveProperty('app_access');

    const picked = await limitedTokens(w, c, { app_access: 'selected', [appField(second)]: '1' }, { prompt: 'consent' });
    expect((await introspect(picked.access_token)).instant_app_access).toEqual({ mode: 'selected', app_ids: [second] });
    expect((await introspect(picked.refresh_token)).instant_app_access).toEqual({ mode: 'selected', app_ids: [second] });
    expect((await info(picked.access_token)).app_access).toEqual({ mode: 'selected', app_ids: [second] });
    // A refresh keeps the grant, so the same limit.
    const refreshed = (await (await postToken(w, c, { grant_type: 'refresh_token', refresh_token: picked.refresh_token })).json()) as { access_token: string };
    expect((await info(refreshed.access_token)).app_access).toEqual({ mode: 'selected', app_ids: [second] });
  });
});
