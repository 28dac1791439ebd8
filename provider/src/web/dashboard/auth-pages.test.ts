import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { RATE_LIMITS } from '../../domain/limits/rate-limit.ts';
import { LOGIN_FAILED } from '../../domain/accounts/sign-in.ts';
import { Browser } from '../../testing/accounts.ts';
import { safeNext } from './forms.ts';

let p: TestProvider;
beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  await p.close();
});

const PASSWORD = 'correct horse battery';

function expectFramingAndReferrerLocked(res: Response) {
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

describe('login and sign-up pages', () => {
  it('serve login and sign-up with anti-framing, no-referrer, a CSRF field, and no scripts or third-party assets', async () => {
    const b = new Browser(p);
    for (const path of ['/dash/login', '/dash/signup']) {
      const { res, html, csrf } = await b.page(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expectFramingAndReferrerLocked(res);
      expect(csrf.length).toBeGreaterThan(20);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
      expect(html).toMatch(/<label for="email">/);
      expect(html).toMatch(/<label for="password">/);
    }
  });

  it('signs up through the form with CSRF and answers 303', async () => {
    const b = new Browser(p);
    const { csrf } = await b.page('/dash/signup');
    const res = await b.form('/dash/signup', { _csrf: csrf, email: 'form@example.com', password: PASSWORD });
    expect(res.status).toBe(303);
    // Sign-up never signs in (docs/security-accounts.md §2): "check your inbox", then the account signs in.
    expect(res.headers.get('location')).toBe('/dash/check-email');
    expect((await b.page('/dash/check-email')).html).toContain('form@example.com');
    const { csrf: again } = await b.page('/dash/login');
    expect((await b.form('/dash/login', { _csrf: again, email: 'form@example.com', password: PASSWORD })).headers.get('location')).toBe('/dash');
    const home = await b.request('/dash');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('form@example.com');
  });

  it('refuses a form without a CSRF token or with a wrong one', async () => {
    await new Browser(p).signUp('victim@example.com', PASSWORD);
    const b = new Browser(p);
    await b.page('/dash/login'); // has the CSRF cookie, but posts a bad token
    const variants: Array<Record<string, string>> = [{}, { _csrf: 'forged' }, { _csrf: '' }];
    for (const fields of variants) {
      const res = await b.form('/dash/login', { ...fields, email: 'victim@example.com', password: PASSWORD });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(b.jar.cookies.has('instant_session')).toBe(false);
    }
    // A token from another browser does not work with this browser's cookie.
    const other = new Browser(p);
    const { csrf: foreign } = await other.page('/dash/login');
    const { csrf: own } = await b.page('/dash/login');
    expect(foreign).not.toBe(own);
    expect((await b.form('/dash/login', { _csrf: foreign, email: 'victim@example.com', password: PASSWORD })).status).toBe(403);
    const signup = await new Browser(p).form('/dash/signup', { _csrf: own, email: 'x@example.com', password: PASSWORD });
    expect(signup.status).toBe(403);
  });

  it('logs in through the form and goes to a safe next path', async () => {
    await new Browser(p).signUp('next@example.com', PASSWORD);
    const b = new Browser(p);
    const { csrf, html } = await b.page('/dash/login?next=%2Fplatform%2Foauth%2Fconsent%3Fr%3Dabc');
    expect(html).toContain('name="next" value="/platform/oauth/consent?r=abc"');
    const res = await b.form('/dash/login?next=%2Fplatform%2Foauth%2Fconsent%3Fr%3Dabc', { _csrf: csrf, next: '/platform/oauth/consent?r=abc', email: 'next@example.com', password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/platform/oauth/consent?r=abc');
  });

  it('ignores next values that would leave the site', async () => {
    await new Browser(p).signUp('redir@example.com', PASSWORD);
    const evil = ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', 'evil.example', '/%0a/evil', '/\t/evil.example', ''];
    for (const next of evil) {
      const b = new Browser(p, `10.5.0.${evil.indexOf(next)}`);
      const { csrf } = await b.page('/dash/login');
      const res = await b.form('/dash/login', { _csrf: csrf, next, email: 'redir@example.com', password: PASSWORD });
      expect(res.status, next).toBe(303);
      const location = res.headers.get('location')!;
      expect(new URL(location, p.issuer).origin, next).toBe(new URL(p.issuer).origin);
      if (next !== '/%0a/evil') expect(location, next).toBe('/dash');
    }
    expect(safeNext(p.issuer, '/dash/settings')).toBe('/dash/settings');
    expect(safeNext(p.issuer, '//evil.example')).toBeUndefined();
    expect(safeNext(p.issuer, '/\\evil.example')).toBeUndefined();
  });

  it('sends a failed login back to the form with the generic message and the email kept', async () => {
    await new Browser(p).signUp('known@example.com', PASSWORD);
    const messages: string[] = [];
    for (const [email, password] of [['known@example.com', 'wrong password'], ['unknown@example.com', PASSWORD]]) {
      const b = new Browser(p);
      const { csrf } = await b.page('/dash/login?next=%2Fdash%2Fsettings');
      const res = await b.form('/dash/login', { _csrf: csrf, next: '/dash/settings', email: email!, password: password! });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/dash/login?next=%2Fdash%2Fsettings');
      const { html } = await b.page(res.headers.get('location')!);
      expect(html).toContain(LOGIN_FAILED);
      expect(html).toContain(`value="${email}"`);
      messages.push(html.replace(email!, 'EMAIL').replace(/value="[^"]{40,}"/g, ''));
      expect(b.jar.cookies.has('instant_session')).toBe(false);
    }
    expect(messages[0]).toBe(messages[1]);
  });

  it('shows the rate-limit page with 429 and Retry-After on too many form logins', async () => {
    const b = new Browser(p, '10.7.7.7');
    const { csrf } = await b.page('/dash/login');
    for (let i = 0; i < RATE_LIMITS.loginPerAddress.limit; i++) {
      expect((await b.form('/dash/login', { _csrf: csrf, email: `n${i}@example.com`, password: 'nope-nope' })).status).toBe(303);
    }
    const res = await b.form('/dash/login', { _csrf: csrf, email: 'z@example.com', password: 'nope-nope' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.text()).toContain('Too many');
  });

  it('logs out through the form, back to login with next, and the session is dead', async () => {
    const b = new Browser(p);
    await b.signUp('out@example.com', PASSWORD);
    const { csrf } = await b.page('/dash');
    const stolen = b.jar.header();
    const res = await b.form('/dash/logout', { _csrf: csrf, next: '/platform/oauth/consent?r=1' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dash/login?next=%2Fplatform%2Foauth%2Fconsent%3Fr%3D1');
    expect((await p.app.request('/dash/me', { headers: { cookie: stolen } })).status).toBe(401);

    const c = new Browser(p);
    await c.signUp('out2@example.com', PASSWORD);
    const { csrf: csrf2 } = await c.page('/dash');
    const plain = await c.form('/dash/logout', { _csrf: csrf2, next: '//evil.example' });
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe('/dash/login');
    expect((await c.form('/dash/logout', {})).status).toBe(403);
  });

  it('sends a signed-out visitor of /dash and settings to login with next', async () => {
    const b = new Browser(p);
    const home = await b.request('/dash');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/dash/login?next=%2Fdash');
    const tokens = await b.request('/dash/settings/tokens');
    expect(tokens.headers.get('location')).toBe('/dash/login?next=%2Fdash%2Fsettings%2Ftokens');
  });

  it('answers a sign-up form for an existing email like a new sign-up, signing nobody in', async () => {
    await new Browser(p).signUp('taken@example.com', PASSWORD);
    const b = new Browser(p);
    const { csrf } = await b.page('/dash/signup');
    const res = await b.form('/dash/signup', { _csrf: csrf, email: 'taken@example.com', password: 'some other password' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dash/check-email');
    expect(b.jar.cookies.has('instant_session')).toBe(false);
    expect((await b.page('/dash/check-email')).html).toContain('Check your inbox');
  });

  it('shows the Apps link to every signed-in user and the Operator link only to operators', async () => {
    const q = await createTestProvider({ operatorEmails: ['op@example.com'] });
    try {
      const user = new Browser(q);
      await user.signUp('plain@example.com', PASSWORD);
      const plain = (await user.page('/dash')).html;
      expect(plain).toContain('href="/dash/apps"');
      expect(plain).toContain('aria-current="page"');
      expect(plain).not.toContain('href="/dash/operator"');
      const op = new Browser(q, '10.0.0.3');
      await op.signUp('op@example.com', PASSWORD);
      // The role needs the address verified (F1, docs/security-accounts.md §9).
      expect((await op.page('/dash')).html).not.toContain('href="/dash/operator"');
      await q.ctx.db.query(`update users set email_verified_at = now() where email = 'op@example.com'`);
      expect((await op.page('/dash')).html).toContain('href="/dash/operator"');
    } finally {
      await q.close();
    }
  });

  it('answers a non-form body on the form paths with 415, not 500', async () => {
    const res = await p.app.request('/dash/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'email=a' });
    expect(res.status).toBe(415);
    const none = await p.app.request('/dash/signup', { method: 'POST', body: 'x' });
    expect([403, 415]).toContain(none.status);
  });
});
