import { Hono } from 'hono';
import { anyOriginCors } from '../http/cors.ts';
import type { Ctx } from '../../domain/context.ts';
import { errorHandler, OAUTH_STYLE } from '../http/errors.ts';
import { OAuthError } from '../../domain/errors.ts';
import { noStore } from '../http/security-headers.ts';
import { startEndpoint } from './authorize.ts';
import { consentDecision, consentPage } from './decision.ts';
import { introspectEndpoint, tokenInfoEndpoint } from './introspect.ts';
import { publicJwks } from '../../domain/oauth/jwks.ts';
import { serverMetadata } from '../../domain/oauth/metadata.ts';
import { registerEndpoint } from './register.ts';
import { revokeEndpoint } from './revoke.ts';
import { tokenEndpoint } from './token.ts';
import { userinfoEndpoint } from './userinfo.ts';

/**
 * docs/api.md §1: endpoints that take bearer tokens or client credentials (never cookies) answer any origin.
 * With no fixed `allowHeaders`, the requested headers are reflected: Instant's SDKs send their own
 * (`Instant-Core-Version`, `X-Instant-Source` …), and no credentials are allowed, so no header can carry a cookie
 * (docs/instant-compat.md §1).
 */
const anyOrigin = anyOriginCors({ allowMethods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 });

/** OAuth 2 / OIDC endpoints (docs/api.md §2). The authorization endpoint and consent send no CORS headers. */
export function oauthRoutes(ctx: Ctx): Hono {
  const app = new Hono();
  // Errors of every route here speak RFC 6749 §5.2 (the browser endpoints answer with pages themselves).
  app.onError(errorHandler(OAUTH_STYLE, ctx.log));
  const metadata = serverMetadata(ctx.config.issuer);
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    app.use(path, anyOrigin);
    app.get(path, (c) => c.json(metadata, 200, { 'Cache-Control': 'public, max-age=300' }));
  }
  app.use('/.well-known/jwks.json', anyOrigin);
  app.get('/.well-known/jwks.json', async (c) => c.json(await publicJwks(ctx), 200, { 'Cache-Control': 'public, max-age=300' }));

  app.get('/platform/oauth/start', (c) => startEndpoint(ctx, c));
  app.post('/platform/oauth/start', (c) => startEndpoint(ctx, c));
  app.get('/platform/oauth/consent', (c) => consentPage(ctx, c));
  app.post('/platform/oauth/consent', (c) => consentDecision(ctx, c));

  for (const path of ['/platform/oauth/token', '/platform/oauth/revoke', '/platform/oauth/introspect', '/platform/oauth/register']) {
    app.use(path, noStore);
  }
  for (const path of ['/platform/oauth/token', '/platform/oauth/revoke', '/platform/oauth/token-info', '/platform/oauth/userinfo', '/platform/oauth/register']) {
    app.use(path, anyOrigin);
  }
  app.post('/platform/oauth/token', (c) => tokenEndpoint(ctx, c));
  app.post('/platform/oauth/revoke', (c) => revokeEndpoint(ctx, c));
  app.post('/platform/oauth/introspect', (c) => introspectEndpoint(ctx, c));
  app.get('/platform/oauth/token-info', (c) => tokenInfoEndpoint(ctx, c));
  app.get('/platform/oauth/userinfo', (c) => userinfoEndpoint(ctx, c));
  app.post('/platform/oauth/userinfo', (c) => userinfoEndpoint(ctx, c));
  app.post('/platform/oauth/register', (c) => registerEndpoint(ctx, c));

  // Any other method gets an OAuth-shaped 405 rather than the Platform API's 404 (RFC 9110 §15.5.6).
  const allowed: Record<string, string> = {
    '/platform/oauth/start': 'GET, POST',
    '/platform/oauth/consent': 'GET, POST',
    '/platform/oauth/token': 'POST',
    '/platform/oauth/revoke': 'POST',
    '/platform/oauth/introspect': 'POST',
    '/platform/oauth/token-info': 'GET',
    '/platform/oauth/userinfo': 'GET, POST',
    '/platform/oauth/register': 'POST',
  };
  for (const [path, methods] of Object.entries(allowed)) {
    app.all(path, () => {
      throw new OAuthError('invalid_request', `use ${methods}`, 405, { Allow: methods });
    });
  }
  return app;
}
