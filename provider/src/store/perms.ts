import type { Db } from './db.ts';

/** An app's permission rules (`app_perms`), kept as the exact JSON text the client sent. */

/** The rules' JSON text, or undefined when none were pushed. */
export async function findPermsCode(db: Db, appId: string): Promise<string | undefined> {
  return (await db.one<{ code: string }>(`select code from app_perms where app_id = $1`, [appId]))?.code;
}

/** Replaces an app's rules with the JSON text `code`. */
export async function upsertPerms(db: Db, appId: string, code: string, now: Date): Promise<void> {
  await db.query(
    `insert into app_perms (app_id, code, updated_at) values ($1, $2, $3)
     on conflict (app_id) do update set code = excluded.code, updated_at = excluded.updated_at`,
    [appId, code, now],
  );
}
