import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { hashToken } from '../tokens.ts';
import { redirectUriProblem } from './redirect-uris.ts';
import { Browser, bearer, clientAuthenticates, issueTokens, refreshTokenLive } from '../../testing/accounts.ts';

let p: TestProvider;
let b: Browser;
let userId: string;
beforeEach(async () => {
  p = await createTestProvider();
  b = new Browser(p);
  userId = (await b.signUp('owner@example.com')).id;
});
afterEach(async () => {
  await p.close();
});

type App = { id: string; name: string; status: string; home_page: string | null; logo: string | null; support_email: string | null; clients: Client[] };
type Client = { client_id: string; public: boolean; redirect_uris: string[]; secrets: Array<{ id: string }> };

async function newApp(body: Record<string, unknown> = { name: 'My App' }): Promise<App> {
  const res = await b.json('POST', '/dash/oauth_apps', body);
  expect(res.status).toBe(200);
  return ((await res.json()) as { oauthApp: App }).oauthApp;
}

async function newClient(appId: string, body: Record<string, unknown> = { name: 'web', redirect_uris: ['https://app.example.com/cb'] }) {
  const res = await b.json('POST', `/dash/oauth_apps/${appId}/clients`, body);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { client: Client; client_secret?: string };
}

async function liveSecretHashes(clientId: string): Promise<string[]> {
  const rows = await p.ctx.db.query<{ secret_hash: string }>(`select secret_hash from client_secrets where client_id = $1 and revoked_at is null`, [clientId]);
  return rows.map((r) => r.secret_hash);
}

