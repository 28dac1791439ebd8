import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routeLabel } from './http/metrics.ts';

/** A line-per-event logger. Never pass secrets or full URLs with tokens in their query (docs/security.md §7). */
export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

const LEVELS = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 } as const;
export type LogLevel = keyof typeof LEVELS;

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const at = LEVELS[level];
  const emit = (lvl: keyof typeof LEVELS, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] > at) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return {
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
  };
}

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
