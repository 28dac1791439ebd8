import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { Browser } from '../../testing/accounts.ts';

let p: TestProvider;
let b: Browser;
let appId: string;
let clientId: string;
beforeAll(async () => {
  p = await createTestProvider();
  b = new Browser(p);
  await b.signUp('fuzz@example.com');
  appId = ((await (await b.json('POST', '/dash/oauth_apps', { name: 'Fuzz' })).json()) as { oauthApp: { id: string } }).oauthApp.id;
  const created = (await (await b.json('POST', `/dash/oauth_apps/${appId}/clients`, { name: 'c', redirect_uris: ['https://f.example/cb'] })).json()) as { client: { client_id: string } };
  clientId = created.client.client_id;
});
afterAll(async () => {
  await p.close();
});

const NUL = '\u0000';
const weird: unknown[] = [NUL, `a${NUL}b`, 'x'.repeat(10_000), 12, true, null, [], {}, ['a'], '\ud800', 'https://a.example/' + NUL, 'data:image/png;base64,' + NUL];

describe('account endpoints under bad input', () => {
  it('never answer 5xx to odd values in any field, and always with the error shape', async () => {
    const targets: Array<[string, string, (v: unknown) => unknown]> = [
      ['POST', '/dash/signup', (v) => ({ email: v, password: v })],
      ['POST', '/dash/signup', (v) => ({ email: `a${typeof v === 'string' ? v : ''}@example.com`, password: 'long enough password' })],
      ['POST', '/dash/login', (v) => ({ email: v, password: v })],
      ['POST', '/dash/personal_access_tokens', (v) => ({ name: v, expires_in_days: v })],
      ['POST', '/dash/oauth_apps', (v) => ({ name: v, home_page: v, logo: v, support_email: v })],
      ['PATCH', `/dash/oauth_apps/${'APP'}`, (v) => ({ name: v, home_page: v, logo: v, support_email: v })],
      ['POST', `/dash/oauth_apps/${'APP'}/clients`, (v) => ({ name: v, redirect_uris: [v], public: v })],
      ['POST', `/dash/oauth_apps/${'APP'}/clients/${'CLIENT'}/redirect_uris`, (v) => ({ redirect_uri: v })],
      ['DELETE', `/dash/oauth_apps/${'APP'}/clients/${'CLIENT'}/redirect_uris`, (v) => ({ redirect_uri: v })],
    ];
    for (const [method, template, make] of targets) {
      const path = template.replace('APP', appId).replace('CLIENT', encodeURIComponent(clientId));
      for (const v of weird) {
        const who = path === '/dash/signup' || path === '/dash/login' ? new Browser(p) : b;
        const res = await who.json(method, path, make(v), { 'x-test-client-address': `10.66.${weird.indexOf(v)}.${targets.findIndex((t) => t[1] === template)}` });
        const label = `${method} ${path} ${JSON.stringify(v).slice(0, 30)}`;
        expect(res.status, label).toBeLessThan(500);
        if (res.status >= 400) {
          const body = (await res.json()) as { type: string; hint: unknown };
          expect(typeof body.type, label).toBe('string');
          expect(typeof body.hint, label).toBe('object');
        }
      }
    }
  });

  it('answer odd ids in paths with 404, not 5xx', async () => {
    const ids = ['%00', 'not-a-uuid', '%E0%A4%A', "'; drop table users; --", '0'.repeat(300)];
    for (const id of ids) {
      for (const [method, path] of [
        ['DELETE', `/dash/personal_access_tokens/${id}`],
        ['GET', `/dash/oauth_apps/${id}`],
        ['DELETE', `/dash/oauth_apps/${id}`],
        ['GET', `/dash/oauth_apps/${appId}/clients/${id}`],
        ['DELETE', `/dash/oauth_apps/${appId}/clients/${id}`],
        ['POST', `/dash/oauth_apps/${appId}/clients/${id}/secrets`],
        ['DELETE', `/dash/oauth_apps/${appId}/clients/${encodeURIComponent(clientId)}/secrets/${id}`],
        ['DELETE', `/dash/authorized_apps/${id}`],
      ] as const) {
        const res = await b.json(method, path, method === 'POST' ? {} : undefined);
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    }
  });

  it('answer odd form posts and page ids with an HTML page, not 5xx', async () => {
    const { csrf } = await b.page('/dash/settings/tokens');
    for (const v of [NUL, `x${NUL}`, 'x'.repeat(5000)]) {
      for (const path of ['/dash/settings/tokens', '/dash/settings/oauth-apps', `/dash/settings/oauth-apps/${appId}/clients`]) {
        const res = await b.form(path, { _csrf: csrf, name: v, expires_in_days: v, home_page: v, logo: v, support_email: v, redirect_uris: v, email: v, password: v });
        expect(res.status, path).toBeLessThan(500);
      }
    }
    const anon = new Browser(p, '10.67.0.1');
    const { csrf: anonCsrf } = await anon.page('/dash/login');
    for (const v of [NUL, `x${NUL}@example.com`, 'x'.repeat(5000)]) {
      for (const path of ['/dash/login', '/dash/signup']) {
        const res = await anon.form(path, { _csrf: anonCsrf, email: v, password: v });
        expect(res.status, path).toBe(303);
      }
    }
    for (const id of ['%00', 'nope']) expect((await b.request(`/dash/settings/oauth-apps/${id}`)).status).toBe(404);
    const huge = await b.request('/dash/settings/tokens', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=' + 'x'.repeat(300_000) });
    expect(huge.status).toBe(413);
  });
});