describe('OAuth apps', () => {
  it('creates an app in test mode and lists it', async () => {
    const app = await newApp({ name: 'Acme', home_page: 'https://acme.example', support_email: 'help@acme.example', logo: 'data:image/png;base64,iVBORw0KGgo=' });
    expect(app).toMatchObject({ name: 'Acme', status: 'test', home_page: 'https://acme.example', support_email: 'help@acme.example', clients: [] });
    const list = (await (await b.request('/dash/oauth_apps')).json()) as { oauthApps: App[] };
    expect(list.oauthApps.map((a) => a.id)).toEqual([app.id]);
  });

  it('validates app fields with 400', async () => {
    const bad = [
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'a', home_page: 'javascript:alert(1)' },
      { name: 'a', home_page: 'https://' + 'x'.repeat(2001) },
      { name: 'a', logo: 'http://insecure.example/logo.png' },
      { name: 'a', logo: 'data:image/svg+xml;base64,PHN2Zz4=' },
      { name: 'a', logo: 'data:image/png;base64,' + 'A'.repeat(64 * 1024) },
      { name: 'a', support_email: 'nope' },
    ];
    for (const body of bad) {
      const res = await b.json('POST', '/dash/oauth_apps', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(await res.json()).toMatchObject({ type: 'validation-failed' });
    }
  });

  it('updates and deletes an app; another user gets 404', async () => {
    const app = await newApp();
    const patched = await b.json('PATCH', `/dash/oauth_apps/${app.id}`, { name: 'Renamed', home_page: '' });
    expect(((await patched.json()) as { oauthApp: App }).oauthApp).toMatchObject({ name: 'Renamed', home_page: null });
    const other = new Browser(p, '10.0.0.7');
    await other.signUp('other@example.com');
    expect((await other.request(`/dash/oauth_apps/${app.id}`)).status).toBe(404);
    expect((await other.request(`/dash/oauth_apps/${app.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await b.request(`/dash/oauth_apps/${app.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await b.request(`/dash/oauth_apps/${app.id}`)).status).toBe(404);
  });

  it('refuses OAuth access tokens on account management but accepts them on /dash/me', async () => {
    const app = await newApp();
    const { client } = await newClient(app.id);
    const { access } = await issueTokens(p, userId, client.client_id);
    expect((await p.app.request('/dash/me', { headers: bearer(access) })).status).toBe(200);
    const res = await p.app.request('/dash/oauth_apps', { headers: bearer(access) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: 'permission-denied' });
  });
});

describe('OAuth clients', () => {
  it('creates a confidential client whose secret is shown once and stored as its hash', async () => {
    const app = await newApp();
    const { client, client_secret } = await newClient(app.id, { name: 'server', redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1/cb'] });
    expect(client.public).toBe(false);
    expect(client.redirect_uris).toEqual(['https://app.example.com/cb', 'http://127.0.0.1/cb']);
    expect(client_secret).toMatch(/^pcs_[0-9a-f]{64}$/);
    expect(await liveSecretHashes(client.client_id)).toEqual([hashToken(client_secret!)]);
    const again = (await (await b.request(`/dash/oauth_apps/${app.id}`)).json()) as { oauthApp: App };
    expect(JSON.stringify(again)).not.toContain(client_secret!.slice(4));
    expect(again.oauthApp.clients[0]!.secrets).toHaveLength(1);
  });

  it('creates a public client without a secret, allowing a reverse-domain custom scheme', async () => {
    const app = await newApp();
    const { client, client_secret } = await newClient(app.id, { name: 'cli', public: true, redirect_uris: ['com.example.app:/oauth', 'http://[::1]/cb'] });
    expect(client.public).toBe(true);
    expect(client_secret).toBeUndefined();
    expect(await liveSecretHashes(client.client_id)).toEqual([]);
  });

  it('refuses bad redirect URIs at registration', async () => {
    const app = await newApp();
    const cases: Array<[unknown, boolean]> = [
      [['http://example.com/cb'], false],
      [['https://example.com/cb#frag'], false],
      [['/relative/cb'], false],
      [['https://user:pw@example.com/cb'], false],
      [['javascript:alert(1)'], true],
      [['data:text/html,hi'], true],
      [['myapp:/cb'], true],
      [['com.example.app:/cb'], false],
      [['https://exa mple.com/cb'], false],
      [[], false],
      [Array.from({ length: 11 }, (_, i) => `https://example.com/${i}`), false],
      ['https://example.com/cb', false],
      [['https://example.com/' + 'x'.repeat(2001)], false],
    ];
    for (const [uris, pub] of cases) {
      const res = await b.json('POST', `/dash/oauth_apps/${app.id}/clients`, { name: 'c', redirect_uris: uris, public: pub });
      expect(res.status, JSON.stringify(uris).slice(0, 80)).toBe(400);
      expect(await res.json()).toMatchObject({ type: 'validation-failed' });
    }
    const count = await p.ctx.db.one<{ n: number }>(`select count(*)::int as n from oauth_clients`);
    expect(count!.n).toBe(0);
  });

  it('allows http only for loopback and localhost', () => {
    expect(redirectUriProblem('http://127.0.0.1:8080/cb', false)).toBeNull();
    expect(redirectUriProblem('http://[::1]/cb', false)).toBeNull();
    expect(redirectUriProblem('http://localhost:3000/cb', false)).toBeNull();
    expect(redirectUriProblem('http://localhost.evil.com/cb', false)).not.toBeNull();
    expect(redirectUriProblem('http://127.0.0.2/cb', false)).not.toBeNull();
    expect(redirectUriProblem('https://example.com/cb?x=1', false)).toBeNull();
  });

  it('adds and removes redirect URIs, keeping at least one and at most ten', async () => {
    const app = await newApp();
    const { client } = await newClient(app.id);
    const base = `/dash/oauth_apps/${app.id}/clients/${client.client_id}/redirect_uris`;
    const added = await b.json('POST', base, { redirect_uri: 'https://app.example.com/other' });
    expect(((await added.json()) as { client: Client }).client.redirect_uris).toEqual(['https://app.example.com/cb', 'https://app.example.com/other']);
    expect((await b.json('POST', base, { redirect_uri: 'https://app.example.com/other' })).status).toBe(400);
    expect((await b.json('POST', base, { redirect_uri: 'http://evil.example/cb' })).status).toBe(400);
    const removed = await b.request(`${base}?redirect_uri=${encodeURIComponent('https://app.example.com/cb')}`, { method: 'DELETE' });
    expect(((await removed.json()) as { client: Client }).client.redirect_uris).toEqual(['https://app.example.com/other']);
    expect((await b.request(`${base}?redirect_uri=${encodeURIComponent('https://app.example.com/other')}`, { method: 'DELETE' })).status).toBe(400);
    expect((await b.request(`${base}?redirect_uri=${encodeURIComponent('https://nope.example/')}`, { method: 'DELETE' })).status).toBe(404);
    for (let i = 0; i < 9; i++) expect((await b.json('POST', base, { redirect_uri: `https://app.example.com/${i}` })).status).toBe(200);
    expect((await b.json('POST', base, { redirect_uri: 'https://app.example.com/eleventh' })).status).toBe(400);
  });

  it('rotates a secret keeping two live at once, then revokes the old one', async () => {
    const app = await newApp();
    const { client, client_secret: first } = await newClient(app.id);
    const base = `/dash/oauth_apps/${app.id}/clients/${client.client_id}/secrets`;
    const rotated = (await (await b.json('POST', base)).json()) as { client_secret: string; secret_id: string; client: Client };
    expect(rotated.client_secret).toMatch(/^pcs_/);
    expect(rotated.client_secret).not.toBe(first);
    // Both authenticate during the rotation: both hashes are live.
    expect((await liveSecretHashes(client.client_id)).sort()).toEqual([hashToken(first!), hashToken(rotated.client_secret)].sort());
    expect(rotated.client.secrets).toHaveLength(2);
    expect(await clientAuthenticates(p, client.client_id, first!)).toBe(true);
    expect(await clientAuthenticates(p, client.client_id, rotated.client_secret)).toBe(true);
    expect(await clientAuthenticates(p, client.client_id, 'pcs_' + 'f'.repeat(64))).toBe(false);
    // A third is refused while two are live.
    const third = await b.json('POST', base);
    expect(third.status).toBe(400);
    const oldId = rotated.client.secrets.find((s) => s.id !== rotated.secret_id)!.id;
    const after = await b.request(`${base}/${oldId}`, { method: 'DELETE' });
    expect(after.status).toBe(200);
    expect(await liveSecretHashes(client.client_id)).toEqual([hashToken(rotated.client_secret)]);
    expect(await clientAuthenticates(p, client.client_id, first!)).toBe(false);
    expect(await clientAuthenticates(p, client.client_id, rotated.client_secret)).toBe(true);
    // The last live secret cannot be revoked.
    expect((await b.request(`${base}/${rotated.secret_id}`, { method: 'DELETE' })).status).toBe(400);
  });

  it('refuses to rotate a public client', async () => {
    const app = await newApp();
    const { client } = await newClient(app.id, { name: 'spa', public: true, redirect_uris: ['https://spa.example/cb'] });
    expect((await b.json('POST', `/dash/oauth_apps/${app.id}/clients/${client.client_id}/secrets`)).status).toBe(400);
  });

  it('deletes a client and every token of it ends at once', async () => {
    const app = await newApp();
    const { client } = await newClient(app.id);
    const { access, refresh } = await issueTokens(p, userId, client.client_id);
    expect((await p.app.request('/dash/me', { headers: bearer(access) })).status).toBe(200);
    expect((await b.request(`/dash/oauth_apps/${app.id}/clients/${client.client_id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await p.app.request('/dash/me', { headers: bearer(access) })).status).toBe(401);
    expect(await refreshTokenLive(p, refresh)).toBe(false);
    expect((await b.request(`/dash/oauth_apps/${app.id}/clients/${client.client_id}`)).status).toBe(404);
  });

  it('deleting an app ends every token of its clients', async () => {
    const app = await newApp();
    const { client } = await newClient(app.id);
    const { access } = await issueTokens(p, userId, client.client_id);
    expect((await b.request(`/dash/oauth_apps/${app.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await p.app.request('/dash/me', { headers: bearer(access) })).status).toBe(401);
  });

  it("cannot add clients to another user's app", async () => {
    const app = await newApp();
    const other = new Browser(p, '10.0.0.8');
    await other.signUp('mallory@example.com');
    const res = await other.json('POST', `/dash/oauth_apps/${app.id}/clients`, { name: 'x', redirect_uris: ['https://evil.example/cb'] });
    expect(res.status).toBe(404);
  });
});
