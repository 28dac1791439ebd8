// The oidc-provider baseline's flows, on the shared step helper (provider/src/reliability/flow.ts).
import {
  CookieJar,
  FORM,
  basicAuth,
  expectStatus,
  form,
  json,
  location,
  pkcePair,
  type Flow,
} from '../../provider/src/reliability/flow.ts';
import { OIDC_CLIENT, OIDC_SCOPES } from '../baselines/oidc-config.ts';

const CLIENT_AUTH = basicAuth(OIDC_CLIENT.client_id, OIDC_CLIENT.client_secret);

interface OidcFlowState {
  jar: CookieJar;
  pkce: { verifier: string; challenge: string };
  state: string;
  next: string;
  code: string;
  tokens?: { access_token: string; refresh_token: string };
}

/**
 * One complete code flow: GET /auth (prompt=consent, so the consent interaction runs every time) →
 * 303 /interaction/:uid → auto-consent 303 /auth/:uid → 303 callback?code → POST /token.
 * `session` carries the cookies of an already signed-in browser (empty on the very first run, which then logs in).
 */
export function oidcCodeFlow(session: CookieJar = new CookieJar()): Flow<OidcFlowState> {
  const redirect = (step: string) => ({
    name: step,
    request: (s: OidcFlowState) => ({ method: 'GET', path: s.next, headers: s.jar.headers() }),
    response: (s: OidcFlowState, res: Parameters<typeof expectStatus>[1]) => {
      expectStatus(step, res, 302, 303);
      s.jar.take(res);
      const to = location(step, res);
      if (to.searchParams.has('code')) {
        if (to.searchParams.get('state') !== s.state) throw new Error(`${step}: state mismatch`);
        s.code = to.searchParams.get('code')!;
      } else s.next = to.pathname + to.search;
    },
  });
  return {
    name: 'oidc-provider code flow',
    init: () => ({ jar: session.clone(), pkce: pkcePair(), state: Math.random().toString(36).slice(2), next: '', code: '' }),
    steps: [
      {
        name: 'authorize',
        request: (s) => ({
          method: 'GET',
          path:
            '/auth?' +
            form({
              client_id: OIDC_CLIENT.client_id,
              redirect_uri: OIDC_CLIENT.redirect_uri,
              response_type: 'code',
              scope: OIDC_SCOPES.join(' '),
              state: s.state,
              code_challenge: s.pkce.challenge,
              code_challenge_method: 'S256',
              prompt: 'consent',
            }),
          headers: s.jar.headers(),
        }),
        response: (s, res) => {
          expectStatus('authorize', res, 302, 303);
          s.jar.take(res);
          s.next = location('authorize', res).pathname;
        },
      },
      redirect('interaction'),
      redirect('resume'),
      {
        name: 'token',
        request: (s) => ({
          method: 'POST',
          path: '/token',
          headers: { ...FORM, authorization: CLIENT_AUTH },
          body: form({ grant_type: 'authorization_code', code: s.code, redirect_uri: OIDC_CLIENT.redirect_uri, code_verifier: s.pkce.verifier }),
        }),
        response: (s, res) => {
          expectStatus('token', res, 200);
          const body = json<{ access_token?: string; refresh_token?: string }>('token', res);
          if (!body.access_token || !body.refresh_token) throw new Error('token: no access_token/refresh_token');
          s.tokens = { access_token: body.access_token, refresh_token: body.refresh_token };
        },
      },
    ],
  };
}

/** The refresh grant request of a confidential client (static: refresh tokens of confidential clients do not rotate). */
export function oidcRefreshRequest(refreshToken: string) {
  return {
    method: 'POST',
    path: '/token',
    headers: { ...FORM, authorization: CLIENT_AUTH },
    body: form({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  };
}
