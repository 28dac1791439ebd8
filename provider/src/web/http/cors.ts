import type { MiddlewareHandler } from 'hono';

export interface AnyOriginCors {
  allowMethods: string[];
  /** Fixed `Access-Control-Allow-Headers`; when absent, a preflight's requested headers are reflected. */
  allowHeaders?: string[];
  exposeHeaders?: string[];
  /** `Access-Control-Max-Age` of a preflight, in seconds. */
  maxAge: number;
}

/**
 * CORS for endpoints that answer any origin and take no credentials (docs/api.md §1): `Access-Control-Allow-Origin: *`
 * on every answer, and a 204 for a preflight (`OPTIONS`).
 *
 * The headers are set on the handler's answer after it is made, never on `c.res` before the handler runs: touching
 * `c.res` early makes Hono merge two responses, which on @hono/node-server turns its light response into a full
 * web `Response` (two of them, and a streamed body), about a tenth of the token endpoint's CPU
 * (docs/architecture.md §8).
 */
export function anyOriginCors(opts: AnyOriginCors): MiddlewareHandler {
  const methods = opts.allowMethods.join(',');
  const fixedHeaders = opts.allowHeaders?.length ? opts.allowHeaders.join(',') : undefined;
  const expose = opts.exposeHeaders?.length ? opts.exposeHeaders.join(',') : undefined;
  const maxAge = String(opts.maxAge);
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') {
      const headers = new Headers({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Max-Age': maxAge, 'Access-Control-Allow-Methods': methods });
      if (expose) headers.set('Access-Control-Expose-Headers', expose);
      const requested = c.req.header('access-control-request-headers');
      const allow = fixedHeaders ?? (requested ? requested.split(',').map((h) => h.trim()).join(',') : undefined);
      if (allow) {
        headers.set('Access-Control-Allow-Headers', allow);
        headers.append('Vary', 'Access-Control-Request-Headers');
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    try {
      c.res.headers.set('Access-Control-Allow-Origin', '*');
    } catch {
      // Immutable headers (a Response from fetch): answer with a copy.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set('Access-Control-Allow-Origin', '*');
    }
    if (expose) c.res.headers.set('Access-Control-Expose-Headers', expose);
  };
}
