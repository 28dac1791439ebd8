import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Store } from '../store/index.ts';
import { pkcePair } from '../testing/fixtures.ts';
import { codeExchange, newClient, postToken, world, type OAuthWorld } from './test-support.ts';

/**
 * The token endpoint's usual requests are single statements (each is a round trip on Postgres and a WASM call on
 * PGlite): client authentication, then the refresh or the exchange itself, with its audit rows. On Postgres the two
 * rate-limit windows add one upsert each; on the embedded store they are counted in memory.
 */
let w: OAuthWorld;
const log: string[] = [];

function counting(db: Db): Db {
  const note = (sql: string) => log.push(sql.replace(/\s+/g, ' ').trim().slice(0, 400));
  const wrapped: Db = {
    query: (sql, params) => (note(sql), db.query(sql, params)),
    one: (sql, params) => (note(sql), db.one(sql, params)),
    tx: (fn) => (note('begin'), db.tx((t) => fn(counting(t))).finally(() => note('commit'))),
  };
  return wrapped;
}

beforeAll(async () => {
  w = await world();
  const store = w.p.ctx.db;
  w.p.ctx.db = { ...store, ...counting(store) } as Store;
});
afterAll(async () => {
  await w.p.close();
});

async function counted(fn: () => Promise<Response>): Promise<{ res: Response; statements: string[] }> {
  log.length = 0;
  const res = await fn();
  return { res, statements: [...log] };
}

describe('statements per token request', () => {
  const rateLimits = () => (w.p.ctx.db.kind === 'postgres' ? 2 : 0);

  for (const rotate of [false, true]) {
    it(`a refresh (${rotate ? 'rotating' : 'non-rotating'} client) is client authentication plus one statement`, async () => {
      const c = await newClient(w, { rotateRefreshTokens: rotate });
      const { verifier, challenge } = pkcePair();
      const { res } = await codeExchange(w, c, { codeChallenge: challenge, verifier });
      const first = (await res.json()) as { refresh_token: string };
      const { res: refreshed, statements } = await counted(() => postToken(w, c, { grant_type: 'refresh_token', refresh_token: first.refresh_token }));
      expect(refreshed.status).toBe(200);
      expect(statements, statements.join('\n')).toHaveLength(2 + rateLimits());
      const body = (await refreshed.json()) as { refresh_token?: string };
      expect(body.refresh_token !== undefined).toBe(rotate);
    });
  }

  it('a code exchange is client authentication plus one statement (plus the signing key, loaded once)', async () => {
    const c = await newClient(w);
    const { verifier, challenge } = pkcePair();
    await codeExchange(w, c, { codeChallenge: challenge, verifier, scope: 'openid apps-read' }); // loads the signing key
    const second = await codeExchange(w, c, { codeChallenge: challenge, verifier, scope: 'openid email apps-read' }).catch((e: unknown) => e);
    expect(second).not.toBeInstanceOf(Error);
    log.length = 0;
    const { statements, res } = await counted(async () => (await codeExchange(w, c, { codeChallenge: challenge, verifier })).res);
    expect(res.status).toBe(200);
    // From client authentication on (the per-address window, on Postgres, is counted before it).
    const tokenLeg = statements.slice(statements.findIndex((s) => s.includes('from client_secrets')));
    expect(tokenLeg, tokenLeg.join('\n')).toHaveLength(2 + rateLimits() / 2);
  });
});
