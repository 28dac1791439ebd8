import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider, type Provider } from '../app.ts';
import { defaultConfig } from '../domain/config.ts';
import { createLogger } from '../domain/log.ts';
import { listMigrations } from '../store/migrate.ts';
import { openPostgres } from '../store/postgres.ts';
import { runPrefix, templateDb, withDatabase } from '../testing/global-setup.ts';
import { createTestProvider, openTestStore, type TestProvider } from '../testing/index.ts';
import { watchStore } from './health.ts';
import { decryptJwk, encryptJwk, signingKey } from '../domain/oauth/jwks.ts';

const SECRET = 'test-secret-test-secret-test-secret-0123';
let p: TestProvider | Provider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('/healthz', () => {
  it('answers 503 naming the migrations a database lacks, and 503 when it has no migrations table at all', async () => {
    const tp = await createTestProvider();
    p = tp;
    expect((await tp.app.request('/healthz')).status).toBe(200);
    const last = listMigrations().at(-1)!.version;
    await tp.ctx.db.query('delete from schema_migrations where version = $1', [last]);
    const older = await tp.app.request('/healthz');
    expect(older.status).toBe(503);
    expect(await older.json()).toEqual({ status: 'unavailable', check: 'migrations', reason: `migrations are not applied: ${last}` });
    await tp.ctx.db.query('drop table schema_migrations');
    const none = await tp.app.request('/healthz');
    expect(none.status).toBe(503);
    expect(await none.json()).toMatchObject({ status: 'unavailable', check: 'migrations', reason: expect.stringMatching(/^migrations are not applied \(.*schema_migrations/) });
  });
});

describe('/healthz and SECRET', () => {
  it('answers 503 naming the signing keys when SECRET does not open them, and 200 again once it does', async () => {
    const tp = await createTestProvider();
    p = tp;
    await signingKey(tp.ctx);
    expect((await tp.app.request('/healthz')).status).toBe(200);
    // The key as a provider with another SECRET would have sealed it.
    const row = (await tp.ctx.db.one<{ kid: string; private_jwk_encrypted: string }>('select kid, private_jwk_encrypted from signing_keys'))!;
    const jwk = decryptJwk(tp.ctx.config.secret, row.private_jwk_encrypted);
    const other = 'another-secret-another-secret-another-0123';
    await tp.ctx.db.query('update signing_keys set private_jwk_encrypted = $1 where kid = $2', [encryptJwk(other, jwk, randomBytes(12)), row.kid]);
    const res = await tp.app.request('/healthz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { check: string; reason: string };
    expect(body).toMatchObject({ status: 'unavailable', check: 'signing-keys', reason: expect.stringContaining(row.kid) });
    expect(body.reason).toContain('another SECRET');
    expect(JSON.stringify(body)).not.toContain(tp.ctx.config.secret);
    await tp.ctx.db.query('update signing_keys set private_jwk_encrypted = $1 where kid = $2', [row.private_jwk_encrypted, row.kid]);
    expect((await tp.app.request('/healthz')).status).toBe(200);
  });
});

describe('access log', () => {
  it('logs one info line per request with method, route pattern, status, duration and request id, never the query or body', async () => {
    const lines: string[] = [];
    const provider = await createProvider(defaultConfig({ secret: SECRET, logLevel: 'info' }), { store: await openTestStore(), log: createLogger('info', (l) => lines.push(l)), sweeper: false });
    p = provider;
    await provider.ready;
    const health = await provider.app.request('/healthz?code=sekrit-code-123', { headers: { 'x-request-id': 'proxy-req-42' } });
    expect(health.headers.get('x-request-id')).toBe('proxy-req-42');
    const token = await provider.app.request('/platform/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=sekrit-code-456&client_id=nobody',
    });
    await provider.app.request('/no/such/path/sekrit-path');
    const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({ level: 'info', method: 'GET', route: '/healthz', status: 200, request_id: 'proxy-req-42' });
    expect(requests[1]).toMatchObject({ method: 'POST', route: '/platform/oauth/token', status: token.status });
    expect(requests[1]!.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests[1]!.request_id).toBe(token.headers.get('x-request-id'));
    expect(requests[2]).toMatchObject({ method: 'GET', route: 'unmatched', status: 404 });
    for (const r of requests) expect(typeof r.duration_ms).toBe('number');
    expect(lines.join('\n')).not.toMatch(/sekrit/);
  });
});

/** A TCP proxy to Postgres that can be cut (every connection dropped, new ones refused) and restored on the same port. */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const cut = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  await listen();
  const url = new URL(target.href);
  url.host = `127.0.0.1:${port}`;
  return { url: url.href, cut, restore: listen, close: cut };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.runIf(process.env.TEST_DATABASE_URL)('store watch (Postgres)', () => {
  it('warns once when the store stops answering, and again when it is back', async () => {
    // A migrated database of this run (cloned from its template), reached through the proxy.
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const name = `${runPrefix()}_watch`;
    await admin.query(`create database ${name} template ${templateDb()}`);
    const proxy = await cuttableProxy(new URL(withDatabase(process.env.TEST_DATABASE_URL!, name)));
    const lines: Record<string, unknown>[] = [];
    const store = await openPostgres(proxy.url, { max: 2 });
    const provider = await createProvider(defaultConfig({ secret: SECRET }), { store, log: createLogger('warn', (l) => lines.push(JSON.parse(l))), sweeper: false });
    p = provider;
    const stop = watchStore(provider.ctx, 100);
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(lines).toEqual([]);
      await proxy.cut();
      await until(() => lines.length >= 1);
      expect(lines[0]).toMatchObject({ level: 'warn', msg: 'store unreachable', reason: expect.stringMatching(/^the store is unreachable: /) });
      expect((await provider.app.request('/healthz')).status).toBe(503);
      await new Promise((r) => setTimeout(r, 400));
      expect(lines).toHaveLength(1); // once per outage, not once per probe
      await proxy.restore();
      await until(() => lines.length >= 2);
      expect(lines[1]).toMatchObject({ level: 'warn', msg: 'store reachable again', down_ms: expect.any(Number) });
      expect((await provider.app.request('/healthz')).status).toBe(200);
    } finally {
      stop();
      await proxy.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
