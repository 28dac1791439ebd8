import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../app.ts';
import { defaultConfig } from '../config.ts';
import type { Store } from '../../store/index.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { decryptJwk } from './jwks.ts';

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

const unusable = () => Promise.reject(new Error('the store is not open'));
const closedStore: Store = { kind: 'pglite', query: unusable, one: unusable, tx: unusable, exec: unusable, close: async () => {}, clientRowsVersion: () => null, principalRowsVersion: () => null };

describe('discovery, JWKS and CORS', () => {
  it('serves discovery without touching the store', async () => {
    const provider = await createProvider(defaultConfig({ secret: 'x'.repeat(32) }), { store: closedStore, sweeper: false });
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await provider.app.request(path);
      expect(res.status).toBe(200);
      const m = await res.json();
      expect(m).toMatchObject({
        issuer: 'http://localhost:8787',
        authorization_endpoint: 'http://localhost:8787/platform/oauth/start',
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        id_token_signing_alg_values_supported: ['ES256'],
      });
      expect(m.scopes_supported).toEqual(['apps-read', 'apps-write', 'data-read', 'data-write', 'storage-read', 'storage-write', 'openid', 'email']);
    }
  });

  it('creates one ES256 key, keeps its private half encrypted, and serves the same key from every instance', async () => {
    p = await createTestProvider();
    const jwks = await (await p.fetch(new URL('/.well-known/jwks.json', p.issuer))).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const row = await p.ctx.db.one<{ private_jwk_encrypted: string }>('select private_jwk_encrypted from signing_keys');
    expect(row!.private_jwk_encrypted).not.toContain('"d"');
    expect(decryptJwk(p.ctx.config.secret, row!.private_jwk_encrypted).d).toBeTruthy();
    expect(() => decryptJwk('another-secret-another-secret-0000', row!.private_jwk_encrypted)).toThrow();
    const second = await createProvider(p.ctx.config, { store: p.ctx.db as Store, sweeper: false, clock: p.clock });
    const again = await (await second.app.request('/.well-known/jwks.json')).json();
    expect(again.keys.map((k: { kid: string }) => k.kid)).toEqual([jwks.keys[0].kid]);
  });

  it('answers CORS preflights from any origin on token endpoints, and sends none from the authorization endpoint', async () => {
    p = await createTestProvider();
    for (const path of ['/platform/oauth/token', '/platform/oauth/revoke', '/platform/oauth/token-info', '/platform/oauth/userinfo', '/platform/oauth/register', '/.well-known/jwks.json', '/.well-known/openid-configuration']) {
      const res = await p.fetch(new URL(path, p.issuer), { method: 'OPTIONS', headers: { origin: 'https://spa.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
      expect(res.status, path).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
    // Error responses carry the CORS header too, so a browser app can read the OAuth error.
    const failed = await p.fetch(new URL('/platform/oauth/token', p.issuer), { method: 'POST', headers: { origin: 'https://spa.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&client_id=nobody' });
    expect(failed.status).toBe(401);
    expect(failed.headers.get('access-control-allow-origin')).toBe('*');
    const start = await p.fetch(new URL('/platform/oauth/start?client_id=x', p.issuer), { headers: { origin: 'https://spa.example' } });
    expect(start.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await p.fetch(new URL('/platform/oauth/consent', p.issuer), { method: 'OPTIONS', headers: { origin: 'https://spa.example', 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
