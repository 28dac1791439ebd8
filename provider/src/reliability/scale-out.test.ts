// docs/security.md §R3 (scale-out): two provider processes on one Postgres behave as one. Runs in the Postgres
// pass (TEST_DATABASE_URL set); each test gets a fresh database that both processes migrate at once on start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM, JSON_BODY, runFlow, send, type HttpRequest } from './flow.ts';
import { createDatabase, spawnProvider, type Server } from './processes.ts';
import { codeExchangeRequest, createOAuthClient, listAppsRequest, refreshRequest, signInFlow, signUp, tokenSet } from './provider-flows.ts';

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('scale-out: two providers on one Postgres', () => {
  let a: Server;
  let b: Server;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await createDatabase(url!, 'instant_test_scaleout');
    drop = db.drop;
    // Both start together: the migrations must serialise between them.
    [a, b] = await Promise.all([spawnProvider({ store: 'postgres', databaseUrl: db.url }), spawnProvider({ store: 'postgres', databaseUrl: db.url })]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await drop?.();
  }, 60_000);

  it('authorize on one, exchange on the other; each browser step may land on either', async () => {
    const session = await signUp(fetch, a.url, 'scale-out@example.com');
    const client = await createOAuthClient(fetch, b.url, session);
    const flow = signInFlow({ client, session, codeOnly: true });
    // start on A, consent page on B, Allow on A (a load balancer without stickiness) …
    const state = flow.init();
    const servers = [a, b, a];
    for (const [i, step] of flow.steps.entries()) step.response(state, await send(fetch, servers[i]!.url, step.request(state)));
    // … and the code is exchanged on B.
    const res = await send(fetch, b.url, codeExchangeRequest(client, state.code, state.pkce.verifier));
    expect(res.status, res.body).toBe(200);
    const tokens = tokenSet('exchange', res.status, res.body);
    expect((await send(fetch, a.url, listAppsRequest(tokens.access_token))).status).toBe(200);
    // The code is spent on both.
    const again = await send(fetch, a.url, codeExchangeRequest(client, state.code, state.pkce.verifier));
    expect(again.status).toBe(400);
  }, 60_000);

  it('revoke on one, refused on the other at once', async () => {
    const session = await signUp(fetch, b.url, 'revoker@example.com');
    const client = await createOAuthClient(fetch, a.url, session);
    const tokens = (await runFlow(fetch, a.url, signInFlow({ client, session }))).tokens!;
    expect((await send(fetch, b.url, listAppsRequest(tokens.access_token))).status).toBe(200);

    // Revoking the refresh token (RFC 7009) on A ends it and the access tokens issued from it, on B, with no delay.
    const revoke: HttpRequest = { method: 'POST', path: '/platform/oauth/revoke', headers: { ...FORM, authorization: refreshRequest(client, '').headers.authorization! }, body: `token=${tokens.refresh_token}` };
    expect((await send(fetch, a.url, revoke)).status).toBe(200);
    const refused = await send(fetch, b.url, refreshRequest(client, tokens.refresh_token));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error).toBe('invalid_grant');
    const api = await send(fetch, b.url, listAppsRequest(tokens.access_token));
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ type: expect.any(String), hint: expect.any(Object) });
  }, 60_000);

  it('rate limits are shared: a per-address budget spent half on each process', async () => {
    // Dynamic registration: 10 per address per hour (RATE_LIMITS.registerPerAddress), counted in the store.
    const register = (i: number): HttpRequest => ({
      method: 'POST',
      path: '/platform/oauth/register',
      headers: JSON_BODY,
      body: JSON.stringify({ client_name: `shared limit ${i}`, redirect_uris: ['http://127.0.0.1:4000/callback'], token_endpoint_auth_method: 'none' }),
    });
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await send(fetch, (i % 2 ? b : a).url, register(i))).status);
    const ok = statuses.filter((s) => s === 200 || s === 201).length;
    expect(ok, statuses.join(',')).toBe(10);
    expect(statuses.slice(ok), statuses.join(',')).toEqual(Array(14 - ok).fill(429));
  }, 60_000);
});
