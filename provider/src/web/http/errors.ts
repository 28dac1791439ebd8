import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../../domain/log.ts';
import { NO_STORE, ProviderError } from '../../domain/errors.ts';

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
