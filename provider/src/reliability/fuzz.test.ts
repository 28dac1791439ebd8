// docs/security.md §R4 (bad input): fast-check builds requests for every endpoint — random methods among the
// route's, path parameters, query parameters, headers (credentials of every kind, content types, forwarded
// addresses), bodies of random types, sizes and encodings — and every answer must be below 500, carry no stack
// trace, and (for JSON errors) have the documented shape: RFC 6749 §5.2 `{error, error_description}` on OAuth
// paths, `{type, message, hint: {}}` on the Platform API. In process, on a fresh store with real credentials so
// that the requests get past authentication too. FUZZ_RUNS sets the number of requests (default 400).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../testing/index.ts';
import { createTestClient, createTestUser, sessionCookie } from '../testing/fixtures.ts';
import { CookieJar, JSON_BODY, basicAuth, runFlow, send } from './flow.ts';
import { SMALL_SCHEMA, signInFlow } from './provider-flows.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

interface Endpoint {
  methods: string[];
  /** `:name` segments are filled from the id pools. */
  path: string;
  /** The answer may be an HTML page (browser endpoints). */
  html?: boolean;
  /** Parameter and field names worth trying on this endpoint. */
  fields?: string[];
}

const OAUTH_FIELDS = ['grant_type', 'code', 'redirect_uri', 'client_id', 'client_secret', 'code_verifier', 'refresh_token', 'scope', 'token', 'token_type_hint', 'access_token', 'state', 'resource'];
const START_FIELDS = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'resource', 'prompt', 'response_mode', 'request', 'request_uri'];
const APP_FIELDS = ['title', 'schema', 'perms', 'rules', 'code', 'org_id', 'id', 'admin_token', 'app_id', 'token', 'steps', 'check_types', 'supports_background_updates', 'include'];
const ACCOUNT_FIELDS = ['email', 'password', 'name', 'expires_in_days', 'home_page', 'logo', 'support_email', 'redirect_uris', 'redirect_uri', 'public', 'next', '_csrf', 'decision', 'request'];

