import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { Browser } from '../../testing/accounts.ts';
import { suspendApp } from '../../domain/operator/services.ts';
import { deleteAccount } from '../../domain/accounts/account-lifecycle.ts';
import { verifyLogin } from '../../domain/accounts/users.ts';
import { cachedClient } from '../../domain/oauth/client-cache.ts';
import pg from 'pg';
import type { Db, Store } from '../../store/index.ts';
import { openPostgres } from '../../store/postgres.ts';
import { runPrefix, templateDb, withDatabase } from '../../testing/global-setup.ts';

/**
 * The provider keeps client rows in memory (docs/architecture.md §6). Every change made through the provider's own
 * routes and services — a secret revoked or rotated, a client or its owner deleted, the app suspended — is seen by
 * the very next token request, on whichever store the run uses (TEST_DATABASE_URL: Postgres).
 */

let p: TestProvider;
let owner: Browser;
let lookups: number;
let ownerEmail: string;
const PASSWORD = 'correct horse battery';

/** Counts the client lookups (the statement that reads a client with its secret hashes) the provider runs. */
function countLookups(db: Store): Store {
  const note = (sql: string) => void (sql.includes('from client_secrets') && lookups++);
  const counting = (d: Db): Db => ({
    query: (sql, params) => (note(sql), d.query(sql, params)),
    one: (sql, params) => (note(sql), d.one(sql, params)),
    tx: (fn) => d.tx((t) => fn(counting(t))),
  });
  return { ...db, ...counting(db) };
}

