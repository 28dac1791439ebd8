import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider } from '../../testing/index.ts';
import { authorizeInBrowser, authorizeUrl, consentFormFields, createTestClient, createTestUser, pkcePair, sessionCookie } from '../../testing/fixtures.ts';
import { listEvents } from '../../domain/audit/events.ts';
import { browserHelpers } from '../../testing/browser-helpers.ts';
import { consentPath } from './authorize.ts';
import { revokeGrant } from '../../domain/oauth/grants.ts';
import { newClient, world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => {
  await w.p.close();
});

const { start, callback, consentPageOf, postAllow, base } = browserHelpers(() => w);

describe('redirect URI validation (docs/security.md §1, §2)', () => {
  it('shows an error page, never a redirect, for an unknown client_id', async () => {
    for (const clientId of ['nope', '', '\u0000x', 'x'.repeat(500)]) {
      const res = await start(base(clientId, 'https://evil.example/cb'));
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });

  it('shows an error page, never a redirect, for a redirect_uri that is not registered exactly', async () => {
    const c = await newClient(w, { redirectUris: ['https://app.example/cb', 'http://localhost:3000/cb'] });
    const bad = [
      'https://evil.example/cb',
      'https://app.example/cb/',
      'https://app.example/cb?x=1',
      'https://app.example/CB',
      'https://app.example:443/cb',
      'http://app.example/cb',
      'https://app.example/cb#frag',
      'https://user@app.example/cb',
      'https://app.example.evil.example/cb',
      'http://localhost:3001/cb', // only loopback IP literals may vary the port
      'javascript:alert(1)',
    ];
    for (const uri of bad) {
      const res = await start(base(c.clientId, uri));
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location'), uri).toBeNull();
    }
    const missing = await start({ client_id: c.clientId, response_type: 'code', scope: 'apps-read', state: 'st' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('location')).toBeNull();
    const ok = await start(base(c.clientId, 'https://app.example/cb'));
    expect(ok.status).toBe(303);
  });

  it('lets a loopback IP redirect vary its port and nothing else', async () => {
    const c = await newClient(w, { redirectUris: ['http://127.0.0.1/cb', 'http://[::1]:8080/cb'] });
    for (const uri of ['http://127.0.0.1/cb', 'http://127.0.0.1:5000/cb', 'http://[::1]:9999/cb', 'http://[::1]/cb']) {
      const res = await start(base(c.clientId, uri));
      expect(res.headers.get('location'), uri).toMatch(/^\/platform\/oauth\/consent/);
    }
    for (const uri of ['http://127.0.0.1:5000/cb2', 'http://127.0.0.1:5000/cb?a=1', 'https://127.0.0.1/cb', 'http://127.0.0.2/cb', 'http://[::1]:9999/other']) {
      const res = await start(base(c.clientId, uri));
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location'), uri).toBeNull();
    }
  });

  it('refuses a repeated client_id or redirect_uri with an error page', async () => {
    const c = await newClient(w);
    const u = new URL('/platform/oauth/start', w.p.issuer);
    u.search = `client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}&redirect_uri=https%3A%2F%2Fevil.example&response_type=code&scope=apps-read&state=s`;
    const res = await w.p.fetch(u, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});

describe('authorization request errors go back to the client with state and iss (docs/security.md §3, §5)', () => {
  it('refuses PKCE plain, a challenge without S256, and a malformed challenge', async () => {
    const c = await newClient(w);
    const { challenge } = pkcePair();
    const cases: Array<Record<string, string>> = [
      { code_challenge: challenge, code_challenge_method: 'plain' },
      { code_challenge: challenge },
      { code_challenge: 'short', code_challenge_method: 'S256' },
      { code_challenge_method: 'S256' },
    ];
    for (const extra of cases) {
      const q = callback(await start({ ...base(c.clientId, c.redirectUri), ...extra }));
      expect(q).toMatchObject({ error: 'invalid_request', state: 'st', iss: w.p.issuer });
    }
  });

  it('requires a code_challenge from public clients', async () => {
    const c = await newClient(w, { public: true });
    expect(callback(await start(base(c.clientId, c.redirectUri)))).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('code_challenge'), iss: w.p.issuer });
    const ok = await start({ ...base(c.clientId, c.redirectUri), code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    expect(ok.headers.get('location')).toMatch(/^\/platform\/oauth\/consent/);
  });

  it('requires state, response_type=code and known scopes', async () => {
    const c = await newClient(w);
    const b = base(c.clientId, c.redirectUri);
    const { state: _s, ...noState } = b;
    expect(callback(await start(noState))).toMatchObject({ error: 'invalid_request', iss: w.p.issuer });
    expect(callback(await start({ ...b, response_type: 'token' }))).toMatchObject({ error: 'unsupported_response_type', state: 'st' });
    expect(callback(await start({ ...b, scope: 'apps-read admin' }))).toMatchObject({ error: 'invalid_scope', state: 'st' });
    expect(callback(await start({ ...b, scope: '' }))).toMatchObject({ error: 'invalid_scope' });
    expect(callback(await start({ ...b, request: 'eyJ' }))).toMatchObject({ error: 'request_not_supported' });
    expect(callback(await start({ ...b, resource: 'not a uri' }))).toMatchObject({ error: 'invalid_target' });
    expect(callback(await start({ ...b, prompt: 'none login' }))).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses scopes outside an app\'s allowed scopes', async () => {
    const c = await newClient(w, { allowedScopes: ['apps-read', 'openid'] });
    expect(callback(await start({ ...base(c.clientId, c.redirectUri), scope: 'apps-read apps-write' }))).toMatchObject({ error: 'invalid_scope' });
    expect((await start({ ...base(c.clientId, c.redirectUri), scope: 'openid apps-read' })).headers.get('location')).toMatch(/^\/platform\/oauth\/consent/);
  });

  it('refuses a repeated parameter other than client_id / redirect_uri by redirect', async () => {
    const c = await newClient(w);
    const u = new URL('/platform/oauth/start', w.p.issuer);
    u.search = `client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}&response_type=code&scope=apps-read&state=s&state=t`;
    expect(callback(await w.p.fetch(u, { redirect: 'manual' }))).toMatchObject({ error: 'invalid_request' });
  });

  it('shows a suspended app an error page, not a consent page', async () => {
    const c = await newClient(w, { status: 'suspended', name: 'Shady' });
    const res = await start(base(c.clientId, c.redirectUri));
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('suspended');
  });
});

describe('POST to the authorization endpoint (OIDC Core §3.1.2.1)', () => {
  it('accepts the request as a form body, with the same checks', async () => {
    const c = await newClient(w);
    const post = (body: Record<string, string>) =>
      w.p.fetch(new URL('/platform/oauth/start', w.p.issuer), {
        method: 'POST',
        headers: { cookie: w.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
        redirect: 'manual',
      });
    const ok = await post(base(c.clientId, c.redirectUri));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/platform\/oauth\/consent/);
    const bad = await post(base(c.clientId, 'https://evil.example/cb'));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
    expect(callback(await post({ ...base(c.clientId, c.redirectUri), scope: 'nope' }))).toMatchObject({ error: 'invalid_scope' });
  });
});

describe('issuer (docs/security.md §5, §9)', () => {
  it('advertises iss support and takes the issuer from configuration, never from Host or X-Forwarded-*', async () => {
    const spoof = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await w.p.fetch(new URL(path, 'http://evil.example'), { headers: spoof });
      const m = await res.json();
      expect(m.issuer).toBe(w.p.issuer);
      expect(m.authorization_response_iss_parameter_supported).toBe(true);
      expect(m.token_endpoint).toBe(`${w.p.issuer}/platform/oauth/token`);
      expect(m.code_challenge_methods_supported).toEqual(['S256']);
    }
    const c = await newClient(w);
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, state: 's' });
    expect(r.callback.searchParams.get('iss')).toBe(w.p.issuer);
  });
});

describe('consent page (docs/security.md §8, §12)', () => {
  it('cannot be framed, leaks no referrer, loads nothing third-party and protects its forms', async () => {
    const c = await newClient(w, { name: 'Acme <b>Board</b>', homePage: 'https://acme.example', logo: 'data:image/png;base64,iVBORw0KGgo=' });
    const { page, html } = await consentPageOf(await start({ ...base(c.clientId, c.redirectUri), scope: 'apps-write email' }), w.cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:\/\/(?!acme\.example)/); // only the app's own home page link
    expect(html).toContain('Acme &lt;b&gt;Board&lt;/b&gt;');
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(html).toContain('https://acme.example');
    expect(html).toContain(w.user.email);
    expect(html).toContain('http://127.0.0.1:3000');
    expect(html).toContain('Create, change and delete your Instant apps');
    expect(html).toContain('See your email address');
    expect(html).toMatch(/<button[^>]*value="allow"[^>]*>\s*Allow/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>\s*Deny/);
    expect(html).toContain('action="/dash/logout"');
    expect(html).toContain('Use another account');
    const forms = html.match(/<form[\s\S]*?<\/form>/g)!;
    expect(forms.length).toBeGreaterThanOrEqual(2);
    for (const f of forms) expect(f).toMatch(/name="_csrf" value="[^"]+"/);
  });

  it('renders only data: logos', async () => {
    const c = await newClient(w, { logo: 'https://tracker.example/logo.png' });
    const { html } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    expect(html).not.toContain('tracker.example');
  });

  it('refuses a consent POST without a valid CSRF token and answers a valid one with 303', async () => {
    const c = await newClient(w);
    const { html, jar } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    const { csrf, request } = consentFormFields(html);
    const post = (token: string) =>
      w.p.fetch(new URL('/platform/oauth/consent', w.p.issuer), {
        method: 'POST',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, request, decision: 'allow' }).toString(),
        redirect: 'manual',
      });
    const forged = await post('forged');
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
    const ok = await post(csrf);
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    // The request is single use: a second answer gets an error page.
    const again = await post(csrf);
    expect(again.status).toBe(400);
    expect(again.headers.get('location')).toBeNull();
  });

  it('binds a pending request to the browser that started it', async () => {
    const c = await newClient(w);
    const res = await start(base(c.clientId, c.redirectUri));
    const other = await w.p.fetch(new URL(res.headers.get('location')!, w.p.issuer), { headers: { cookie: w.cookie } });
    expect(other.status).toBe(400);
  });

  it('expires a pending request after ten minutes', async () => {
    const c = await newClient(w);
    const res = await start(base(c.clientId, c.redirectUri));
    w.p.clock.advance(601);
    const { page } = await consentPageOf(res, w.cookie);
    expect(page.status).toBe(400);
  });

  it('lets only the owner authorize an app in test mode', async () => {
    const owner = await createTestUser(w.p);
    const c = await createTestClient(w.p, { ownerId: owner.id, status: 'test' });
    const { page, html, jar } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    expect(page.status).toBe(403);
    expect(html).toContain('test mode');
    expect(html).not.toMatch(/value="allow"/);
    // A forged Allow is answered with access_denied.
    expect(callback(await postAllow(jar, html))).toMatchObject({ error: 'access_denied', state: 'st' });
    const r = await authorizeInBrowser(w.p, await sessionCookie(w.p, owner.id), { clientId: c.clientId, redirectUri: c.redirectUri });
    expect(r.code).toBeTruthy();
  });

  it('marks a dynamically registered app as unverified', async () => {
    const c = await newClient(w, { dynamic: true, ownerId: null });
    const { html } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    expect(html).toContain('Unverified');
    const plain = await newClient(w);
    expect((await consentPageOf(await start(base(plain.clientId, plain.redirectUri)), w.cookie)).html).not.toContain('Unverified');
  });

  it('sets the browser-binding cookie Secure when the issuer is https', async () => {
    const p = await createTestProvider({ publicUrl: 'https://auth.example.com' });
    try {
      const c = await createTestClient(p);
      const res = await p.fetch(authorizeUrl(p, { clientId: c.clientId, redirectUri: c.redirectUri }), { redirect: 'manual' });
      const cookie = res.headers.getSetCookie().join('\n');
      expect(cookie).toMatch(/instant_oauth_browser=.*HttpOnly/i);
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/SameSite=Lax/);
    } finally {
      await p.close();
    }
  });
});


