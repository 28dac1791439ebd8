/**
 * Error classes of the kit. Every failure the kit reports is one of these, so an app can
 * branch on `instanceof` (or on `reason`) and render a page for it.
 *
 * @module
 */

/** The body of a Platform API error (docs/api.md §1): `{"type","message","hint"}`. */
export interface InstantAPIErrorBody {
  type?: string | undefined;
  message?: string | undefined;
  hint?: Record<string, unknown> | undefined;
  [key: string]: unknown;
}

/**
 * A Platform API call answered with a non-2xx status.
 * Shape compatible with Instant's `InstantAPIError` (`status`, `body`, `hint`), plus `type`.
 */
export class InstantAPIError extends Error {
  /** HTTP status of the response. */
  readonly status: number;
  /** The error `type` (`record-not-found`, `permission-denied`, …), when the server sent one. */
  readonly type: string | undefined;
  /** Extra details; always an object (docs/api.md §1). */
  readonly hint: Record<string, unknown>;
  /** The parsed response body (or `{ message: text }` when it was not JSON). */
  readonly body: InstantAPIErrorBody;

  constructor(init: { status: number; body: InstantAPIErrorBody }) {
    super(init.body.message || `API error (${init.status})`);
    this.name = 'InstantAPIError';
    this.status = init.status;
    this.body = init.body;
    this.type = init.body.type;
    this.hint = init.body.hint && typeof init.body.hint === 'object' ? init.body.hint : {};
  }

  /** True when the error means "this token is missing, unknown, revoked or expired" (a 401). */
  get isAuthError(): boolean {
    return this.status === 401;
  }
}

/** Reasons an OAuth sign-in or token call can fail, for apps to pick the page they show. */
export type OAuthFailureReason =
  | 'access_denied'
  | 'state_mismatch'
  | 'invalid_grant'
  | 'provider_unavailable'
  | 'oauth_error'
  | 'invalid_response';

/**
 * An OAuth protocol error: an RFC 6749 §4.1.2.1 authorization error response, an RFC 6749 §5.2
 * token endpoint error, or a response that failed validation. `error` is the OAuth error code.
 */
export class InstantOAuthError extends Error {
  /** The OAuth `error` code (RFC 6749 §5.2), or a kit code such as `state_mismatch`. */
  readonly error: string;
  /** The server's `error_description`, if any. */
  readonly errorDescription: string | undefined;
  /** A coarse reason an app can switch on to choose a page. */
  readonly reason: OAuthFailureReason;

  constructor(init: { error: string; errorDescription?: string | undefined; message?: string; reason?: OAuthFailureReason; cause?: unknown }) {
    super(init.message ?? `OAuth error: ${init.error}${init.errorDescription ? ` (${init.errorDescription})` : ''}`, { cause: init.cause });
    this.name = 'InstantOAuthError';
    this.error = init.error;
    this.errorDescription = init.errorDescription;
    this.reason = init.reason ?? (init.error === 'invalid_grant' ? 'invalid_grant' : 'oauth_error');
  }
}

/** The user pressed "Deny" on the consent page (`error=access_denied`, RFC 6749 §4.1.2.1). */
export class AccessDeniedError extends InstantOAuthError {
  constructor(errorDescription?: string) {
    super({ error: 'access_denied', errorDescription, reason: 'access_denied', message: 'The user denied access' });
    this.name = 'AccessDeniedError';
  }
}

/**
 * The `state` in the callback is not the one this browser started with: a forged or replayed
 * callback (CSRF defence, RFC 6749 §10.12; RFC 9700 §4.7.1).
 */
export class StateMismatchError extends InstantOAuthError {
  constructor(message = 'The state parameter of the callback does not match the sign-in request') {
    super({ error: 'state_mismatch', reason: 'state_mismatch', message });
    this.name = 'StateMismatchError';
  }
}

/** The provider could not be reached or answered with a server error (5xx or a network failure). */
export class ProviderUnavailableError extends InstantOAuthError {
  constructor(message = 'The Instant provider is unavailable', cause?: unknown) {
    super({ error: 'temporarily_unavailable', reason: 'provider_unavailable', message, cause });
    this.name = 'ProviderUnavailableError';
  }
}

/** A `PlatformApi` method that needs auth was called on an instance made without `auth`. */
export class PlatformApiMissingAuthError extends Error {
  constructor() {
    super('PlatformApi was not provided auth.');
    this.name = 'PlatformApiMissingAuthError';
  }
}
