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
  refreshToken: string;
}

/** Signs the fixed account in once (the first flow logs in) and keeps the session cookies and a refresh token. */
export async function setUpOidc(url: string): Promise<OidcFixture> {
  const first = await runFlow(fetch, url, oidcCodeFlow());
  const session = new CookieJar(new Map([...first.jar.cookies].filter(([k]) => k.startsWith('_session'))));
  if (!session.cookies.size) throw new Error('oidc-provider: no session cookie after the first flow');
  return { session, refreshToken: first.tokens!.refresh_token };
}

export function oidcRefreshGrant(opts: LoadOptions, f: OidcFixture): Promise<LoadResult> {
  return requestLoad(opts, oidcRefreshRequest(f.refreshToken));
}

export function oidcSignInFlows(opts: LoadOptions, f: OidcFixture): Promise<LoadResult> {
  return flowLoad(opts, oidcCodeFlow(f.session));
}
