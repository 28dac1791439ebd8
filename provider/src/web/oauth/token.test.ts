import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, pkcePair } from '../../testing/fixtures.ts';
import { hashToken } from '../../domain/tokens.ts';
import { bearerStatus, codeExchange, newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => {
  await w.p.close();
});

async function json(res: Response): Promise<Record<string, string>> {
  return (await res.json()) as Record<string, string>;
}

async function codeFor(c: Awaited<ReturnType<typeof newClient>>, extra: Parameters<typeof authorizeInBrowser>[2] extends infer T ? Partial<T> : never = {}) {
  const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, ...extra });
  return r.code!;
}

describe('authorization codes (docs/security.md §4)', () => {
  it('rejects a reused authorization code and revokes its tokens', async () => {
    const c = await newClient(w);
    const { res, code } = await codeExchange(w, c);
    expect(res.status).toBe(200);
    const first = await json(res);
    expect(await bearerStatus(w, first.access_token!)).toBe(200);
    const replay = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri });
    expect(replay.status).toBe(400);
    expect(await json(replay)).toMatchObject({ error: 'invalid_grant' });
    expect(await bearerStatus(w, first.access_token!)).toBe(401);
    const refresh = await postToken(w, c, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    expect(await json(refresh)).toMatchObject({ error: 'invalid_grant' });
  });

  it('does not revoke tokens when the replay fails client authentication or PKCE', async () => {
    const c = await newClient(w);
    const { verifier, challenge } = pkcePair();
    const { res, code } = await codeExchange(w, c, { codeChallenge: challenge, verifier });
    const first = await json(res);
    const badAuth = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: verifier }, { authorization: 'Basic ' + Buffer.from(`${c.clientId}:wrong`).toString('base64') });
    expect(badAuth.status).toBe(401);
    const badPkce = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: pkcePair().verifier });
    expect(await json(badPkce)).toMatchObject({ error: 'invalid_grant' });
    const other = await newClient(w);
    const otherClient = await postToken(w, other, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: verifier });
    expect(await json(otherClient)).toMatchObject({ error: 'invalid_grant' });
    expect(await bearerStatus(w, first.access_token!)).toBe(200);
  });

  it('expires a code after ten minutes', async () => {
    const c = await newClient(w);
    const code = await codeFor(c);
    w.p.clock.advance(601);
    const res = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri });
    expect(await json(res)).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('expired') });
  });

  it('revokes on a replay even when the replay names another redirect URI', async () => {
    const c = await newClient(w);
    const { res, code } = await codeExchange(w, c);
    const first = await json(res);
    const replay = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:3000/elsewhere' });
    expect(await json(replay)).toMatchObject({ error: 'invalid_grant' });
    expect(await bearerStatus(w, first.access_token!)).toBe(401);
  });

  it('binds a code to its redirect URI', async () => {
    const c = await newClient(w, { redirectUris: ['http://127.0.0.1:3000/callback', 'http://127.0.0.1:3000/other'] });
    const code = await codeFor(c);
    const res = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:3000/other' });
    expect(await json(res)).toMatchObject({ error: 'invalid_grant' });
    const missing = await postToken(w, c, { grant_type: 'authorization_code', code });
    expect(await json(missing)).toMatchObject({ error: 'invalid_request' });
    expect((await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri })).status).toBe(200);
  });

  it('exchanges one code exactly once under 20 concurrent requests', async () => {
    const c = await newClient(w);
    const code = await codeFor(c);
    const results = await Promise.all(Array.from({ length: 20 }, () => postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const r of results.filter((x) => x.status === 400)) expect(await json(r)).toMatchObject({ error: 'invalid_grant' });
  });

  it('stores codes and tokens only as SHA-256 hashes of 256-bit values (docs/security.md §7)', async () => {
    const c = await newClient(w);
    const code = await codeFor(c);
    expect(Buffer.from(code, 'base64url')).toHaveLength(32);
    const body = await json(await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri }));
    expect(body.access_token).toMatch(/^pat_[0-9a-f]{64}$/);
    expect(body.refresh_token).toMatch(/^prt_[0-9a-f]{64}$/);
    const tables = ['access_tokens', 'refresh_tokens', 'authorization_codes', 'grants'];
    let dump = '';
    for (const t of tables) dump += JSON.stringify(await w.p.ctx.db.query(`select * from ${t}`));
    expect(dump).toContain(hashToken(body.access_token!));
    for (const secret of [code, body.access_token!, body.refresh_token!]) expect(dump).not.toContain(secret);
    expect(await w.p.ctx.db.one('select 1 from access_tokens where token_hash = $1', [hashToken(body.access_token!)])).toBeTruthy();
    expect(await w.p.ctx.db.one('select 1 from authorization_codes where code_hash = $1', [createHash('sha256').update(code).digest('hex')])).toBeTruthy();
  });
});

