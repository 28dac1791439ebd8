import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Store } from '../../store/index.ts';
import { authorizeInBrowser, authorizeUrl, consentFormFields, CookieJar, pkcePair } from '../../testing/fixtures.ts';
import { codeExchange, newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';

/**
 * How many SQL statements each leg of a sign-in runs (each is a round trip on Postgres and a WASM call on
 * PGlite). A transaction's begin and commit count as statements.
 */
let w: OAuthWorld;
const log: string[] = [];

function counting(db: Db): Db {
  const note = (sql: string) => log.push(sql.replace(/\s+/g, ' ').trim().slice(0, 400));
  return {
    query: (sql, params) => (note(sql), db.query(sql, params)),
    one: (sql, params) => (note(sql), db.one(sql, params)),
    tx: (fn) => {
      note('begin');
      return db.tx((t) => fn(counting(t))).finally(() => note('commit'));
    },
  };
}

beforeAll(async () => {
  w = await world();
  const store = w.p.ctx.db;
  w.p.ctx.db = { ...store, ...counting(store) } as Store;
});
afterAll(async () => {
  await w.p.close();
});

async function leg<T>(name: string, fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  log.length = 0;
  const result = await fn();
  const statements = [...log];
  if (process.env.SHOW_STATEMENTS) console.log(`${name}: ${statements.length}\n  ${statements.join('\n  ')}`);
  return { result, statements };
}

describe('statements per browser leg of a sign-in (signed-in browser, confidential client, PKCE)', () => {
  it('start, consent page and Allow each run the fewest statements', async () => {
    const c = await newClient(w);
    const jar = new CookieJar(w.cookie);
    const { challenge } = pkcePair();
    for (const round of [1, 2]) {
      // Round 2: the grant exists already and covers the scopes; prompt=consent asks again all the same.
      const extra: Record<string, string> = round === 2 ? { prompt: 'consent' } : {};
      const start = await leg(`start (round ${round})`, () =>
        w.p.fetch(authorizeUrl(w.p, { clientId: c.clientId, redirectUri: c.redirectUri, scope: 'apps-read apps-write', codeChallenge: challenge, extra }), {
          headers: { cookie: jar.header() },
          redirect: 'manual',
        }),
      );
      expect(start.result.status).toBe(303);
      jar.take(start.result);
      const page = await leg(`consent page (round ${round})`, () => w.p.fetch(new URL(start.result.headers.get('location')!, w.p.issuer), { headers: { cookie: jar.header() } }));
      expect(page.result.status).toBe(200);
      jar.take(page.result);
      const { csrf, request } = consentFormFields(await page.result.text());
      const allow = await leg(`allow (round ${round})`, () =>
        w.p.fetch(new URL('/platform/oauth/consent', w.p.issuer), {
          method: 'POST',
          headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf, request, decision: 'allow' }).toString(),
          redirect: 'manual',
        }),
      );
      expect(allow.result.status).toBe(303);
      expect(new URL(allow.result.headers.get('location')!).searchParams.get('code')).toBeTruthy();
      // Before: start 2 (client, insert), page 4 (request, client, session user, auth time),
      // Allow 11 (session user, answer, client, auth time, begin, grant for update, grant write, 2 audit rows, code, commit),
      // then 2 (the request read first, then the answer).
      expect(start.statements).toHaveLength(1); // client + request stored
      expect(page.statements).toHaveLength(1); // request + client + session user
      expect(allow.statements).toHaveLength(1); // session user, answer + client + grant + code + audit rows (allowAtOnce)
    }
  });

  it('a request a live grant covers: the consent page answers at once, in the same two statements as Allow', async () => {
    const c = await newClient(w);
    await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, scope: 'apps-read apps-write' });
    const jar = new CookieJar(w.cookie);
    const start = await leg('start (remembered)', () =>
      w.p.fetch(authorizeUrl(w.p, { clientId: c.clientId, redirectUri: c.redirectUri, scope: 'apps-read' }), { headers: { cookie: jar.header() }, redirect: 'manual' }),
    );
    jar.take(start.result);
    const page = await leg('consent page (remembered)', () => w.p.fetch(new URL(start.result.headers.get('location')!, w.p.issuer), { headers: { cookie: jar.header() }, redirect: 'manual' }));
    expect(page.result.status).toBe(303);
    expect(new URL(page.result.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    expect(start.statements).toHaveLength(1);
    expect(page.statements).toHaveLength(2); // request + client + session user + grant; answer + grant + code + audit rows
  });
});

