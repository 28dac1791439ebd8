/**
 * Browser-safe OAuth helpers shared by {@link InstantOAuth}, {@link PlatformApi} and the browser
 * flow: transport options for oauth4webapi, token-set shaping, and error mapping.
 *
 * @module
 */
import * as o from 'oauth4webapi';
import { AccessDeniedError, InstantOAuthError, ProviderUnavailableError, StateMismatchError } from './errors.ts';

/** Tokens from the token endpoint (RFC 6749 §5.1), with an absolute expiry. */
export interface TokenSet {
  /** The access token (`pat_…`). */
  accessToken: string;
  /** The refresh token (`prt_…`): the rotated one when the server rotated it, else the one you had. */
  refreshToken: string;
  /** When the access token expires, computed from the time the response arrived (`now + expires_in`). */
  expiresAt: Date;
  /** Granted scopes (RFC 6749 §3.3: space-delimited on the wire). */
  scopes: string[];
  /** Validated ID token claims when `openid` was granted (OIDC Core §3.1.3.7). */
  idTokenClaims?: o.IDToken;
}

/** The default lifetime assumed when a token response omits `expires_in` (RFC 6749 §5.1 makes it RECOMMENDED, not required). */
const DEFAULT_EXPIRES_IN_S = 3600;

/** True for `localhost`, `127.0.0.0/8` and `[::1]` (RFC 8252 §8.3). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]' || hostname === '::1';
}

/**
 * `fetch` for oauth4webapi that reports a request that got no response at all (refused connection,
 * DNS, reset, abort) as {@link ProviderUnavailableError} where it happens, so no caller has to
 * recognise a network failure by its message.
 */
function providerFetch(customFetch: typeof fetch | undefined): typeof fetch {
  const f = customFetch ?? globalThis.fetch;
  return async (input, init) => {
    try {
      return await f(input, init);
    } catch (e) {
      throw new ProviderUnavailableError('The Instant provider could not be reached', e);
    }
  };
}

/**
 * oauth4webapi request options for a server URL: plain `http` is allowed only for loopback hosts
 * (RFC 9700 §2.6 / docs/security.md §1); anything else must be `https`.
 */
export function transportOptions(url: string | URL, customFetch?: typeof fetch): { [o.allowInsecureRequests]?: boolean; [o.customFetch]: typeof fetch } {
  const u = new URL(url);
  const opts: { [o.allowInsecureRequests]?: boolean; [o.customFetch]: typeof fetch } = { [o.customFetch]: providerFetch(customFetch) };
  if (u.protocol === 'http:') {
    if (!isLoopbackHost(u.hostname)) throw new TypeError(`Refusing plain http for a non-loopback issuer: ${u.origin} (use https)`);
    opts[o.allowInsecureRequests] = true;
  } else if (u.protocol !== 'https:') {
    throw new TypeError(`Unsupported issuer protocol: ${u.protocol}`);
  }
  return opts;
}

/** Constant-time string comparison (timing-safe state check). */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let k = 0; k < a.length; k++) diff |= a.charCodeAt(k) ^ b.charCodeAt(k);
  return diff === 0;
}

/**
 * The callback's `state` must be the one this browser started with (RFC 6749 §10.12): checked by the
 * kit itself before oauth4webapi sees the response, so a mismatch is a {@link StateMismatchError} by
 * construction.
 */
export function checkState(params: URLSearchParams, expected: string | undefined): void {
  const got = params.get('state');
  if (!got || !expected || !sameString(got, expected)) throw new StateMismatchError();
}

/**
 * Authorization server metadata for a server without discovery (Instant's own): endpoints at the
 * paths of docs/api.md §2 under `apiURI`.
 */
export function staticAuthorizationServer(apiURI: string): o.AuthorizationServer {
  const base = apiURI.replace(/\/+$/, '');
  return {
    issuer: base,
    authorization_endpoint: `${base}/platform/oauth/start`,
    token_endpoint: `${base}/platform/oauth/token`,
    revocation_endpoint: `${base}/platform/oauth/revoke`,
    userinfo_endpoint: `${base}/platform/oauth/userinfo`,
    registration_endpoint: `${base}/platform/oauth/register`,
  };
}

