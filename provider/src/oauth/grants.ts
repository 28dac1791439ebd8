import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { scopesCover } from './scopes.ts';

/**
 * A grant is "this user authorized this app"; tokens carry their own, possibly narrower, scopes. Allow on the
 * consent page widens the user's live grant of the app to the requested scopes or creates it, in the same
 * statement that answers the request and issues the code (decision.ts ALLOW).
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
  const rows = await ctx.db.query<Grant>(`select * from grants where user_id = $1 and oauth_app_id = $2 and revoked_at is null`, [userId, oauthAppId]);
  return rows.find((g) => scopesCover(g.scopes, scopes)) ?? null;
}

/**
 * Revokes a grant and, in the same transaction, every code, access and refresh token issued under it
 * (SECURITY.md 13). Bearer checks also refuse tokens of a revoked grant, so this takes effect at once.
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

/** Revokes every grant a user gave one OAuth app ("Authorized apps → revoke"). Returns how many. */
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
  oauth_app_id: string;
  name: string;
  home_page: string | null;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
}

/** The OAuth apps a user has live grants for, one entry per app (scopes merged, earliest grant, latest use). */
export async function listGrantsOfUser(ctx: Ctx, userId: string): Promise<AuthorizedApp[]> {
  const rows = await ctx.db.query<Grant & { name: string; home_page: string | null }>(
    `select g.*, a.name, a.home_page from grants g join oauth_apps a on a.id = g.oauth_app_id
      where g.user_id = $1 and g.revoked_at is null order by g.created_at`,
    [userId],
  );
  const byApp = new Map<string, AuthorizedApp>();
  for (const r of rows) {
    const e = byApp.get(r.oauth_app_id);
    if (!e) {
      byApp.set(r.oauth_app_id, { oauth_app_id: r.oauth_app_id, name: r.name, home_page: r.home_page, scopes: [...r.scopes], created_at: r.created_at, last_used_at: r.last_used_at });
      continue;
    }
    for (const s of r.scopes) if (!e.scopes.includes(s)) e.scopes.push(s);
    if (r.last_used_at && (!e.last_used_at || r.last_used_at > e.last_used_at)) e.last_used_at = r.last_used_at;
  }
  return [...byApp.values()];
}
