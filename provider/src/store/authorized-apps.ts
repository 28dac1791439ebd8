import type { Db } from './db.ts';

/**
 * The user's side of their grants, as Settings → Authorized apps shows and changes them
 * (domain/accounts/authorized-apps.ts). The grant and token statements themselves are store/grants.ts.
 */

/** What the list shows of each app beyond its grant: logo, and whether it registered itself (RFC 7591). */
export function appBadges(db: Db, appIds: string[]): Promise<Array<{ id: string; logo: string | null; dynamic: boolean }>> {
  return db.query<{ id: string; logo: string | null; dynamic: boolean }>(`select id, logo, dynamic from oauth_apps where id = any($1::uuid[])`, [appIds]);
}

/** The id of the user's unrevoked grant to this app, if any. */
export async function liveGrantIdOf(db: Db, userId: string, oauthAppId: string): Promise<string | null> {
  const row = await db.one<{ id: string }>(`select id from grants where user_id = $1 and oauth_app_id = $2 and revoked_at is null`, [userId, oauthAppId]);
  return row?.id ?? null;
}
