/**
 * `InstantOAuth`: the server-side "Sign in with Instant" client. Authorization code flow with
 * PKCE S256 (RFC 7636), `iss` checks (RFC 9207), optional OpenID Connect id_token, refresh,
 * revocation (RFC 7009) and userinfo, every call through oauth4webapi.
 *
 * @module
 */
import * as o from 'oauth4webapi';
import { checkState, clientAuth, refreshTokenGrant, toOAuthError, toTokenSet, transportOptions, type TokenSet } from './oauth-core.ts';

/** Options of {@link InstantOAuth}. */
export interface InstantOAuthConfig {
  /** The provider's issuer identifier, e.g. `https://instant.example.com` (RFC 8414 §2). */
  issuer: string;
  /** Your OAuth client id. */
  clientId: string;
  /** Your client secret; omit for a public client (PKCE only). */
  clientSecret?: string | undefined;
  /** The redirect URI registered for the client (exact match, RFC 9700 §4.1.3). */
  redirectUri: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch | undefined;
}

/** What {@link InstantOAuth.authorizationUrl} returns: keep `state`, `codeVerifier` and `nonce` for the callback (server-side only). */
export interface AuthorizationRequest {
  url: URL;
  state: string;
  codeVerifier: string;
  nonce?: string | undefined;
}

/** The values saved at the start of the flow, checked at the callback. */
export interface CallbackChecks {
  state: string;
  codeVerifier: string;
  nonce?: string | undefined;
}

/** Claims of the userinfo endpoint (OIDC Core §5.3.2). */
export interface UserInfo {
  sub: string;
  email?: string | undefined;
  email_verified?: boolean | undefined;
  [claim: string]: unknown;
}

export type { TokenSet };

/**
 * A "Sign in with Instant" OAuth client.
 *
 * ```ts
 * const oauth = new InstantOAuth({ issuer, clientId, clientSecret, redirectUri });
 * const { url, state, codeVerifier, nonce } = await oauth.authorizationUrl({ scopes: ['apps-write', 'openid', 'email'] });
 * // … later, at the redirect URI:
 * const tokens = await oauth.exchangeCallback(request.url, { state, codeVerifier, nonce });
 * ```
 */
export class InstantOAuth {
  readonly #config: InstantOAuthConfig;
  readonly #client: o.Client;
  #as: Promise<o.AuthorizationServer> | null = null;

  /** @throws {TypeError} the issuer is plain `http` on a non-loopback host (RFC 9700 §2.6). */
  constructor(config: InstantOAuthConfig) {
    transportOptions(config.issuer); // http only for loopback: fail at construction
    this.#config = { ...config, issuer: config.issuer.replace(/\/+$/, '') };
    this.#client = { client_id: config.clientId };
  }

  /** The client id. */
  get clientId(): string {
    return this.#config.clientId;
  }

  /** The issuer URL. */
  get issuer(): string {
    return this.#config.issuer;
  }

  #opts() {
    return transportOptions(this.#config.issuer, this.#config.fetch);
  }

