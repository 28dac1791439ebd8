// The provider's error classes (docs/architecture.md §3). They belong to the domain: rules throw them with
// plain values, and each renders itself as a web-standard Response, so no layer converts one kind into another
// and no framework is needed to throw one. The web layer's `onError` (web/http/errors.ts) only calls
// `getResponse()`.

/** The statuses the provider answers errors with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 501 | 503;

/** Every error answer is personal to its request: never cached. */
export const NO_STORE = { 'Cache-Control': 'no-store' };

/** Error types of the Platform API (docs/api.md §1). */
export type ApiErrorType =
  | 'param-missing'
  | 'param-malformed'
  | 'validation-failed'
  | 'record-not-found'
  | 'record-expired'
  | 'permission-denied'
  | 'rate-limited'
  | 'payload-too-large'
  | 'not-found'
  | 'not-supported';

/**
 * The provider's errors. Like Hono's HTTPException each renders itself (`getResponse`), in the shape of
 * the surface that throws it, so no handler converts one kind into another.
 */
export abstract class ProviderError extends Error {
  constructor(
    /** The HTTP status of the answer. */
    readonly status: ErrorStatus,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The answer, in the documented shape of the surface that throws it (web-standard Response; no framework). */
  abstract getResponse(): Response;
}

/**
 * A Platform API error: `{"type","message","hint"}`; `hint` is always an object. It renders
 * itself (`getResponse`), so any surface can throw it.
 */
export class ApiError extends ProviderError {
  constructor(
    status: ErrorStatus,
    readonly type: ApiErrorType,
    message: string,
    readonly hint: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(status, message);
  }

  toJSON() {
    return { type: this.type, message: this.message, hint: this.hint };
  }

  getResponse(): Response {
    return Response.json(this.toJSON(), { status: this.status, headers: { ...this.headers, ...NO_STORE } });
  }

  static paramMissing(param: string, message = `${param} is required`) {
    return new ApiError(400, 'param-missing', message, { in: [param] });
  }
  static malformed(message: string, hint: Record<string, unknown> = {}) {
    return new ApiError(400, 'param-malformed', message, hint);
  }
  static validation(message: string, errors: Array<{ path: (string | number)[]; message: string }> = []) {
    return new ApiError(400, 'validation-failed', message, { errors });
  }
  /** Missing, unknown or revoked token: 401. */
  static unauthenticated(recordType: string, message = 'A valid token is required') {
    return new ApiError(401, 'record-not-found', message, { 'record-type': recordType });
  }
  static expired(recordType: string, message = 'The token has expired') {
    return new ApiError(401, 'record-expired', message, { 'record-type': recordType });
  }
  static missingScope(scope: string) {
    return new ApiError(403, 'permission-denied', `This token lacks the ${scope} scope`, { 'required-scope': scope });
  }
  static forbidden(message: string, hint: Record<string, unknown> = {}) {
    return new ApiError(403, 'permission-denied', message, hint);
  }
  static notFound(recordType: string, message = `${recordType} not found`) {
    return new ApiError(404, 'record-not-found', message, { 'record-type': recordType });
  }
  static rateLimited(retryAfterS: number) {
    return new ApiError(429, 'rate-limited', `Too many requests; retry in ${retryAfterS}s`, { 'retry-after': retryAfterS }, { 'Retry-After': String(retryAfterS) });
  }
  static tooLarge(limitBytes: number) {
    return new ApiError(413, 'payload-too-large', `The request body is larger than ${limitBytes} bytes`, { 'max-bytes': limitBytes });
  }
}

/**
 * Every OAuth error code this server sends: RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2,
 * RFC 8707 §2, and the OpenID Connect Core §3.1.2.6 codes of authorization redirects.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'slow_down'
  | 'invalid_target'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

/** An OAuth endpoint error: `{"error","error_description"}` (RFC 6749 §5.2); renders itself like ApiError. */
export class OAuthError extends ProviderError {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    status: ErrorStatus = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, description);
  }

  toJSON() {
    return { error: this.error, error_description: this.description };
  }

  getResponse(): Response {
    return Response.json(this.toJSON(), { status: this.status, headers: { ...this.headers, ...NO_STORE } });
  }
}
