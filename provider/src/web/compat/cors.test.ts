import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';

/**
 * docs/instant-compat.md §1: the token, revoke, token-info, userinfo and Platform API endpoints let a browser send
 * the headers Instant's SDKs add, with no credentials; pages (consent, login, dashboard) send no CORS headers at all.
 */
let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

const SDK_HEADERS = 'authorization, content-type, instant-platform-version, instant-core-version, x-instant-source, x-instant-version';

function preflight(path: string, method: string) {
  return p.app.request(path, {
    method: 'OPTIONS',
    headers: { Origin: 'https://builder.example', 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': SDK_HEADERS },
  });
}

describe('CORS for Instant SDK headers', () => {
  const apis: Array<[string, string]> = [
    ['/platform/oauth/token', 'POST'],
    ['/platform/oauth/revoke', 'POST'],
    ['/platform/oauth/token-info', 'GET'],
    ['/platform/oauth/userinfo', 'GET'],
    ['/superadmin/apps', 'POST'],
    ['/superadmin/orgs', 'GET'],
    ['/dash/apps/00000000-0000-4000-8000-000000000000/schema/pull', 'GET'],
  ];
  for (const [path, method] of apis) {
    it(`${method} ${path}: reflects the requested headers, any origin, no credentials`, async () => {
      const res = await preflight(path, method);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      for (const h of SDK_HEADERS.split(', ')) expect(allowed, h).toContain(h);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });
  }

  for (const path of ['/platform/oauth/start', '/platform/oauth/consent', '/dash/login', '/dash/signup', '/dash', '/dash/settings/tokens']) {
    it(`${path}: a page, so no CORS headers`, async () => {
      const res = await preflight(path, 'POST');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-headers')).toBeNull();
      const get = await p.app.request(path, { headers: { Origin: 'https://builder.example' } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
    });
  }

  it('revoke answers {} as JSON, as Instant does', async () => {
    const res = await p.app.request('/platform/oauth/revoke?token=pat_' + '0'.repeat(64), { method: 'POST', headers: { Origin: 'https://builder.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({});
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers (errors included) carry Allow-Origin; a preflight gives the methods and max age; MCP exposes its headers', async () => {
    const origin = { Origin: 'https://builder.example' };
    const failed = await p.app.request('/platform/oauth/token', { method: 'POST', headers: { ...origin, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&client_id=nobody&refresh_token=prt_x' });
    expect(failed.status).toBe(401);
    expect(failed.headers.get('access-control-allow-origin')).toBe('*');
    expect(failed.headers.get('cache-control')).toBe('no-store');
    const list = await p.app.request('/superadmin/apps', { headers: origin });
    expect(list.status).toBe(401);
    expect(list.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await preflight('/platform/oauth/token', 'POST');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    expect(pre.headers.get('access-control-max-age')).toBe('600');
    expect(pre.headers.get('vary')).toBe('Access-Control-Request-Headers');
    expect(await pre.text()).toBe('');
    const mcp = await p.app.request('/mcp', { method: 'POST', headers: { ...origin, 'Content-Type': 'application/json' }, body: '{}' });
    expect(mcp.headers.get('access-control-allow-origin')).toBe('*');
    expect(mcp.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate,Mcp-Session-Id');
    const mcpPre = await preflight('/mcp', 'POST');
    expect(mcpPre.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,Mcp-Protocol-Version,Mcp-Session-Id,Last-Event-ID');
  });
});
