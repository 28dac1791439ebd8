import type { Db } from './db.ts';

/**
 * A grant is "this user authorized this app"; tokens carry their own, possibly narrower, scopes. A user has at
 * most one live grant of an app (a unique index, migration 005).
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

/** The user's live grant of the app, if any. */
export async function findLiveGrant(db: Db, userId: string, oauthAppId: string): Promise<Grant | undefined> {
  return db.one<Grant>(`select * from grants where user_id = $1 and oauth_app_id = $2 and revoked_at is null`, [userId, oauthAppId]);
}

/** The ids of the user's live grants of the app (one at most, migration 005). */
export async function liveGrantIds(db: Db, userId: string, oauthAppId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select id from grants where user_id = $1 and oauth_app_id = $2 and revoked_at is null`, [userId, oauthAppId]);
  return rows.map((r) => r.id);
}

/** Marks a live grant revoked; false when it was unknown or already revoked. */
export async function revokeGrantRow(db: Db, grantId: string, now: Date): Promise<boolean> {
  const row = await db.one(`update grants set revoked_at = $2 where id = $1 and revoked_at is null returning id`, [grantId, now]);
  return row !== undefined;
}

/** A grant's "last use", noted when older than `before` (the resolution the domain chose). */
export async function touchGrant(db: Db, grantId: string, now: Date, before: Date): Promise<void> {
  await db.query(`update grants set last_used_at = $2 where id = $1 and (last_used_at is null or last_used_at < $3)`, [grantId, now, before]);
}

/** Whether the grant still gives lasting access at `now`: a live, unrotated refresh token or a pending code. */
export async function grantHasLastingAccess(db: Db, grantId: string, now: Date): Promise<boolean> {
  const live = await db.one(
    `select 1 from refresh_tokens where grant_id = $1 and revoked_at is null and rotated_at is null and idle_expires_at > $2
     union all
     select 1 from authorization_codes where grant_id = $1 and used_at is null and expires_at > $2
     limit 1`,
    [grantId, now],
  );
  return live !== undefined;
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
export async function listGrantsOfUser(db: Db, userId: string): Promise<AuthorizedApp[]> {
  return db.query<AuthorizedApp>(
    `select g.id as grant_id, g.oauth_app_id, a.name, a.home_page, g.scopes, g.created_at, g.last_used_at
       from grants g join oauth_apps a on a.id = g.oauth_app_id
      where g.user_id = $1 and g.revoked_at is null order by g.created_at`,
    [userId],
  );
}
