// Our provider's scenarios. Setup and requests come from provider/src/reliability/provider-flows.ts (shared with the
// reliability tests).
//
// Rate limits stay on (they are part of what a token request costs: two counter upserts), but one client from one
// address would be throttled at 20 token requests/s (RATE_LIMITS.tokenPerClient / tokenPerAddress). So, as real
// traffic does, the load comes from many clients and many addresses: the provider runs with TRUST_PROXY=true and
// each request carries an X-Forwarded-For address from a large pool, and the token scenarios spread over pools of
// confidential clients (CLIENT_POOL), one client per OAuth app, spread over ACCOUNTS accounts. Each scenario gets
// its own pool so that one scenario's refresh-token eviction (at most 5 live refresh tokens per user and client)
// cannot revoke another's tokens.
import { randomInt } from 'node:crypto';
import { JSON_BODY, runFlow, send, type CookieJar, type HttpRequest } from '../../provider/src/reliability/flow.ts';
import {
  codeExchangeRequest,
  createOAuthClient,
  listAppsRequest,
  refreshRequest,
  signInFlow,
  signUp,
  SMALL_SCHEMA,
  temporaryAppRequest,
  type OAuthClientCreds,
  type TokenSet,
} from '../../provider/src/reliability/provider-flows.ts';
import { flowLoad, requestLoad, type LoadOptions, type LoadResult } from '../lib/load.ts';

/** Clients per token scenario: 128 × 1,200 token requests per minute per client is ≥ 2,500/s over a 60 s window. */
export const CLIENT_POOL = 128;
/** Distinct X-Forwarded-For addresses in the static request lists (600 token requests per minute each). */
const ADDRESS_POOL = 1024;

export const PROVIDER_ENV = { TRUST_PROXY: 'true' };

const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const randomAddress = () => address(randomInt(1, 2 ** 24));
const xff = (a: string) => ({ 'x-forwarded-for': a });

export interface ProviderFixture {
  session: CookieJar;
  refreshPool: { client: OAuthClientCreds; tokens: TokenSet }[];
  exchangeClients: OAuthClientCreds[];
  flowClients: OAuthClientCreds[];
  accessToken: string;
}

async function pool<T>(n: number, concurrency: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await make(i);
      }
    }),
  );
  return out;
}

/** Accounts the client pools are spread over (each may own 50 OAuth apps). */
const ACCOUNTS = 8;

/**
 * Accounts, their client pools (one client per OAuth app, so that, as with real traffic, requests touch many grants
 * rather than queueing on a few grant rows), a refresh token per refresh client, a `pat_` and a few apps to list.
 */
export async function setUpProvider(url: string): Promise<ProviderFixture> {
  const sessions = await pool(ACCOUNTS, 4, (i) => signUp(fetch, url, `bench-${i}-${Date.now()}@example.com`, undefined, xff(randomAddress())));
  const session = sessions[0]!;
  let made = 0;
  const makeClients = (n: number, name: string) =>
    pool(n, 8, async (i) => {
      const owner = sessions[made++ % sessions.length]!;
      return { ...(await createOAuthClient(fetch, url, owner, { name: `${name} ${i}` })), owner };
    });
  const refreshClients = await makeClients(CLIENT_POOL, 'refresh');
  const exchangeClients = await makeClients(CLIENT_POOL, 'exchange');
  const flowClients = await makeClients(CLIENT_POOL, 'flow');
  const [apiClient] = await makeClients(1, 'api');
  const signIn = async (client: OAuthClientCreds) => {
    const s = await runFlow(fetch, url, signInFlow({ client, headers: () => xff(randomAddress()) }));
    return s.tokens!;
  };
  const refreshPool = await pool(refreshClients.length, 8, async (i) => ({ client: refreshClients[i]!, tokens: await signIn(refreshClients[i]!) }));
  const accessToken = (await signIn(apiClient!)).access_token;
  for (let i = 0; i < 5; i++) {
    const res = await send(fetch, url, {
      method: 'POST',
      path: '/superadmin/apps',
      headers: { ...JSON_BODY, authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ title: `bench app ${i}`, schema: SMALL_SCHEMA }),
    });
    if (res.status !== 200) throw new Error(`creating an app to list failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  }
  return { session, refreshPool, exchangeClients, flowClients, accessToken };
}

/** `refresh-grant`: confidential clients exchanging their (non-rotating) refresh tokens; static requests. */
export function refreshGrant(opts: LoadOptions, f: ProviderFixture): Promise<LoadResult> {
  const requests: HttpRequest[] = Array.from({ length: ADDRESS_POOL }, (_, i) => {
    const { client, tokens } = f.refreshPool[i % f.refreshPool.length]!;
    return refreshRequest(client, tokens.refresh_token, xff(address(i + 1)));
  });
  return requestLoad(opts, requests);
}

/** `code-exchange`: authorization codes minted beforehand through the browser leg, then exchanged (each once). */
export async function codeExchange(opts: LoadOptions, f: ProviderFixture, mintS: number): Promise<LoadResult & { minted: number }> {
  const codes: { client: OAuthClientCreds; code: string; verifier: string }[] = [];
  let rr = 0;
  const flow = signInFlow({ client: () => f.exchangeClients[rr++ % f.exchangeClients.length]!, codeOnly: true, headers: () => xff(randomAddress()) });
  await flowLoad({ ...opts, warmupS: 0, durationS: mintS }, flow, (s) => codes.push({ client: s.client, code: s.code, verifier: s.pkce.verifier }));
  if (codes.length < 8) throw new Error(`only ${codes.length} codes minted in ${mintS} s`);
  // A quarter of the codes warm up, the rest are measured; every request takes the next unused code.
  const warm = Math.floor(codes.length / 4);
  let next = 0;
  const take = (): HttpRequest | undefined => {
    const c = codes[next++];
    return c ? codeExchangeRequest(c.client, c.code, c.verifier, xff(randomAddress())) : undefined;
  };
  const result = await requestLoad({ ...opts, warmupAmount: warm, amount: codes.length - warm }, take);
  return { ...result, minted: codes.length };
}

/** `api-list-apps`: `GET /superadmin/apps` with a `pat_` bearer (five apps listed). */
export function apiListApps(opts: LoadOptions, f: ProviderFixture): Promise<LoadResult> {
  return requestLoad(opts, listAppsRequest(f.accessToken));
}

/** `sign-in-flow`: complete flows (authorize → consent page → allow → token) per second, signed-in browser. */
export function signInFlows(opts: LoadOptions, f: ProviderFixture): Promise<LoadResult> {
  let rr = 0;
  const flow = signInFlow({ client: () => f.flowClients[rr++ % f.flowClients.length]!, headers: () => xff(randomAddress()) });
  return flowLoad(opts, flow);
}

/** `temporary-app`: `POST /dash/apps/ephemeral` with a small schema, each from a random address (30/hour/address limit). */
export function temporaryApps(opts: LoadOptions): Promise<LoadResult> {
  return requestLoad(opts, () => temporaryAppRequest(xff(randomAddress())));
}
