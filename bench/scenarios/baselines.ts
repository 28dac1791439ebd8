// The baselines: a bare Hono hello-world (the ceiling of this HTTP stack on this machine) and oidc-provider doing
// the same refresh grant and the same complete code flow as our provider.
import { CookieJar, runFlow } from '../../provider/src/reliability/flow.ts';
import { flowLoad, requestLoad, type LoadOptions, type LoadResult } from '../lib/load.ts';
import { oidcCodeFlow, oidcRefreshRequest } from './oidc-flows.ts';

export function helloWorld(opts: LoadOptions): Promise<LoadResult> {
  return requestLoad(opts, { method: 'GET', path: '/', headers: {} });
}

export interface OidcFixture {
  session: CookieJar;
  refreshTokens: string[];
}

/**
 * Signs the fixed account in once (the first flow logs in) and keeps the session cookies; then `tokens` more flows,
 * so the refresh grant, as ours, uses that many refresh tokens in turn (the peer's auto-consent signs in one
 * account; each flow is its own grant and refresh token).
 */
export async function setUpOidc(url: string, tokens = 1): Promise<OidcFixture> {
  const first = await runFlow(fetch, url, oidcCodeFlow());
  const session = new CookieJar(new Map([...first.jar.cookies].filter(([k]) => k.startsWith('_session'))));
  if (!session.cookies.size) throw new Error('oidc-provider: no session cookie after the first flow');
  const refreshTokens = [first.tokens!.refresh_token];
  // One after another: concurrent first flows of one session race on its grant (oidc-provider answers 400).
  while (refreshTokens.length < tokens) refreshTokens.push((await runFlow(fetch, url, oidcCodeFlow(session))).tokens!.refresh_token);
  return { session, refreshTokens };
}

export function oidcRefreshGrant(opts: LoadOptions, f: OidcFixture): Promise<LoadResult> {
  return requestLoad(opts, f.refreshTokens.map(oidcRefreshRequest));
}

export function oidcSignInFlows(opts: LoadOptions, f: OidcFixture): Promise<LoadResult> {
  return flowLoad(opts, oidcCodeFlow(f.session));
}