/** Every route of docs/api.md (and the dashboard's, which must not 500 either). */
const ENDPOINTS: Endpoint[] = [
  { methods: ['GET', 'POST'], path: '/.well-known/oauth-authorization-server' },
  { methods: ['GET'], path: '/.well-known/openid-configuration' },
  { methods: ['GET'], path: '/.well-known/jwks.json' },
  { methods: ['GET', 'POST'], path: '/platform/oauth/start', html: true, fields: START_FIELDS },
  { methods: ['GET', 'POST'], path: '/platform/oauth/consent', html: true, fields: ['request', '_csrf', 'decision'] },
  { methods: ['POST', 'GET', 'OPTIONS'], path: '/platform/oauth/token', fields: OAUTH_FIELDS },
  { methods: ['POST'], path: '/platform/oauth/revoke', fields: OAUTH_FIELDS },
  { methods: ['POST'], path: '/platform/oauth/introspect', fields: OAUTH_FIELDS },
  { methods: ['GET'], path: '/platform/oauth/token-info', fields: OAUTH_FIELDS },
  { methods: ['GET', 'POST'], path: '/platform/oauth/userinfo', fields: OAUTH_FIELDS },
  { methods: ['POST'], path: '/platform/oauth/register', fields: ['redirect_uris', 'client_name', 'token_endpoint_auth_method', 'grant_types', 'response_types', 'scope', 'client_uri', 'logo_uri'] },
  { methods: ['GET', 'POST'], path: '/superadmin/apps', fields: APP_FIELDS },
  { methods: ['GET'], path: '/superadmin/orgs' },
  { methods: ['GET', 'POST', 'DELETE'], path: '/superadmin/apps/:app', fields: APP_FIELDS },
  { methods: ['GET', 'POST'], path: '/superadmin/apps/:app/perms', fields: APP_FIELDS },
  { methods: ['GET'], path: '/superadmin/apps/:app/schema' },
  { methods: ['POST'], path: '/superadmin/apps/:app/schema/push/plan', fields: APP_FIELDS },
  { methods: ['POST'], path: '/superadmin/apps/:app/schema/push/apply', fields: APP_FIELDS },
  { methods: ['POST'], path: '/dash/apps/ephemeral', fields: APP_FIELDS },
  { methods: ['GET'], path: '/dash/apps/ephemeral/:app' },
  { methods: ['POST'], path: '/dash/apps/ephemeral/:app/claim', fields: APP_FIELDS },
  { methods: ['GET', 'POST'], path: '/dash/apps', fields: APP_FIELDS, html: true },
  { methods: ['GET'], path: '/dash/apps/:app' },
  { methods: ['GET'], path: '/dash/apps/:app/schema/pull' },
  { methods: ['POST'], path: '/dash/apps/:app/schema/steps/apply', fields: APP_FIELDS },
  { methods: ['POST'], path: '/dash/apps/:app/schema/push/plan', fields: APP_FIELDS },
  { methods: ['POST'], path: '/dash/apps/:app/schema/push/apply', fields: APP_FIELDS },
  { methods: ['GET'], path: '/dash/apps/:app/indexing-jobs/group/:id' },
  { methods: ['GET'], path: '/dash/apps/:app/perms/pull' },
  { methods: ['POST'], path: '/dash/apps/:app/rules', fields: APP_FIELDS },
  { methods: ['GET'], path: '/dash/me' },
  { methods: ['POST'], path: '/dash/signup', fields: ACCOUNT_FIELDS, html: true },
  { methods: ['POST'], path: '/dash/login', fields: ACCOUNT_FIELDS, html: true },
  { methods: ['POST'], path: '/dash/logout', fields: ACCOUNT_FIELDS, html: true },
  { methods: ['GET', 'POST'], path: '/dash/personal_access_tokens', fields: ACCOUNT_FIELDS },
  { methods: ['DELETE'], path: '/dash/personal_access_tokens/:id' },
  { methods: ['GET', 'POST'], path: '/dash/oauth_apps', fields: ACCOUNT_FIELDS },
  { methods: ['GET', 'PATCH', 'POST', 'DELETE'], path: '/dash/oauth_apps/:oapp', fields: ACCOUNT_FIELDS },
  { methods: ['POST'], path: '/dash/oauth_apps/:oapp/clients', fields: ACCOUNT_FIELDS },
  { methods: ['GET', 'DELETE'], path: '/dash/oauth_apps/:oapp/clients/:client' },
  { methods: ['POST', 'DELETE'], path: '/dash/oauth_apps/:oapp/clients/:client/redirect_uris', fields: ACCOUNT_FIELDS },
  { methods: ['POST'], path: '/dash/oauth_apps/:oapp/clients/:client/secrets' },
  { methods: ['DELETE'], path: '/dash/oauth_apps/:oapp/clients/:client/secrets/:id' },
  { methods: ['GET'], path: '/dash/authorized_apps' },
  { methods: ['DELETE'], path: '/dash/authorized_apps/:oapp' },
  { methods: ['GET'], path: '/dash', html: true },
  { methods: ['GET'], path: '/dash/login', html: true, fields: ['next'] },
  { methods: ['GET'], path: '/dash/signup', html: true, fields: ['next'] },
  { methods: ['GET', 'POST'], path: '/dash/settings/tokens', html: true, fields: ACCOUNT_FIELDS },
  { methods: ['GET', 'POST'], path: '/dash/settings/oauth-apps', html: true, fields: ACCOUNT_FIELDS },
  { methods: ['GET', 'POST'], path: '/dash/settings/oauth-apps/:oapp', html: true, fields: ACCOUNT_FIELDS },
  { methods: ['POST'], path: '/dash/settings/oauth-apps/:oapp/clients/:client/redirect-uris', html: true, fields: ACCOUNT_FIELDS },
  { methods: ['GET'], path: '/dash/settings/authorized-apps', html: true },
  { methods: ['GET', 'POST'], path: '/dash/operator', html: true },
  { methods: ['GET'], path: '/dash/operator/users/:id', html: true },
  { methods: ['POST'], path: '/dash/operator/apps/:oapp/status', html: true, fields: ['status', '_csrf'] },
  { methods: ['GET'], path: '/healthz' },
];

interface Creds {
  session: string;
  pat: string;
  per: string;
  prt: string;
  adminToken: string;
  appId: string;
  oauthAppId: string;
  clientId: string;
  clientSecret: string;
}

const STACK = /\n\s+at .+:\d+:\d+|node_modules\/|\/provider\/src\//;

function isOAuthPath(path: string): boolean {
  return /^\/(platform\/oauth\/|\.well-known\/)/.test(path);
}

