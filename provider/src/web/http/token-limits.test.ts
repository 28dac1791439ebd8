// What limits the token endpoint (docs/rate-limits.md §2–§3): failures, per address and per client, with backoff;
// an authenticated client's successful traffic only by its app's quota, shared by instances on Postgres.
import { afterEach, describe, expect, it } from 'vitest';
import type { Context } from 'hono';
import { createProvider, type Provider } from '../../app.ts';
import { operatorActor, setAppRateLimit } from '../../domain/operator/services.ts';
import { insertTokenSet } from '../../testing/fixtures.ts';
import { newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';
import { generateToken } from '../../domain/tokens.ts';
import { BLOCK_BASE_S, FAILURE_LIMITS } from '../../domain/limits/failure-limit.ts';

let w: OAuthWorld | undefined;
const extra: Provider[] = [];
afterEach(async () => {
  for (const p of extra.splice(0)) await p.close();
  await w?.p.close();
  w = undefined;
});

const from = (address: string) => ({ 'x-test-client-address': address });
const basic = (id: string, secret: string) => ({ authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64') });

/** Refresh tokens of `n` users of one client (a backend keeps one per user). */
async function refreshTokens(wo: OAuthWorld, clientId: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = await wo.p.ctx.db.one<{ id: string }>(`insert into users (id, email, password_hash, created_at) values ($1, $2, 'x', now()) returning id`, [
      wo.p.ctx.random.uuid(),
      `backend-user-${i}@example.com`,
    ]);
    out.push((await insertTokenSet(wo.p.ctx, { userId: u!.id, clientId, scopes: ['apps-read'] })).refresh);
  }
  return out;
}

describe('successful traffic: only the per-app quota', () => {
  it('answers one client at one address 100 refreshes a second for 30 s, all 200, with RateLimit fields', async () => {
    w = await world();
    const c = await newClient(w);
    const tokens = await refreshTokens(w, c.clientId, 20);
    const statuses = new Map<number, number>();
    let last: Response | undefined;
    for (let tick = 0; tick < 300; tick++) {
      // Ten requests per 100 ms of the provider's clock: 100 a second, the users' tokens in turn.
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) => postToken(w!, c, { grant_type: 'refresh_token', refresh_token: tokens[(tick * 10 + i) % tokens.length]! }, from('198.51.100.10'))),
      );
      for (const r of batch) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      last = batch[9];
      w.p.clock.advance(0.1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 3000 });
    expect(last!.headers.get('ratelimit-policy')).toBe(`"client";q=${200 * 10};w=10`);
    expect(last!.headers.get('ratelimit')).toMatch(/^"client";r=\d+;t=\d+$/);
  }, 300_000);

  it('refuses a client past its app quota with 429, Retry-After and RateLimit; the operator sets it per app; it refills', async () => {
    w = await world();
    const c = await newClient(w);
    const [token] = await refreshTokens(w, c.clientId, 1);
    expect(await setAppRateLimit(w.p.ctx, c.appId, 2, operatorActor(w.user))).toBe(true);
    const send = () => postToken(w!, c, { grant_type: 'refresh_token', refresh_token: token! }, from('198.51.100.11'));
    for (let i = 0; i < 20; i++) expect((await send()).status).toBe(200); // a burst of 10 s of 2/s
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'slow_down' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-policy')).toBe('"client";q=20;w=10');
    expect(refused.headers.get('ratelimit')).toMatch(/^"client";r=0;t=10$/);
    w.p.clock.advance(1);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(429);
    // Back to the default (a higher rate): the added burst is there at once.
    await setAppRateLimit(w.p.ctx, c.appId, null, operatorActor(w.user));
    expect((await send()).status).toBe(200);
    const audit = await w.p.ctx.db.query(`select details from audit_events where event = 'operator.app_rate_limit_set' order by id`);
    expect(audit.map((r) => r.details)).toEqual([{ rate_limit_per_s: 2 }, { rate_limit_per_s: null }]);
  });

  it('shares one quota between two instances on one Postgres without a write per request', async (t) => {
    w = await world();
    if (w.p.ctx.db.kind !== 'postgres') return t.skip();
    const c = await newClient(w);
    const [token] = await refreshTokens(w, c.clientId, 1);
    await setAppRateLimit(w.p.ctx, c.appId, 5, operatorActor(w.user)); // 50 at once, 5 a second
    // A second instance: its own process state (a store object of its own), the same database.
    const peerAddress = (cx: Context) => cx.req.header('x-test-client-address') ?? 'local';
    const b = await createProvider(w.p.ctx.config, { store: { ...w.p.ctx.db, close: async () => {} }, clock: w.p.clock, sweeper: false, peerAddress });
    extra.push(b);
    const send = (app: Provider['app']) =>
      app.request('/platform/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(c.clientId, c.clientSecret!), ...from('198.51.100.12') },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token! }).toString(),
      });
    const flushed = async (total: number) => {
      for (let i = 0; i < 200; i++) {
        const r = await w!.p.ctx.db.one<{ n: string }>(`select coalesce(sum(total), 0)::text as n from rate_limit_usage`);
        if (Number(r!.n) >= total) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`usage never reached ${total}`);
    };
    expect((await send(w.p.app)).status).toBe(200);
    await flushed(1);
    expect((await send(b.app)).status).toBe(200);
    await flushed(2);
    for (let i = 0; i < 39; i++) expect((await send(w.p.app)).status).toBe(200);
    const statements = await w.p.ctx.db.one<{ n: string }>(`select count(*)::text as n from rate_limit_usage`);
    expect(Number(statements!.n)).toBe(2); // one row per instance, not per request
    w.p.clock.advance(1);
    expect((await send(w.p.app)).status).toBe(200); // flushes A's 40
    await flushed(42);
    w.p.clock.advance(1);
    // B has spent 1 of its 50, but learns of A's 40 at its next flush: it lets through far fewer than 49 more.
    let ok = 0;
    for (let i = 0; i < 60; i++) {
      const r = await send(b.app);
      if (r.status !== 200) break;
      ok++;
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(ok).toBeLessThan(25);
  });
});

