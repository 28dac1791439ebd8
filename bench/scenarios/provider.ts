// Our provider's scenarios. Setup and requests come from provider/src/reliability/provider-flows.ts (shared with the
// reliability tests).
//
// Headline shape (issue 13): real traffic, as an app builder's backend makes it — one confidential client, one
// address, TRUST_PROXY off, the refresh tokens of 1,000 users used in turn (bench/lib/backend.ts seeds them). Rate
// limits stay on as shipped: failures are limited per address and client, successes only by the app's quota, which
// the seed sets as an operator would for a backend at this rate (docs/rate-limits.md §3). `steady-refresh` uses an
// app left at the default quota. The many-clients shapes stay as secondary rows: 128 clients (one per OAuth app)
// from the same one address; only `temporary-app`, limited per address by design, runs on a second provider with
// TRUST_PROXY=1 and forwarded addresses from a pool.
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
import type { Backend } from '../lib/backend.ts';
import { flowLoad, poissonLoad, requestLoad, type LoadOptions, type LoadResult } from '../lib/load.ts';

/** Clients per many-clients token scenario. */
export const CLIENT_POOL = 128;

export const PROVIDER_ENV: Record<string, string> = {};
/** Only for `temporary-app` (30 an hour per address): many forwarded addresses behind one trusted hop. */
export const FORWARDED_ENV = { TRUST_PROXY: '1' };

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
  const sessions = await pool(ACCOUNTS, 4, (i) => signUp(fetch, url, `bench-${i}-${Date.now()}@example.com`));
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
    const s = await runFlow(fetch, url, signInFlow({ client }));
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

/** `refresh-grant` (headline): one backend's client refreshing its users' tokens in turn, from one address. */
export function backendRefresh(opts: LoadOptions, b: Backend): Promise<LoadResult> {
  return requestLoad(opts, b.refreshTokens.map((t) => refreshRequest(b.client, t)));
}

/** `steady-refresh`: the same backend's refreshes at a steady rate, arriving independently (bench/lib/load.ts poissonLoad). */
export function steadyRefresh(opts: Parameters<typeof poissonLoad>[0], b: Backend): Promise<LoadResult> {
  return poissonLoad(opts, b.refreshTokens.map((t) => refreshRequest(b.client, t)));
}

/** `refresh-grant-many-clients`: 128 confidential clients (one per app) exchanging their (non-rotating) refresh tokens. */
export function refreshGrant(opts: LoadOptions, f: ProviderFixture): Promise<LoadResult> {
  return requestLoad(opts, f.refreshPool.map(({ client, tokens }) => refreshRequest(client, tokens.refresh_token)));
}

/** `code-exchange`: authorization codes minted beforehand through the browser leg, then exchanged (each once). */
export async function codeExchange(opts: LoadOptions, f: ProviderFixture, mintS: number): Promise<LoadResult & { minted: number }> {
  const codes: { client: OAuthClientCreds; code: string; verifier: string }[] = [];
  let rr = 0;
  const flow = signInFlow({ client: () => f.exchangeClients[rr++ % f.exchangeClients.length]!, codeOnly: true });
  await flowLoad({ ...opts, warmupS: 0, durationS: mintS }, flow, (s) => codes.push({ client: s.client, code: s.code, verifier: s.pkce.verifier }));
  if (codes.length < 8) throw new Error(`only ${codes.length} codes minted in ${mintS} s`);
  // A quarter of the codes warm up, the rest are measured; every request takes the next unused code.
  const warm = Math.floor(codes.length / 4);
  let next = 0;
  const take = (): HttpRequest | undefined => {
    const c = codes[next++];
    return c ? codeExchangeRequest(c.client, c.code, c.verifier) : undefined;
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
  const flow = signInFlow({ client: () => f.flowClients[rr++ % f.flowClients.length]! });
  return flowLoad(opts, flow);
}

/** `temporary-app`: `POST /dash/apps/ephemeral` with a small schema, each from a random address (30/hour/address limit). */
export function temporaryApps(opts: LoadOptions): Promise<LoadResult> {
  return requestLoad(opts, () => temporaryAppRequest(xff(randomAddress())));
}
