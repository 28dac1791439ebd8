import { serve, type ServerType } from '@hono/node-server';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, errors } from 'jose';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider, type Provider } from '../../app.ts';
import { listEvents } from '../audit/events.ts';
import { defaultConfig } from '../config.ts';
import { TestClock } from '../../testing/index.ts';
import { pkcePair, type TestClient } from '../../testing/fixtures.ts';
import { SIGNING_KEY_CACHE_MS, signIdToken } from './jwks.ts';
import { RETIRE_MARGIN_S, listSigningKeys, rotateSigningKey, sweepSigningKeys } from './key-rotation.ts';
import { codeExchange, newClient, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld | undefined;
let server: ServerType | undefined;
const others: Provider[] = [];
afterEach(async () => {
  for (const o of others.splice(0)) await o.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  await w?.p.close();
  w = undefined;
});

/** The provider behind a real HTTP server on a free loopback port; returns its JWKS URL. */
async function listen(p: Provider): Promise<URL> {
  const s = await new Promise<ServerType>((resolve) => {
    const srv = serve({ fetch: p.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv));
  });
  server = s;
  return new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/.well-known/jwks.json`);
}

/** An id_token from the real code flow (authorize, consent, token endpoint). */
async function idToken(world: OAuthWorld, c: TestClient): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const { res } = await codeExchange(world, c, { scope: 'openid email', codeChallenge: challenge, verifier });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id_token: string }).id_token;
}

/** Verifies as a relying party would: a JWKS fetched now over HTTP (a fresh verifier, no cache), at `at` (ms). */
async function verify(jwksUrl: URL, token: string, audience: string, at: number) {
  return jwtVerify(token, createRemoteJWKSet(jwksUrl), { issuer: w!.p.issuer, audience, currentDate: new Date(at) });
}

describe('signing-key rotation (docs/security-lifecycle.md §1)', () => {
  it('keeps verifying tokens signed before a rotation until they expire, then retires the old key from JWKS', async () => {
    w = await world();
    const c = await newClient(w);
    const jwksUrl = await listen(w.p);
    const t0 = w.p.clock.now();
    const before = await idToken(w, c);
    const oldKid = decodeProtectedHeader(before).kid!;
    await verify(jwksUrl, before, c.clientId, t0);

    w.p.clock.advance(1); // keys made in the same millisecond would be listed by kid
    const r = (await rotateSigningKey(w.p.ctx, { actor: 'cli' }))!;
    expect(r.rotated).toEqual([oldKid]);
    expect(r.retireAt.getTime()).toBe(t0 + 1000 + (w.p.ctx.config.accessTokenTtlS + RETIRE_MARGIN_S) * 1000);
    const after = await idToken(w, c);
    expect(decodeProtectedHeader(after).kid).toBe(r.kid);
    expect(r.kid).not.toBe(oldKid);
    const published = ((await (await fetch(jwksUrl)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(published).toEqual([oldKid, r.kid]);
    // A relying party that cached the JWKS before the rotation meets an unknown kid and fetches again (OIDC Core §10.1.1).
    const cached = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 });
    await jwtVerify(before, cached, { currentDate: new Date(t0) });
    await jwtVerify(after, cached, { currentDate: new Date(t0) });

    // One second before the old token expires it still verifies against the live JWKS.
    const exp = decodeJwt(before).exp! * 1000;
    expect(exp).toBeLessThan(r.retireAt.getTime());
    w.p.clock.advance((exp - 1000 - w.p.clock.now()) / 1000);
    await verify(jwksUrl, before, c.clientId, w.p.clock.now());

    // Past retirement the old key is gone from JWKS (even before the sweep deletes it), so nothing it signed verifies,
    // even for a verifier whose clock says the token is still fresh; the new key's tokens still do.
    w.p.clock.advance((r.retireAt.getTime() - w.p.clock.now()) / 1000);
    expect(((await (await fetch(jwksUrl)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([r.kid]);
    await expect(verify(jwksUrl, before, c.clientId, t0)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await verify(jwksUrl, after, c.clientId, t0);
    expect((await listSigningKeys(w.p.ctx)).map((k) => [k.kid, k.status])).toEqual([
      [oldKid, 'retired'],
      [r.kid, 'signing'],
    ]);
    await sweepSigningKeys(w.p.ctx);
    expect((await listSigningKeys(w.p.ctx)).map((k) => k.kid)).toEqual([r.kid]);
    const events = await listEvents(w.p.ctx, { since: new Date(t0 - 1000), event: 'signing_key' });
    expect(events.map((e) => [e.event, e.details])).toEqual(
      expect.arrayContaining([
        ['signing_key.rotated', { kid: r.kid, rotated_kids: [oldKid], retire_at: r.retireAt.toISOString() }],
        ['signing_key.retired', { kids: [oldKid] }],
      ]),
    );
  });

  it('another instance on the same store follows a rotation within SIGNING_KEY_CACHE_MS', async () => {
    w = await world();
    const clock = new TestClock(w.p.clock.now());
    const store = w.p.ctx.db;
    // A second provider on the same database (as a second instance on one Postgres); closing it leaves the store open.
    const second = await createProvider(defaultConfig({ secret: w.p.ctx.config.secret }), { clock, store: { ...store, close: async () => {} }, sweeper: false });
    others.push(second);
    const claims = { sub: w.user.id, aud: 'x', authTime: new Date(clock.now()), nonce: null, lifetimeS: 60 };
    const kidOf = async () => decodeProtectedHeader(await signIdToken(second.ctx, claims)).kid;
    const first = await kidOf();
    const r = (await rotateSigningKey(w.p.ctx, { actor: 'cli' }))!;
    expect(r.rotated).toEqual([first]);
    expect(await kidOf()).toBe(first); // held: still published, so what it signs verifies
    clock.advance((SIGNING_KEY_CACHE_MS - 1) / 1000);
    expect(await kidOf()).toBe(first);
    clock.advance(1 / 1000);
    expect(await kidOf()).toBe(r.kid);
  });

  it('rotates on SIGNING_KEY_ROTATE_DAYS from the sweep, once however many instances sweep', async () => {
    w = await world({ signingKeyRotateDays: 2 });
    const ctx = w.p.ctx;
    await signIdToken(ctx, { sub: w.user.id, aud: 'x', authTime: new Date(), nonce: null, lifetimeS: 60 });
    await sweepSigningKeys(ctx);
    expect(await listSigningKeys(ctx)).toHaveLength(1);
    w.p.clock.advance(2 * 86_400 + 1);
    await Promise.all([sweepSigningKeys(ctx), sweepSigningKeys(ctx), sweepSigningKeys(ctx)]);
    const keys = await listSigningKeys(ctx);
    expect(keys.map((k) => k.status)).toEqual(['verifying', 'signing']);
    const events = await listEvents(ctx, { since: new Date(0), event: 'signing_key.rotated' });
    expect(events.map((e) => e.actor)).toEqual(['system']);
  });
});