describe('failures: per address and per client, with backoff', () => {
  it('throttles guessing a client secret from one address within 100 tries, doubling the block, and not other addresses', async () => {
    w = await world();
    const c = await newClient(w);
    const guess = () => w!.p.fetch(new URL('/platform/oauth/token', w!.p.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(c.clientId, generateToken(w!.p.ctx.random, 'client_secret')), ...from('203.0.113.66') },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    let tries = 0;
    let res: Response;
    do res = await guess();
    while (res.status === 401 && ++tries < 200);
    expect(tries).toBe(FAILURE_LIMITS.perAddress.capacity + 1);
    expect(tries).toBeLessThan(100);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: 'slow_down' });
    expect(res.headers.get('retry-after')).toBe(String(BLOCK_BASE_S));
    expect(res.headers.get('ratelimit-policy')).toBe(`"failures-address";q=${FAILURE_LIMITS.perAddress.capacity};w=50`);
    expect(res.headers.get('ratelimit')).toBe(`"failures-address";r=0;t=${BLOCK_BASE_S}`);
    // The right secret from another address is not affected.
    const [token] = await refreshTokens(w, c.clientId, 1);
    expect((await postToken(w, c, { grant_type: 'refresh_token', refresh_token: token! }, from('203.0.113.67'))).status).toBe(200);
    // After the block, the level has leaked by only 10: ten more failures, then a block twice as long.
    w.p.clock.advance(BLOCK_BASE_S);
    let more = 0;
    while ((res = await guess()).status === 401 && ++more < 100);
    expect(more).toBe(BLOCK_BASE_S * FAILURE_LIMITS.perAddress.leakPerS);
    expect(res.headers.get('retry-after')).toBe(String(BLOCK_BASE_S * 2));
    const audited = await w.p.ctx.db.query(`select details from audit_events where event = 'rate_limit.hit'`);
    expect(audited.map((r) => r.details)).toEqual([
      { bucket: 'fail:addr:203.0.113.66', capacity: 50, blocked_s: 10 },
      { bucket: 'fail:addr:203.0.113.66', capacity: 50, blocked_s: 20 },
    ]);
  });

  it('throttles guessing refresh tokens (invalid_grant) from one address within 100 tries', async () => {
    w = await world();
    const c = await newClient(w);
    let tries = 0;
    let res: Response;
    do res = await postToken(w, c, { grant_type: 'refresh_token', refresh_token: generateToken(w.p.ctx.random, 'refresh') }, from('203.0.113.70'));
    while (res.status === 400 && ++tries < 200);
    expect(tries).toBeLessThan(100);
    expect(res.status).toBe(429);
  });

  it('blocks a client guessed at from many addresses, except at an address where it succeeded', async () => {
    w = await world();
    const c = await newClient(w);
    const [token] = await refreshTokens(w, c.clientId, 1);
    const good = from('198.51.100.20');
    expect((await postToken(w, c, { grant_type: 'refresh_token', refresh_token: token! }, good)).status).toBe(200);
    const wrong = basic(c.clientId, 'wrong');
    const { capacity } = FAILURE_LIMITS.perClient;
    for (let i = 0; i <= capacity; i += 25) {
      const n = Math.min(25, capacity + 1 - i);
      const rs = await Promise.all(Array.from({ length: n }, (_, k) => postToken(w!, c, { grant_type: 'refresh_token', refresh_token: 'x' }, { ...wrong, ...from(`10.40.${(i + k) >> 8}.${(i + k) & 255}`) })));
      expect(rs.map((r) => r.status).every((s) => s === 401)).toBe(true);
    }
    const fresh = await postToken(w, c, { grant_type: 'refresh_token', refresh_token: token! }, from('198.51.100.21'));
    expect(fresh.status).toBe(429);
    expect(fresh.headers.get('ratelimit-policy')).toMatch(/^"failures-client";/);
    expect((await postToken(w, c, { grant_type: 'refresh_token', refresh_token: token! }, good)).status).toBe(200);
  }, 120_000);
});
