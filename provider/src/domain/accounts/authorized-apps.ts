import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { ApiError } from '../errors.ts';
import { listGrantsOfUser, revokeGrantsOfApp } from '../oauth/grants.ts';
import { isUuid } from '../tokens.ts';
import { nowDate } from '../context.ts';
import { listApps } from '../platform/apps.ts';
import { appBadges, liveGrantIdOf } from '../../store/authorized-apps.ts';
import { appAccessFromForm, grantAppAccess, setGrantAppAccess, type StoredAppAccess } from '../platform/grant-apps.ts';

/**
 * The OAuth apps a user has granted, and ending them (docs/security.md §13). The grant and token SQL lives
 * in domain/oauth/grants.ts (`listGrantsOfUser`, `revokeGrantsOfApp`, `revokeGrant`, `revokeTokensOfClient`);
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
  /** Which of the user's apps it reaches (docs/mcp.md §8). */
  app_access: StoredAppAccess;
}

/** `{mode}`, or a limited mode with the apps the grant names (created through it, and picked while `selected`). */
export function appAccessJson(a: StoredAppAccess) {
  return a.mode === 'all' ? { mode: a.mode } : { mode: a.mode, app_ids: [...a.created, ...(a.mode === 'selected' ? a.selected : [])] };
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
    app_access: appAccessJson(a.app_access),
  };
}

/** Live grants of a user, one entry per OAuth app (scopes merged, earliest grant, latest use), newest first. */
export async function listAuthorizedApps(ctx: Ctx, userId: string): Promise<AuthorizedApp[]> {
  const grants = await listGrantsOfUser(ctx, userId);
  if (grants.length === 0) return [];
  const extra = await appBadges(ctx.db, grants.map((g) => g.oauth_app_id));
  const byId = new Map(extra.map((e) => [e.id, e]));
  const access = new Map<string, StoredAppAccess>();
  for (const g of grants) access.set(g.grant_id, await grantAppAccess(ctx.db, g.grant_id));
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
      app_access: access.get(g.grant_id)!,
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

/**
 * Settings → Authorized apps: changes which of the user's apps one authorized app reaches (the form of
 * web/dashboard/app-access.tsx; picks kept to the user's apps). Audited with the old and the new choice. Unknown → 404.
 */
export async function changeAuthorizedAppAccess(ctx: Ctx, userId: string, oauthAppId: string, fields: Record<string, string>): Promise<void> {
  const grantId = isUuid(oauthAppId) ? await liveGrantIdOf(ctx.db, userId, oauthAppId) : null;
  if (!grantId) throw ApiError.notFound('authorized-app', 'You have not authorized that app');
  const choice = appAccessFromForm(fields, (await listApps(ctx, userId)).map((a) => a.id));
  if (!choice) throw ApiError.paramMissing('app_access');
  await ctx.db.tx(async (db) => {
    const before = await grantAppAccess(db, grantId);
    await setGrantAppAccess(db, grantId, choice, nowDate(ctx));
    const after = await grantAppAccess(db, grantId);
    await recordEvent({ ...ctx, db }, { event: 'grant.app_access_changed', actor: userId, userId, oauthAppId, details: { grant_id: grantId, old: appAccessJson(before), new: appAccessJson(after) } });
  });
}
