// Our provider's flows over HTTP, written once for the benchmark (bench/) and the reliability tests.
import {
  CookieJar,
  FORM,
  FlowError,
  JSON_BODY,
  basicAuth,
  expectStatus,
  form,
  json,
  location,
  pkcePair,
  send,
  type Flow,
  type HttpRequest,
} from './flow.ts';

export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const BENCH_SCOPES = ['apps-read', 'apps-write'];

export interface OAuthClientCreds {
  /** The signed-in browser of the client's owner, when flows should use it rather than SignInOptions.session. */
  owner?: CookieJar;
  client_id: string;
  /** Undefined for a public client. */
  client_secret?: string;
  redirect_uri: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  scope?: string;
}

/**
 * Creates an account with `POST /dash/signup`, then logs in with `POST /dash/login` (sign-up never signs in:
 * docs/security-accounts.md §2), and returns a jar holding the session cookie.
 */
export async function signUp(fetchFn: typeof fetch, base: string, email: string, password = 'correct horse battery staple 42', headers: Record<string, string> = {}): Promise<CookieJar> {
  const jar = new CookieJar();
  const res = await send(fetchFn, base, { method: 'POST', path: '/dash/signup', headers: { ...JSON_BODY, ...headers }, body: JSON.stringify({ email, password }) });
  expectStatus('signup', res, 200);
  const login = await send(fetchFn, base, { method: 'POST', path: '/dash/login', headers: { ...JSON_BODY, ...headers }, body: JSON.stringify({ email, password }) });
  expectStatus('login after signup', login, 200);
  jar.take(login);
  if (!jar.cookies.size) throw new FlowError('login after signup', login.status, 'no session cookie');
  return jar;
}

/** Creates an OAuth app owned by the session's user (`POST /dash/oauth_apps`); it starts in test mode (owner only). */
export async function createOAuthApp(fetchFn: typeof fetch, base: string, session: CookieJar, name = 'Bench app'): Promise<string> {
  const app = await send(fetchFn, base, { method: 'POST', path: '/dash/oauth_apps', headers: { ...JSON_BODY, ...session.headers() }, body: JSON.stringify({ name }) });
  expectStatus('create oauth app', app, 200);
  return json<{ oauthApp: { id: string } }>('create oauth app', app).oauthApp.id;
}

/** Creates a client of an OAuth app (`POST /dash/oauth_apps/:id/clients`), creating the app first unless `appId` is given. */
export async function createOAuthClient(
  fetchFn: typeof fetch,
  base: string,
  session: CookieJar,
  opts: { appId?: string; name?: string; public?: boolean; redirect_uri?: string } = {},
): Promise<OAuthClientCreds & { oauth_app_id: string }> {
  const redirect_uri = opts.redirect_uri ?? BENCH_REDIRECT_URI;
  const appId = opts.appId ?? (await createOAuthApp(fetchFn, base, session, opts.name));
  const res = await send(fetchFn, base, {
    method: 'POST',
    path: `/dash/oauth_apps/${encodeURIComponent(appId)}/clients`,
    headers: { ...JSON_BODY, ...session.headers() },
    body: JSON.stringify({ name: opts.name ?? 'bench client', redirect_uris: [redirect_uri], public: opts.public ?? false }),
  });
  expectStatus('create oauth client', res, 200);
  const body = json<{ client: { client_id: string }; client_secret?: string }>('create oauth client', res);
  return { oauth_app_id: appId, client_id: body.client.client_id, client_secret: body.client_secret, redirect_uri };
}

/** Client authentication headers/fields: client_secret_basic for a confidential client, `client_id` for a public one. */
function clientAuth(client: OAuthClientCreds): { headers: Record<string, string>; fields: Record<string, string> } {
  return client.client_secret
    ? { headers: { authorization: basicAuth(client.client_id, client.client_secret) }, fields: {} }
    : { headers: {}, fields: { client_id: client.client_id } };
}

export function refreshRequest(client: OAuthClientCreds, refreshToken: string, extraHeaders: Record<string, string> = {}): HttpRequest {
  const auth = clientAuth(client);
  return {
    method: 'POST',
    path: '/platform/oauth/token',
    headers: { ...FORM, ...auth.headers, ...extraHeaders },
    body: form({ grant_type: 'refresh_token', refresh_token: refreshToken, ...auth.fields }),
  };
}

export function codeExchangeRequest(client: OAuthClientCreds, code: string, verifier: string, extraHeaders: Record<string, string> = {}): HttpRequest {
  const auth = clientAuth(client);
  return {
    method: 'POST',
    path: '/platform/oauth/token',
    headers: { ...FORM, ...auth.headers, ...extraHeaders },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: client.redirect_uri, code_verifier: verifier, ...auth.fields }),
  };
}

export interface SignInState {
  client: OAuthClientCreds;
  jar: CookieJar;
  pkce: { verifier: string; challenge: string };
  state: string;
  consentPath: string;
  csrf: string;
  requestId: string;
  code: string;
  tokens?: TokenSet;
}

export interface SignInOptions {
  /** The client, or a function choosing one per flow (e.g. round-robin over a pool). */
  client: OAuthClientCreds | (() => OAuthClientCreds);
  /** Cookies of a signed-in browser (the dashboard session); a client's own `owner` session wins. */
  session?: CookieJar;
  scopes?: string[];
  /** Stop after the code (no token request): to mint codes beforehand. */
  codeOnly?: boolean;
  /** Added to every request (e.g. X-Forwarded-For). */
  headers?: () => Record<string, string>;
}

