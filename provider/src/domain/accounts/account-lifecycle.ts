/**
 * Changing a password and deleting an account, both from Settings (docs/security-lifecycle.md §3–§4). Each asks
 * for the current password, under the login rate limits, so a session left open is not enough to take or end the
 * account.
 *
 * @module
 */
import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../../store/index.ts';
import { RATE_LIMITS } from '../limits/rate-limit.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { accountBucket, limit } from './sign-in.ts';
import type { User } from './users.ts';

export const WRONG_CURRENT_PASSWORD = 'The current password is incorrect';

/**
 * Checks the signed-in user's password, counted in the same per-address and per-account buckets as login (a guess
 * here is a guess there). A wrong one is audited as a failure of `event` and refused with a 400 for the form.
 */
async function requirePassword(ctx: Ctx, address: string, user: User, password: string, event: 'user.password_changed' | 'user.deleted'): Promise<void> {
  await limit(ctx, `login:addr:${address}`, RATE_LIMITS.loginPerAddress);
  await limit(ctx, accountBucket(user.email), RATE_LIMITS.loginPerAccount);
  const row = await ctx.db.one<{ password_hash: string }>(`select password_hash from users where id = $1`, [user.id]);
  if (!(await verifyPassword(row?.password_hash, password.slice(0, 1024)))) {
    await recordEvent(ctx, { event, outcome: 'failure', actor: user.id, userId: user.id, address, details: { reason: 'credentials' } });
    throw ApiError.validation(WRONG_CURRENT_PASSWORD);
  }
}

/**
 * Sets a new password (validated as at sign-up) after checking the current one, and ends every other session of the
 * user; the session `keepSessionHash` (this browser's) stays. Tokens and grants are not touched: they were given to
 * apps, not to whoever knew the password (revoking them is Settings → Authorized apps, or deleting the account).
 */
export async function changePassword(ctx: Ctx, address: string, user: User, keepSessionHash: string | null, current: string, next: string): Promise<{ sessionsEnded: number }> {
  const problem = passwordProblem(next);
  if (problem) throw ApiError.validation(problem);
  await requirePassword(ctx, address, user, current, 'user.password_changed');
  const hash = await hashPassword(next);
  return ctx.db.tx(async (db) => {
    await db.query(`update users set password_hash = $2 where id = $1`, [user.id, hash]);
    const ended = await db.query(`update sessions set revoked_at = $3 where user_id = $1 and id_hash is distinct from $2 and revoked_at is null returning id_hash`, [
      user.id,
      keepSessionHash,
      nowDate(ctx),
    ]);
    await recordEvent({ ...ctx, db }, { event: 'user.password_changed', actor: user.id, userId: user.id, address, details: { sessions_ended_count: ended.length } });
    return { sessionsEnded: ended.length };
  });
}

/** What deleting an account ends, counted for the audit row and the confirmation page. */
export interface AccountFootprint {
  sessions: number;
  personal_tokens: number;
  grants: number;
  oauth_tokens: number;
  oauth_apps: number;
  apps: number;
}

/** Live sessions, personal tokens, grants and OAuth tokens of the user, and the OAuth apps and Instant apps they own. */
export async function accountFootprint(ctx: Pick<Ctx, 'clock'> & { db: Db }, userId: string): Promise<AccountFootprint> {
  const now = nowDate(ctx);
  const row = await ctx.db.one<Record<keyof AccountFootprint, string | number>>(
    `select (select count(*) from sessions where user_id = $1 and revoked_at is null and expires_at > $2) as sessions,
            (select count(*) from personal_tokens where user_id = $1 and revoked_at is null and (expires_at is null or expires_at > $2)) as personal_tokens,
            (select count(*) from grants where user_id = $1 and revoked_at is null) as grants,
            (select count(*) from access_tokens where user_id = $1 and revoked_at is null and expires_at > $2)
              + (select count(*) from refresh_tokens where user_id = $1 and revoked_at is null and idle_expires_at > $2) as oauth_tokens,
            (select count(*) from oauth_apps where owner_id = $1) as oauth_apps,
            (select count(*) from apps where creator_id = $1) as apps`,
    [userId, now],
  );
  const n = (k: keyof AccountFootprint) => Number(row![k]);
  return { sessions: n('sessions'), personal_tokens: n('personal_tokens'), grants: n('grants'), oauth_tokens: n('oauth_tokens'), oauth_apps: n('oauth_apps'), apps: n('apps') };
}

/**
 * Deletes the account after checking its password: in one transaction the user's row goes, and with it (the foreign
 * keys cascade, 001_accounts_oauth.sql, 003_platform.sql) every session, personal token, grant, authorization code,
 * access and refresh token of the user; the OAuth apps they own with their clients, secrets, and every grant and
 * token other users gave those apps; and the Instant apps they created with their admin tokens and data. The audit
 * row `user.deleted` is written in the same transaction and outlives the user (audit_events has no foreign key).
 */
export async function deleteAccount(ctx: Ctx, address: string, user: User, password: string): Promise<AccountFootprint> {
  await requirePassword(ctx, address, user, password, 'user.deleted');
  // An org must keep an owner (docs/security.md "Orgs"): its apps and members would be left with nobody to manage them.
  const orphaned = await ctx.db.query<{ title: string }>(
    `select o.title from orgs o join org_members m on m.org_id = o.id and m.user_id = $1 and m.role = 'owner'
      where not exists (select 1 from org_members k where k.org_id = o.id and k.role = 'owner' and k.user_id <> $1)
      order by o.title`,
    [user.id],
  );
  if (orphaned.length > 0) {
    const names = orphaned.map((o) => `“${o.title}”`).join(', ');
    throw ApiError.validation(`You are the only owner of ${orphaned.length === 1 ? 'the org' : 'the orgs'} ${names}: make another member an owner, or delete the org, before deleting your account`);
  }
  return ctx.db.tx(async (db) => {
    const footprint = await accountFootprint({ ...ctx, db }, user.id);
    await db.query(`delete from users where id = $1`, [user.id]);
    const counts = Object.fromEntries(Object.entries(footprint).map(([k, v]) => [`${k}_count`, v]));
    await recordEvent({ ...ctx, db }, { event: 'user.deleted', actor: user.id, userId: user.id, address, details: { email: user.email, ...counts } });
    return footprint;
  });
}
