import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import { CookieJar, authorizeUrl, consentFormFields, createTestClient, createTestUser, pkcePair, sessionCookie } from '../../testing/fixtures.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

/** Follows one response into the jar and returns its Location. */
function follow(jar: CookieJar, res: Response): string {
  jar.take(res);
  expect(res.status).toBe(303);
  return res.headers.get('location')!;
}

describe('the browser leg through the real login page', () => {
  it('signs in a signed-out browser: start → login → consent → callback → tokens', async () => {
    p = await createTestProvider();
    const user = await createTestUser(p);
    const c = await createTestClient(p, { public: true });
    const { verifier, challenge } = pkcePair();
    const jar = new CookieJar();
    const get = (url: string) => p!.fetch(new URL(url, p!.issuer), { headers: { cookie: jar.header() }, redirect: 'manual' });
    const consentUrl = follow(jar, await get(authorizeUrl(p, { clientId: c.clientId, redirectUri: c.redirectUri, state: 's', codeChallenge: challenge }).toString()));
    const loginUrl = follow(jar, await get(consentUrl));
    expect(loginUrl).toBe(`/dash/login?next=${encodeURIComponent(consentUrl)}`);
    const loginPage = await get(loginUrl);
    jar.take(loginPage);
    const loginHtml = await loginPage.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(loginHtml)![1]!;
    const loggedIn = await p.fetch(new URL(loginUrl, p.issuer), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, email: user.email, password: user.password, next: consentUrl }).toString(),
      redirect: 'manual',
    });
    expect(follow(jar, loggedIn)).toBe(consentUrl);
    const page = await get(consentUrl);
    jar.take(page);
    const fields = consentFormFields(await page.text());
    const allowed = await p.fetch(new URL('/platform/oauth/consent', p.issuer), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: fields.csrf, request: fields.request, decision: 'allow' }).toString(),
      redirect: 'manual',
    });
    const callback = new URL(follow(jar, allowed));
    const opts = { [oauth.customFetch]: p.fetch, [oauth.allowInsecureRequests]: true } as const;
    const as = await oauth.processDiscoveryResponse(new URL(p.issuer), await oauth.discoveryRequest(new URL(p.issuer), opts));
    const client = { client_id: c.clientId };
    const params = oauth.validateAuthResponse(as, client, callback, 's');
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, c.redirectUri, verifier, opts));
    expect(tokens.access_token).toMatch(/^pat_/);
  });

  it('switches account from the consent page through logout and login, back to the same request', async () => {
    p = await createTestProvider();
    const first = await createTestUser(p);
    const second = await createTestUser(p);
    const c = await createTestClient(p);
    const jar = new CookieJar(await sessionCookie(p, first.id));
    const get = (url: string) => p!.fetch(new URL(url, p!.issuer), { headers: { cookie: jar.header() }, redirect: 'manual' });
    const consentUrl = follow(jar, await get(authorizeUrl(p, { clientId: c.clientId, redirectUri: c.redirectUri, state: 's' }).toString()));
    const page = await get(consentUrl);
    jar.take(page);
    const html = await page.text();
    expect(html).toContain(first.email);
    const switchForm = /<form method="post" action="\/dash\/logout"[\s\S]*?<\/form>/.exec(html)![0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(switchForm)![1]!;
    const next = /name="next" value="([^"]+)"/.exec(switchForm)![1]!.replace(/&amp;/g, '&');
    const out = await p.fetch(new URL('/dash/logout', p.issuer), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, next }).toString(),
      redirect: 'manual',
    });
    const loginUrl = follow(jar, out);
    expect(loginUrl).toBe(`/dash/login?next=${encodeURIComponent(consentUrl)}`);
    const loginPage = await get(loginUrl);
    jar.take(loginPage);
    const loginCsrf = /name="_csrf" value="([^"]+)"/.exec(await loginPage.text())![1]!;
    const loggedIn = await p.fetch(new URL(loginUrl, p.issuer), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: loginCsrf, email: second.email, password: second.password, next: consentUrl }).toString(),
      redirect: 'manual',
    });
    expect(follow(jar, loggedIn)).toBe(consentUrl);
    const again = await get(consentUrl);
    const againHtml = await again.text();
    expect(againHtml).toContain(second.email);
    expect(againHtml).not.toContain(first.email);
  });
});