describe('statements of the other answers', () => {
  it('Deny: the lookup, then the answer with its audit event', async () => {
    const c = await newClient(w);
    const jar = new CookieJar(w.cookie);
    const start = await w.p.fetch(authorizeUrl(w.p, { clientId: c.clientId, redirectUri: c.redirectUri }), { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(start);
    const page = await w.p.fetch(new URL(start.headers.get('location')!, w.p.issuer), { headers: { cookie: jar.header() } });
    jar.take(page);
    const { csrf, request } = consentFormFields(await page.text());
    const deny = await leg('deny', () =>
      w.p.fetch(new URL('/platform/oauth/consent', w.p.issuer), {
        method: 'POST',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, request, decision: 'deny' }).toString(),
        redirect: 'manual',
      }),
    );
    expect(new URL(deny.result.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
    expect(deny.statements).toHaveLength(2);
  });

  it('prompt=none with a covering grant: client, session, grant, then the code with its audit event', async () => {
    const c = await newClient(w);
    const jar = new CookieJar(w.cookie);
    const u = authorizeUrl(w.p, { clientId: c.clientId, redirectUri: c.redirectUri });
    const first = await w.p.fetch(u, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(first);
    const page = await w.p.fetch(new URL(first.headers.get('location')!, w.p.issuer), { headers: { cookie: jar.header() } });
    jar.take(page);
    const { csrf, request } = consentFormFields(await page.text());
    await w.p.fetch(new URL('/platform/oauth/consent', w.p.issuer), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, request, decision: 'allow' }).toString(),
      redirect: 'manual',
    });
    u.searchParams.set('prompt', 'none');
    const silent = await leg('prompt=none', () => w.p.fetch(u, { headers: { cookie: jar.header() }, redirect: 'manual' }));
    expect(new URL(silent.result.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    expect(silent.statements).toHaveLength(4);
  });
});

/**
 * The token endpoint's usual requests: the refresh or the exchange itself with its audit rows, one statement, on
 * both stores. Client authentication adds none once the provider has the client row in its cache
 * (docs/architecture.md §6), and one statement (client, app and live secret hashes) right after any client row
 * changed. The rate limits add none to a successful request: the failure counts are re-read at most once a second
 * per bucket and the quotas flushed once a second (docs/rate-limits.md).
 */
describe('statements per token request', () => {

  for (const rotate of [false, true]) {
    it(`a refresh (${rotate ? 'rotating' : 'non-rotating'} client) is one statement, plus the client lookup after a client changed`, async () => {
      const c = await newClient(w, { rotateRefreshTokens: rotate });
      const { verifier, challenge } = pkcePair();
      const { res } = await codeExchange(w, c, { codeChallenge: challenge, verifier }); // authenticates c: cached
      const first = (await res.json()) as { refresh_token: string };
      // Before the cache: 2 (client authentication, then the refresh).
      const { result: refreshed, statements } = await leg('refresh', () => postToken(w, c, { grant_type: 'refresh_token', refresh_token: first.refresh_token }));
      expect(refreshed.status).toBe(200);
      expect(statements, statements.join('\n')).toHaveLength(1);
      const body = (await refreshed.json()) as { refresh_token?: string };
      expect(body.refresh_token !== undefined).toBe(rotate);
      // Any client written (here another app's) empties the cache: the next request reads its client again.
      await newClient(w);
      const cold = await leg('refresh (cold cache)', () => postToken(w, c, { grant_type: 'refresh_token', refresh_token: body.refresh_token ?? first.refresh_token }));
      expect(cold.result.status).toBe(200);
      expect(cold.statements, cold.statements.join('\n')).toHaveLength(2);
      expect(cold.statements[0]).toContain('from client_secrets');
    });
  }

  it('a code exchange is one statement on a warm client cache (plus the signing key, loaded once)', async () => {
    const c = await newClient(w);
    const { verifier, challenge } = pkcePair();
    await codeExchange(w, c, { codeChallenge: challenge, verifier, scope: 'openid apps-read' }); // loads the signing key
    const second = await codeExchange(w, c, { codeChallenge: challenge, verifier, scope: 'openid email apps-read' }).catch((e: unknown) => e);
    expect(second).not.toBeInstanceOf(Error);
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, codeChallenge: challenge });
    // Before the cache: 2 (client authentication, then the exchange).
    const { statements, result: res } = await leg('code exchange', () =>
      postToken(w, c, { grant_type: 'authorization_code', code: r.code!, redirect_uri: c.redirectUri, code_verifier: verifier }),
    );
    expect(res.status).toBe(200);
    expect(statements, statements.join('\n')).toHaveLength(1);
  });
});
