import type { Db } from './db.ts';

/**
 * One-time links mailed to an address (`email_tokens`, domain/accounts/email-tokens.ts): stored by the SHA-256 of the
 * token, with the address they were sent to and a purpose (`verify`, `reset`).
 */

/** What a live token leads to: its user and that user's current address. */
export interface EmailTokenUser {
  user_id: string;
  email: string;
}

/** Marks the user's unused tokens of this purpose used, so only a newer one works. */
export function retireEmailTokens(db: Db, userId: string, purpose: string, now: Date): Promise<unknown> {
  return db.query(`update email_tokens set used_at = $3 where user_id = $1 and purpose = $2 and used_at is null`, [userId, purpose, now]);
}

export function insertEmailToken(db: Db, row: { tokenHash: string; userId: string; purpose: string; email: string; createdAt: Date; expiresAt: Date }): Promise<unknown> {
  return db.query(`insert into email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)`, [
    row.tokenHash,
    row.userId,
    row.purpose,
    row.email,
    row.createdAt,
    row.expiresAt,
  ]);
}

/** The live token's user: unused, unexpired, the account unlocked and its address still the one the link was sent to. */
export function findLiveEmailToken(db: Db, tokenHash: string, purpose: string, now: Date): Promise<EmailTokenUser | undefined> {
  return db.one<EmailTokenUser>(
    `select t.user_id, u.email from email_tokens t join users u on u.id = t.user_id
      where t.token_hash = $1 and t.purpose = $2 and t.used_at is null and t.expires_at > $3 and u.locked_at is null and u.email = t.email`,
    [tokenHash, purpose, now],
  );
}

/** Uses a live token (the checks of findLiveEmailToken) in one conditional update: at most one caller gets its user. */
export function useLiveEmailToken(db: Db, tokenHash: string, purpose: string, now: Date): Promise<EmailTokenUser | undefined> {
  return db.one<EmailTokenUser>(
    `update email_tokens t set used_at = $3 from users u
      where t.token_hash = $1 and t.purpose = $2 and t.used_at is null and t.expires_at > $3
        and u.id = t.user_id and u.locked_at is null and u.email = t.email
      returning t.user_id, u.email`,
    [tokenHash, purpose, now],
  );
}

/** Deletes tokens used or expired before `cutoff`; returns how many. */
export async function deleteEmailTokensBefore(db: Db, cutoff: Date): Promise<number> {
  const rows = await db.query(`delete from email_tokens where expires_at < $1 or used_at < $1 returning 1`, [cutoff]);
  return rows.length;
}
