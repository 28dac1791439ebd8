import type { Db } from './db.ts';

/**
 * Logins of Instant's CLI (`cli_logins`, domain/platform/cli-login.ts): the ticket (the browser's) and the secret
 * (the CLI's) are stored as hashes only.
 */
export interface CliLogin {
  id: string;
  client_label: string;
  status: 'waiting' | 'confirmed' | 'voided' | 'used';
  user_id: string | null;
  created_at: Date;
  expires_at: Date;
}

const LOGIN_COLUMNS = 'id, client_label, status, user_id, created_at, expires_at';

export async function insertCliLogin(db: Db, row: { id: string; ticketHash: string; secretHash: string; clientLabel: string; createdAt: Date; expiresAt: Date }): Promise<void> {
  await db.query(
    `insert into cli_logins (id, ticket_hash, secret_hash, client_label, status, created_at, expires_at) values ($1, $2, $3, $4, 'waiting', $5, $6)`,
    [row.id, row.ticketHash, row.secretHash, row.clientLabel, row.createdAt, row.expiresAt],
  );
}

/** A login still waiting for its user, by ticket hash. */
export async function findWaitingCliLogin(db: Db, ticketHash: string, now: Date): Promise<CliLogin | undefined> {
  return db.one<CliLogin>(`select ${LOGIN_COLUMNS} from cli_logins where ticket_hash = $1 and status = 'waiting' and expires_at > $2`, [ticketHash, now]);
}

/** Decides a waiting login as user `userId`; undefined when none is waiting (a ticket decides once). */
export async function decideWaitingCliLogin(db: Db, ticketHash: string, decision: 'confirmed' | 'voided', userId: string, now: Date): Promise<CliLogin | undefined> {
  return db.one<CliLogin>(
    `update cli_logins set status = $3, user_id = $4, decided_at = $2
      where ticket_hash = $1 and status = 'waiting' and expires_at > $2
      returning ${LOGIN_COLUMNS}`,
    [ticketHash, now, decision, userId],
  );
}

export async function findCliLoginBySecret(db: Db, secretHash: string): Promise<CliLogin | undefined> {
  return db.one<CliLogin>(`select ${LOGIN_COLUMNS} from cli_logins where secret_hash = $1`, [secretHash]);
}

/**
 * A confirmed login becomes `used` in one conditional update (of two simultaneous polls, only one gets it): its
 * user's id, address and lock, or undefined when it was not confirmed (any more).
 */
export async function takeConfirmedCliLogin(db: Db, loginId: string): Promise<{ user_id: string; email: string; locked_at: Date | null } | undefined> {
  return db.one<{ user_id: string; email: string; locked_at: Date | null }>(
    `update cli_logins l set status = 'used' from users u
      where l.id = $1 and l.status = 'confirmed' and u.id = l.user_id
      returning l.user_id, u.email, u.locked_at`,
    [loginId],
  );
}

export async function setCliLoginToken(db: Db, loginId: string, personalTokenId: string): Promise<void> {
  await db.query(`update cli_logins set personal_token_id = $2 where id = $1`, [loginId, personalTokenId]);
}

/** Deletes logins that expired before `before`; how many. */
export async function deleteCliLoginsExpiredBefore(db: Db, before: Date): Promise<number> {
  return (await db.query(`delete from cli_logins where expires_at <= $1 returning id`, [before])).length;
}
