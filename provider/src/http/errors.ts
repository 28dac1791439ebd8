import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../log.ts';

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

/** Every error answer is personal to its request: never cached. */
const NO_STORE = { 'Cache-Control': 'no-store' };

/**
 * The provider's errors. Like Hono's HTTPException each renders itself (`getResponse`), in the shape of
 * the surface that throws it, so no handler converts one kind into another.
 */
export abstract class ProviderError extends HTTPException {
  abstract override getResponse(): Response;
}

/**
 * A Platform API error: `{"type","message","hint"}`; `hint` is always an object. Like Hono's
 * HTTPException it renders itself (`getResponse`), so any surface can throw it.
 */
export class ApiError extends ProviderError {
  constructor(
    status: ContentfulStatusCode,
    readonly type: ApiErrorType,
    message: string,
    readonly hint: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
  }

  toJSON() {
    return { type: this.type, message: this.message, hint: this.hint };
  }

  override getResponse(): Response {
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
    status: ContentfulStatusCode = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message: description });
  }

  toJSON() {
    return { error: this.error, error_description: this.description };
  }

  override getResponse(): Response {
    return Response.json(this.toJSON(), { status: this.status, headers: { ...this.headers, ...NO_STORE } });
  }
}

/** What a surface answers for an error that is not one of ours: Hono's own HTTPException, or a bug. */
interface ErrorStyle {
  /** A Hono HTTPException (a malformed request Hono itself refused). */
  refused(status: ContentfulStatusCode, message: string): Response;
  /** Anything else: logged, and answered without any detail. */
  failed(): Response;
}

const json = (body: unknown, status: ContentfulStatusCode) => Response.json(body, { status, headers: NO_STORE });

/** The Platform API's style: `{"type","message","hint"}`. The default for every surface of the provider. */
export const API_STYLE: ErrorStyle = {
  refused: (status, message) => json({ type: status === 413 ? 'payload-too-large' : status === 404 ? 'not-found' : 'param-malformed', message, hint: {} }, status),
  failed: () => json({ type: 'server-error', message: 'The server could not complete the request', hint: {} }, 500),
};

/** The OAuth endpoints' style (RFC 6749 §5.2): `{"error","error_description"}`. */
export const OAUTH_STYLE: ErrorStyle = {
  refused: (status, message) => json({ error: 'invalid_request', error_description: message }, status),
  failed: () => json({ error: 'server_error', error_description: 'The server could not complete the request' }, 500),
};

/**
 * The `onError` of a surface: our errors render themselves; anything else is answered in the surface's
 * style. Each surface passes its style where it is mounted (`app.onError(errorHandler(OAUTH_STYLE, log))`).
 * Nothing ever leaks a stack trace.
 */
export function errorHandler(style: ErrorStyle, log: Logger): (err: Error, c: Context) => Response {
  return (err, c) => {
    let res: Response;
    if (err instanceof ProviderError) res = err.getResponse();
    else if (err instanceof HTTPException) res = style.refused(err.status, err.message || 'invalid request');
    else {
      log.error('unhandled error', { path: c.req.path, method: c.req.method, error: err.message });
      res = style.failed();
    }
    // Through the context, so headers set before the error (CORS, cookies) stay on the answer.
    return c.newResponse(res.body, res);
  };
}