describe('rate limits', () => {
  it('slows down a client address that floods the token endpoint', async () => {
    const p = w.p;
    const send = () => p.fetch(new URL('/platform/oauth/token', p.issuer), { method: 'POST', headers: { 'x-test-client-address': '10.7.7.7' } });
    for (let i = 0; i < 600; i += 50) await Promise.all(Array.from({ length: 50 }, send));
    const res = await send();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await json(res)).toMatchObject({ error: 'slow_down' });
    const other = await p.fetch(new URL('/platform/oauth/token', p.issuer), { method: 'POST', headers: { 'x-test-client-address': '10.7.7.8' } });
    expect(other.status).toBe(401);
  });
});

describe('PKCE at the token endpoint (docs/security.md §3)', () => {
  it('fails a challenge without a verifier, a verifier without a challenge, and a malformed verifier', async () => {
    const c = await newClient(w);
    const { verifier, challenge } = pkcePair();
    const withChallenge = await codeFor(c, { codeChallenge: challenge });
    for (const v of [undefined, 'short', verifier + '!', 'a'.repeat(129)]) {
      const res = await postToken(w, c, { grant_type: 'authorization_code', code: withChallenge, redirect_uri: c.redirectUri, ...(v === undefined ? {} : { code_verifier: v }) });
      expect(await json(res)).toMatchObject({ error: 'invalid_grant' });
    }
    expect((await postToken(w, c, { grant_type: 'authorization_code', code: withChallenge, redirect_uri: c.redirectUri, code_verifier: verifier })).status).toBe(200);
    const noChallenge = await codeFor(c);
    const downgrade = await postToken(w, c, { grant_type: 'authorization_code', code: noChallenge, redirect_uri: c.redirectUri, code_verifier: verifier });
    expect(await json(downgrade)).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('client authentication', () => {
  it('answers bad credentials with 401 invalid_client, with a Basic challenge only when Basic was used', async () => {
    const c = await newClient(w);
    const code = await codeFor(c);
    const params = { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri };
    const basic = await postToken(w, c, params, { authorization: 'Basic ' + Buffer.from(`${c.clientId}:nope`).toString('base64') });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await json(basic)).toMatchObject({ error: 'invalid_client' });
    const post = await w.p.fetch(new URL('/platform/oauth/token', w.p.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...params, client_id: c.clientId, client_secret: 'nope' }).toString(),
    });
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toBeNull();
    const none = await w.p.fetch(new URL('/platform/oauth/token', w.p.issuer), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...params, client_id: c.clientId }).toString() });
    expect(none.status).toBe(401);
    const both = await postToken(w, c, { ...params, client_secret: c.clientSecret! });
    expect(await json(both)).toMatchObject({ error: 'invalid_request' });
    expect((await postToken(w, c, params)).status).toBe(200);
  });

  it('form-decodes client_secret_basic credentials and accepts either of two live secrets (RFC 6749 §2.3.1)', async () => {
    const c = await newClient(w);
    const odd = 'a+b:c%/ é&=';
    await w.p.ctx.db.query(`insert into client_secrets (id, client_id, secret_hash, created_at) values ($1, $2, $3, now())`, [w.p.ctx.random.uuid(), c.clientId, hashToken(odd)]);
    const encoded = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    for (const secret of [odd, c.clientSecret!]) {
      const code = await codeFor(c);
      const res = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri }, { authorization: 'Basic ' + Buffer.from(`${encoded(c.clientId)}:${encoded(secret)}`).toString('base64') });
      expect(res.status).toBe(200);
    }
    await w.p.ctx.db.query(`update client_secrets set revoked_at = now() where client_id = $1 and secret_hash = $2`, [c.clientId, hashToken(odd)]);
    const code = await codeFor(c);
    const res = await postToken(w, c, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri }, { authorization: 'Basic ' + Buffer.from(`${encoded(c.clientId)}:${encoded(odd)}`).toString('base64') });
    expect(res.status).toBe(401);
  });

  it('refuses a secret from a public client and an unknown client', async () => {
    const c = await newClient(w, { public: true });
    const res = await w.p.fetch(new URL('/platform/oauth/token', w.p.issuer), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=x&client_id=${c.clientId}&client_secret=x` });
    expect(res.status).toBe(401);
    const unknown = await w.p.fetch(new URL('/platform/oauth/token', w.p.issuer), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=x&client_id=nobody' });
    expect(unknown.status).toBe(401);
    expect(await json(unknown)).toMatchObject({ error: 'invalid_client' });
  });
});

describe('token endpoint responses (docs/security.md §10)', () => {
  it('sends Cache-Control: no-store on success and on errors, and refuses unknown grant types', async () => {
    const c = await newClient(w);
    const { res } = await codeExchange(w, c);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const bad = await postToken(w, c, { grant_type: 'password', username: 'a', password: 'b' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('cache-control')).toBe('no-store');
    expect(await json(bad)).toMatchObject({ error: 'unsupported_grant_type' });
    expect(await json(await postToken(w, c, {}))).toMatchObject({ error: 'invalid_request' });
  });

  it('answers a wrong method on an OAuth endpoint with an OAuth-shaped 405', async () => {
    for (const [method, path] of [['GET', '/platform/oauth/token'], ['PUT', '/platform/oauth/revoke'], ['DELETE', '/platform/oauth/start'], ['PUT', '/platform/oauth/consent'], ['GET', '/platform/oauth/register']]) {
      const res = await w.p.fetch(new URL(path!, w.p.issuer), { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBeTruthy();
      expect(await json(res)).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('answers malformed input with an OAuth error, never a 500', async () => {
    const c = await newClient(w);
    const bodies: Array<[string, string]> = [
      ['application/json', '{'],
      ['application/json', '[1,2]'],
      ['application/json', '{"grant_type":{"a":1}}'],
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'grant_type=authorization_code&grant_type=refresh_token'],
      ['application/x-www-form-urlencoded', '%%%'],
      ['application/x-www-form-urlencoded', 'grant_type=authorization_code&code=' + 'x'.repeat(70_000)],
      ['application/x-www-form-urlencoded', 'grant_type=refresh_token&refresh_token=prt_' + '0'.repeat(64)],
      ['application/x-www-form-urlencoded', 'grant_type=authorization_code&code=%00&redirect_uri=%FF'],
    ];
    for (const [type, body] of bodies) {
      const res = await w.p.fetch(new URL('/platform/oauth/token', w.p.issuer), {
        method: 'POST',
        headers: { 'content-type': type, authorization: 'Basic ' + Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64') },
        body,
      });
      expect(res.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.status, body.slice(0, 40)).toBeLessThan(500);
      expect(Object.keys(await json(res))).toContain('error');
    }
    for (const auth of ['Basic', 'Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Basic ' + Buffer.from('%zz:%zz').toString('base64')]) {
      const res = await w.p.fetch(new URL('/platform/oauth/token', w.p.issuer), { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token' });
      expect(res.status, auth).toBe(401);
      expect(await json(res)).toMatchObject({ error: 'invalid_client' });
    }
  });
});

describe('access token lifetime', () => {
  it('expires access tokens after ACCESS_TOKEN_TTL_S', async () => {
    const c = await newClient(w);
    const body = await json((await codeExchange(w, c)).res);
    w.p.clock.advance(3599);
    expect(await bearerStatus(w, body.access_token!)).toBe(200);
    w.p.clock.advance(2);
    expect(await bearerStatus(w, body.access_token!)).toBe(401);
  });
});
