import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { RATE_LIMITS } from '../limits/rate-limit.ts';
import { LOGIN_FAILED, SIGNUP_SENT } from './sign-in.ts';
import { Browser } from '../../testing/accounts.ts';

let p: TestProvider;
beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  await p.close();
});

const PASSWORD = 'correct horse battery';

describe('JSON sign-up, login and logout', () => {
  it('signs up with JSON without a session; login sets an HttpOnly SameSite=Lax session cookie, and /dash/me knows the user', async () => {
    const b = new Browser(p);
    const res = await b.json('POST', '/dash/signup', { email: 'Ada@Example.com', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, message: SIGNUP_SENT });
    expect(res.headers.getSetCookie().some((l) => l.startsWith('instant_session='))).toBe(false);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const login = await b.json('POST', '/dash/login', { email: 'ada@example.com', password: PASSWORD });
    const { user } = (await login.json()) as { user: { id: string; email: string; created_at: string } };
    expect(user.email).toBe('ada@example.com');
    const cookie = login.headers.getSetCookie().find((l) => l.startsWith('instant_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // http issuer
    const me = await b.request('/dash/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user: { id: user.id, email: 'ada@example.com', email_verified: false, created_at: user.created_at } });
  });

  it('marks cookies Secure when the issuer is https', async () => {
    const q = await createTestProvider({ publicUrl: 'https://auth.example.com' });
    try {
      const b = new Browser(q);
      await b.json('POST', '/dash/signup', { email: 'a@example.com', password: PASSWORD });
      const res = await b.json('POST', '/dash/login', { email: 'a@example.com', password: PASSWORD });
      expect(res.headers.getSetCookie().find((l) => l.startsWith('__Host-instant_session='))).toMatch(/;\s*Secure/i);
    } finally {
      await q.close();
    }
  });

  it('logs in and out with JSON; after logout the session no longer works', async () => {
    await new Browser(p).signUp('bob@example.com', PASSWORD);
    const b = new Browser(p);
    const res = await b.json('POST', '/dash/login', { email: 'BOB@example.com', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe('bob@example.com');
    const stolen = b.jar.header();
    expect((await b.request('/dash/me')).status).toBe(200);
    expect((await b.json('POST', '/dash/logout', {})).status).toBe(200);
    expect((await b.request('/dash/me')).status).toBe(401);
    // The old cookie value, replayed, is dead server-side too.
    expect((await p.app.request('/dash/me', { headers: { cookie: stolen } })).status).toBe(401);
  });

  it('gives the same error for an unknown email and a wrong password', async () => {
    await new Browser(p).signUp('carol@example.com', PASSWORD);
    const b = new Browser(p);
    const unknown = await b.json('POST', '/dash/login', { email: 'nobody@example.com', password: PASSWORD });
    const wrong = await b.json('POST', '/dash/login', { email: 'carol@example.com', password: 'wrong password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const [u, w] = [await unknown.json(), await wrong.json()];
    expect(u).toEqual(w);
    expect(u).toMatchObject({ type: 'permission-denied', message: LOGIN_FAILED });
    expect(unknown.headers.getSetCookie().some((l) => l.startsWith('instant_session='))).toBe(false);
  });

  it('refuses to log in a locked account, with the same message', async () => {
    const user = await new Browser(p).signUp('dan@example.com', PASSWORD);
    await p.ctx.db.query('update users set locked_at = now() where id = $1', [user.id]);
    const res = await new Browser(p).json('POST', '/dash/login', { email: 'dan@example.com', password: PASSWORD });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toBe(LOGIN_FAILED);
  });

  it('rate-limits login per address with 429 and Retry-After, then lets the window pass', async () => {
    const b = new Browser(p, '10.9.9.9');
    for (let i = 0; i < RATE_LIMITS.loginPerAddress.limit; i++) {
      // Different accounts, so only the per-address limit applies.
      const r = await b.json('POST', '/dash/login', { email: `x${i}@example.com`, password: 'whatever1' });
      expect(r.status).toBe(401);
    }
    const limited = await b.json('POST', '/dash/login', { email: 'y@example.com', password: 'whatever1' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ type: 'rate-limited' });
    p.clock.advance(RATE_LIMITS.loginPerAddress.windowS);
    expect((await b.json('POST', '/dash/login', { email: 'y@example.com', password: 'whatever1' })).status).toBe(401);
  });

  it('rate-limits login per account across addresses', async () => {
    await new Browser(p).signUp('erin@example.com', PASSWORD);
    for (let i = 0; i < RATE_LIMITS.loginPerAccount.limit; i++) {
      const r = await new Browser(p, `10.1.0.${i}`).json('POST', '/dash/login', { email: 'erin@example.com', password: 'guess' + i });
      expect(r.status).toBe(401);
    }
    const limited = await new Browser(p, '10.2.0.1').json('POST', '/dash/login', { email: 'erin@example.com', password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('rate-limits sign-up per address', async () => {
    const b = new Browser(p, '10.3.3.3');
    for (let i = 0; i < RATE_LIMITS.signupPerAddress.limit; i++) await b.signUp(`s${i}@example.com`, PASSWORD);
    const res = await b.json('POST', '/dash/signup', { email: 'one-more@example.com', password: PASSWORD });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('never signs in on sign-up of an existing email, with its password or another, and answers both like a new sign-up (F3)', async () => {
    await new Browser(p).signUp('fay@example.com', PASSWORD);
    const fresh = await new Browser(p).json('POST', '/dash/signup', { email: 'new-one@example.com', password: PASSWORD });
    const answers: Array<{ status: number; body: unknown }> = [{ status: fresh.status, body: await fresh.json() }];
    for (const password of [PASSWORD, 'another password']) {
      const res = await new Browser(p).json('POST', '/dash/signup', { email: 'fay@example.com', password });
      expect(res.headers.getSetCookie().some((l) => l.startsWith('instant_session='))).toBe(false);
      answers.push({ status: res.status, body: await res.json() });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0]).toEqual({ status: 200, body: { ok: true, message: SIGNUP_SENT } });
    const count = await p.ctx.db.one<{ n: number }>(`select count(*)::int as n from users`);
    expect(count!.n).toBe(2);
    const logins = await p.ctx.db.one<{ n: number }>(`select count(*)::int as n from audit_events where event = 'login.success'`);
    expect(logins!.n).toBe(0);
  });

  it('stores the password as an argon2id hash', async () => {
    await new Browser(p).signUp('gus@example.com', PASSWORD);
    const row = await p.ctx.db.one<{ password_hash: string }>(`select password_hash from users`);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('answers bad sign-up and login bodies with 400, never 500', async () => {
    const b = new Browser(p);
    const cases: unknown[] = [{}, { email: 'a@example.com' }, { email: 1, password: 2 }, { email: 'not-an-email', password: PASSWORD }, { email: 'a@example.com', password: 'short' }, { email: 'a@example.com', password: 'x'.repeat(5000) }];
    for (const body of cases) {
      for (const path of ['/dash/signup', '/dash/login']) {
        const r = await b.json('POST', path, body);
        expect([400, 401], `${path} ${JSON.stringify(body).slice(0, 60)}`).toContain(r.status);
        expect(await r.json()).toHaveProperty('hint');
      }
    }
    const malformed = await b.request('/dash/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ type: 'param-malformed' });
  });
});
