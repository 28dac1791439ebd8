import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { Browser, bearer, issueTokens, refreshTokenLive } from '../../testing/accounts.ts';

let p: TestProvider;
beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  await p.close();
});

type Listed = { authorized_apps: Array<{ oauth_app_id: string; name: string; scopes: string[] }> };

/** An app builder with a published app and client, and a user who granted it. */
async function setup() {
  const builder = new Browser(p, '10.0.1.1');
  await builder.signUp('builder@example.com');
  const app = ((await (await builder.json('POST', '/dash/oauth_apps', { name: 'Builder App' })).json()) as { oauthApp: { id: string } }).oauthApp;
  const created = (await (await builder.json('POST', `/dash/oauth_apps/${app.id}/clients`, { name: 'web', redirect_uris: ['https://b.example/cb'] })).json()) as {
    client: { client_id: string };
  };
  const user = new Browser(p, '10.0.1.2');
  const userId = (await user.signUp('user@example.com')).id;
  const t1 = await issueTokens(p, userId, created.client.client_id, ['apps-read']);
  const t2 = await issueTokens(p, userId, created.client.client_id, ['apps-write']);
  return { builder, user, userId, appId: app.id, clientId: created.client.client_id, t1, t2 };
}

describe('authorized apps', () => {
  it('lists the apps a user has granted, scopes merged', async () => {
    const { user, appId, builder } = await setup();
    const res = await user.request('/dash/authorized_apps');
    expect(res.status).toBe(200);
    const list = (await res.json()) as Listed;
    expect(list.authorized_apps).toHaveLength(1);
    expect(list.authorized_apps[0]).toMatchObject({ oauth_app_id: appId, name: 'Builder App', scopes: ['apps-read', 'apps-write'] });
    expect(((await (await builder.request('/dash/authorized_apps')).json()) as Listed).authorized_apps).toEqual([]);
  });

  it('revoking an app ends every access and refresh token of every grant at once', async () => {
    const { user, appId, t1, t2 } = await setup();
    for (const t of [t1, t2]) expect((await p.app.request('/dash/me', { headers: bearer(t.access) })).status).toBe(200);
    const res = await user.request(`/dash/authorized_apps/${appId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    for (const t of [t1, t2]) {
      expect((await p.app.request('/dash/me', { headers: bearer(t.access) })).status).toBe(401);
      expect(await refreshTokenLive(p, t.refresh)).toBe(false);
    }
    expect(((await (await user.request('/dash/authorized_apps')).json()) as Listed).authorized_apps).toEqual([]);
    expect((await user.request(`/dash/authorized_apps/${appId}`, { method: 'DELETE' })).status).toBe(404);
  });

  it("cannot revoke another user's grant", async () => {
    const { builder, appId, t1 } = await setup();
    expect((await builder.request(`/dash/authorized_apps/${appId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await builder.request(`/dash/authorized_apps/not-a-uuid`, { method: 'DELETE' })).status).toBe(404);
    expect((await p.app.request('/dash/me', { headers: bearer(t1.access) })).status).toBe(200);
  });
});
