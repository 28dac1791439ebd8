import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { bearer, issueTokens } from '../../testing/accounts.ts';
import { createTestClient, createTestUser, type TestClient } from '../../testing/fixtures.ts';
import { lockUser, revokeGrant, suspendApp } from '../../domain/operator/services.ts';
import { revokeAuthorizedApp } from '../../domain/accounts/authorized-apps.ts';
import { deleteClient } from '../../domain/accounts/oauth-apps.ts';
import { deleteAccount } from '../../domain/accounts/account-lifecycle.ts';
import type { Db, Store } from '../../store/index.ts';

/**
 * The embedded store keeps access-token principals in memory (docs/architecture.md §9). Every way a token stops
 * being good — revoked at the revocation endpoint, its grant revoked by the user or an operator, its client deleted,
 * its app suspended, its user locked or deleted, its expiry passed — is refused on the very next request, after the
 * cache was warm. On Postgres the cache is never used (other instances revoke too): every request reads the store.
 */

let p: TestProvider;
let lookups: number;
const CLI = { actor: 'cli' } as const;

/** Counts the access-token principal lookups the provider runs. */
function countLookups(db: Store): Store {
  const note = (sql: string) => void (sql.includes('from access_tokens t') && sql.includes('join oauth_apps a') && lookups++);
  const counting = (d: Db): Db => ({
    query: (sql, params) => (note(sql), d.query(sql, params)),
    one: (sql, params) => (note(sql), d.one(sql, params)),
    tx: (fn) => d.tx((t) => fn(counting(t))),
  });
  return { ...db, ...counting(db) };
}

const list = (token: string) => p.app.request('/superadmin/apps', { headers: bearer(token) });

interface World {
  user: Awaited<ReturnType<typeof createTestUser>>;
  client: TestClient;
  access: string;
  refresh: string;
  grantId: string;
}

/** A user with an app of their own, a client of it, and a token; the token's principal in the cache. */
async function warm(): Promise<World> {
  const user = await createTestUser(p);
  const client = await createTestClient(p, { ownerId: user.id });
  const t = await issueTokens(p, user.id, client.clientId, ['apps-read']);
  expect((await list(t.access)).status).toBe(200);
  const before = lookups;
  expect((await list(t.access)).status).toBe(200);
  if (p.ctx.db.kind === 'pglite') expect(lookups, 'the second request was answered from the cache').toBe(before);
  else expect(lookups, 'Postgres: every request reads the store').toBe(before + 1);
  return { user, client, access: t.access, refresh: t.refresh, grantId: t.grantId };
}

async function expectRefused(token: string, type = 'record-not-found'): Promise<void> {
  const res = await list(token);
  expect(res.status).toBe(401);
  expect(((await res.json()) as { type: string }).type).toBe(type);
}

describe('the access-token principal cache', () => {
  beforeEach(async () => {
    p = await createTestProvider();
    p.ctx.db = countLookups(p.ctx.db);
    lookups = 0;
  });
  afterEach(async () => {
    await p.close();
  });

  it('the revocation endpoint: refused at once', async () => {
    const w = await warm();
    const res = await p.app.request('/platform/oauth/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: w.access, client_id: w.client.clientId, client_secret: w.client.clientSecret! }).toString(),
    });
    expect(res.status).toBe(200);
    await expectRefused(w.access);
  });

  it('the user revokes the app, or an operator the grant: refused at once', async () => {
    const a = await warm();
    await revokeAuthorizedApp(p.ctx, a.user.id, a.client.appId);
    await expectRefused(a.access);
    const b = await warm();
    expect(await revokeGrant(p.ctx, b.user.id, b.grantId, CLI)).toBe(true);
    await expectRefused(b.access);
  });

  it('the client deleted, the app suspended: refused at once', async () => {
    const a = await warm();
    await deleteClient(p.ctx, a.user.id, a.client.appId, a.client.clientId);
    await expectRefused(a.access);
    const b = await warm();
    expect(await suspendApp(p.ctx, b.client.appId, CLI)).toBe(true);
    await expectRefused(b.access);
  });

  it('the user locked or deleted: refused at once', async () => {
    const a = await warm();
    expect(await lockUser(p.ctx, a.user.id, CLI)).toBe(true);
    await expectRefused(a.access);
    const b = await warm();
    await deleteAccount(p.ctx, 'local', b.user, b.user.password);
    await expectRefused(b.access);
  });

  it('expiry is decided on every request, cached or not', async () => {
    const w = await warm();
    p.clock.advance(3601);
    await expectRefused(w.access, 'record-expired');
  });

  it('refreshes and other tokens’ traffic leave a cached principal cached', async () => {
    const w = await warm();
    const res = await p.app.request('/platform/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: w.refresh, client_id: w.client.clientId, client_secret: w.client.clientSecret! }).toString(),
    });
    expect(res.status).toBe(200);
    const before = lookups;
    expect((await list(w.access)).status).toBe(200);
    if (p.ctx.db.kind === 'pglite') expect(lookups, 'a refresh (grant last use, new tokens) moves nothing').toBe(before);
  });
});
