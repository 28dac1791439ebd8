import type { MiddlewareHandler } from 'hono';

/**
 * Headers for every HTML page of the provider (docs/security.md §8): no framing, no referrer,
 * no third-party resources (only our own stylesheet, /assets/copy.js of docs/pages.md §7, and inline `data:` logos).
 */
export const htmlSecurityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const type = c.res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/html')) return;
  c.res.headers.set('X-Frame-Options', 'DENY');
  c.res.headers.set(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  );
  c.res.headers.set('Referrer-Policy', 'no-referrer');
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  c.res.headers.set('Cache-Control', 'no-store');
};

/** `Cache-Control: no-store` (RFC 6749 §5.1) for token, revoke, introspect and register responses. */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('Cache-Control', 'no-store');
  c.res.headers.set('Pragma', 'no-cache');
};
