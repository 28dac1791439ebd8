import * as oauth from 'oauth4webapi';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeInBrowser, authorizeUrl, pkcePair } from '../../testing/fixtures.ts';
import { asClient, bearerStatus, newClient, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld | undefined;
afterEach(async () => {
  await w?.p.close();
  w = undefined;
});

describe('authorization code flow', () => {
  it('signs a confidential client in with a verified id_token, userinfo and token-info', async () => {
    w = await world();
    const c = await newClient(w);
    const { client, auth } = asClient(c, 'basic');
    const { verifier, challenge } = pkcePair();
    const nonce = oauth.generateRandomNonce();
    const state = oauth.generateRandomState();
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, scope: 'openid email apps-read', state, nonce, codeChallenge: challenge });
    expect(r.callback.origin + r.callback.pathname).toBe(c.redirectUri);
    expect(r.callback.searchParams.get('iss')).toBe(w.p.issuer);
    expect(r.callback.searchParams.get('scope')).toBe('openid email apps-read');
    const params = oauth.validateAuthResponse(w.as, client, r.callback, state);
    const res = await oauth.authorizationCodeGrantRequest(w.as, client, auth, params, c.redirectUri, verifier, w.opts);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const tokens = await oauth.processAuthorizationCodeResponse(w.as, client, res, { expectedNonce: nonce, requireIdToken: true });
    expect(tokens.access_token).toMatch(/^pat_[0-9a-f]{64}$/);
    expect(tokens.refresh_token).toMatch(/^prt_[0-9a-f]{64}$/);
    expect(tokens.scope).toBe('openid email apps-read');
    expect((tokens as Record<string, unknown>).scopes).toBe('openid email apps-read');
    expect(tokens.expires_in).toBe(3600);

    // The signature verifies against the published JWKS; claims are what OIDC Core §2 requires.
    const jwks = await (await w.p.fetch(new URL('/.well-known/jwks.json', w.p.issuer))).json();
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, createLocalJWKSet(jwks), { issuer: w.p.issuer, audience: c.clientId });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.kid).toBe(jwks.keys[0].kid);
    expect(payload).toMatchObject({ sub: w.user.id, nonce, email: w.user.email, email_verified: true }); // createTestUser verifies (docs/security-accounts.md §9)
    expect(typeof payload.auth_time).toBe('number');

    const ui = await oauth.processUserInfoResponse(w.as, client, w.user.id, await oauth.userInfoRequest(w.as, client, tokens.access_token, w.opts));
    expect(ui).toMatchObject({ sub: w.user.id, email: w.user.email, email_verified: true });

    const info = await w.p.fetch(new URL(`/platform/oauth/token-info?access_token=${tokens.access_token}`, w.p.issuer));
    expect(await info.json()).toEqual({ expires_in: 3600, token_type: 'Bearer', scope: 'openid email apps-read', scopes: 'openid email apps-read', client_id: c.clientId });
  });

  it('keeps a confidential client\'s refresh token unless the client rotates, and narrows scope on request', async () => {
    w = await world();
    const c = await newClient(w);
    const { client, auth } = asClient(c, 'post');
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, scope: 'apps-write data-read', state: 's' });
    const first = await oauth.processAuthorizationCodeResponse(w.as, client, await oauth.authorizationCodeGrantRequest(w.as, client, auth, oauth.validateAuthResponse(w.as, client, r.callback, 's'), c.redirectUri, oauth.nopkce, w.opts));
    const refreshed = await oauth.processRefreshTokenResponse(w.as, client, await oauth.refreshTokenGrantRequest(w.as, client, auth, first.refresh_token!, { ...w.opts, additionalParameters: { scope: 'apps-read' } }));
    expect(refreshed.refresh_token).toBeUndefined();
    expect(refreshed.scope).toBe('apps-read');
    // The same refresh token keeps working (Instant's SDK keeps using the first one).
    const again = await oauth.processRefreshTokenResponse(w.as, client, await oauth.refreshTokenGrantRequest(w.as, client, auth, first.refresh_token!, w.opts));
    expect(again.scope).toBe('apps-write data-read');
    // Wider than granted is refused.
    const wider = await oauth.refreshTokenGrantRequest(w.as, client, auth, first.refresh_token!, { ...w.opts, additionalParameters: { scope: 'apps-write storage-read' } });
    expect(wider.status).toBe(400);
    expect(await wider.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('runs a public client with PKCE and rotates its refresh token on every use', async () => {
    w = await world();
    const c = await newClient(w, { public: true, redirectUris: ['http://127.0.0.1/callback'] });
    const { client, auth } = asClient(c, 'none');
    const { verifier, challenge } = pkcePair();
    // Loopback redirect URIs may use any port (RFC 8252 §7.3).
    const redirectUri = 'http://127.0.0.1:49152/callback';
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri, scope: 'apps-read', state: 's', codeChallenge: challenge });
    const t1 = await oauth.processAuthorizationCodeResponse(w.as, client, await oauth.authorizationCodeGrantRequest(w.as, client, auth, oauth.validateAuthResponse(w.as, client, r.callback, 's'), redirectUri, verifier, w.opts));
    const t2 = await oauth.processRefreshTokenResponse(w.as, client, await oauth.refreshTokenGrantRequest(w.as, client, auth, t1.refresh_token!, w.opts));
    expect(t2.refresh_token).toMatch(/^prt_/);
    expect(t2.refresh_token).not.toBe(t1.refresh_token);
    const t3 = await oauth.processRefreshTokenResponse(w.as, client, await oauth.refreshTokenGrantRequest(w.as, client, auth, t2.refresh_token!, w.opts));
    expect(t3.refresh_token).not.toBe(t2.refresh_token);
    expect(await bearerStatus(w, t3.access_token)).toBe(200);
  });

  it('redirects back with access_denied, state and iss when the user denies', async () => {
    w = await world();
    const c = await newClient(w);
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, state: 'xyz', decision: 'deny' });
    expect(r.code).toBeNull();
    expect(Object.fromEntries(r.callback.searchParams)).toMatchObject({ error: 'access_denied', state: 'xyz', iss: w.p.issuer });
  });

  it('sends a signed-out browser to the login page and back to consent', async () => {
    w = await world();
    const c = await newClient(w);
    const start = await w.p.fetch(authorizeUrl(w.p, { clientId: c.clientId, redirectUri: c.redirectUri }), { redirect: 'manual' });
    expect(start.status).toBe(303);
    const consent = start.headers.get('location')!;
    expect(consent).toMatch(/^\/platform\/oauth\/consent\?request=/);
    const browser = start.headers.getSetCookie().map((s) => s.split(';')[0]).join('; ');
    expect(start.headers.getSetCookie().join()).toMatch(/HttpOnly/i);
    expect(start.headers.getSetCookie().join()).toMatch(/SameSite=Lax/i);
    const page = await w.p.fetch(new URL(consent, w.p.issuer), { headers: { cookie: browser }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/dash/login?next=${encodeURIComponent(consent)}`);
  });
});
