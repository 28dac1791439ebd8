import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, createTestClient, createTestUser, sessionCookie } from '../../testing/fixtures.ts';
import { browserHelpers } from '../../testing/browser-helpers.ts';
import { newClient, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => {
  await w.p.close();
});
const { start, callback, consentPageOf, postAllow, base } = browserHelpers(() => w);

describe('prompt', () => {
  it('answers prompt=none with login_required, consent_required, or a code', async () => {
    const c = await newClient(w);
    const b = { ...base(c.clientId, c.redirectUri), prompt: 'none' };
    expect(callback(await start(b, ''))).toMatchObject({ error: 'login_required', state: 'st', iss: w.p.issuer });
    expect(callback(await start(b))).toMatchObject({ error: 'consent_required', state: 'st' });
    await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri });
    const q = callback(await start(b));
    expect(q.code).toBeTruthy();
    expect(q).toMatchObject({ state: 'st', iss: w.p.issuer, scope: 'apps-read' });
    expect(callback(await start({ ...b, scope: 'apps-write' }))).toMatchObject({ error: 'consent_required' });
  });

  it('asks for a fresh sign-in with prompt=login and accepts a session started after the request', async () => {
    const c = await newClient(w);
    const res = await start({ ...base(c.clientId, c.redirectUri), prompt: 'login' });
    const { html } = await consentPageOf(res, w.cookie);
    expect(html).toContain('Sign in again');
    expect(html).not.toMatch(/value="allow"/);
    w.p.clock.advance(1);
    const fresh = await sessionCookie(w.p, w.user.id); // what the login page would set after "Sign in again"
    const again = await consentPageOf(res, fresh);
    expect(again.html).toMatch(/value="allow"/);
    expect(again.html).not.toContain('Sign in again');
  });

  it('answers an Allow posted from the old session with login_required, and issues nothing', async () => {
    const c = await newClient(w);
    const { html, jar } = await consentPageOf(await start({ ...base(c.clientId, c.redirectUri), prompt: 'login' }), w.cookie);
    expect(callback(await postAllow(jar, html))).toMatchObject({ error: 'login_required', state: 'st' });
    expect(await w.p.ctx.db.query(`select 1 from authorization_codes where client_id = $1`, [c.clientId])).toEqual([]);
  });
});

describe('max_age', () => {
  it('asks for a fresh sign-in when the session is older than max_age', async () => {
    const c = await newClient(w);
    w.p.clock.advance(120);
    const old = await consentPageOf(await start({ ...base(c.clientId, c.redirectUri), max_age: '60' }), w.cookie);
    expect(old.html).toContain('Sign in again');
    const fresh = await sessionCookie(w.p, w.user.id);
    const ok = await consentPageOf(await start({ ...base(c.clientId, c.redirectUri), max_age: '60' }, fresh), fresh);
    expect(ok.html).toMatch(/value="allow"/);
    expect(callback(await start({ ...base(c.clientId, c.redirectUri), max_age: '60', prompt: 'none' }))).toMatchObject({ error: 'login_required' });
    expect(callback(await start({ ...base(c.clientId, c.redirectUri), max_age: '-1' }))).toMatchObject({ error: 'invalid_request' });
  });
});

describe('prompt=none and test mode (docs/security.md §12)', () => {
  it('answers prompt=none for a test-mode app with access_denied unless the user owns it', async () => {
    const owner = await createTestUser(w.p);
    const c = await createTestClient(w.p, { ownerId: owner.id, status: 'test' });
    expect(callback(await start({ ...base(c.clientId, c.redirectUri), prompt: 'none' }))).toMatchObject({ error: 'access_denied', state: 'st' });
    const ownerCookie = await sessionCookie(w.p, owner.id);
    await authorizeInBrowser(w.p, ownerCookie, { clientId: c.clientId, redirectUri: c.redirectUri });
    expect(callback(await start({ ...base(c.clientId, c.redirectUri), prompt: 'none' }, ownerCookie)).code).toBeTruthy();
  });
});
