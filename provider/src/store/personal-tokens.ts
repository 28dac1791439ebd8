import type { Db } from './db.ts';
import { userColumnsOf, type UserRow } from './users.ts';

/** Personal access tokens (`personal_tokens`, `per_…`): stored by their SHA-256 only (docs/api.md §1). */

/** A token as its owner sees it in a list: never the secret. */
export interface PersonalTokenRow {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

const TOKEN_COLUMNS = 'id, name, created_at, expires_at, last_used_at';

export async function countLivePersonalTokens(db: Db, userId: string): Promise<number> {
  const row = await db.one<{ n: number }>(`select count(*)::int as n from personal_tokens where user_id = $1 and revoked_at is null`, [userId]);
  return row?.n ?? 0;
}

export async function insertPersonalToken(
  db: Db,
  row: { id: string; userId: string; name: string; tokenHash: string; createdAt: Date; expiresAt: Date | null },
): Promise<PersonalTokenRow> {
  const record = await db.one<PersonalTokenRow>(
    `insert into personal_tokens (id, user_id, name, token_hash, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6)
     returning ${TOKEN_COLUMNS}`,
    [row.id, row.userId, row.name, row.tokenHash, row.createdAt, row.expiresAt],
  );
  return record!;
}

/** A user's unrevoked tokens, newest first (expired ones too). */
export function listLivePersonalTokens(db: Db, userId: string): Promise<PersonalTokenRow[]> {
  return db.query<PersonalTokenRow>(
    `select ${TOKEN_COLUMNS} from personal_tokens
      where user_id = $1 and revoked_at is null order by created_at desc, id`,
    [userId],
  );
}

/** Revokes one of the user's live tokens; false when there is none with that id (or it is another user's). */
export async function revokePersonalTokenOf(db: Db, userId: string, id: string, now: Date): Promise<boolean> {
  const row = await db.one(`update personal_tokens set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null returning id`, [id, userId, now]);
  return row !== undefined;
}

/** An unrevoked token by its hash, with its user (locked or not: the caller words the refusal). */
export type PersonalTokenUserRow = UserRow & { token_id: string; expires_at: Date | null; last_used_at: Date | null };

export function findPersonalTokenByHash(db: Db, tokenHash: string): Promise<PersonalTokenUserRow | undefined> {
  return db.one<PersonalTokenUserRow>(
    `select ${userColumnsOf('u')}, t.id as token_id, t.expires_at, t.last_used_at
       from personal_tokens t join users u on u.id = t.user_id
      where t.token_hash = $1 and t.revoked_at is null`,
    [tokenHash],
  );
}

export function touchPersonalToken(db: Db, tokenId: string, now: Date): Promise<unknown> {
  return db.query(`update personal_tokens set last_used_at = $2 where id = $1`, [tokenId, now]);
}
