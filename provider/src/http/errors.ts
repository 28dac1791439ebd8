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
  | 'not-found';

/** A Platform API error: `{"type","message","hint"}`; `hint` is always an object. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: ApiErrorType,
    message: string,
    readonly hint: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON() {
    return { type: this.type, message: this.message, hint: this.hint };
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

/** RFC 6749 §5.2 error codes (plus RFC 7591 §3.2.2 and RFC 6750 §3.1). */
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
  | 'slow_down';

/** An OAuth endpoint error: `{"error","error_description"}` (RFC 6749 §5.2). */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status: ContentfulStatusCode = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
  toJSON() {
    return { error: this.error, error_description: this.description };
  }
}

const OAUTH_PATH = /^\/(platform\/oauth\/|\.well-known\/)/;

/** Which error shape a path speaks. */
export function errorStyle(path: string): 'oauth' | 'api' {
  return OAUTH_PATH.test(path) ? 'oauth' : 'api';
}

/** Renders any thrown value as the documented error shape of the path. Nothing ever leaks a stack trace. */
export function errorResponse(c: Context, err: unknown, log: Logger): Response {
  const noStore = { 'Cache-Control': 'no-store' };
  if (err instanceof ApiError) return c.json(err.toJSON(), err.status, { ...err.headers, ...noStore });
  if (err instanceof OAuthError) return c.json(err.toJSON(), err.status, { ...err.headers, ...noStore });
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (errorStyle(c.req.path) === 'oauth') {
      return c.json({ error: 'invalid_request', error_description: err.message || 'invalid request' }, status, noStore);
    }
    const type: ApiErrorType = status === 413 ? 'payload-too-large' : status === 404 ? 'not-found' : 'param-malformed';
    return c.json({ type, message: err.message || 'invalid request', hint: {} }, status, noStore);
  }
  log.error('unhandled error', { path: c.req.path, method: c.req.method, error: err instanceof Error ? err.message : String(err) });
  if (errorStyle(c.req.path) === 'oauth') {
    return c.json({ error: 'server_error', error_description: 'The server could not complete the request' }, 500, noStore);
  }
  return c.json({ type: 'server-error', message: 'The server could not complete the request', hint: {} }, 500, noStore);
}