describe('malformed browser requests', () => {
  it('answers garbage on the authorization and consent endpoints without a 500', async () => {
    const c = await newClient(w);
    const urls = [
      '/platform/oauth/start?%',
      `/platform/oauth/start?client_id=${c.clientId}&redirect_uri=%E0%A4%A`,
      `/platform/oauth/start?client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}&state=%ZZ&scope=%00`,
      '/platform/oauth/consent?request=%E0%A4%A',
      '/platform/oauth/consent?request=' + 'a'.repeat(5000),
      '/platform/oauth/token-info?access_token=%',
      '/platform/oauth/userinfo',
      `/platform/oauth/start?client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}&response_type=code&scope=apps-read&state=a%00b`,
      `/platform/oauth/start?client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}&response_type=code&scope=apps-read&state=s&nonce=%00`,
      `/platform/oauth/start?client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}&response_type=code&scope=apps-read&state=s&resource=https%3A%2F%2Fa%00b`,
      `/platform/oauth/start?client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}%00&response_type=code&scope=apps-read&state=s`,
    ];
    for (const u of urls) {
      const res = await w.p.fetch(new URL(u, w.p.issuer), { headers: { cookie: w.cookie }, redirect: 'manual' });
      expect(res.status, u).toBeLessThan(500);
    }
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', '%%%&_csrf'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nv\r\n--x--'],
      ['application/json', '{"_csrf": 1}'],
      ['text/plain', '\u0000'],
    ]) {
      const res = await w.p.fetch(new URL('/platform/oauth/consent', w.p.issuer), { method: 'POST', headers: { cookie: w.cookie, 'content-type': type! }, body, redirect: 'manual' });
      expect(res.status, type).toBe(403);
    }
  });
});

