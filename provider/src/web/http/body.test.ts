import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersonalToken } from '../../domain/accounts/personal-tokens.ts';
import { createTestClient, createTestUser, sessionCookie, type TestClient } from '../../testing/fixtures.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';

// docs/security.md §15: every body reader answers an oversized body with a 413, in its surface's style.
let p: TestProvider;
let client: TestClient;
let cookie: string;
beforeAll(async () => {
  p = await createTestProvider();
  const user = await createTestUser(p);
  client = await createTestClient(p, { ownerId: user.id });
  cookie = await sessionCookie(p, user.id);
});
afterAll(async () => {
  await p.close();
});

const FORM = 'application/x-www-form-urlencoded';
const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  p.fetch(new URL(path, p.issuer), { method: 'POST', body, headers: { 'content-type': FORM, ...headers }, redirect: 'manual' });
/** A valid authorization request padded past 64 KB. */
const paddedStart = () =>
  new URLSearchParams({ client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'apps-read', state: 'st', pad: 'x'.repeat(70_000) }).toString();

describe('oversized bodies (docs/security.md §15)', () => {
  it('answers an oversized POST to the authorization endpoint with a 413 page, not "Unknown app" and no redirect', async () => {
    // Streamed (no Content-Length) and declared: both are refused before anything is looked up.
    for (const headers of [{ cookie }, { cookie, 'content-length': '70000' }] as Record<string, string>[]) {
      const res = await post('/platform/oauth/start', paddedStart(), headers);
      expect(res.status).toBe(413);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toContain('Request too large');
      expect(html).not.toContain('Unknown app');
    }
    // A body of another type is not read, but a declared size over the limit is still a 413.
    expect((await post('/platform/oauth/start', 'x', { 'content-type': 'text/plain', 'content-length': String(1024 * 1024) })).status).toBe(413);
    // Just under the limit the same request is answered as usual.
    const small = new URLSearchParams({ client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'apps-read', state: 'st', pad: 'x'.repeat(60_000) });
    expect((await post('/platform/oauth/start', small.toString(), { cookie })).status).toBe(303);
  });

  it('answers an oversized consent POST with a 413 page', async () => {
    const res = await post('/platform/oauth/consent', `decision=allow&request=x&_csrf=y&pad=${'x'.repeat(70_000)}`, { cookie });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Request too large');
  });

  it('answers oversized bodies on the OAuth endpoints with 413 invalid_request and no-store', async () => {
    for (const [path, type] of [
      ['/platform/oauth/token', FORM],
      ['/platform/oauth/revoke', FORM],
      ['/platform/oauth/introspect', FORM],
      ['/platform/oauth/register', 'application/json'],
    ] as const) {
      const body = type === FORM ? `grant_type=refresh_token&pad=${'x'.repeat(70_000)}` : JSON.stringify({ redirect_uris: ['https://a.example/cb'], pad: 'x'.repeat(70_000) });
      const res = await post(path, body, { 'content-type': type });
      expect(res.status, path).toBe(413);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(await res.json(), path).toMatchObject({ error: 'invalid_request' });
    }
    // Unreadable registration metadata is still invalid_client_metadata (RFC 7591 §3.2.2).
    const bad = await post('/platform/oauth/register', '{', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: 'The request body is not valid JSON' });
  });

  it('answers oversized bodies on the account endpoints and dashboard forms with 413', async () => {
    const user = await createTestUser(p);
    const { token } = await createPersonalToken(p.ctx, user.id, { name: 'big' });
    const api = await post('/dash/personal_access_tokens', JSON.stringify({ name: 'x'.repeat(200_000) }), { 'content-type': 'application/json', authorization: `Bearer ${token}` });
    expect(api.status).toBe(413);
    expect(await api.json()).toMatchObject({ type: 'payload-too-large' });
    const form = await post('/dash/login', `email=a%40b.example&password=${'x'.repeat(200_000)}`);
    expect(form.status).toBe(413);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
