import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkcePair } from '../../testing/fixtures.ts';
import { codeExchange, newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';
import { sweepOAuth } from './sweep.ts';

let w: OAuthWorld;
beforeAll(async () => {
  w = await world({ refreshTokenReuseGraceS: 0 });
});
afterAll(async () => {
  await w.p.close();
});

const count = async (table: string) => (await w.p.ctx.db.one<{ n: number }>(`select count(*)::int as n from ${table}`))!.n;

describe('sweeping OAuth state', () => {
  it('keeps live and rotated refresh tokens for reuse detection and deletes what has long expired', async () => {
    const c = await newClient(w, { public: true });
    const { challenge, verifier } = pkcePair();
    const t1 = (await (await codeExchange(w, c, { codeChallenge: challenge, verifier })).res.json()) as Record<string, string>;
    await postToken(w, c, { grant_type: 'refresh_token', refresh_token: t1.refresh_token! });
    await sweepOAuth(w.p.ctx);
    expect(await count('refresh_tokens')).toBe(2);
    expect(await count('authorization_requests')).toBe(0); // answered requests go at once
    // The rotated token is still known, so its reuse still revokes the family.
    expect(await (await postToken(w, c, { grant_type: 'refresh_token', refresh_token: t1.refresh_token! })).json()).toMatchObject({ error: 'invalid_grant' });
    w.p.clock.advance(w.p.ctx.config.refreshTokenIdleTtlS + 86_401);
    await sweepOAuth(w.p.ctx);
    expect(await count('refresh_tokens')).toBe(0);
    expect(await count('access_tokens')).toBe(0);
    expect(await count('authorization_codes')).toBe(0);
  });
});