describe('storing and answering a request', () => {
  const requests = async () => Number((await w.p.ctx.db.one<{ n: number }>(`select count(*)::int as n from authorization_requests`))!.n);
  const post = (jar: { header(): string }, fields: Record<string, string>) =>
    w.p.fetch(new URL('/platform/oauth/consent', w.p.issuer), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const answer = (html: string, decision: 'allow' | 'deny') => {
    const { csrf, request } = consentFormFields(html);
    return { _csrf: csrf, request, decision };
  };

  it('stores nothing for a request the client refuses, and stores a loopback request on another port', async () => {
    const limited = await newClient(w, { allowedScopes: ['apps-read'] });
    const pub = await newClient(w, { public: true });
    const before = await requests();
    expect(callback(await start({ ...base(limited.clientId, limited.redirectUri), scope: 'apps-write' }))).toMatchObject({ error: 'invalid_scope' });
    expect(callback(await start(base(pub.clientId, pub.redirectUri)))).toMatchObject({ error: 'invalid_request' });
    expect((await start(base(limited.clientId, 'http://127.0.0.1:3000/other'))).status).toBe(400);
    expect(await requests()).toBe(before);
    const loop = await newClient(w, { redirectUris: ['http://127.0.0.1/cb'] });
    const res = await start(base(loop.clientId, 'http://127.0.0.1:4567/cb'));
    const { page, html, jar } = await consentPageOf(res, w.cookie);
    expect(page.status).toBe(200);
    const back = callback(await post(jar, answer(html, 'allow')));
    expect(back.code).toBeTruthy();
    expect(await w.p.ctx.db.one(`select redirect_uri from authorization_codes where client_id = $1`, [loop.clientId])).toEqual({ redirect_uri: 'http://127.0.0.1:4567/cb' });
  });

  it('answers a request once: simultaneous Allows give one code, one grant and one event of each kind', async () => {
    const c = await newClient(w);
    const { html, jar } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    const fields = answer(html, 'allow');
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(jar, fields)));
    const codes = answers.filter((r) => r.status === 303).map((r) => new URL(r.headers.get('location')!).searchParams.get('code'));
    expect(codes).toHaveLength(1);
    expect(codes[0]).toBeTruthy();
    expect(answers.filter((r) => r.status === 400)).toHaveLength(5);
    expect((await w.p.ctx.db.query(`select 1 from authorization_codes where client_id = $1`, [c.clientId])).length).toBe(1);
    expect((await w.p.ctx.db.query(`select 1 from grants where user_id = $1 and oauth_app_id = $2`, [w.user.id, c.appId])).length).toBe(1);
    const events = await listEvents(w.p.ctx, { clientId: c.clientId });
    expect(events.map((e) => e.event).sort()).toEqual(['code.issued', 'consent.granted']);
  });

  it('gives simultaneous Allows of one user and app in several tabs one live grant with every scope, and a working code each', async () => {
    const c = await newClient(w);
    const scopes = ['apps-read', 'data-read', 'apps-write', 'data-write'];
    const tabs = [];
    for (const scope of scopes) tabs.push(await consentPageOf(await start({ ...base(c.clientId, c.redirectUri), scope }), w.cookie));
    // The Allows wait on a lock on the grants table until every one of them is at its statement, then go at once.
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const released = new Promise<void>((r) => (release = r));
    const holder = w.p.ctx.db.tx(async (db) => {
      await db.query('lock table grants in exclusive mode');
      locked();
      await released;
    });
    await isLocked;
    const pending = Promise.all(tabs.map(({ html, jar }) => post(jar, answer(html, 'allow'))));
    for (let waited = 0; waited < 10_000; waited += 20) {
      // On Postgres, until every Allow waits for the lock; the embedded store runs one statement at a time anyway.
      if (w.p.ctx.db.kind !== 'postgres') break;
      const n = await w.p.ctx.db.one<{ n: number }>(`select count(*)::int as n from pg_locks where relation = 'grants'::regclass and not granted`);
      if (n!.n >= tabs.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    release();
    await holder;
    const answers = await pending;
    const codes = answers.map((r) => callback(r).code);
    expect(codes.every(Boolean), JSON.stringify(answers.map((r) => r.headers.get('location')))).toBe(true);
    const grants = await w.p.ctx.db.query<{ id: string; scopes: string[] }>(`select id, scopes from grants where user_id = $1 and oauth_app_id = $2`, [w.user.id, c.appId]);
    expect(grants).toHaveLength(1);
    expect([...grants[0]!.scopes].sort()).toEqual([...scopes].sort());
    const codeGrants = await w.p.ctx.db.query<{ grant_id: string }>(`select distinct grant_id from authorization_codes where client_id = $1`, [c.clientId]);
    expect(codeGrants).toEqual([{ grant_id: grants[0]!.id }]);
  });

  it('records one consent.denied for simultaneous Denies, and answers the request with it', async () => {
    const c = await newClient(w);
    const { html, jar } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    const fields = answer(html, 'deny');
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(jar, fields)));
    expect(answers.filter((r) => r.status === 303).map((r) => callback(r).error)).toEqual(['access_denied']);
    expect((await listEvents(w.p.ctx, { clientId: c.clientId })).map((e) => [e.event, e.outcome, e.user_id, e.details])).toEqual([
      ['consent.denied', 'failure', w.user.id, { scopes: ['apps-read'] }],
    ]);
    expect((await post(jar, { ...fields, decision: 'allow' })).status).toBe(400);
  });

  it('widens the user grant to new scopes in place, and starts a new one after revocation', async () => {
    const c = await newClient(w);
    // prompt=consent: each round shows the page and is answered by Allow (a covered request is otherwise answered at once).
    const allow = async (scope: string) => {
      const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, scope, extra: { prompt: 'consent' } });
      expect(r.code).toBeTruthy();
      return r;
    };
    const grants = () => w.p.ctx.db.query<{ id: string; scopes: string[]; revoked: boolean }>(
      `select id, scopes, revoked_at is not null as revoked from grants where user_id = $1 and oauth_app_id = $2 order by created_at`,
      [w.user.id, c.appId],
    );
    await allow('apps-read');
    const [first] = await grants();
    expect(first).toMatchObject({ scopes: ['apps-read'], revoked: false });
    await allow('data-read apps-write apps-read');
    const [widened] = await grants();
    expect(widened).toMatchObject({ id: first!.id, scopes: ['apps-read', 'data-read', 'apps-write'] });
    await allow('apps-write');
    expect(await grants()).toEqual([widened]);
    const events = await listEvents(w.p.ctx, { clientId: c.clientId });
    expect(events).toHaveLength(6);
    for (const e of events) {
      expect(e.details).toEqual({ scopes: expect.any(Array), grant_id: first!.id });
      expect(e).toMatchObject({ outcome: 'success', actor: w.user.id, user_id: w.user.id, oauth_app_id: c.appId });
    }
    // Newest first: each Allow records consent.granted, then code.issued.
    expect(events.map((e) => e.event)).toEqual(['code.issued', 'consent.granted', 'code.issued', 'consent.granted', 'code.issued', 'consent.granted']);
    const codes = await w.p.ctx.db.query<{ grant_id: string; scopes: string[] }>(`select grant_id, scopes from authorization_codes where client_id = $1 order by created_at`, [c.clientId]);
    expect(codes.map((x) => x.scopes)).toEqual([['apps-read'], ['data-read', 'apps-write', 'apps-read'], ['apps-write']]);
    expect(new Set(codes.map((x) => x.grant_id))).toEqual(new Set([first!.id]));

    expect(await revokeGrant(w.p.ctx, first!.id)).toBe(true);
    await allow('apps-read');
    const after = await grants();
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ scopes: ['apps-read'], revoked: false });
    expect(after[1]!.id).not.toBe(first!.id);
  });

  it('sends an Allow whose session ended to the login page and keeps the request for the next session', async () => {
    const c = await newClient(w);
    const user = await createTestUser(w.p);
    const cookie = await sessionCookie(w.p, user.id);
    const { html, jar } = await consentPageOf(await start(base(c.clientId, c.redirectUri), cookie), cookie);
    await w.p.ctx.db.query(`update sessions set revoked_at = $2 where user_id = $1`, [user.id, new Date(w.p.clock.now())]);
    const fields = answer(html, 'allow');
    const res = await post(jar, fields);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/dash\/login\?next=/);
    jar.add(await sessionCookie(w.p, user.id));
    // The old form's CSRF token was bound to the ended session (F2): the login page's `next` brings the
    // browser back to the consent page, which is rendered again for the kept request.
    expect((await post(jar, fields)).status).toBe(403);
    const again = await w.p.fetch(new URL(consentPath(fields.request), w.p.issuer), { headers: { cookie: jar.header() } });
    expect(callback(await post(jar, answer(await again.text(), 'allow'))).code).toBeTruthy();
  });

  it('answers a suspended app with an error page and uses the request up', async () => {
    const c = await newClient(w);
    const { html, jar } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    await w.p.ctx.db.query(`update oauth_apps set status = 'suspended' where id = $1`, [c.appId]);
    const fields = answer(html, 'allow');
    expect((await post(jar, fields)).status).toBe(403);
    await w.p.ctx.db.query(`update oauth_apps set status = 'published' where id = $1`, [c.appId]);
    expect((await post(jar, fields)).status).toBe(400);
    expect(await listEvents(w.p.ctx, { clientId: c.clientId })).toEqual([]);
  });
});
