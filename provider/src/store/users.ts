import type { Db } from './db.ts';

/** Accounts (`users`). The password hash never leaves this module except to the check that needs it (`findLogin`, `passwordHashOf`). */

/** A user as every module sees it (domain/accounts/users.ts `User`). */
export interface UserRow {
  id: string;
  email: string;
  is_operator: boolean;
  locked_at: Date | null;
  created_at: Date;
  /** When the owner of the address proved it (a mailed link); null until then (docs/security-accounts.md §9). */
  email_verified_at: Date | null;
}

/** The columns of a `UserRow`, for statements of other aggregates that return a user (store/operator.ts). */
export const USER_COLUMNS = 'id, email, is_operator, locked_at, created_at, email_verified_at';

/** USER_COLUMNS of the table alias `t` (`u.id, u.email, …`), for joins. */
export function userColumnsOf(t: string): string {
  return USER_COLUMNS.split(', ').map((c) => `${t}.${c}`).join(', ');
}

/** Inserts an account (never with the stored operator flag); a taken address throws a unique violation. */
export async function insertUser(db: Db, row: { id: string; email: string; passwordHash: string; createdAt: Date }): Promise<UserRow> {
  const user = await db.one<UserRow>(
    `insert into users (id, email, password_hash, is_operator, created_at) values ($1, $2, $3, false, $4) returning ${USER_COLUMNS}`,
    [row.id, row.email, row.passwordHash, row.createdAt],
  );
  return user!;
}

/** The account with this (normalised) address and its password hash, for checking a login. */
export function findLogin(db: Db, email: string): Promise<(UserRow & { password_hash: string }) | undefined> {
  return db.one<UserRow & { password_hash: string }>(`select ${USER_COLUMNS}, password_hash from users where email = $1`, [email]);
}

/** The account with this (normalised) address; `unlockedOnly` leaves out a locked one. */
export function findUserByEmail(db: Db, email: string, opts: { unlockedOnly?: boolean } = {}): Promise<UserRow | undefined> {
  return db.one<UserRow>(`select ${USER_COLUMNS} from users where email = $1${opts.unlockedOnly ? ' and locked_at is null' : ''}`, [email]);
}

/** The id of the account with this address, if any (for the audit row of a failed login). */
export async function findUserIdByEmail(db: Db, email: string): Promise<string | null> {
  const row = await db.one<{ id: string }>(`select id from users where email = $1`, [email]);
  return row?.id ?? null;
}

export async function passwordHashOf(db: Db, userId: string): Promise<string | undefined> {
  const row = await db.one<{ password_hash: string }>(`select password_hash from users where id = $1`, [userId]);
  return row?.password_hash;
}

export function setPasswordHash(db: Db, userId: string, hash: string): Promise<unknown> {
  return db.query(`update users set password_hash = $2 where id = $1`, [userId, hash]);
}

/** Sets `email_verified_at` once: a later proof keeps the first time. */
export function markEmailVerified(db: Db, userId: string, now: Date): Promise<unknown> {
  return db.query(`update users set email_verified_at = coalesce(email_verified_at, $2) where id = $1`, [userId, now]);
}

/** Deletes the account; the foreign keys cascade to everything it holds (domain/accounts/account-lifecycle.ts). */
export function deleteUser(db: Db, userId: string): Promise<unknown> {
  return db.query(`delete from users where id = $1`, [userId]);
}

/** What an account holds, counted: live sessions, personal tokens, grants and OAuth tokens, owned OAuth apps and Instant apps. */
export interface FootprintRow {
  sessions: number;
  personal_tokens: number;
  grants: number;
  oauth_tokens: number;
  oauth_apps: number;
  apps: number;
}

export async function countFootprint(db: Db, userId: string, now: Date): Promise<FootprintRow> {
  const row = await db.one<Record<keyof FootprintRow, string | number>>(
    `select (select count(*) from sessions where user_id = $1 and revoked_at is null and expires_at > $2) as sessions,
            (select count(*) from personal_tokens where user_id = $1 and revoked_at is null and (expires_at is null or expires_at > $2)) as personal_tokens,
            (select count(*) from grants where user_id = $1 and revoked_at is null) as grants,
            (select count(*) from access_tokens where user_id = $1 and revoked_at is null and expires_at > $2)
              + (select count(*) from refresh_tokens where user_id = $1 and revoked_at is null and idle_expires_at > $2) as oauth_tokens,
            (select count(*) from oauth_apps where owner_id = $1) as oauth_apps,
            (select count(*) from apps where creator_id = $1) as apps`,
    [userId, now],
  );
  const n = (k: keyof FootprintRow) => Number(row![k]);
  return { sessions: n('sessions'), personal_tokens: n('personal_tokens'), grants: n('grants'), oauth_tokens: n('oauth_tokens'), oauth_apps: n('oauth_apps'), apps: n('apps') };
}

/** Titles of the orgs the user is the only owner of, by title. */
export async function soleOwnedOrgTitles(db: Db, userId: string): Promise<string[]> {
  const rows = await db.query<{ title: string }>(
    `select o.title from orgs o join org_members m on m.org_id = o.id and m.user_id = $1 and m.role = 'owner'
      where not exists (select 1 from org_members k where k.org_id = o.id and k.role = 'owner' and k.user_id <> $1)
      order by o.title`,
    [userId],
  );
  return rows.map((r) => r.title);
}
