import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { nowDate } from '../../domain/context.ts';
import { bearerToken } from '../http/auth.ts';
import { readOAuthParams } from '../http/body.ts';
import { OAuthError } from '../../domain/errors.ts';
import { hashToken, recogniseBearer } from '../../domain/tokens.ts';
import { authenticateClient, presentedClientId } from '../../domain/oauth/clients.ts';
import { clientAddress } from '../http/client-address.ts';
import { limitingFailures } from '../../domain/limits/failure-limit.ts';
import { listApps } from '../../domain/platform/apps.ts';
import { grantAppAccess, type AppAccessMode } from '../../domain/platform/grant-apps.ts';

interface LiveToken {
  user_id: string;
  grant_id: string;
  client_id: string;
  oauth_app_id: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date;
  /** RFC 8707 resource the token was issued for; null: the Platform API (docs/mcp.md §2). */
  resource: string | null;
}

/** An access token that is usable now: not revoked, not expired, its grant live, its app not suspended, its user not locked. */
export async function findLiveAccessToken(ctx: Ctx, token: string): Promise<LiveToken | null> {
  if (recogniseBearer(token) !== 'access') return null;
  const row = await ctx.db.one<LiveToken>(
    `select t.user_id, t.grant_id, t.client_id, g.oauth_app_id, t.scopes, t.created_at, t.expires_at, t.resource
       from access_tokens t join grants g on g.id = t.grant_id join oauth_apps a on a.id = g.oauth_app_id join users u on u.id = t.user_id
      where t.token_hash = $1 and t.revoked_at is null and g.revoked_at is null and a.status <> 'suspended' and u.locked_at is null and t.expires_at > $2`,
    [hashToken(token), nowDate(ctx)],
  );
  return row ?? null;
}

async function findLiveRefreshToken(ctx: Ctx, token: string): Promise<LiveToken | null> {
  if (recogniseBearer(token) !== 'refresh') return null;
  const row = await ctx.db.one<LiveToken>(
    `select r.user_id, r.grant_id, r.client_id, g.oauth_app_id, r.scopes, r.created_at, r.idle_expires_at as expires_at, r.resource
       from refresh_tokens r join grants g on g.id = r.grant_id join oauth_apps a on a.id = g.oauth_app_id join users u on u.id = r.user_id
      where r.token_hash = $1 and r.revoked_at is null and r.rotated_at is null and g.revoked_at is null
        and a.status <> 'suspended' and u.locked_at is null and r.idle_expires_at > $2`,
    [hashToken(token), nowDate(ctx)],
  );
  return row ?? null;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Which of the user's apps the token's grant reaches (docs/mcp.md §8): `{mode: "all"}`, or the mode with the ids of
 * the apps it reaches now (through `listApps`, the very check the Platform API makes).
 */
export async function appAccessReport(ctx: Ctx, t: Pick<LiveToken, 'grant_id' | 'user_id'>): Promise<{ mode: AppAccessMode; app_ids?: string[] }> {
  const { mode } = await grantAppAccess(ctx.db, t.grant_id);
  if (mode === 'all') return { mode };
  return { mode, app_ids: (await listApps(ctx, t.user_id, { all: true }, t.grant_id)).map((a) => a.id) };
}

/**
 * `POST /platform/oauth/introspect` (RFC 7662). Only confidential clients may ask, and only about tokens
 * of their own OAuth app; everything else is `{"active":false}` (RFC 7662 §2.2, §4 against token scanning).
 */
export async function introspectEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const params = await readOAuthParams(c);
  const client = await limitingFailures(ctx, clientAddress(c), presentedClientId(c, params), () => authenticateClient(ctx, c, params));
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
