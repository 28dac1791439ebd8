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
import { revokeOtherSessionsOfUser } from '../../store/sessions.ts';
import { countFootprint, deleteUser, passwordHashOf, setPasswordHash, soleOwnedOrgTitles, type FootprintRow } from '../../store/users.ts';
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
  if (!(await verifyPassword(await passwordHashOf(ctx.db, user.id), password.slice(0, 1024)))) {
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
    await setPasswordHash(db, user.id, hash);
    const ended = await revokeOtherSessionsOfUser(db, user.id, keepSessionHash, nowDate(ctx));
    await recordEvent({ ...ctx, db }, { event: 'user.password_changed', actor: user.id, userId: user.id, address, details: { sessions_ended_count: ended } });
    return { sessionsEnded: ended };
  });
}

/** What deleting an account ends, counted for the audit row and the confirmation page. */
export type AccountFootprint = FootprintRow;

/** Live sessions, personal tokens, grants and OAuth tokens of the user, and the OAuth apps and Instant apps they own. */
export function accountFootprint(ctx: Pick<Ctx, 'clock'> & { db: Db }, userId: string): Promise<AccountFootprint> {
  return countFootprint(ctx.db, userId, nowDate(ctx));
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
  const orphaned = await soleOwnedOrgTitles(ctx.db, user.id);
  if (orphaned.length > 0) {
    const names = orphaned.map((title) => `“${title}”`).join(', ');
    throw ApiError.validation(`You are the only owner of ${orphaned.length === 1 ? 'the org' : 'the orgs'} ${names}: make another member an owner, or delete the org, before deleting your account`);
  }
  return ctx.db.tx(async (db) => {
    const footprint = await accountFootprint({ ...ctx, db }, user.id);
    await deleteUser(db, user.id);
    const counts = Object.fromEntries(Object.entries(footprint).map(([k, v]) => [`${k}_count`, v]));
    await recordEvent({ ...ctx, db }, { event: 'user.deleted', actor: user.id, userId: user.id, address, details: { email: user.email, ...counts } });
    return footprint;
  });
}
