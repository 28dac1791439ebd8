/**
 * The browser-only "Sign in with Instant" flow, with the names of Instant's SDK
 * (`OAuthHandler`, `startClientOnlyFlow`, `handleClientRedirect`): a popup, PKCE S256 with a
 * public client (RFC 7636; RFC 8252 §8.1), and the redirect page posting the result to the
 * opener over a `BroadcastChannel` named after `state`. Unlike Instant's, it returns the refresh
 * token and a {@link PlatformApi} that refreshes (and rotates) it. No Node-only imports.
 *
 * @module
 */
import * as o from 'oauth4webapi';
import { InstantOAuthError, StateMismatchError } from './errors.ts';
import { checkState, clientAuth, staticAuthorizationServer, toOAuthError, toTokenSet, transportOptions, type TokenSet } from './oauth-core.ts';
import { PlatformApi, type RefreshedTokens } from './platform-api.ts';

export { PlatformApi } from './platform-api.ts';
export { InstantOAuthError, AccessDeniedError, StateMismatchError, ProviderUnavailableError, InstantAPIError } from './errors.ts';

/** Configuration of {@link OAuthHandler} (same fields as Instant's, plus `onRefresh` and `fetch`). */
export interface OAuthHandlerConfig {
  /** Must exactly match a redirect URI registered for the client. */
  redirectUri: string;
  /** The public client's id. */
  clientId: string;
  /** The provider's base URL (default `http://localhost:8787`). */
  apiURI?: string | null;
  /** Called with new tokens whenever the returned `api` refreshes (persist the rotated refresh token). */
  onRefresh?: (tokens: RefreshedTokens) => void | Promise<void>;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/** Result of {@link OAuthHandler.startClientOnlyFlow}. */
export interface ClientOnlyFlowResult extends TokenSet {
  /** The access token (Instant's SDK name for it). */
  token: string;
  /** A Platform API client that refreshes and rotates these tokens. */
  api: PlatformApi;
}

/** What the redirect page posts on the channel. */
interface RedirectMessage {
  type: 'oauth-redirect';
  state: string;
  /** The redirect's full query string, validated by the opener (RFC 9207 `iss` included). */
  search: string;
  code: string | null;
  error: string | null;
  errorDescription: string | null;
}

let authWindow: Window | null = null;

function popupFeatures(): string {
  const width = Math.min(800, Math.floor(window.outerWidth * 0.8));
  const height = Math.min(700, Math.floor(window.outerHeight * 0.7));
  const left = Math.round(window.screenX + (window.outerWidth - width) / 2);
  const top = Math.round(window.screenY + (window.outerHeight - height) / 8);
  return `width=${width},height=${height},left=${left},top=${top},scrollbars=1,resizable=1`;
}

/**
 * Drives the popup flow.
 *
 * ```ts
 * const handler = new OAuthHandler({ clientId, redirectUri: `${location.origin}/oauth-redirect.html`, apiURI });
 * button.onclick = async () => {
 *   const { api, refreshToken } = await handler.startClientOnlyFlow(['apps-write']);
 *   console.log(await api.getApps());
 * };
 * // on oauth-redirect.html:
 * handler.handleClientRedirect();
 * ```
 */
export class OAuthHandler {
  /** Redirect URI the provider sends the popup back to. */
  readonly redirectUri: string;
  /** OAuth client id. */
  readonly clientId: string;
  /** Base URL of the provider. */
  readonly apiURI: string;
  readonly #onRefresh: OAuthHandlerConfig['onRefresh'];
  readonly #fetch: typeof fetch | undefined;

  constructor(config: OAuthHandlerConfig) {
    this.redirectUri = config.redirectUri;
    this.clientId = config.clientId;
    this.apiURI = (config.apiURI ?? 'http://localhost:8787').replace(/\/+$/, '');
    this.#onRefresh = config.onRefresh;
    this.#fetch = config.fetch;
  }

