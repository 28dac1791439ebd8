import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser } from '../../testing/fixtures.ts';
import { listGrantsOfUser, revokeGrant, revokeGrantsOfApp, revokeTokensOfClient } from '../../domain/oauth/grants.ts';
import { bearerStatus, codeExchange, newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => {
  await w.p.close();
});

type Body = Record<string, string>;
type TestClient = Awaited<ReturnType<typeof newClient>>;

async function signIn(c: TestClient, scope = 'apps-read'): Promise<Body> {
  return (await (await codeExchange(w, c, { scope })).res.json()) as Body;
}

function basic(c: TestClient): string {
  return 'Basic ' + Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64');
}

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return w.p.fetch(new URL(path, w.p.issuer), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

const refresh = (c: TestClient, token: string) => postToken(w, c, { grant_type: 'refresh_token', refresh_token: token });

describe('revocation endpoint (RFC 7009)', () => {
  it('revokes an access token at once, answers 200 with no-store, and 200 for unknown tokens', async () => {
    const c = await newClient(w);
    const t = await signIn(c);
    const res = await post('/platform/oauth/revoke', `token=${t.access_token}&token_type_hint=access_token`, { authorization: basic(c) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await bearerStatus(w, t.access_token!)).toBe(401);
    for (const token of ['pat_' + '0'.repeat(64), 'nonsense', 'prt_' + 'f'.repeat(64)]) {
      expect((await post('/platform/oauth/revoke', `token=${token}`, { authorization: basic(c) })).status).toBe(200);
    }
    expect(await (await post('/platform/oauth/revoke', '', { authorization: basic(c) })).json()).toMatchObject({ error: 'invalid_request' });
  });

  it('revokes a refresh token with the access tokens issued from it, via ?token= as Instant accepts', async () => {
    const c = await newClient(w);
    const t = await signIn(c);
    const again = (await (await refresh(c, t.refresh_token!)).json()) as Body;
    const res = await w.p.fetch(new URL(`/platform/oauth/revoke?token=${t.refresh_token}`, w.p.issuer), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await (await refresh(c, t.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await bearerStatus(w, t.access_token!)).toBe(401);
    expect(await bearerStatus(w, again.access_token!)).toBe(401);
  });

  it('ends the grant when its last sign-in is revoked, and keeps it while another sign-in is live', async () => {
    const c = await newClient(w);
    const listed = async () => (await listGrantsOfUser(w.p.ctx, w.user.id)).some((g) => g.oauth_app_id === c.appId);
    const first = await signIn(c);
    const second = await signIn(c);
    await post('/platform/oauth/revoke', `token=${first.refresh_token}`, { authorization: basic(c) });
    expect(await listed()).toBe(true);
    expect(await bearerStatus(w, second.access_token!)).toBe(200);
    await post('/platform/oauth/revoke', `token=${second.refresh_token}`, { authorization: basic(c) });
    expect(await listed()).toBe(false);
    expect(await bearerStatus(w, second.access_token!)).toBe(401);
  });

  it('does not let another client revoke a token, and refuses bad client credentials', async () => {
    const c = await newClient(w);
    const other = await newClient(w);
    const t = await signIn(c);
    expect((await post('/platform/oauth/revoke', `token=${t.access_token}`, { authorization: basic(other) })).status).toBe(200);
    expect(await bearerStatus(w, t.access_token!)).toBe(200);
    const bad = await post('/platform/oauth/revoke', `token=${t.access_token}`, { authorization: 'Basic ' + Buffer.from(`${c.clientId}:wrong`).toString('base64') });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    expect(await bearerStatus(w, t.access_token!)).toBe(200);
  });
});

describe('introspection endpoint (RFC 7662)', () => {
  it('describes a live token to a client of its app and nothing to anyone else', async () => {
    const c = await newClient(w);
    const t = await signIn(c, 'apps-read openid');
    const res = await post('/platform/oauth/introspect', `token=${t.access_token}`, { authorization: basic(c) });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json();
    expect(body).toMatchObject({ active: true, scope: 'apps-read openid', client_id: c.clientId, sub: w.user.id, token_type: 'Bearer' });
    expect(body.exp - body.iat).toBe(3600);
    const other = await newClient(w);
    expect(await (await post('/platform/oauth/introspect', `token=${t.access_token}`, { authorization: basic(other) })).json()).toEqual({ active: false });
    const pub = await newClient(w, { public: true });
    expect((await post('/platform/oauth/introspect', `token=${t.access_token}&client_id=${pub.clientId}`)).status).toBe(401);
    expect((await post('/platform/oauth/introspect', `token=${t.access_token}`)).status).toBe(401);
    await post('/platform/oauth/revoke', `token=${t.access_token}`, { authorization: basic(c) });
    expect(await (await post('/platform/oauth/introspect', `token=${t.access_token}`, { authorization: basic(c) })).json()).toEqual({ active: false });
  });
});

describe('token-info and userinfo', () => {
  it('reads token-info without changing the token and refuses dead tokens with invalid_token', async () => {
    const c = await newClient(w);
    const t = await signIn(c);
    w.p.clock.advance(100);
    const bearer = await w.p.fetch(new URL('/platform/oauth/token-info', w.p.issuer), { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(await bearer.json()).toMatchObject({ expires_in: 3500, scope: 'apps-read', scopes: 'apps-read', token_type: 'Bearer' });
    const dead = await w.p.fetch(new URL(`/platform/oauth/token-info?access_token=pat_${'0'.repeat(64)}`, w.p.issuer));
    expect(dead.status).toBe(401);
    expect(await dead.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('requires the openid scope for userinfo', async () => {
    const c = await newClient(w);
    const t = await signIn(c, 'apps-read');
    const res = await w.p.fetch(new URL('/platform/oauth/userinfo', w.p.issuer), { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    const t2 = await signIn(c, 'openid');
    const ok = await w.p.fetch(new URL('/platform/oauth/userinfo', w.p.issuer), { method: 'POST', headers: { authorization: `Bearer ${t2.access_token}` } });
    expect(await ok.json()).toEqual({ sub: w.user.id });
  });
});

describe('grants and clients (docs/security.md §13)', () => {
  it('ends every token of a grant at once when the user revokes it', async () => {
    const c = await newClient(w, { name: 'Revocable' });
    const t = await signIn(c);
    const apps = await listGrantsOfUser(w.p.ctx, w.user.id);
    const entry = apps.find((a) => a.oauth_app_id === c.appId)!;
    expect(entry).toMatchObject({ name: 'Revocable', scopes: ['apps-read'] });
    expect(entry.last_used_at).toBeInstanceOf(Date);
    const grant = await w.p.ctx.db.one<{ id: string }>('select id from grants where user_id = $1 and oauth_app_id = $2', [w.user.id, c.appId]);
    // A code issued but not yet exchanged must die too.
    const pending = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri });
    expect(await revokeGrant(w.p.ctx, grant!.id)).toBe(true);
    expect(await bearerStatus(w, t.access_token!)).toBe(401);
    expect(await (await refresh(c, t.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await postToken(w, c, { grant_type: 'authorization_code', code: pending.code!, redirect_uri: c.redirectUri })).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await listGrantsOfUser(w.p.ctx, w.user.id)).some((a) => a.oauth_app_id === c.appId)).toBe(false);
    expect(await revokeGrant(w.p.ctx, grant!.id)).toBe(false);
    // Signing in again makes a new grant.
    const t2 = await signIn(c);
    expect(await bearerStatus(w, t2.access_token!)).toBe(200);
    expect(await revokeGrantsOfApp(w.p.ctx, w.user.id, c.appId)).toBe(1);
    expect(await bearerStatus(w, t2.access_token!)).toBe(401);
  });

  it('ends every token of a client when it is deleted or its tokens are revoked', async () => {
    const c = await newClient(w);
    const t = await signIn(c);
    await revokeTokensOfClient(w.p.ctx, c.clientId);
    expect(await bearerStatus(w, t.access_token!)).toBe(401);
    expect(await (await refresh(c, t.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    const t2 = await signIn(c);
    await w.p.ctx.db.query('delete from oauth_clients where client_id = $1', [c.clientId]);
    expect(await bearerStatus(w, t2.access_token!)).toBe(401);
    const res = await refresh(c, t2.refresh_token!);
    expect(res.status).toBe(401);
  });

  it('refuses tokens of a suspended app', async () => {
    const c = await newClient(w);
    const t = await signIn(c);
    await w.p.ctx.db.query(`update oauth_apps set status = 'suspended' where id = $1`, [c.appId]);
    expect(await bearerStatus(w, t.access_token!)).toBe(401);
    expect(await (await refresh(c, t.refresh_token!)).json()).toMatchObject({ error: 'unauthorized_client' });
  });
});
