import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { ApiError } from '../http/errors.ts';
import { listGrantsOfUser, revokeGrantsOfApp } from '../oauth/grants.ts';
import { isUuid } from '../tokens.ts';

/**
 * The OAuth apps a user has granted, and ending them (docs/security.md §13). The grant and token SQL lives
 * in oauth/grants.ts (`listGrantsOfUser`, `revokeGrantsOfApp`, `revokeGrant`, `revokeTokensOfClient`);
 * this module only shapes it for the dashboard and checks ownership.
 */

export interface AuthorizedApp {
  oauth_app_id: string;
  name: string;
  home_page: string | null;
  logo: string | null;
  dynamic: boolean;
  scopes: string[];
  granted_at: Date;
  last_used_at: Date | null;
}

export function authorizedAppJson(a: AuthorizedApp) {
  return {
    oauth_app_id: a.oauth_app_id,
    name: a.name,
    home_page: a.home_page,
    logo: a.logo,
    unverified: a.dynamic,
    scopes: a.scopes,
    granted_at: a.granted_at.toISOString(),
    last_used_at: a.last_used_at?.toISOString() ?? null,
  };
}

/** Live grants of a user, one entry per OAuth app (scopes merged, earliest grant, latest use), newest first. */
export async function listAuthorizedApps(ctx: Ctx, userId: string): Promise<AuthorizedApp[]> {
  const grants = await listGrantsOfUser(ctx, userId);
  if (grants.length === 0) return [];
  const extra = await ctx.db.query<{ id: string; logo: string | null; dynamic: boolean }>(`select id, logo, dynamic from oauth_apps where id = any($1::uuid[])`, [
    grants.map((g) => g.oauth_app_id),
  ]);
  const byId = new Map(extra.map((e) => [e.id, e]));
  return grants
    .map((g) => ({
      oauth_app_id: g.oauth_app_id,
      name: g.name,
      home_page: g.home_page,
      logo: byId.get(g.oauth_app_id)?.logo ?? null,
      dynamic: byId.get(g.oauth_app_id)?.dynamic ?? false,
      scopes: [...g.scopes].sort(),
      granted_at: g.created_at,
      last_used_at: g.last_used_at,
    }))
    .reverse();
}

/**
 * Revokes every grant the user gave one OAuth app, and with them every code, access and refresh token
 * issued under those grants: the next request with any of them fails. Unknown → 404.
 */
export async function revokeAuthorizedApp(ctx: Ctx, userId: string, oauthAppId: string): Promise<void> {
  const revoked = isUuid(oauthAppId) ? await revokeGrantsOfApp(ctx, userId, oauthAppId) : 0;
  if (revoked === 0) throw ApiError.notFound('authorized-app', 'You have not authorized that app');
  await recordEvent(ctx, { event: 'token.revoked', actor: userId, userId, oauthAppId, details: { via: 'authorized-apps', grants_revoked: revoked } });
}
