import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeInBrowser, pkcePair } from '../../testing/fixtures.ts';
import { world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld | undefined;
afterEach(async () => {
  await w?.p.close();
  w = undefined;
});

function register(wo: OAuthWorld, body: unknown, address = '10.0.0.1'): Promise<Response> {
  return wo.p.fetch(new URL('/platform/oauth/register', wo.p.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-client-address': address },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('dynamic client registration (RFC 7591)', () => {
  it('registers a public client, marked dynamic (unverified), that signs in with PKCE', async () => {
    w = await world();
    const meta = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(w.as, { redirect_uris: ['http://127.0.0.1/cb'], client_name: 'CLI', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }, w.opts),
    );
    expect(meta.client_id).toBeTruthy();
    expect(meta.token_endpoint_auth_method).toBe('none');
    const app = await w.p.ctx.db.one<{ dynamic: boolean; status: string; owner_id: string | null }>(
      'select a.dynamic, a.status, a.owner_id from oauth_apps a join oauth_clients c on c.oauth_app_id = a.id where c.client_id = $1',
      [meta.client_id],
    );
    expect(app).toEqual({ dynamic: true, status: 'published', owner_id: null });
    const { verifier, challenge } = pkcePair();
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: meta.client_id, redirectUri: 'http://127.0.0.1:8123/cb', codeChallenge: challenge, state: 's' });
    const client = { client_id: meta.client_id };
    const tokens = await oauth.processAuthorizationCodeResponse(
      w.as,
      client,
      await oauth.authorizationCodeGrantRequest(w.as, client, oauth.None(), oauth.validateAuthResponse(w.as, client, r.callback, 's'), 'http://127.0.0.1:8123/cb', verifier, w.opts),
    );
    expect(tokens.access_token).toMatch(/^pat_/);
  });

  it('accepts only loopback or https redirect URIs: no private-use schemes (F9)', async () => {
    w = await world();
    for (const uri of ['com.evil.app:/cb', 'com.example.app://callback', 'net.example:/x']) {
      const res = await register(w, { redirect_uris: [uri] });
      expect(res.status, uri).toBe(400);
      expect(await res.json(), uri).toMatchObject({ error: 'invalid_redirect_uri' });
    }
    const apps = await w.p.ctx.db.one<{ n: number }>(`select count(*)::int as n from oauth_apps where dynamic`);
    expect(apps!.n).toBe(0);
    for (const uri of ['https://a.example/cb', 'http://127.0.0.1/cb', 'http://[::1]:9/cb', 'http://localhost:3000/cb']) {
      expect((await register(w, { redirect_uris: [uri] })).status, uri).toBe(201);
    }
  });

  it('refuses confidential clients, non-https redirect URIs and malformed metadata', async () => {
    w = await world();
    const cases: Array<[unknown, string]> = [
      [{ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata'],
      [{ redirect_uris: ['http://a.example/cb'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://a.example/cb#x'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: [] }, 'invalid_redirect_uri'],
      [{ redirect_uris: 'https://a.example/cb' }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://a.example/cb'], grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://a.example/cb'], response_types: ['token'] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://a.example/cb'], client_uri: 'javascript:x' }, 'invalid_client_metadata'],
      ['{not json', 'invalid_client_metadata'],
      [{ redirect_uris: ['https://a.example/cb'], client_name: 'a\u0000b' }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://a.example/c\u0000b'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['https://a.example/c b'] }, 'invalid_redirect_uri'],
      ['[]', 'invalid_client_metadata'],
    ];
    for (const [i, [body, error]] of cases.entries()) {
      const res = await register(w, body, `10.1.0.${i}`);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toMatchObject({ error });
    }
    const ok = await register(w, { redirect_uris: ['https://a.example/cb', 'http://localhost:3000/cb', 'http://[::1]/cb'] });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  it('rate-limits registrations per address', async () => {
    w = await world();
    for (let i = 0; i < 10; i++) expect((await register(w, { redirect_uris: ['https://a.example/cb'] }, '10.9.9.9')).status).toBe(201);
    const limited = await register(w, { redirect_uris: ['https://a.example/cb'] }, '10.9.9.9');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: 'slow_down' });
    expect((await register(w, { redirect_uris: ['https://a.example/cb'] }, '10.9.9.10')).status).toBe(201);
  });
});
