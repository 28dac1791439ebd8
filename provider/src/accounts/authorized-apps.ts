import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../http/errors.ts';
import type { Db } from '../store/index.ts';

/**
 * The OAuth apps a user has granted, and ending them (SECURITY.md 13).
 *
 * This is the ONE place outside oauth/ that writes grant and token revocations. When
 * oauth/grants.ts (`revokeGrant`, `revokeTokensOfClient`, `listGrantsOfUser`) lands, these
 * functions should delegate to it instead of keeping their own SQL.
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

/** Live grants of a user, one entry per OAuth app (scopes merged, earliest grant, latest use). */
export async function listAuthorizedApps(ctx: Ctx, userId: string): Promise<AuthorizedApp[]> {
  const rows = await ctx.db.query<AuthorizedApp>(
    `select a.id as oauth_app_id, a.name, a.home_page, a.logo, a.dynamic,
            array(select distinct s from grants g2, unnest(g2.scopes) s
                   where g2.user_id = $1 and g2.oauth_app_id = a.id and g2.revoked_at is null order by s) as scopes,
            min(g.created_at) as granted_at, max(g.last_used_at) as last_used_at
       from grants g join oauth_apps a on a.id = g.oauth_app_id
      where g.user_id = $1 and g.revoked_at is null
      group by a.id, a.name, a.home_page, a.logo, a.dynamic
      order by min(g.created_at) desc, a.id`,
    [userId],
  );
  return rows;
}

/**
 * Revokes every grant the user gave one OAuth app, and with them every access and refresh token
 * issued under those grants, in one transaction: the next request with any of them fails.
 */
export async function revokeAuthorizedApp(ctx: Ctx, userId: string, oauthAppId: string): Promise<void> {
  const now = nowDate(ctx);
  const revoked = await ctx.db.tx(async (db) => {
    const grants = await db.query<{ id: string }>(
      `update grants set revoked_at = $3 where user_id = $1 and oauth_app_id::text = $2 and revoked_at is null returning id`,
      [userId, oauthAppId, now],
    );
    for (const g of grants) await revokeTokensOfGrant(db, g.id, now);
    return grants.length;
  });
  if (revoked === 0) throw ApiError.notFound('authorized-app', 'You have not authorized that app');
}

/** Ends every token of one grant (the grant row itself is the caller's business). */
async function revokeTokensOfGrant(db: Db, grantId: string, now: Date): Promise<void> {
  await db.query(`update access_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
  await db.query(`update refresh_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
  await db.query(`update authorization_codes set used_at = coalesce(used_at, $2) where grant_id = $1`, [grantId, now]);
}

/** Ends every access and refresh token, and every unused code, of one client (before it is deleted). */
export async function revokeTokensOfClient(db: Db, clientId: string, now: Date): Promise<void> {
  await db.query(`update access_tokens set revoked_at = $2 where client_id = $1 and revoked_at is null`, [clientId, now]);
  await db.query(`update refresh_tokens set revoked_at = $2 where client_id = $1 and revoked_at is null`, [clientId, now]);
  await db.query(`update authorization_codes set used_at = coalesce(used_at, $2) where client_id = $1`, [clientId, now]);
}