/** `p` and its signed-up owner, the provider every change is made on. */
async function setUp(provider: TestProvider): Promise<void> {
  p = provider;
  p.ctx.db = countLookups(p.ctx.db);
  lookups = 0;
  owner = new Browser(p);
  ownerEmail = `owner-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await owner.signUp(ownerEmail, PASSWORD);
}

/** A published app with one confidential client, made through the dashboard's routes. */
async function newClient(): Promise<{ appId: string; clientId: string; secret: string; secretId: string }> {
  const app = (await (await owner.json('POST', '/dash/oauth_apps', { name: 'Cached' })).json()) as { oauthApp: { id: string } };
  const res = await owner.json('POST', `/dash/oauth_apps/${app.oauthApp.id}/clients`, { name: 'backend', redirect_uris: ['https://app.example.com/cb'] });
  const made = (await res.json()) as { client: { client_id: string; secrets: { id: string }[] }; client_secret: string };
  return { appId: app.oauthApp.id, clientId: made.client.client_id, secret: made.client_secret, secretId: made.client.secrets[0]!.id };
}

/**
 * What the token endpoint answers a refresh with an unknown refresh token: `invalid_grant` once the client
 * authenticated (the refresh token is what fails), else the client's error. Each call from its own address, so
 * the failure limits never answer instead.
 */
let caller = 0;
async function tokenAnswer(clientId: string, secret: string, on: TestProvider = p): Promise<string> {
  const res = await on.app.request('/platform/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-test-client-address': `10.251.${++caller >> 8}.${caller & 255}` },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'prt_' + '0'.repeat(64), client_id: clientId, client_secret: secret }).toString(),
  });
  return ((await res.json()) as { error: string }).error;
}

/**
 * The client is authenticated from the cache: a second request runs no lookup. On Postgres the notification of the
 * client's own creation comes back on the LISTEN connection a moment later and empties the cache once (a change the
 * process must not trust itself over), so the first requests repeat until one runs no lookup (at most 2 s).
 */
async function expectCached(clientId: string, secret: string, on: TestProvider = p): Promise<void> {
  expect(await tokenAnswer(clientId, secret, on)).toBe('invalid_grant');
  for (let settled = Date.now() + 2_000; Date.now() < settled; ) {
    const seen = lookups;
    await new Promise((r) => setTimeout(r, 20));
    expect(await tokenAnswer(clientId, secret, on)).toBe('invalid_grant');
    if (lookups === seen) break;
  }
  const before = lookups;
  expect(await tokenAnswer(clientId, secret, on)).toBe('invalid_grant');
  expect(lookups, 'the second request was answered from the cache').toBe(before);
}

describe('the client cache, in one process', () => {
  beforeEach(async () => {
    await setUp(await createTestProvider());
  });
  afterEach(async () => {
    await p.close();
  });

  it('a revoked secret is refused at the next request, the other live one still accepted', async () => {
    const c = await newClient();
    const rotated = (await (await owner.json('POST', `/dash/oauth_apps/${c.appId}/clients/${c.clientId}/secrets`)).json()) as { client_secret: string };
    await expectCached(c.clientId, c.secret);
    expect(await tokenAnswer(c.clientId, rotated.client_secret)).toBe('invalid_grant');
    expect((await owner.request(`/dash/oauth_apps/${c.appId}/clients/${c.clientId}/secrets/${c.secretId}`, { method: 'DELETE' })).status).toBe(200);
    expect(await tokenAnswer(c.clientId, c.secret)).toBe('invalid_client');
    expect(await tokenAnswer(c.clientId, rotated.client_secret)).toBe('invalid_grant');
  });

  it('a rotated-in secret is accepted at the next request', async () => {
    const c = await newClient();
    await expectCached(c.clientId, c.secret);
    const rotated = (await (await owner.json('POST', `/dash/oauth_apps/${c.appId}/clients/${c.clientId}/secrets`)).json()) as { client_secret: string };
    expect(await tokenAnswer(c.clientId, rotated.client_secret)).toBe('invalid_grant');
  });

  it('a deleted client is unknown at the next request', async () => {
    const c = await newClient();
    await expectCached(c.clientId, c.secret);
    expect((await owner.request(`/dash/oauth_apps/${c.appId}/clients/${c.clientId}`, { method: 'DELETE' })).status).toBe(200);
    expect(await tokenAnswer(c.clientId, c.secret)).toBe('invalid_client');
  });

  it('a deleted app’s client is unknown at the next request', async () => {
    const c = await newClient();
    await expectCached(c.clientId, c.secret);
    expect((await owner.request(`/dash/oauth_apps/${c.appId}`, { method: 'DELETE' })).status).toBe(200);
    expect(await tokenAnswer(c.clientId, c.secret)).toBe('invalid_client');
  });

  it('a suspended app’s client gets no tokens at the next request', async () => {
    const c = await newClient();
    await expectCached(c.clientId, c.secret);
    expect(await suspendApp(p.ctx, c.appId, { actor: 'cli' })).toBe(true);
    expect(await tokenAnswer(c.clientId, c.secret)).toBe('unauthorized_client');
  });

  it('the clients of a deleted account (deleted by cascade from users) are unknown at the next request', async () => {
    const c = await newClient();
    await expectCached(c.clientId, c.secret);
    const user = await verifyLogin(p.ctx, ownerEmail, PASSWORD);
    await deleteAccount(p.ctx, '10.0.0.1', user!, PASSWORD);
    expect(await tokenAnswer(c.clientId, c.secret)).toBe('invalid_client');
  });

  it('a lookup that raced a write returns what it read but does not keep it', async () => {
    const c = await newClient();
    const store = p.ctx.db;
    // The lookup's statement returns the row with the live secret; before the lookup resumes, the secret is
    // revoked (committed) through the dashboard, and a request after that caches the new row.
    let revoke = true;
    const racing: Store = {
      ...store,
      one: async <T,>(sql: string, params?: unknown[]) => {
        const row = await store.one<T>(sql, params);
        if (revoke && sql.includes('from client_secrets')) {
          revoke = false;
          const second = await owner.json('POST', `/dash/oauth_apps/${c.appId}/clients/${c.clientId}/secrets`);
          expect(second.status).toBe(200);
          expect((await owner.request(`/dash/oauth_apps/${c.appId}/clients/${c.clientId}/secrets/${c.secretId}`, { method: 'DELETE' })).status).toBe(200);
          expect(await tokenAnswer(c.clientId, c.secret)).toBe('invalid_client');
        }
        return row;
      },
    };
    const raced = await cachedClient({ ...p.ctx, db: racing }, c.clientId);
    expect(raced?.secret_hashes).toHaveLength(1); // read before the revocation
    expect(await tokenAnswer(c.clientId, c.secret)).toBe('invalid_client');
  });

  it('a transaction that wrote a client row and rolled back leaves the cache as it was, and caches nothing meanwhile', async () => {
    const c = await newClient();
    await expectCached(c.clientId, c.secret);
    await expect(
      p.ctx.db.tx(async (db) => {
        await db.query(`update client_secrets set revoked_at = now() where client_id = $1`, [c.clientId]);
        // Inside it, what the cache would read is uncommitted: it reads the store and keeps nothing.
        expect(p.ctx.db.clientRowsVersion()).toBeNull();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await tokenAnswer(c.clientId, c.secret)).toBe('invalid_grant');
  });

  it('an unknown client is not remembered: each request for it reads the store', async () => {
    const c = await newClient();
    const before = lookups;
    for (let i = 0; i < 3; i++) expect(await tokenAnswer('not-a-client', c.secret)).toBe('invalid_client');
    expect(lookups - before).toBe(3);
  });
});

const url = process.env.TEST_DATABASE_URL;

describe.runIf(url)('the client cache, two providers on one Postgres database', () => {
  let a: TestProvider;
  let b: TestProvider;
  let admin: pg.Client;
  let name: string;

  beforeEach(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    name = `${runPrefix()}_cache_${Math.random().toString(36).slice(2, 10)}`;
    await admin.query(`create database ${name} template ${templateDb()}`);
    // Two instances behind a load balancer: each its own pool and LISTEN connection.
    a = await createTestProvider({}, { store: await openPostgres(withDatabase(url!, name)) });
    b = await createTestProvider({}, { store: await openPostgres(withDatabase(url!, name)) });
    b.ctx.db = countLookups(b.ctx.db);
    await setUp(a);
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
    await admin.query(`alter database ${name} allow_connections true`).catch(() => {});
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  });

  /** Asks B until `ok` holds of its answer; the milliseconds it took, or a failure after 2 s. */
  async function seenOnB(c: { clientId: string; secret: string }, ok: (answer: string) => boolean): Promise<number> {
    const started = Date.now();
    while (!ok(await tokenAnswer(c.clientId, c.secret, b))) {
      if (Date.now() - started > 2_000) throw new Error('B did not see the change within 2 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    return Date.now() - started;
  }

  it('a change made on A is seen on B within moments (B had the client cached)', async () => {
    const c = await newClient();
    await expectCached(c.clientId, c.secret, b);
    expect((await owner.request(`/dash/oauth_apps/${c.appId}/clients/${c.clientId}`, { method: 'DELETE' })).status).toBe(200);
    expect(await seenOnB(c, (answer) => answer === 'invalid_client')).toBeLessThan(2_000);

    const d = await newClient();
    await expectCached(d.clientId, d.secret, b);
    expect(await suspendApp(a.ctx, d.appId, { actor: 'cli' })).toBe(true);
    expect(await seenOnB(d, (answer) => answer === 'unauthorized_client')).toBeLessThan(2_000);
  });

  it('with its LISTEN connection killed, B never serves a stale row, and caches again once it listens again', async () => {
    const c = await newClient();
    const rotated = (await (await owner.json('POST', `/dash/oauth_apps/${c.appId}/clients/${c.clientId}/secrets`)).json()) as { client_secret: string };
    await expectCached(c.clientId, c.secret, b);
    // No new connections to the database (the pools keep the ones they have), so B cannot listen again until
    // allowed: the test, not B's backoff, decides how long it stays deaf.
    await admin.query(`alter database ${name} allow_connections false`);
    // Both instances' LISTEN connections, as an operator (or a failover) would end them; waits until they are gone.
    const killed = await admin.query(`select pg_terminate_backend(pid, 5000) from pg_stat_activity where query ilike 'listen%' and datname = $1`, [name]);
    expect(killed.rowCount).toBe(2);
    // A's change is never notified to B (nobody listens now); B must not answer from what it had …
    expect((await owner.request(`/dash/oauth_apps/${c.appId}/clients/${c.clientId}/secrets/${c.secretId}`, { method: 'DELETE' })).status).toBe(200);
    expect(await tokenAnswer(c.clientId, c.secret, b)).toBe('invalid_client');
    // … nor keep what it reads while deaf: every request reads the store.
    await new Promise((r) => setTimeout(r, 300)); // a few of B's reconnection attempts fail meanwhile
    const before = lookups;
    expect(await tokenAnswer(c.clientId, rotated.client_secret, b)).toBe('invalid_grant');
    expect(await tokenAnswer(c.clientId, rotated.client_secret, b)).toBe('invalid_grant');
    expect(lookups - before).toBe(2);

    // Allowed again, B listens again within its backoff, then caches again and follows A's changes again.
    await admin.query(`alter database ${name} allow_connections true`);
    const started = Date.now();
    while (b.ctx.db.clientRowsVersion() === null) {
      if (Date.now() - started > 5_000) throw new Error('B did not listen again within 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    await expectCached(c.clientId, rotated.client_secret, b);
    expect((await owner.request(`/dash/oauth_apps/${c.appId}/clients/${c.clientId}`, { method: 'DELETE' })).status).toBe(200);
    expect(await seenOnB({ clientId: c.clientId, secret: rotated.client_secret }, (answer) => answer === 'invalid_client')).toBeLessThan(2_000);
  });
});