/** Shapes a processed token response; keeps `previousRefreshToken` when the server did not rotate it (RFC 6749 §6). */
export function toTokenSet(res: o.TokenEndpointResponse, previousRefreshToken?: string): TokenSet {
  const refreshToken = res.refresh_token ?? previousRefreshToken;
  if (!refreshToken) throw new InstantOAuthError({ error: 'invalid_response', reason: 'invalid_response', message: 'The token response has no refresh_token' });
  const scopeText = typeof res.scope === 'string' ? res.scope : typeof res.scopes === 'string' ? res.scopes : '';
  const expiresIn = typeof res.expires_in === 'number' ? res.expires_in : DEFAULT_EXPIRES_IN_S;
  const set: TokenSet = {
    accessToken: res.access_token,
    refreshToken,
    expiresAt: new Date(Date.now() + expiresIn * 1000),
    scopes: scopeText.split(' ').filter(Boolean),
  };
  const claims = o.getValidatedIdTokenClaims(res);
  if (claims) set.idTokenClaims = claims;
  return set;
}

/** The HTTP status of the response an oauth4webapi error is about, when it is about one. */
function responseStatus(e: o.OperationProcessingError): number | undefined {
  return e.cause instanceof Response ? e.cause.status : undefined;
}

/**
 * Maps errors thrown by oauth4webapi (or fetch) to the kit's typed errors, by class and code only:
 * `access_denied` → {@link AccessDeniedError}; a response of 5xx, or none at all (see
 * `providerFetch`), → {@link ProviderUnavailableError}; other RFC 6749 §5.2 errors →
 * {@link InstantOAuthError} with the server's `error` code; a response oauth4webapi refused →
 * `invalid_response`. A state mismatch never gets here: {@link checkState} runs first.
 */
export function toOAuthError(e: unknown): Error {
  if (e instanceof InstantOAuthError) return e;
  if (e instanceof o.AuthorizationResponseError) {
    if (e.error === 'access_denied') return new AccessDeniedError(e.error_description);
    if (e.error === 'temporarily_unavailable' || e.error === 'server_error') return new ProviderUnavailableError(e.error_description ?? e.error, e);
    return new InstantOAuthError({ error: e.error, errorDescription: e.error_description, cause: e });
  }
  if (e instanceof o.ResponseBodyError) {
    if (e.status >= 500) return new ProviderUnavailableError(`The provider answered ${e.status}`, e);
    return new InstantOAuthError({ error: e.error, errorDescription: e.error_description, cause: e });
  }
  if (e instanceof o.OperationProcessingError) {
    const status = responseStatus(e);
    if ((e.code === o.RESPONSE_IS_NOT_CONFORM || e.code === o.RESPONSE_IS_NOT_JSON) && status !== undefined && status >= 500) {
      return new ProviderUnavailableError(`The provider answered ${status}`, e);
    }
    return new InstantOAuthError({ error: 'invalid_response', reason: 'invalid_response', message: e.message, cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Client authentication for a token-endpoint call (RFC 6749 §2.3.1): none for a public client;
 * `client_secret_basic` when the server advertises it (RFC 8414 §2; the body form is "NOT
 * RECOMMENDED" by RFC 6749 §2.3.1), else `client_secret_post` (what Instant's own server takes).
 */
export function clientAuth(clientSecret: string | undefined, as?: o.AuthorizationServer): o.ClientAuth {
  if (!clientSecret) return o.None();
  return as?.token_endpoint_auth_methods_supported?.includes('client_secret_basic') ? o.ClientSecretBasic(clientSecret) : o.ClientSecretPost(clientSecret);
}

/** Options for {@link refreshTokenGrant}. */
export interface RefreshOptions {
  as: o.AuthorizationServer;
  clientId: string;
  clientSecret?: string | undefined;
  refreshToken: string;
  fetch?: typeof fetch | undefined;
}

/**
 * The refresh token grant (RFC 6749 §6). Checks the response status (a failed refresh throws
 * {@link InstantOAuthError} with `error: 'invalid_grant'` when the grant is gone) and keeps the
 * old refresh token only when the server did not send a new one.
 */
export async function refreshTokenGrant(opts: RefreshOptions): Promise<TokenSet> {
  const client: o.Client = { client_id: opts.clientId };
  try {
    const res = await o.refreshTokenGrantRequest(opts.as, client, clientAuth(opts.clientSecret, opts.as), opts.refreshToken, transportOptions(opts.as.issuer, opts.fetch));
    const body = await o.processRefreshTokenResponse(opts.as, client, res);
    return toTokenSet(body, opts.refreshToken);
  } catch (e) {
    throw toOAuthError(e);
  }
}
