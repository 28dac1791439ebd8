import { Hono } from 'hono';
import { unsealData } from 'iron-session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signInWithInstant, requireInstant, type InstantEnv, type SignInWithInstantOptions, type StoredTokens, type TokenStore } from './hono.ts';
import { InstantOAuth } from './oauth.ts';
import { browserLeg, client, CookieJar, world, type TestProvider } from './testing/provider.ts';

const ORIGIN = 'http://127.0.0.1:3000';
const REDIRECT = `${ORIGIN}/auth/instant/callback`;
const PASSWORD = 'a-test-session-password-of-32-chars!!';

describe('signInWithInstant against the real provider', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let p: TestProvider;
  beforeEach(async () => {
    w = await world();
    p = w.p;
  });
  afterEach(async () => {
    await p.close();
  });

  async function setup(o: Partial<SignInWithInstantOptions> & { rotate?: boolean } = {}) {
    const c = await client(p, w.user.id, REDIRECT, { rotateRefreshTokens: o.rotate ?? false });
    const app = new Hono<InstantEnv>();
    app.use('*', signInWithInstant({ issuer: p.issuer, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri: REDIRECT, sessionPassword: PASSWORD, fetch: p.fetch, errorPath: '/oops', ...o }));
    app.get('/', (c) => c.text(c.get('instant') ? `hi ${c.get('instant')!.user.email}` : 'signed out'));
    app.get('/me', requireInstant(), (c) => c.json(c.get('instant')!.user));
    app.get('/token', requireInstant(), async (c) => c.json(await c.get('instant')!.api.tokenInfo()));
    const jar = new CookieJar();
    const get = async (path: string, init: RequestInit = {}) => {
      const res = await app.request(new URL(path, ORIGIN).href, { ...init, headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) } });
      jar.take(res);
      return res;
    };
    const oauth = new InstantOAuth({ issuer: p.issuer, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri: REDIRECT, fetch: p.fetch });
    return { c, app, jar, get, oauth };
  }

  async function session(jar: CookieJar) {
    const raw = /instant_kit_session=([^;]+)/.exec(jar.header())?.[1];
    return raw ? unsealData<{ user: { id: string }; tokens?: StoredTokens & { expiresAt: number } }>(raw, { password: PASSWORD }) : null;
  }

  async function signIn(s: Awaited<ReturnType<typeof setup>>, decision: 'allow' | 'deny' = 'allow') {
    const login = await s.get('/auth/instant/login?returnTo=/me');
    expect(login.status).toBe(302);
    const callback = await browserLeg(p, login.headers.get('location')!, w.cookie, decision);
    return s.get(callback.pathname + callback.search);
  }

  it('signs in, exposes c.get("instant") with the user and a working api, and logs out revoking at the provider', async () => {
    const s = await setup();
    expect(await (await s.get('/')).text()).toBe('signed out');
    const back = await signIn(s);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/me');
    expect(back.headers.getSetCookie().join()).toMatch(/instant_kit_session=.*HttpOnly.*SameSite=Lax/i);
    expect(await (await s.get('/me')).json()).toEqual({ id: w.user.id, email: w.user.email });
    const info = await (await s.get('/token')).json();
    expect(info.scopes).toContain('apps-read');
    const tokens = (await session(s.jar))!.tokens!;

    const out = await s.get('/auth/instant/logout', { method: 'POST' });
    expect(out.status).toBe(303);
    expect(await (await s.get('/')).text()).toBe('signed out');
    await expect(s.oauth.refresh(tokens.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('guards routes: browsers go to login with returnTo, API clients get 401', async () => {
    const s = await setup();
    const html = await s.get('/me', { headers: { accept: 'text/html' } });
    expect(html.status).toBe(302);
    expect(html.headers.get('location')).toBe('/auth/instant/login?returnTo=%2Fme');
    expect((await s.get('/me')).status).toBe(401);
  });

  it('sends a denied consent to the error path with reason access_denied', async () => {
    const s = await setup();
    const res = await signIn(s, 'deny');
    expect(res.headers.get('location')).toBe('/oops?reason=access_denied');
  });

  it('sends a tampered state, or a callback without the flow cookie, to reason state_mismatch', async () => {
    const s = await setup();
    const login = await s.get('/auth/instant/login');
    const callback = await browserLeg(p, login.headers.get('location')!, w.cookie);
    callback.searchParams.set('state', 'tampered');
    expect((await s.get(callback.pathname + callback.search)).headers.get('location')).toBe('/oops?reason=state_mismatch');
    // the flow cookie is single-use: replaying the genuine callback also fails
    const again = await s.app.request(`${ORIGIN}/auth/instant/callback?code=x&state=y`);
    expect(again.headers.get('location')).toBe('/oops?reason=state_mismatch');
  });

  it('reports a provider that cannot be reached as provider_unavailable', async () => {
    const s = await setup({ fetch: (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch });
    const res = await s.get('/auth/instant/login');
    expect(res.headers.get('location')).toBe('/oops?reason=provider_unavailable');
  });

  it('calls onError with a typed reason when given', async () => {
    const s = await setup({ onError: (c, e) => c.text(`error:${e.reason}:${e.message}`, 403) });
    const res = await signIn(s, 'deny');
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/^error:access_denied:You declined/);
  });

  it('refreshes a revoked access token once and stores the rotated refresh token in the cookie', async () => {
    const s = await setup({ rotate: true });
    await signIn(s);
    const before = (await session(s.jar))!.tokens!;
    await s.oauth.revoke(before.accessToken, 'access_token');
    const res = await s.get('/token');
    expect(res.status).toBe(200);
    const after = (await session(s.jar))!.tokens!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // the stored rotated token works for the next refresh
    await expect(s.oauth.refresh(after.refreshToken)).resolves.toMatchObject({ accessToken: expect.stringMatching(/^pat_/) });
  });

  it('clears the session and reports grant_revoked when the grant was revoked', async () => {
    const s = await setup();
    await signIn(s);
    const t = (await session(s.jar))!.tokens!;
    await s.oauth.revoke(t.refreshToken, 'refresh_token');
    const res = await s.get('/token');
    expect(res.headers.get('location')).toBe('/oops?reason=grant_revoked');
    expect(await (await s.get('/')).text()).toBe('signed out');
  });

  it("a revoked grant in an app without onError is no crash: Hono's default handler prints nothing", async () => {
    const s = await setup();
    await signIn(s);
    await s.oauth.revoke((await session(s.jar))!.tokens!.refreshToken, 'refresh_token');
    const printed: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void printed.push(a));
    try {
      const res = await s.get('/token');
      expect(res.headers.get('location')).toBe('/oops?reason=grant_revoked');
    } finally {
      spy.mockRestore();
    }
    expect(printed).toEqual([]);
  });

  it('never redirects off-site after sign-in, and renders a default error page without onError/errorPath', async () => {
    const s = await setup({ errorPath: undefined });
    const login = await s.get('/auth/instant/login?returnTo=//evil.example/x');
    const callback = await browserLeg(p, login.headers.get('location')!, w.cookie);
    const back = await s.get(callback.pathname + callback.search);
    expect(back.headers.get('location')).toBe('/');

    const s2 = await setup({ errorPath: undefined });
    const denied = await signIn(s2, 'deny');
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('You declined to connect your Instant account.');
  });

  it('refuses returnTo paths with control characters, whitespace or backslashes, and any that leave the origin (F8)', async () => {
    const cases: Array<[string, string]> = [
      ['/%09/evil.example/phish', '/'], // a tab, which browsers strip from Location: //evil.example/phish
      ['/%0D%0A/evil.example/x', '/'],
      ['/%5Cevil.example/x', '/'], // /\evil.example: a backslash is a slash to browsers
      ['/%20/evil.example/x', '/'],
      ['/%E3%80%80/evil.example', '/'], // ideographic space
      ['https://evil.example/x', '/'],
      ['/apps/1?tab=schema', '/apps/1?tab=schema'],
    ];
    for (const [returnTo, expected] of cases) {
      const s = await setup({ errorPath: undefined });
      const login = await s.get(`/auth/instant/login?returnTo=${returnTo}`);
      const callback = await browserLeg(p, login.headers.get('location')!, w.cookie);
      const back = await s.get(callback.pathname + callback.search);
      expect(back.headers.get('location'), returnTo).toBe(expected);
    }
  });

  it('keeps tokens in a pluggable token store instead of the cookie', async () => {
    const rows = new Map<string, StoredTokens>();
    const store: TokenStore = { get: (id) => rows.get(id) ?? null, set: (id, t) => void rows.set(id, t), delete: (id) => void rows.delete(id) };
    const s = await setup({ tokenStore: store });
    await signIn(s);
    expect((await session(s.jar))!.tokens).toBeUndefined();
    expect(rows.get(w.user.id)?.accessToken).toMatch(/^pat_/);
    expect((await s.get('/token')).status).toBe(200);
    await s.get('/auth/instant/logout', { method: 'POST' });
    expect(rows.size).toBe(0);
  });
});
