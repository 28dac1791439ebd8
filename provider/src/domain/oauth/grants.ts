import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { scopesCover } from './scopes.ts';

/**
 * A grant is "this user authorized this app"; tokens carry their own, possibly narrower, scopes. A user has at
 * most one live grant of an app (a unique index, migration 005). Allow on the consent page creates it or widens
 * it to the requested scopes, in the same statement that answers the request and issues the code (decision.ts).
 */
export interface Grant {
  id: string;
  user_id: string;
  oauth_app_id: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The user's live grant of the app if it already covers `scopes` (used for `prompt=none`). */
export async function liveGrantCovering(ctx: Ctx, userId: string, oauthAppId: string, scopes: readonly string[]): Promise<Grant | null> {
  const g = await ctx.db.one<Grant>(`select * from grants where user_id = $1 and oauth_app_id = $2 and revoked_at is null`, [userId, oauthAppId]);
  return g && scopesCover(g.scopes, scopes) ? g : null;
}

/**
 * Revokes a grant and, in the same transaction, every code, access and refresh token issued under it
 * (docs/security.md §13). Bearer checks also refuse tokens of a revoked grant, so this takes effect at once.
 * Returns false when the grant was unknown or already revoked.
 */
export async function revokeGrant(ctx: Ctx, grantId: string): Promise<boolean> {
  const now = nowDate(ctx);
  return ctx.db.tx(async (db) => {
    const row = await db.one(`update grants set revoked_at = $2 where id = $1 and revoked_at is null returning id`, [grantId, now]);
    await db.query(`update access_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
    await db.query(`update refresh_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
    await db.query(`update authorization_codes set used_at = coalesce(used_at, $2), expires_at = least(expires_at, $2) where grant_id = $1`, [grantId, now]);
    return row !== undefined;
  });
}

/**
 * Ends a grant that no longer gives its app lasting access: no live, unrotated refresh token and no
 * pending code. Called after a refresh token is revoked (RFC 7009 §2.1: revocation concerns "the same
 * authorization grant"), so an app's "Disconnect" also removes it from the user's authorized apps,
 * while another live sign-in of the same app keeps the grant. Returns true when it ended the grant.
 */
export async function endGrantIfIdle(ctx: Ctx, grantId: string): Promise<boolean> {
  const now = nowDate(ctx);
  const live = await ctx.db.one(
    `select 1 from refresh_tokens where grant_id = $1 and revoked_at is null and rotated_at is null and idle_expires_at > $2
     union all
     select 1 from authorization_codes where grant_id = $1 and used_at is null and expires_at > $2
     limit 1`,
    [grantId, now],
  );
  return live ? false : revokeGrant(ctx, grantId);
}

/** Revokes the user's live grant of one OAuth app ("Authorized apps → revoke"). Returns how many (0 or 1). */
export async function revokeGrantsOfApp(ctx: Ctx, userId: string, oauthAppId: string): Promise<number> {
  const rows = await ctx.db.query<{ id: string }>(`select id from grants where user_id = $1 and oauth_app_id = $2 and revoked_at is null`, [userId, oauthAppId]);
  let n = 0;
  for (const r of rows) if (await revokeGrant(ctx, r.id)) n++;
  return n;
}

/**
 * Ends every token and pending code of one client (e.g. before deleting it or on a secret leak).
 * Deleting the client row also removes them: the token tables cascade on `client_id`.
 */
export async function revokeTokensOfClient(ctx: Ctx, clientId: string): Promise<void> {
  const now = nowDate(ctx);
  await ctx.db.tx(async (db) => {
    await db.query(`update access_tokens set revoked_at = $2 where client_id = $1 and revoked_at is null`, [clientId, now]);
    await db.query(`update refresh_tokens set revoked_at = $2 where client_id = $1 and revoked_at is null`, [clientId, now]);
    await db.query(`update authorization_codes set used_at = coalesce(used_at, $2), expires_at = least(expires_at, $2) where client_id = $1`, [clientId, now]);
    await db.query(`delete from authorization_requests where client_id = $1`, [clientId]);
  });
}

export interface AuthorizedApp {
  grant_id: string;
  oauth_app_id: string;
  name: string;
  home_page: string | null;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
}

/** The OAuth apps a user has a live grant for (one per app: migration 005), earliest first. */
export async function listGrantsOfUser(ctx: Ctx, userId: string): Promise<AuthorizedApp[]> {
  return ctx.db.query<AuthorizedApp>(
    `select g.id as grant_id, g.oauth_app_id, a.name, a.home_page, g.scopes, g.created_at, g.last_used_at
       from grants g join oauth_apps a on a.id = g.oauth_app_id
      where g.user_id = $1 and g.revoked_at is null order by g.created_at`,
    [userId],
  );
}
