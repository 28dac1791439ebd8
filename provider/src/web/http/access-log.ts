import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../domain/log.ts';
import { routeLabel } from './metrics.ts';

/** An `X-Request-Id` a proxy in front set, if it looks like one; otherwise a new id. */
function requestIdOf(incoming: string | undefined): string {
  return incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
}

/**
 * The access log: one `info` line per request, `{"msg":"request","method","route","status","duration_ms",
 * "request_id"}`. The route is the pattern that answered (`/platform/oauth/token`, `/dash/apps/:id`), never the
 * raw path or query, so no code, token or email reaches the log. The request id is echoed as `X-Request-Id`.
 */
export function accessLog(log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const id = requestIdOf(c.req.header('x-request-id'));
    try {
      await next();
    } finally {
      c.res.headers.set('X-Request-Id', id);
      log.info('request', { method: c.req.method, route: routeLabel(c), status: c.res.status, duration_ms: Math.round((performance.now() - started) * 10) / 10, request_id: id });
    }
  };
}