  /**
   * Authorization server metadata from `/.well-known/oauth-authorization-server` (RFC 8414 §3),
   * validated against the issuer (RFC 8414 §3.3) and cached; a failed lookup is not cached.
   */
  discover(): Promise<o.AuthorizationServer> {
    if (!this.#as) {
      const issuer = new URL(this.#config.issuer);
      this.#as = o
        .discoveryRequest(issuer, { algorithm: 'oauth2', ...this.#opts() })
        .then((res) => o.processDiscoveryResponse(issuer, res))
        .catch((e: unknown) => {
          this.#as = null;
          throw toOAuthError(e);
        });
    }
    return this.#as;
  }

  /**
   * Builds the authorization request URL (RFC 6749 §4.1.1) with `state`, PKCE S256
   * (RFC 7636 §4.2, always) and a `nonce` when `openid` is requested (OIDC Core §3.1.2.1).
   * `resource` is an RFC 8707 resource indicator.
   */
  async authorizationUrl(opts: { scopes: string[]; resource?: string; prompt?: string }): Promise<AuthorizationRequest> {
    const as = await this.discover();
    if (!as.authorization_endpoint) throw toOAuthError(new Error('The provider advertises no authorization_endpoint'));
    const state = o.generateRandomState();
    const codeVerifier = o.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint);
    const p = url.searchParams;
    p.set('client_id', this.#config.clientId);
    p.set('redirect_uri', this.#config.redirectUri);
    p.set('response_type', 'code');
    p.set('scope', opts.scopes.join(' '));
    p.set('state', state);
    p.set('code_challenge', await o.calculatePKCECodeChallenge(codeVerifier));
    p.set('code_challenge_method', 'S256');
    let nonce: string | undefined;
    if (opts.scopes.includes('openid')) {
      nonce = o.generateRandomNonce();
      p.set('nonce', nonce);
    }
    if (opts.resource) p.set('resource', opts.resource);
    if (opts.prompt) p.set('prompt', opts.prompt);
    return { url, state, codeVerifier, nonce };
  }

  /**
   * Handles the redirect back: checks `state` (RFC 6749 §10.12, constant-time) and `iss`
   * (RFC 9207 §2.4), turns `error=access_denied` into {@link AccessDeniedError}, exchanges the
   * code with the PKCE verifier (RFC 6749 §4.1.3), and validates the id_token (nonce, iss, aud,
   * exp; OIDC Core §3.1.3.7) when one was asked for.
   *
   * @throws {StateMismatchError} the state is missing or not the one saved.
   * @throws {AccessDeniedError} the user denied consent.
   * @throws {ProviderUnavailableError} the provider is down.
   * @throws {InstantOAuthError} any other OAuth error (`invalid_grant`, …).
   */
  async exchangeCallback(callbackUrl: string | URL, checks: CallbackChecks): Promise<TokenSet> {
    const url = new URL(callbackUrl);
    checkState(url.searchParams, checks.state);
    try {
      const as = await this.discover();
      const params = o.validateAuthResponse(as, this.#client, url, checks.state);
      const res = await o.authorizationCodeGrantRequest(as, this.#client, clientAuth(this.#config.clientSecret, as), params, this.#config.redirectUri, checks.codeVerifier, this.#opts());
      const body = await o.processAuthorizationCodeResponse(as, this.#client, res, {
        expectedNonce: checks.nonce ?? o.expectNoNonce,
        requireIdToken: Boolean(checks.nonce),
      });
      return toTokenSet(body);
    } catch (e) {
      throw toOAuthError(e);
    }
  }

  /** Exchanges a refresh token (RFC 6749 §6); returns the rotated refresh token when the server rotated it, else the old one. */
  async refresh(refreshToken: string): Promise<TokenSet> {
    return refreshTokenGrant({ as: await this.discover(), clientId: this.#config.clientId, clientSecret: this.#config.clientSecret, refreshToken, fetch: this.#config.fetch });
  }

  /** Revokes an access or refresh token (RFC 7009 §2.1); revoking a refresh token ends its access tokens too. */
  async revoke(token: string, tokenTypeHint?: 'access_token' | 'refresh_token'): Promise<void> {
    try {
      const as = await this.discover();
      const additionalParameters = tokenTypeHint ? { token_type_hint: tokenTypeHint } : undefined;
      const res = await o.revocationRequest(as, this.#client, clientAuth(this.#config.clientSecret, as), token, { ...this.#opts(), additionalParameters });
      await o.processRevocationResponse(res);
    } catch (e) {
      throw toOAuthError(e);
    }
  }

  /** Fetches the signed-in user's claims (OIDC Core §5.3); needs an access token with `openid`. */
  async userinfo(accessToken: string): Promise<UserInfo> {
    try {
      const as = await this.discover();
      const res = await o.userInfoRequest(as, this.#client, accessToken, this.#opts());
      return (await o.processUserInfoResponse(as, this.#client, o.skipSubjectCheck, res)) as UserInfo;
    } catch (e) {
      throw toOAuthError(e);
    }
  }
}
