import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeUrl, consentFormFields, createTestClient, createTestUser, sessionCookie } from '../../testing/fixtures.ts';
import { Browser } from '../../testing/accounts.ts';

// Finding F2 (issue 15): consent CSRF and login CSRF from a same-site page. docs/security-accounts.md §1.

let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

/** `name=value` pairs of a response's Set-Cookie lines. */
function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0]!;
    out.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
  }
  return out;
}

/** What an attacker gets from the provider as an anonymous visitor: a CSRF cookie and its form token. */
async function attackerCsrf(): Promise<{ cookie: string; token: string }> {
  const res = await p.fetch(new URL('/dash/login', p.issuer));
  const token = /name="_csrf" value="([^"]*)"/.exec(await res.text())![1]!;
  return { cookie: `instant_csrf=${setCookies(res).get('instant_csrf')}`, token };
}

describe('CSRF tokens are bound to the session or the pre-login cookie (F2)', () => {
  it('refuses an Allow posted with planted CSRF and binding cookies into a signed-in victim browser', async () => {
    const victim = await createTestUser(p);
    const c = await createTestClient(p);
    // The attacker starts the request in their own browser, keeping its binding cookie and request id.
    const start = await p.fetch(authorizeUrl(p, { clientId: c.clientId, redirectUri: c.redirectUri, scope: 'apps-read apps-write' }), { redirect: 'manual' });
    const binding = [...setCookies(start)].find(([k]) => k === 'instant_oauth_browser')!;
    const request = new URL(start.headers.get('location')!, p.issuer).searchParams.get('request')!;
    const csrf = await attackerCsrf();
    // The victim's browser, with the planted cookies, auto-submits Allow (no Origin: the token alone must fail).
    const res = await p.fetch(new URL('/platform/oauth/consent', p.issuer), {
      method: 'POST',
      headers: { cookie: [await sessionCookie(p, victim.id), `${binding[0]}=${binding[1]}`, csrf.cookie].join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf.token, request, decision: 'allow' }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    const codes = await p.ctx.db.one<{ n: number }>(`select count(*)::int as n from authorization_codes where user_id = $1`, [victim.id]);
    expect(codes!.n).toBe(0);
  });

  it('refuses a login form posted from another origin (another port, a sibling subdomain), even with a valid token', async () => {
    const attacker = await createTestUser(p);
    const csrf = await attackerCsrf();
    const post = (origin: string) =>
      p.fetch(new URL('/dash/login', p.issuer), {
        method: 'POST',
        headers: { cookie: csrf.cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf.token, email: attacker.email, password: attacker.password }).toString(),
        redirect: 'manual',
      });
    const issuer = new URL(p.issuer);
    for (const origin of [`http://${issuer.hostname}:1`, `http://evil.${issuer.hostname}`, 'null']) {
      const res = await post(origin);
      expect(res.status, origin).toBe(403);
      expect(setCookies(res).has('instant_session'), origin).toBe(false);
    }
    const same = await post(issuer.origin);
    expect(same.status).toBe(303);
    expect(setCookies(same).has('instant_session')).toBe(true);
  });

  it("decides by Fetch Metadata where the browser sends it: a same-origin post under no-referrer (Origin: null) passes, a same-site one does not", async () => {
    const user = await createTestUser(p);
    const post = async (headers: Record<string, string>) => {
      const csrf = await attackerCsrf();
      return p.fetch(new URL('/dash/login', p.issuer), {
        method: 'POST',
        headers: { cookie: csrf.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ _csrf: csrf.token, email: user.email, password: user.password }).toString(),
        redirect: 'manual',
      });
    };
    // What Chromium sends for the provider's own form: its pages are Referrer-Policy: no-referrer.
    expect((await post({ origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    const issuer = new URL(p.issuer);
    for (const [origin, site] of [[`http://${issuer.hostname}:1`, 'same-site'], ['null', 'same-site'], ['null', 'cross-site'], [issuer.origin, 'same-site']]) {
      const res = await post({ origin: origin!, 'sec-fetch-site': site! });
      expect(res.status, `${origin} ${site}`).toBe(403);
      expect(setCookies(res).has('instant_session')).toBe(false);
    }
  });

  it('accepts the `Origin: null` a browser sends on a same-origin post under no-referrer, only with Sec-Fetch-Site: same-origin', async () => {
    const user = await createTestUser(p);
    const csrf = await attackerCsrf();
    const post = (site: string) =>
      p.fetch(new URL('/dash/login', p.issuer), {
        method: 'POST',
        headers: { cookie: csrf.cookie, origin: 'null', 'sec-fetch-site': site, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf.token, email: user.email, password: user.password }).toString(),
        redirect: 'manual',
      });
    for (const site of ['cross-site', 'same-site', 'none']) expect((await post(site)).status, site).toBe(403);
    expect((await post('same-origin')).status).toBe(303);
  });

  it('refuses a consent Allow posted from another origin', async () => {
    const user = await createTestUser(p);
    const c = await createTestClient(p);
    const b = new Browser(p);
    const [name, value] = (await sessionCookie(p, user.id)).split(/=(.*)/s);
    b.jar.cookies.set(name!, value!);
    const url = authorizeUrl(p, { clientId: c.clientId, redirectUri: c.redirectUri });
    const start = await b.request(url.pathname + url.search);
    const page = await b.request(start.headers.get('location')!);
    const { csrf, request } = consentFormFields(await page.text());
    const body = new URLSearchParams({ _csrf: csrf, request, decision: 'allow' }).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const foreign = await b.request('/platform/oauth/consent', { method: 'POST', headers: { ...form, origin: 'http://localhost:1' }, body });
    expect(foreign.status).toBe(403);
    const own = await b.request('/platform/oauth/consent', { method: 'POST', headers: { ...form, origin: new URL(p.issuer).origin }, body });
    expect(own.status).toBe(303);
    expect(new URL(own.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('accepts only binding cookies the server issued', async () => {
    const c = await createTestClient(p);
    const madeUp = 'A'.repeat(43);
    const start = await p.fetch(authorizeUrl(p, { clientId: c.clientId, redirectUri: c.redirectUri }), { headers: { cookie: `instant_oauth_browser=${madeUp}` }, redirect: 'manual' });
    expect(start.status).toBe(303);
    // The made-up value is ignored: a new, server-issued one is set, and the request is not bound to the made-up one.
    expect(setCookies(start).get('instant_oauth_browser')).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const user = await createTestUser(p);
    const page = await p.fetch(new URL(start.headers.get('location')!, p.issuer), { headers: { cookie: `${await sessionCookie(p, user.id)}; instant_oauth_browser=${madeUp}` } });
    expect(page.status).toBe(400);
    // A CSRF cookie the server did not issue gets a fresh one too.
    const login = await p.fetch(new URL('/dash/login', p.issuer), { headers: { cookie: `instant_csrf=${madeUp}` } });
    expect(setCookies(login).get('instant_csrf')).toMatch(/\./);
  });
});

describe('__Host- cookie names on https (F2)', () => {
  it('names every provider cookie __Host-… with Secure and Path=/ when the issuer is https', async () => {
    const s = await createTestProvider({ publicUrl: 'https://auth.example.com' });
    try {
      const b = new Browser(s);
      await b.signUp('host@example.com', 'correct horse battery');
      const login = await s.fetch(new URL('/dash/login', s.issuer));
      const c = await createTestClient(s);
      const start = await s.fetch(authorizeUrl(s, { clientId: c.clientId, redirectUri: c.redirectUri }), { redirect: 'manual' });
      const lines = [...login.headers.getSetCookie(), ...start.headers.getSetCookie()];
      expect([...b.jar.cookies.keys()]).toContain('__Host-instant_session');
      expect(lines.some((l) => l.startsWith('__Host-instant_csrf='))).toBe(true);
      expect(lines.some((l) => l.startsWith('__Host-instant_oauth_browser='))).toBe(true);
      for (const l of lines) {
        expect(l).toMatch(/^__Host-/);
        expect(l).toMatch(/;\s*Secure/i);
        expect(l).toMatch(/;\s*Path=\/(;|$)/i);
        expect(l).not.toMatch(/Domain=/i);
      }
    } finally {
      await s.close();
    }
  });
});
