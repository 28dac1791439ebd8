import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccessDeniedError, InstantOAuthError, StateMismatchError } from './errors.ts';
import { InstantOAuth } from './oauth.ts';
import { browserLeg, client, world, type TestProvider } from './testing/provider.ts';

const REDIRECT = 'http://127.0.0.1:3000/auth/instant/callback';

describe('InstantOAuth against the real provider', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let p: TestProvider;
  beforeEach(async () => {
    w = await world();
    p = w.p;
  });
  afterEach(async () => {
    await p.close();
  });

  async function signIn(o: { rotate?: boolean; scopes?: string[]; public?: boolean } = {}) {
    const c = await client(p, w.user.id, REDIRECT, { rotateRefreshTokens: o.rotate ?? false, public: o.public ?? false });
    const fetch = vi.fn(p.fetch);
    const oauth = new InstantOAuth({ issuer: p.issuer, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri: REDIRECT, fetch: fetch as typeof globalThis.fetch });
    const req = await oauth.authorizationUrl({ scopes: o.scopes ?? ['apps-read', 'openid', 'email'] });
    const callback = await browserLeg(p, req.url, w.cookie);
    return { c, oauth, req, callback, fetch, tokens: () => oauth.exchangeCallback(callback, req) };
  }

  it('signs in with PKCE S256 and a nonce, validates the id_token, and caches discovery', async () => {
    const { req, tokens, fetch, oauth } = await signIn();
    expect(req.url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(req.nonce).toBeTruthy();
    const t = await tokens();
    expect(t.accessToken).toMatch(/^pat_[0-9a-f]{64}$/);
    expect(t.refreshToken).toMatch(/^prt_[0-9a-f]{64}$/);
    expect(t.scopes.sort()).toEqual(['apps-read', 'email', 'openid']);
    expect(t.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(t.idTokenClaims).toMatchObject({ sub: w.user.id, iss: p.issuer, aud: oauth.clientId });
    await oauth.discover();
    const discoveries = fetch.mock.calls.filter(([u]) => String(u).includes('/.well-known/oauth-authorization-server'));
    expect(discoveries).toHaveLength(1);
    // client_secret_basic, since discovery advertises it (RFC 6749 §2.3.1)
    const tokenCall = fetch.mock.calls.find(([u]) => String(u).endsWith('/platform/oauth/token'));
    expect(new Headers(tokenCall![1]?.headers).get('authorization')).toMatch(/^Basic /);
  });

  it('gets no id_token and needs no nonce without openid', async () => {
    const { req, tokens } = await signIn({ scopes: ['apps-read'] });
    expect(req.nonce).toBeUndefined();
    const t = await tokens();
    expect(t.idTokenClaims).toBeUndefined();
  });

  it('reads userinfo with an openid access token', async () => {
    const { oauth, tokens } = await signIn();
    const info = await oauth.userinfo((await tokens()).accessToken);
    expect(info).toMatchObject({ sub: w.user.id, email: w.user.email });
  });

  it('refresh keeps the refresh token of a non-rotating client and returns the rotated one otherwise', async () => {
    const fixed = await signIn();
    const t1 = await fixed.tokens();
    const r1 = await fixed.oauth.refresh(t1.refreshToken);
    expect(r1.refreshToken).toBe(t1.refreshToken);
    expect(r1.accessToken).not.toBe(t1.accessToken);

    const rotating = await signIn({ rotate: true });
    const t2 = await rotating.tokens();
    const r2 = await rotating.oauth.refresh(t2.refreshToken);
    expect(r2.refreshToken).not.toBe(t2.refreshToken);
    expect(r2.refreshToken).toMatch(/^prt_/);
  });

  it('a public client signs in with PKCE only and its refresh token rotates', async () => {
    const s = await signIn({ public: true });
    const t = await s.tokens();
    const r = await s.oauth.refresh(t.refreshToken);
    expect(r.refreshToken).not.toBe(t.refreshToken);
  });

  it('revoke ends the refresh token: the next refresh is invalid_grant', async () => {
    const { oauth, tokens } = await signIn();
    const t = await tokens();
    await oauth.revoke(t.refreshToken);
    const err = await oauth.refresh(t.refreshToken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstantOAuthError);
    expect(err).toMatchObject({ error: 'invalid_grant', reason: 'invalid_grant' });
  });

  it('turns Deny into an AccessDeniedError', async () => {
    const c = await client(p, w.user.id, REDIRECT);
    const oauth = new InstantOAuth({ issuer: p.issuer, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri: REDIRECT, fetch: p.fetch });
    const req = await oauth.authorizationUrl({ scopes: ['apps-read'] });
    const callback = await browserLeg(p, req.url, w.cookie, 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expect(oauth.exchangeCallback(callback, req)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('turns a tampered state into a StateMismatchError and never exchanges the code', async () => {
    const { req, callback, oauth, fetch } = await signIn();
    const tampered = new URL(callback);
    tampered.searchParams.set('state', req.state.slice(0, -2) + 'xx');
    const before = fetch.mock.calls.length;
    await expect(oauth.exchangeCallback(tampered, req)).rejects.toBeInstanceOf(StateMismatchError);
    await expect(oauth.exchangeCallback(callback, { ...req, state: '' })).rejects.toBeInstanceOf(StateMismatchError);
    expect(fetch.mock.calls.length).toBe(before);
    // the genuine callback still works
    expect((await oauth.exchangeCallback(callback, req)).accessToken).toMatch(/^pat_/);
  });

  it('refuses a callback whose iss is not the issuer (RFC 9207)', async () => {
    const { req, callback, oauth } = await signIn();
    const forged = new URL(callback);
    forged.searchParams.set('iss', 'https://evil.example');
    const err = await oauth.exchangeCallback(forged, req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstantOAuthError);
    expect((err as InstantOAuthError).reason).toBe('invalid_response');
  });

  it('allows http only for loopback issuers', () => {
    expect(() => new InstantOAuth({ issuer: 'http://instant.example.com', clientId: 'x', redirectUri: REDIRECT })).toThrow(/non-loopback/);
    expect(() => new InstantOAuth({ issuer: 'http://127.0.0.1:8787', clientId: 'x', redirectUri: REDIRECT })).not.toThrow();
  });
});