  /**
   * Opens a popup at the authorization endpoint (call it from a click handler, so the popup is
   * not blocked) and resolves when the redirect page reports back and the code is exchanged.
   *
   * @throws {AccessDeniedError} the user pressed Deny.
   * @throws {InstantOAuthError} any other failure (`error: 'popup_blocked'` when the popup could not
   *   open, `'popup_closed'` when the user closed it before finishing).
   */
  startClientOnlyFlow(scopes: string[]): Promise<ClientOnlyFlowResult> {
    if (typeof window === 'undefined') return Promise.reject(new Error('startClientOnlyFlow can only run in a browser'));
    authWindow?.close();
    const state = o.generateRandomState();
    const verifier = o.generateRandomCodeVerifier();
    const nonce = scopes.includes('openid') ? o.generateRandomNonce() : undefined;
    // Open synchronously, inside the user's click, to get past popup blockers.
    const w = window.open('', `instant_oauth_${state.slice(0, 12)}`, popupFeatures());
    if (!w) return Promise.reject(new InstantOAuthError({ error: 'popup_blocked', message: 'Could not open the sign-in window' }));
    authWindow = w;
    const channel = new BroadcastChannel(state);
    let watch: ReturnType<typeof setInterval> | undefined;
    const done = new Promise<ClientOnlyFlowResult>((resolve, reject) => {
      // A popup closed by the user before the redirect page reported back ends the flow.
      watch = setInterval(() => {
        if (w.closed) reject(new InstantOAuthError({ error: 'popup_closed', message: 'The sign-in window was closed before signing in finished' }));
      }, 500);
      channel.addEventListener('message', (event: MessageEvent<RedirectMessage>) => {
        const msg = event.data;
        if (!msg || msg.type !== 'oauth-redirect') return;
        clearInterval(watch);
        channel.postMessage({ type: 'oauth-redirect-window-done' });
        if (msg.state !== state) return reject(new StateMismatchError());
        this.#exchange(new URLSearchParams(msg.search), state, verifier, nonce).then(resolve, reject);
      });
    });
    o.calculatePKCECodeChallenge(verifier).then((challenge) => {
      const url = new URL(`${this.apiURI}/platform/oauth/start`);
      const p = url.searchParams;
      p.set('client_id', this.clientId);
      p.set('redirect_uri', this.redirectUri);
      p.set('response_type', 'code');
      p.set('scope', scopes.join(' '));
      p.set('state', state);
      p.set('code_challenge', challenge);
      p.set('code_challenge_method', 'S256');
      if (nonce) p.set('nonce', nonce);
      w.location.href = url.href;
    });
    return done.finally(() => {
      clearInterval(watch);
      channel.close();
    });
  }

  async #exchange(params: URLSearchParams, state: string, verifier: string, nonce: string | undefined): Promise<ClientOnlyFlowResult> {
    const as = staticAuthorizationServer(this.apiURI);
    const client: o.Client = { client_id: this.clientId };
    const opts = transportOptions(this.apiURI, this.#fetch);
    let tokens: TokenSet;
    checkState(params, state);
    try {
      const checked = o.validateAuthResponse(as, client, params, state);
      const res = await o.authorizationCodeGrantRequest(as, client, clientAuth(undefined), checked, this.redirectUri, verifier, opts);
      tokens = toTokenSet(await o.processAuthorizationCodeResponse(as, client, res, { expectedNonce: nonce ?? o.expectNoNonce, requireIdToken: Boolean(nonce) }));
    } catch (e) {
      throw toOAuthError(e);
    }
    const api = new PlatformApi({
      apiURI: this.apiURI,
      fetch: this.#fetch,
      auth: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, clientId: this.clientId, expiresAt: tokens.expiresAt, onRefresh: this.#onRefresh },
    });
    return { ...tokens, token: tokens.accessToken, api };
  }

  /**
   * Call on the page at `redirectUri`: posts the redirect's parameters to the opener over a
   * `BroadcastChannel` named after `state`, and closes the popup once the opener confirms.
   * Returns a function that closes the channel.
   */
  handleClientRedirect(): () => void {
    return handleClientRedirect();
  }
}

/** The redirect page's half of the flow (see {@link OAuthHandler.handleClientRedirect}). */
export function handleClientRedirect(): () => void {
  if (typeof window === 'undefined') throw new Error('handleClientRedirect can only run in a browser');
  const url = new URL(window.location.href);
  const state = url.searchParams.get('state');
  if (!state) throw new StateMismatchError('Invalid redirect: the state parameter is missing');
  const channel = new BroadcastChannel(state);
  channel.addEventListener('message', (event: MessageEvent<{ type?: string }>) => {
    if (event.data?.type === 'oauth-redirect-window-done') window.close();
  });
  const msg: RedirectMessage = {
    type: 'oauth-redirect',
    state,
    search: url.search,
    code: url.searchParams.get('code'),
    error: url.searchParams.get('error'),
    errorDescription: url.searchParams.get('error_description'),
  };
  channel.postMessage(msg);
  return () => channel.close();
}
