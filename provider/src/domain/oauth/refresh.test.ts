import { afterEach, describe, expect, it } from 'vitest';
import { pkcePair } from '../../testing/fixtures.ts';
import { bearerStatus, codeExchange, newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld | undefined;
afterEach(async () => {
  await w?.p.close();
  w = undefined;
});

type Body = Record<string, string>;

async function publicSignIn(wo: OAuthWorld, c: Awaited<ReturnType<typeof newClient>>): Promise<Body> {
  const { verifier, challenge } = pkcePair();
  const { res } = await codeExchange(wo, c, { codeChallenge: challenge, verifier });
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}

const refresh = (wo: OAuthWorld, c: Awaited<ReturnType<typeof newClient>>, token: string) => postToken(wo, c, { grant_type: 'refresh_token', refresh_token: token });

describe('refresh tokens (docs/security.md §6)', () => {
  it('revokes the whole family when a rotated refresh token is reused', async () => {
    w = await world({ refreshTokenReuseGraceS: 0 });
    const c = await newClient(w, { public: true });
    const t1 = await publicSignIn(w, c);
    const t2 = (await (await refresh(w, c, t1.refresh_token!)).json()) as Body;
    expect(t2.refresh_token).toMatch(/^prt_/);
    const reuse = await refresh(w, c, t1.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    // The successor and every access token of the family are dead too.
    expect(await (await refresh(w, c, t2.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await bearerStatus(w, t1.access_token!)).toBe(401);
    expect(await bearerStatus(w, t2.access_token!)).toBe(401);
  });

  it('lets a concurrent duplicate through inside the grace window without revoking the family', async () => {
    w = await world({ refreshTokenReuseGraceS: 10 });
    const c = await newClient(w, { public: true });
    const t1 = await publicSignIn(w, c);
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(w!, c, t1.refresh_token!)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const bodies = (await Promise.all(results.map((r) => r.json()))) as Body[];
    for (const b of bodies) {
      expect(b.refresh_token).toMatch(/^prt_/);
      expect(await bearerStatus(w, b.access_token!)).toBe(200);
    }
    w.p.clock.advance(5);
    const late = await refresh(w, c, t1.refresh_token!);
    expect(late.status).toBe(200);
    // Every successor still works: no family revocation happened.
    for (const b of bodies) expect((await refresh(w, c, b.refresh_token!)).status).toBe(200);
    // After the window, reuse is theft: the family goes.
    w.p.clock.advance(6);
    expect(await (await refresh(w, c, t1.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await bearerStatus(w, bodies[0]!.access_token!)).toBe(401);
  });

  it('rotates a confidential client\'s refresh token when the client is set to rotate', async () => {
    w = await world({ refreshTokenReuseGraceS: 0 });
    const c = await newClient(w, { rotateRefreshTokens: true });
    const t1 = (await (await codeExchange(w, c)).res.json()) as Body;
    const t2 = (await (await refresh(w, c, t1.refresh_token!)).json()) as Body;
    expect(t2.refresh_token).toMatch(/^prt_/);
    expect(await (await refresh(w, c, t1.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await refresh(w, c, t2.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('binds a refresh token to its client', async () => {
    w = await world();
    const c = await newClient(w);
    const other = await newClient(w);
    const t1 = (await (await codeExchange(w, c)).res.json()) as Body;
    expect(await (await refresh(w, other, t1.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(w, c, t1.refresh_token!)).status).toBe(200);
  });

  it('expires an idle refresh token, and use extends its life', async () => {
    w = await world({ refreshTokenIdleTtlS: 1000 });
    const c = await newClient(w);
    const t1 = (await (await codeExchange(w, c)).res.json()) as Body;
    w.p.clock.advance(900);
    expect((await refresh(w, c, t1.refresh_token!)).status).toBe(200);
    w.p.clock.advance(900);
    expect((await refresh(w, c, t1.refresh_token!)).status).toBe(200);
    w.p.clock.advance(1001);
    expect(await (await refresh(w, c, t1.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('expired') });
  });

  it('keeps at most five live refresh tokens per user and client, revoking the oldest', async () => {
    w = await world();
    const c = await newClient(w);
    const tokens: Body[] = [];
    for (let i = 0; i < 6; i++) {
      tokens.push((await (await codeExchange(w, c)).res.json()) as Body);
      w.p.clock.advance(1);
    }
    expect(await (await refresh(w, c, tokens[0]!.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    for (const t of tokens.slice(1)) expect((await refresh(w, c, t.refresh_token!)).status).toBe(200);
  });

  it('never accepts a refresh token as a bearer token', async () => {
    w = await world();
    const c = await newClient(w);
    const t1 = (await (await codeExchange(w, c, { scope: 'openid' })).res.json()) as Body;
    const res = await w.p.fetch(new URL('/platform/oauth/userinfo', w.p.issuer), { headers: { authorization: `Bearer ${t1.refresh_token}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });
});

describe('the audit trail of refreshes (docs/architecture.md §11)', () => {
  const events = (wo: OAuthWorld, clientId: string) =>
    wo.p.ctx.db.query<{ event: string }>(`select event from audit_events where client_id = $1 and event in ('token.refreshed', 'token.rotated') order by id`, [clientId]);
  /** Seconds from the test clock's now to the next UTC midnight, plus one. */
  const toNextDay = (wo: OAuthWorld) => 86_400 - Math.floor((wo.p.clock.now() / 1000) % 86_400) + 1;
  // Without `scope` the refresh is one batched statement (store/tokens.ts refreshRows); with it, the general path.
  const refreshBy = async (wo: OAuthWorld, c: Awaited<ReturnType<typeof newClient>>, token: string, path: 'batched' | 'general') => {
    const res = await postToken(wo, c, { grant_type: 'refresh_token', refresh_token: token, ...(path === 'general' ? { scope: 'apps-read' } : {}) });
    expect(res.status).toBe(200);
    return (await res.json()) as Body;
  };

  it('records the first refresh of a kept refresh token in each UTC day, on either path', async () => {
    w = await world();
    const c = await newClient(w);
    const t = (await (await codeExchange(w, c)).res.json()) as Body;
    for (const path of ['batched', 'batched', 'general'] as const) await refreshBy(w, c, t.refresh_token!, path);
    expect(await events(w, c.clientId)).toEqual([{ event: 'token.refreshed' }]);

    w.p.clock.advance(toNextDay(w));
    for (const path of ['general', 'batched', 'general'] as const) await refreshBy(w, c, t.refresh_token!, path);
    expect((await events(w, c.clientId)).length).toBe(2);

    w.p.clock.advance(toNextDay(w));
    await refreshBy(w, c, t.refresh_token!, 'batched');
    expect((await events(w, c.clientId)).length).toBe(3);
    // Two sign-ins are two refresh tokens: each has its first refresh of the day.
    const other = (await (await codeExchange(w, c)).res.json()) as Body;
    await refreshBy(w, c, other.refresh_token!, 'batched');
    await refreshBy(w, c, other.refresh_token!, 'general');
    expect((await events(w, c.clientId)).length).toBe(4);
  });

  it('records every refresh with AUDIT_REFRESHES=each, and every rotation whatever the setting', async () => {
    w = await world({ auditRefreshes: 'each' });
    const kept = await newClient(w);
    const t = (await (await codeExchange(w, kept)).res.json()) as Body;
    for (const path of ['batched', 'general', 'batched'] as const) await refreshBy(w, kept, t.refresh_token!, path);
    expect((await events(w, kept.clientId)).length).toBe(3);
    await w.p.close();

    w = await world();
    const rotating = await newClient(w, { rotateRefreshTokens: true });
    let token = ((await (await codeExchange(w, rotating)).res.json()) as Body).refresh_token!;
    for (const path of ['batched', 'general', 'batched'] as const) token = (await refreshBy(w, rotating, token, path)).refresh_token!;
    expect(await events(w, rotating.clientId)).toEqual([{ event: 'token.rotated' }, { event: 'token.rotated' }, { event: 'token.rotated' }]);
  });
});
