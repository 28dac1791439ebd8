import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { unsealData } from 'iron-session';
import { inSeconds, nowDate } from '../context.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeUrl, CookieJar, createTestClient, createTestUser } from '../../testing/fixtures.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { endAllSessions, seal, UNSEAL_CACHE_MS } from './sessions.ts';
import { SESSION_COOKIE } from '../../web/http/session-cookie.ts';

// Counts real unseals (PBKDF2 + HMAC + AES) to tell them from cache hits.
vi.mock('iron-session', async (importOriginal) => {
  const m = await importOriginal<typeof import('iron-session')>();
  return { ...m, unsealData: vi.fn(m.unsealData) };
});
const unseals = vi.mocked(unsealData);

let p: TestProvider;
let q: TestProvider | undefined;
beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  vi.useRealTimers();
  await p.close();
  await q?.close();
  q = undefined;
});

/** A session row for a new user and its cookie, sealed to expire in `ttlS` (the row lives a day). */
async function session(t: TestProvider, ttlS = 3600, sid = generateToken(t.ctx.random, 'session')) {
  const user = await createTestUser(t);
  await t.ctx.db.query(`insert into sessions (id_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)`, [hashToken(sid), user.id, nowDate(t.ctx), inSeconds(t.ctx, 86_400)]);
  return { user, sid, cookie: `${SESSION_COOKIE}=${await seal(t.ctx, { sid }, ttlS)}` };
}

/**
 * Whether the provider takes `cookie` as signed in, asked of the consent page of a fresh request:
 * 200 with the consent form when signed in, a 303 to the login page when not.
 */
async function signedIn(t: TestProvider, cookie: string): Promise<boolean> {
  const c = await createTestClient(t);
  const jar = new CookieJar(cookie);
  const start = await t.fetch(authorizeUrl(t, { clientId: c.clientId, redirectUri: c.redirectUri }), { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(start);
  const page = await t.fetch(new URL(start.headers.get('location')!, t.issuer), { headers: { cookie: jar.header() }, redirect: 'manual' });
  if (page.status === 200) return true;
  expect(page.status).toBe(303);
  expect(page.headers.get('location')).toMatch(/^\/dash\/login\?next=/);
  return false;
}

describe('session cookies: unsealed once, checked against the database every time', () => {
  it('unseals a cookie once and then answers from the cache', async () => {
    const s = await session(p);
    unseals.mockClear();
    expect(await signedIn(p, s.cookie)).toBe(true);
    expect(await signedIn(p, s.cookie)).toBe(true);
    expect(await signedIn(p, s.cookie)).toBe(true);
    expect(unseals).toHaveBeenCalledTimes(1);
  });

  it('refuses a tampered cookie even while the genuine one is cached', async () => {
    const s = await session(p);
    expect(await signedIn(p, s.cookie)).toBe(true);
    const value = s.cookie.slice(SESSION_COOKIE.length + 1);
    // Flip one character of each part of the seal in turn (data, iv, salts, expiry, hmac).
    const parts = value.split('*');
    for (let i = 1; i < parts.length; i++) {
      const changed = [...parts];
      const ch = changed[i]!.at(-3) ?? '';
      changed[i] = changed[i]!.slice(0, -3) + (ch === 'A' ? 'B' : 'A') + changed[i]!.slice(-2);
      expect(await signedIn(p, `${SESSION_COOKIE}=${changed.join('*')}`), `part ${i}`).toBe(false);
    }
    expect(await signedIn(p, `${SESSION_COOKIE}=x${value}`)).toBe(false);
    expect(await signedIn(p, `${SESSION_COOKIE}=${value.replace(/\*([^*]*)~/, '*$1A~')}`)).toBe(false); // a longer hmac
    expect(await signedIn(p, s.cookie)).toBe(true);
  });

  it('never serves a cached cookie past its expiry, nor longer than UNSEAL_CACHE_MS', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const s = await session(p, 120); // the seal expires at t0 + 120 s (iron accepts it up to a minute later)
    unseals.mockClear();
    expect(await signedIn(p, s.cookie)).toBe(true);
    vi.setSystemTime(t0 + UNSEAL_CACHE_MS - 1000);
    expect(await signedIn(p, s.cookie)).toBe(true);
    expect(unseals).toHaveBeenCalledTimes(1);
    vi.setSystemTime(t0 + UNSEAL_CACHE_MS + 1000); // the cached entry is too old: unsealed again
    expect(await signedIn(p, s.cookie)).toBe(true);
    expect(unseals).toHaveBeenCalledTimes(2);
    vi.setSystemTime(t0 + 121_000); // past the seal's expiry: the cache does not answer
    expect(await signedIn(p, s.cookie)).toBe(true); // iron's own one-minute skew still admits it
    expect(unseals).toHaveBeenCalledTimes(3);
    vi.setSystemTime(t0 + 200_000);
    expect(await signedIn(p, s.cookie)).toBe(false);
  });

  it('ends a session at once although its cookie is cached: revocation, logout, a locked account', async () => {
    const a = await session(p);
    expect(await signedIn(p, a.cookie)).toBe(true);
    await endAllSessions(p.ctx, a.user.id);
    expect(await signedIn(p, a.cookie)).toBe(false);

    const b = await session(p);
    expect(await signedIn(p, b.cookie)).toBe(true);
    const out = await p.fetch(new URL('/dash/logout', p.issuer), { method: 'POST', headers: { cookie: b.cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(out.status).toBeLessThan(400);
    expect(await signedIn(p, b.cookie)).toBe(false);

    const c = await session(p);
    expect(await signedIn(p, c.cookie)).toBe(true);
    await p.ctx.db.query(`update users set locked_at = $2 where id = $1`, [c.user.id, nowDate(p.ctx)]);
    expect(await signedIn(p, c.cookie)).toBe(false);
  });

  it('does not let a cookie cached by one provider into another with a different SECRET', async () => {
    q = await createTestProvider({ secret: 'another-secret-another-secret-another-0123' });
    const s = await session(p);
    expect(await signedIn(p, s.cookie)).toBe(true);
    await session(q, 3600, s.sid); // the same session id exists there too
    expect(await signedIn(q, s.cookie)).toBe(false);
    // Nor into the same provider once its SECRET has changed.
    p.ctx.config.secret = 'rotated-secret-rotated-secret-rotated-0123';
    expect(await signedIn(p, s.cookie)).toBe(false);
  });
});
