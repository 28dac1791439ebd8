import type { Db } from './db.ts';

/**
 * App admin tokens (`app_admin_tokens`), stored as SHA-256 hashes only (docs/security.md §7). Provisional ones (the
 * CLI's app picker, domain/platform/dash.ts) carry an expiry and the listing they were minted for.
 */

/** The live token with hash `hash` (its app not expired either), or undefined. */
export async function findLiveAdminToken(db: Db, hash: string, now: Date): Promise<{ id: string; app_id: string } | undefined> {
  return db.one<{ id: string; app_id: string }>(
    `select t.id, t.app_id from app_admin_tokens t join apps a on a.id = t.app_id
      where t.token_hash = $1 and t.revoked_at is null and (a.expires_at is null or a.expires_at > $2)
        and (t.expires_at is null or t.expires_at > $2)`,
    [hash, now],
  );
}

/** A permanent token (a unique violation when the hash is taken). */
export async function insertAdminToken(db: Db, row: { id: string; appId: string; hash: string; createdAt: Date }): Promise<void> {
  await db.query(`insert into app_admin_tokens (id, app_id, token_hash, created_at) values ($1, $2, $3, $4)`, [row.id, row.appId, row.hash, row.createdAt]);
}

/** A provisional token of listing `listingId`, for user `listedFor`. */
export async function insertProvisionalAdminToken(
  db: Db,
  row: { id: string; appId: string; hash: string; createdAt: Date; expiresAt: Date; listingId: string; listedFor: string },
): Promise<void> {
  await db.query(
    `insert into app_admin_tokens (id, app_id, token_hash, created_at, expires_at, listing_id, listed_for) values ($1, $2, $3, $4, $5, $6, $7)`,
    [row.id, row.appId, row.hash, row.createdAt, row.expiresAt, row.listingId, row.listedFor],
  );
}

/** Revokes every live token of an app; how many. */
export async function revokeAppAdminTokens(db: Db, appId: string, now: Date): Promise<number> {
  return (await db.query(`update app_admin_tokens set revoked_at = $2 where app_id = $1 and revoked_at is null returning 1`, [appId, now])).length;
}

/** Makes the newest live provisional token of `appId` listed for `userId` permanent; its listing id, or undefined. */
export async function keepListedAdminToken(db: Db, appId: string, userId: string, now: Date): Promise<string | undefined> {
  const kept = await db.one<{ listing_id: string }>(
    `update app_admin_tokens set expires_at = null
      where id = (select id from app_admin_tokens
                   where app_id = $1 and listed_for = $2 and revoked_at is null and expires_at > $3
                   order by created_at desc limit 1)
      returning listing_id`,
    [appId, userId, now],
  );
  return kept?.listing_id;
}

/** Revokes the still-provisional tokens of a listing. */
export async function revokeListingAdminTokens(db: Db, listingId: string, now: Date): Promise<void> {
  await db.query(`update app_admin_tokens set revoked_at = $2 where listing_id = $1 and expires_at is not null and revoked_at is null`, [listingId, now]);
}

/** Deletes provisional tokens that expired unused (or were revoked); how many. */
export async function deleteEndedProvisionalAdminTokens(db: Db, now: Date): Promise<number> {
  return (await db.query(`delete from app_admin_tokens where expires_at is not null and (expires_at <= $1 or revoked_at is not null) returning id`, [now])).length;
}
