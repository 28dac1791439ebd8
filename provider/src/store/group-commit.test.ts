import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditValues } from '../domain/audit/events.ts';
import { hashToken } from '../domain/tokens.ts';
import { pkcePair } from '../testing/fixtures.ts';
import { codeExchange, newClient, world, type OAuthWorld } from '../testing/oauth.ts';
import { GroupCommit } from './group-commit.ts';
import { refreshRows, type RefreshInput } from './tokens.ts';

describe('GroupCommit (docs/architecture.md §7)', () => {
  const recorder = (fail: (x: string) => boolean = () => false) => {
    const batches: string[][] = [];
    const run = async (rows: string[]) => {
      batches.push([...rows]);
      await new Promise((r) => setTimeout(r, 5));
      if (rows.some(fail)) throw new Error(`refused: ${rows.filter(fail).join(',')}`);
      return rows.map((x) => x.toUpperCase());
    };
    return { batches, run };
  };

  it('writes the rows submitted in one turn of the event loop as one batch, each caller getting its own outcome', async () => {
    const r = recorder();
    const g = new GroupCommit(r.run, { maxRows: 64, maxInFlight: 1 });
    expect(await Promise.all(['a', 'b', 'c'].map((x) => g.submit(x)))).toEqual(['A', 'B', 'C']);
    expect(r.batches).toEqual([['a', 'b', 'c']]);
  });

  it('gathers what arrives while a batch is written into the next one, at most maxRows a batch', async () => {
    const r = recorder();
    const g = new GroupCommit(r.run, { maxRows: 2, maxInFlight: 1 });
    const first = g.submit('a');
    await new Promise((res) => setImmediate(res)); // 'a' is being written
    const rest = ['b', 'c', 'd'].map((x) => g.submit(x));
    expect(await Promise.all([first, ...rest])).toEqual(['A', 'B', 'C', 'D']);
    expect(r.batches).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(g.stats).toMatchObject({ batches: 3, rows: 4, largest: 2 });
  });

  it('puts rows of one key in separate batches, in order', async () => {
    const r = recorder();
    const g = new GroupCommit(r.run, { maxRows: 64, maxInFlight: 1, key: (x: string) => x[0]! });
    expect(await Promise.all(['a1', 'b1', 'a2', 'c1', 'a3', 'b2'].map((x) => g.submit(x)))).toEqual(['A1', 'B1', 'A2', 'C1', 'A3', 'B2']);
    expect(r.batches).toEqual([['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
  });

  it('runs up to maxInFlight batches at once', async () => {
    let running = 0;
    let most = 0;
    const g = new GroupCommit(
      async (rows: number[]) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        return rows;
      },
      { maxRows: 1, maxInFlight: 3 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map((x) => g.submit(x)));
    expect(most).toBe(3);
  });

  it('a refused row fails only its own caller: the batch is retried row by row', async () => {
    const r = recorder((x) => x === 'bad');
    const g = new GroupCommit(r.run, { maxRows: 64, maxInFlight: 1 });
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((x) => g.submit(x)));
    expect(results.map((x) => (x.status === 'fulfilled' ? x.value : (x.reason as Error).message))).toEqual(['A', 'refused: bad', 'C']);
    expect(r.batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('refuses every row when the statement answers for the wrong number of rows', async () => {
    const g = new GroupCommit(async (rows: string[]) => rows.slice(1), { maxRows: 64, maxInFlight: 1 });
    const results = await Promise.allSettled(['a', 'b'].map((x) => g.submit(x)));
    expect(results.every((x) => x.status === 'rejected')).toBe(true);
  });
});

describe('refreshRows: many refreshes in one statement, on the real store', () => {
  let w: OAuthWorld;
  beforeAll(async () => {
    w = await world({ refreshTokenReuseGraceS: 0 });
  });
  afterAll(async () => {
    await w.p.close();
  });

  async function signIn(o: { public?: boolean } = {}) {
    const c = await newClient(w, o);
    const { verifier, challenge } = pkcePair();
    const { res } = await codeExchange(w, c, { codeChallenge: challenge, verifier });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { refresh_token: string };
    return { c, token: body.refresh_token };
  }

  function input(clientId: string, token: string, rotate: boolean, accessId = w.p.ctx.random.uuid()): RefreshInput {
    const now = new Date(w.p.ctx.clock.now());
    return {
      tokenHash: hashToken(token),
      clientId,
      now,
      idleExpiresAt: new Date(now.getTime() + 86_400_000),
      access: { id: accessId, tokenHash: hashToken(`pat_${w.p.ctx.random.uuid()}`), expiresAt: new Date(now.getTime() + 3_600_000) },
      successor: rotate ? { id: w.p.ctx.random.uuid(), tokenHash: hashToken(`prt_${w.p.ctx.random.uuid()}`) } : null,
      touchBefore: now,
      resource: null,
      audit: auditValues(w.p.ctx, { event: rotate ? 'token.rotated' : 'token.refreshed', actor: `client:${clientId}`, clientId, address: '127.0.0.1' }),
      auditIfUsedBefore: null,
    };
  }

  it('answers row by row: a kept token, an unknown one, and one rotation of a token asked twice', async () => {
    const kept = await signIn();
    const rotated = await signIn({ public: true });
    const rows = [
      input(kept.c.clientId, kept.token, false),
      input(kept.c.clientId, 'prt_unknown', false),
      input(rotated.c.clientId, rotated.token, true),
      input(rotated.c.clientId, rotated.token, true),
      input(rotated.c.clientId, kept.token, false), // the kept token, presented by another client
    ];
    const out = await refreshRows(w.p.ctx.db, rows);
    expect(out[0]).toEqual({ scopes: expect.any(Array) });
    expect(out[1]).toBeUndefined();
    expect(out[4]).toBeUndefined();
    // Exactly one of the two rotations of one token wins.
    expect([out[2], out[3]].filter(Boolean)).toHaveLength(1);
    const winner = out[2] ? rows[2]! : rows[3]!;
    const children = await w.p.ctx.db.query<{ id: string }>(`select r.id from refresh_tokens r join refresh_tokens p on p.id = r.parent_id where p.token_hash = $1`, [hashToken(rotated.token)]);
    expect(children.map((r) => r.id)).toEqual([winner.successor!.id]);
    const access = await w.p.ctx.db.query<{ id: string }>(`select id from access_tokens where id = any($1::uuid[])`, [rows.map((r) => r.access.id)]);
    expect(access.map((r) => r.id).sort()).toEqual([rows[0]!.access.id, winner.access.id].sort());
    const events = await w.p.ctx.db.query<{ event: string; user_id: string }>(`select event, user_id from audit_events where client_id = any($1::text[]) and event in ('token.rotated', 'token.refreshed')`, [
      [kept.c.clientId, rotated.c.clientId],
    ]);
    expect(events.map((e) => e.event).sort()).toEqual(['token.refreshed', 'token.rotated']);
    expect(events.every((e) => e.user_id === w.user.id)).toBe(true);
  });

  it('through the provider\'s group commit, a row the database refuses fails alone', async () => {
    const a = await signIn();
    const b = await signIn();
    const first = input(a.c.clientId, a.token, false);
    expect(await refreshRows(w.p.ctx.db, [first])).toEqual([{ scopes: expect.any(Array) }]);
    // The same access token id again: a unique violation for that row only.
    const clash = input(a.c.clientId, a.token, false, first.access.id);
    const fine = input(b.c.clientId, b.token, false);
    const [bad, good] = await Promise.allSettled([w.p.ctx.writes.refresh.submit(clash), w.p.ctx.writes.refresh.submit(fine)]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    expect(good).toEqual({ status: 'fulfilled', value: { scopes: expect.any(Array) } });
  });
});