describe('fuzz', () => {
  let p: TestProvider;
  let creds: Creds;

  beforeAll(async () => {
    p = await createTestProvider();
    const user = await createTestUser(p);
    const session = await sessionCookie(p, user.id);
    const c = await createTestClient(p, { ownerId: user.id });
    const [name, ...rest] = session.split('=');
    const jar = new CookieJar(new Map([[name!, rest.join('=')]]));
    const t = (await runFlow(p.fetch, p.issuer, signInFlow({ client: { client_id: c.clientId, client_secret: c.clientSecret, redirect_uri: c.redirectUri }, session: jar }))).tokens!;
    const per = await send(p.fetch, p.issuer, { method: 'POST', path: '/dash/personal_access_tokens', headers: { ...JSON_BODY, cookie: session }, body: JSON.stringify({ name: 'fuzz' }) });
    const app = await send(p.fetch, p.issuer, {
      method: 'POST',
      path: '/superadmin/apps',
      headers: { ...JSON_BODY, authorization: `Bearer ${t.access_token}` },
      body: JSON.stringify({ title: 'fuzz app', schema: SMALL_SCHEMA }),
    });
    const appBody = JSON.parse(app.body) as { app: { id: string; 'admin-token': string } };
    creds = {
      session,
      pat: t.access_token,
      per: (JSON.parse(per.body) as { token: string }).token,
      prt: t.refresh_token,
      adminToken: appBody.app['admin-token'],
      appId: appBody.app.id,
      oauthAppId: c.appId,
      clientId: c.clientId,
      clientSecret: c.clientSecret!,
    };
  }, 120_000);

  afterAll(async () => {
    await p?.close();
  });

  it(`${RUNS} random requests over ${ENDPOINTS.length} routes: never a 5xx or a stack trace, always the documented error shape`, async () => {
    const weird = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.constantFrom('', ' ', '%', '%00', '%ZZ', '%C0%AF', '..', '../..', '\u0000', 'null', 'undefined', '__proto__', 'constructor', '😀', 'a'.repeat(5000)),
      fc.uuid(),
      fc.integer().map(String),
    );
    // Path segments are percent-encoded, except these, sent raw (broken or tricky percent-encoding).
    const RAW = '\u0000raw:';
    const rawSegment = fc.constantFrom('%', '%ZZ', '%C0%AF', '%00', '%2e%2e', '%2F', '%E0%A4%A', '%FF%FE', '..', '%25', '%u0041');
    const id = fc.oneof(
      rawSegment.map((s) => () => RAW + s),
      fc.constant(() => creds.appId),
      fc.constant(() => creds.oauthAppId),
      fc.constant(() => creds.clientId),
      weird.map((s) => () => s),
    );
    const scalar = fc.oneof(
      weird,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('authorization_code', 'refresh_token', 'S256', 'plain', 'code', 'apps-read apps-write', 'openid', 'http://127.0.0.1:3000/callback', 'allow', 'deny', 'none'),
    );
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 10 }), tie('v'), { maxKeys: 4 })),
    })).v;
    const secretValue = fc.constantFrom<(c: Creds) => string>(
      (c) => c.pat,
      (c) => c.per,
      (c) => c.prt,
      (c) => c.adminToken,
      (c) => c.clientId,
      (c) => c.clientSecret,
      (c) => c.appId,
    );
    const authorization = fc.oneof(
      fc.constant(undefined),
      secretValue.map((f) => (c: Creds) => `Bearer ${f(c)}`),
      fc.constant((c: Creds) => basicAuth(c.clientId, c.clientSecret)),
      weird.map((s) => () => `Basic ${Buffer.from(s).toString('base64')}`),
      weird.map((s) => () => `Bearer ${s}`),
      weird.map((s) => () => s),
    );
    const contentType = fc.constantFrom(
      undefined,
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      'application/x-www-form-urlencoded; charset=utf-16',
      '*/*',
      'garbage',
    );
    const fieldName = (ep: Endpoint) => fc.oneof(fc.constantFrom(...(ep.fields?.length ? ep.fields : ['x'])), fc.string({ maxLength: 12 }));
    const fields = (ep: Endpoint) =>
      fc.array(fc.tuple(fieldName(ep), fc.oneof(scalar, secretValue), fc.boolean()), { maxLength: 8 }).map((kv) => (c: Creds) => {
        // A secret value is resolved per request; the boolean repeats the field (repeated parameters are refused).
        const out: [string, unknown][] = [];
        for (const [k, v, twice] of kv) {
          const val = typeof v === 'function' ? v(c) : v;
          out.push([k, val]);
          if (twice) out.push([k, val]);
        }
        return out;
      });
    const body = (ep: Endpoint) =>
      fc.oneof(
        fc.constant(() => undefined as string | Uint8Array | undefined),
        fields(ep).map((f) => (c: Creds) => JSON.stringify(Object.fromEntries(f(c)))),
        fields(ep).map((f) => (c: Creds) => new URLSearchParams(f(c).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()),
        value.map((v) => () => JSON.stringify(v) ?? 'undefined'),
        fc.string({ maxLength: 200 }).map((s) => () => s),
        fc.uint8Array({ maxLength: 300 }).map((b) => () => b),
        fc.constantFrom('{', '[]', 'null', '"x"', '{"a":', '\uFEFF{}', '{"__proto__":{"x":1}}', '{"title":"' + 'x'.repeat(70_000) + '"}').map((s) => () => s),
        fc.constant(() => 'x'.repeat(1024 * 1024 + 10)),
      );
    const request = fc.constantFrom(...ENDPOINTS).chain((ep) =>
      fc.record({
        ep: fc.constant(ep),
        method: fc.constantFrom(...ep.methods),
        ids: fc.array(id, { minLength: 3, maxLength: 3 }),
        query: fields(ep),
        authorization,
        cookie: fc.oneof(fc.constant(undefined), fc.constant('session'), weird),
        contentType,
        body: body(ep),
        address: fc.ipV4(),
        extraHeader: fc.option(fc.tuple(fc.constantFrom('accept', 'origin', 'x-forwarded-for', 'content-length', 'host', 'x-forwarded-host'), weird.map((s) => s.replace(/[^\x20-\x7e]/g, '')))),
      }),
    );

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const path = r.ep.path.replace(/:[a-z]+/g, () => {
          const v = r.ids[i++]!();
          return v.startsWith(RAW) ? v.slice(RAW.length) : encodeURIComponent(v);
        });
        const query = new URLSearchParams(r.query(creds).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
        const headers: Record<string, string> = { 'x-test-client-address': r.address };
        const auth = r.authorization?.(creds);
        if (auth) headers.authorization = auth.replace(/[\r\n\0]/g, '');
        if (r.cookie) headers.cookie = r.cookie === 'session' ? creds.session : r.cookie.replace(/[^\x20-\x7e]/g, '');
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.extraHeader) headers[r.extraHeader[0]] = r.extraHeader[1];
        const bodyValue = r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body(creds);
        let res: Response;
        try {
          res = await p.app.request(`${path}${query ? `?${query}` : ''}`, { method: r.method, headers, body: bodyValue as BodyInit | undefined });
        } catch (err) {
          // A request the test client itself refuses to build (e.g. a forbidden header value) is not the provider's.
          if (err instanceof TypeError) return;
          throw err;
        }
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `${r.method} ${path}${query ? '?' + query.slice(0, 200) : ''} → ${res.status}: ${text.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        expect(STACK.test(text), `stack trace in ${where}`).toBe(false);
        const type = res.headers.get('content-type') ?? '';
        if (res.status >= 400 && type.includes('application/json')) {
          const b = JSON.parse(text) as Record<string, unknown>;
          // A method the route does not have is "no such route": the provider's one 404 shape, on any path.
          const noRoute = res.status === 404 && b.type === 'not-found';
          if (isOAuthPath(path) && !noRoute) {
            expect(typeof b.error, where).toBe('string');
            if ('error_description' in b) expect(typeof b.error_description, where).toBe('string');
          } else {
            expect(typeof b.type, where).toBe('string');
            expect(typeof b.message, where).toBe('string');
            expect(b.hint !== null && typeof b.hint === 'object' && !Array.isArray(b.hint), where).toBe(true);
          }
        } else if (res.status >= 400 && !r.ep.html && res.status !== 404 && r.method !== 'OPTIONS') {
          expect(type, `a JSON error expected: ${where}`).toContain('application/json');
        }
      }),
      { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined, endOnFailure: false },
    );
    console.log(`fuzz: statuses ${[...statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}×${v}`).join(' ')}`);
  }, 240_000);
});
