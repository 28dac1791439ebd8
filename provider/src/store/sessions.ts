import type { Db } from './db.ts';

/**
 * Dashboard sessions (`sessions`): a row per signed-in browser, keyed by the SHA-256 of the session id sealed in its
 * cookie (domain/accounts/sessions.ts seals it; web/http/session-cookie.ts carries it).
 */

/**
 * SQL of the live session with id hash `sid` at time `now` (both SQL expressions, e.g. `$1`) and its
 * user: at most one row of `user_id`, `email`, `is_operator`, `user_created_at`, `email_verified_at`, `auth_time` (when the
 * session signed in).
 * Not revoked, not expired, user not locked. For joining into a larger statement (`left join lateral`).
 */
export function liveSessionSql(sid: string, now: string): string {
  return `select u.id as user_id, u.email, u.is_operator, u.created_at as user_created_at, u.email_verified_at, s.created_at as auth_time
            from sessions s join users u on u.id = s.user_id
           where s.id_hash = ${sid} and s.revoked_at is null and s.expires_at > ${now} and u.locked_at is null`;
}

/** A row of `liveSessionSql`. */
export interface LiveSessionRow {
  user_id: string;
  email: string;
  is_operator: boolean;
  user_created_at: Date;
  email_verified_at: Date | null;
  auth_time: Date;
}

/** The live session with this id hash and its user (see liveSessionSql), or undefined. */
export function findLiveSession(db: Db, idHash: string, now: Date): Promise<LiveSessionRow | undefined> {
  return db.one<LiveSessionRow>(liveSessionSql('$1', '$2'), [idHash, now]);
}
