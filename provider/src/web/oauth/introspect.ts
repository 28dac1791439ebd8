import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { bearerToken } from '../http/auth.ts';
import { readOAuthParams } from '../http/body.ts';
import { OAuthError } from '../../domain/errors.ts';
import { recogniseBearer } from '../../domain/tokens.ts';
import { appAccessReport, findLiveAccessToken, findLiveRefreshToken } from '../../domain/oauth/introspection.ts';
import { presentedClientId, requestClient } from './client-auth.ts';
import { clientAddress } from '../http/client-address.ts';
import { limitingFailures } from '../../domain/limits/failure-limit.ts';

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * `POST /platform/oauth/introspect` (RFC 7662). Only confidential clients may ask, and only about tokens
 * of their own OAuth app; everything else is `{"active":false}` (RFC 7662 §2.2, §4 against token scanning).
 */
export async function introspectEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const params = await readOAuthParams(c);
  const client = await limitingFailures(ctx, clientAddress(c), presentedClientId(c, params), () => requestClient(ctx, c, params));
  if (client.is_public) throw new OAuthError('invalid_client', 'token introspection requires a confidential client', 401);
  if (!params.token) throw new OAuthError('invalid_request', 'token is required');
  const headers = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  const refresh = params.token_type_hint === 'refresh_token';
  const found = refresh
    ? ((await findLiveRefreshToken(ctx, params.token)) ?? (await findLiveAccessToken(ctx, params.token)))
    : ((await findLiveAccessToken(ctx, params.token)) ?? (await findLiveRefreshToken(ctx, params.token)));
  if (!found || found.oauth_app_id !== client.oauth_app_id) return c.json({ active: false }, 200, headers);
  const scope = found.scopes.join(' ');
  return c.json(
    {
      active: true,
      scope,
      client_id: found.client_id,
      sub: found.user_id,
      exp: seconds(found.expires_at),
      iat: seconds(found.created_at),
      iss: ctx.config.issuer,
      // RFC 7662 §2.2: the audience; the issuer itself stands for the Platform API.
      aud: found.resource ?? ctx.config.issuer,
      token_type: recogniseBearer(params.token) === 'refresh' ? 'refresh_token' : 'Bearer',
      // An extension member (RFC 7662 §2.2): which of the user's apps the token reaches (docs/mcp.md §8).
      instant_app_access: await appAccessReport(ctx, found),
    },
    200,
    headers,
  );
}

/** RFC 6750 §3.1: an invalid bearer token → 401 with a `WWW-Authenticate: Bearer error="invalid_token"` challenge. */
export function invalidToken(description: string): OAuthError {
  return new OAuthError('invalid_token', description, 401, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` });
}

/**
 * `GET /platform/oauth/token-info?access_token=…` or with the bearer header (Instant compatibility).
 * Read-only: it never changes or extends the token.
 */
export async function tokenInfoEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const fromQuery = c.req.queries('access_token');
  if (fromQuery && fromQuery.length > 1) throw new OAuthError('invalid_request', 'parameter access_token is repeated');
  const token = bearerToken(c) ?? fromQuery?.[0];
  if (!token) throw new OAuthError('invalid_request', 'access_token is required', 401, { 'WWW-Authenticate': 'Bearer' });
  const found = await findLiveAccessToken(ctx, token);
  if (!found) throw invalidToken('the access token is unknown, expired or revoked');
  const scope = found.scopes.join(' ');
  const access = await appAccessReport(ctx, found);
  return c.json(
    {
      expires_in: Math.max(0, Math.floor((found.expires_at.getTime() - ctx.clock.now()) / 1000)),
      token_type: 'Bearer',
      scopes: scope,
      scope,
      client_id: found.client_id,
      // Only for a grant limited to some apps: a grant of all apps answers in Instant's shape (docs/mcp.md §8).
      ...(access.mode === 'all' ? {} : { app_access: access }),
    },
    200,
    { 'Cache-Control': 'no-store' },
  );
}