/**
 * One complete "Sign in with Instant" flow of a signed-in browser:
 * GET /platform/oauth/start (prompt=consent) → 303 consent page → GET consent (reads the CSRF token) → POST consent allow →
 * 303 callback?code → POST /platform/oauth/token (code + PKCE verifier, client_secret_basic).
 */
export function signInFlow(o: SignInOptions): Flow<SignInState> {
  const scopes = o.scopes ?? BENCH_SCOPES;
  const extra = o.headers ?? (() => ({}));
  const pick = typeof o.client === 'function' ? o.client : () => o.client as OAuthClientCreds;
  const steps: Flow<SignInState>['steps'] = [
    {
      name: 'authorize',
      request: (s) => ({
        method: 'GET',
        path:
          '/platform/oauth/start?' +
          form({
            client_id: s.client.client_id,
            redirect_uri: s.client.redirect_uri,
            response_type: 'code',
            scope: scopes.join(' '),
            state: s.state,
            code_challenge: s.pkce.challenge,
            code_challenge_method: 'S256',
            // The consent page every time, as the peer's flow asks it (a live grant would otherwise skip it).
            prompt: 'consent',
          }),
        headers: { ...extra(), ...s.jar.headers() },
      }),
      response: (s, res) => {
        expectStatus('authorize', res, 303);
        s.jar.take(res);
        const to = location('authorize', res);
        s.consentPath = to.pathname + to.search;
      },
    },
    {
      name: 'consent page',
      request: (s) => ({ method: 'GET', path: s.consentPath, headers: { ...extra(), ...s.jar.headers() } }),
      response: (s, res) => {
        expectStatus('consent page', res, 200);
        s.jar.take(res);
        const csrf = /name="_csrf" value="([^"]*)"/.exec(res.body)?.[1];
        const request = /name="request" value="([^"]*)"/.exec(res.body)?.[1];
        if (!csrf || !request) throw new FlowError('consent page', res.status, 'no consent form in the page');
        s.csrf = unescapeHtml(csrf);
        s.requestId = unescapeHtml(request);
      },
    },
    {
      name: 'consent allow',
      request: (s) => ({
        method: 'POST',
        path: '/platform/oauth/consent',
        headers: { ...FORM, ...extra(), ...s.jar.headers() },
        body: form({ _csrf: s.csrf, request: s.requestId, decision: 'allow' }),
      }),
      response: (s, res) => {
        expectStatus('consent allow', res, 303);
        s.jar.take(res);
        const to = location('consent allow', res);
        const code = to.searchParams.get('code');
        if (!code) throw new FlowError('consent allow', res.status, `no code in the redirect: ${to.search.slice(0, 200)}`);
        if (to.searchParams.get('state') !== s.state) throw new FlowError('consent allow', res.status, 'state mismatch');
        s.code = code;
      },
    },
  ];
  if (!o.codeOnly) {
    steps.push({
      name: 'token',
      request: (s) => codeExchangeRequest(s.client, s.code, s.pkce.verifier, extra()),
      response: (s, res) => {
        expectStatus('token', res, 200);
        s.tokens = tokenSet('token', res.status, res.body);
      },
    });
  }
  return {
    name: 'sign-in flow',
    init: () => {
      const client = pick();
      const session = client.owner ?? o.session;
      if (!session) throw new Error('signInFlow: no signed-in session for this client');
      return { client, jar: session.clone(), pkce: pkcePair(), state: Math.random().toString(36).slice(2), consentPath: '', csrf: '', requestId: '', code: '' };
    },
    steps,
  };
}

/**
 * Reads and checks a token response body. A refresh of a non-rotating (confidential) client's token answers with an
 * access token only: pass `withRefresh = false` then (`refresh_token` is '' in the result when absent).
 */
export function tokenSet(step: string, status: number, body: string, withRefresh = true): TokenSet {
  let t: Partial<TokenSet>;
  try {
    t = JSON.parse(body) as Partial<TokenSet>;
  } catch {
    throw new FlowError(step, status, 'token response is not JSON', body);
  }
  if (typeof t.access_token !== 'string' || !/^pat_[0-9a-f]{64}$/.test(t.access_token)) throw new FlowError(step, status, 'token response lacks a pat_ access token', body);
  if (t.refresh_token !== undefined && (typeof t.refresh_token !== 'string' || !/^prt_[0-9a-f]{64}$/.test(t.refresh_token))) {
    throw new FlowError(step, status, 'malformed refresh_token', body);
  }
  if (withRefresh && !t.refresh_token) throw new FlowError(step, status, 'token response lacks a prt_ refresh token', body);
  return { ...t, refresh_token: t.refresh_token ?? '' } as TokenSet;
}

function unescapeHtml(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** A small schema (Defs, docs/api.md §6) for temporary-app creation. */
export const SMALL_SCHEMA = {
  entities: {
    todos: {
      attrs: {
        text: { valueType: 'string', required: true, config: { indexed: false, unique: false } },
        done: { valueType: 'boolean', required: false, config: { indexed: true, unique: false } },
      },
    },
  },
  links: {},
};

export function temporaryAppRequest(extraHeaders: Record<string, string> = {}): HttpRequest {
  return {
    method: 'POST',
    path: '/dash/apps/ephemeral',
    headers: { ...JSON_BODY, ...extraHeaders },
    body: JSON.stringify({ title: 'bench temporary app', schema: SMALL_SCHEMA }),
  };
}

export function listAppsRequest(accessToken: string): HttpRequest {
  return { method: 'GET', path: '/superadmin/apps', headers: { authorization: `Bearer ${accessToken}` } };
}
