import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { ApiError } from '../errors.ts';
import { hit } from '../limits/rate-limit.ts';
import { hashToken } from '../tokens.ts';
import { issueEmailToken, mailCapped, tokenLink, useEmailToken } from './email-tokens.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { endAllSessions } from './sessions.ts';
import { emailSchema, type User } from './users.ts';
import { findUserByEmail, setPasswordHash } from '../../store/users.ts';
import { FORGOT_PATH, markVerified } from './verification.ts';

/** Where a reset link lands: a form for the new password, which posts the token back. */
export const RESET_PATH = '/dash/reset-password';

/** "Forgot password" requests: per client address, and per address asked about (counted whether or not it has an account). */
export const FORGOT_PER_ADDRESS = { limit: 10, windowS: 900 };
export const FORGOT_PER_ACCOUNT = { limit: 3, windowS: 900 };

export const RESET_LINK_DEAD = 'This reset link has expired or was already used. Ask for a new one.';

function resetMail(ctx: Ctx, email: string, token: string, forced: boolean) {
  return {
    to: email,
    subject: forced ? 'Set a new password for your Instant account' : 'Reset your Instant password',
    text: [
      forced
        ? `An operator of ${ctx.config.issuer} reset the password of your Instant account: the old password no longer works and every session was signed out.`
        : `Someone (we hope you) asked to reset the password of your Instant account at ${ctx.config.issuer}.`,
      '',
      'Open this link to choose a new password (it works once, within 30 minutes):',
      tokenLink(ctx, RESET_PATH, token),
      '',
      forced
        ? `If the link has expired, ask for a new one: ${new URL(FORGOT_PATH, ctx.config.issuer).toString()}`
        : 'If it was not you, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}

async function limit(ctx: Ctx, bucket: string, rule: { limit: number; windowS: number }): Promise<void> {
  const r = await hit(ctx, bucket, rule);
  if (!r.ok) throw ApiError.rateLimited(r.retryAfterS);
}

/**
 * "Forgot password": mails a reset link when the address has an (unlocked) account, and nothing otherwise; the
 * caller answers the same either way (the mail leaves in the background, so timing does not tell either).
 * A malformed address is answered alike too. Audited as `password.reset_requested`.
 */
export async function requestPasswordReset(ctx: Ctx, address: string, emailInput: string): Promise<void> {
  const attempted = emailInput.trim().toLowerCase().slice(0, 254);
  await limit(ctx, `forgot:addr:${address}`, FORGOT_PER_ADDRESS);
  await limit(ctx, `forgot:acct:${hashToken(attempted)}`, FORGOT_PER_ACCOUNT);
  const email = emailSchema.safeParse(attempted);
  const user = email.success ? await findUserByEmail(ctx.db, email.data, { unlockedOnly: true }) : undefined;
  if (user) {
    const token = await issueEmailToken(ctx, ctx.db, user, 'reset');
    await mailCapped(ctx, resetMail(ctx, user.email, token, false));
  }
  await recordEvent(ctx, { event: 'password.reset_requested', actor: user?.id ?? null, userId: user?.id ?? null, address, details: { email: attempted, account: !!user } });
}

/**
 * Sets a new password through a reset link. The password is judged before the link is used, so a refused one
 * leaves the link working. Every session of the user ends (in every browser); the address counts as verified (the
 * link reached it). Audited as `password.reset`.
 */
export async function resetPassword(ctx: Ctx, token: string | undefined, password: string, address: string): Promise<{ email: string; sessionsEnded: number }> {
  const problem = passwordProblem(password);
  if (problem) throw ApiError.validation(problem);
  const passwordHash = await hashPassword(password);
  const done = await ctx.db.tx(async (db) => {
    const used = await useEmailToken(ctx, db, token, 'reset');
    if (!used) return null;
    await setPasswordHash(db, used.userId, passwordHash);
    await markVerified(ctx, db, used.userId);
    const sessionsEnded = await endAllSessions({ ...ctx, db }, used.userId);
    await recordEvent({ ...ctx, db }, { event: 'password.reset', actor: used.userId, userId: used.userId, address, details: { sessions_ended: sessionsEnded } });
    return { email: used.email, sessionsEnded };
  });
  if (!done) throw ApiError.validation(RESET_LINK_DEAD);
  return done;
}

/**
 * The operator's forced reset (`instant-provider users reset-password EMAIL`): the current password stops working
 * (the stored hash is replaced by a value no password matches), every session ends, and a reset link is mailed
 * (awaited: the CLI reports whether it went out; the reset stands either way, and running it again mails a new link). Audited as `operator.password_reset`.
 */
export async function forcePasswordReset(ctx: Ctx, emailInput: string, actor: string): Promise<{ user: User; sessionsEnded: number; mailError: string | null } | 'unknown' | 'locked'> {
  const found = await findUserByEmail(ctx.db, emailInput.trim().toLowerCase());
  if (!found) return 'unknown';
  if (found.locked_at) return 'locked';
  const { token, sessionsEnded } = await ctx.db.tx(async (db) => {
    // Not an argon2 hash: verifyPassword fails for every password, the same way as a wrong one.
    await setPasswordHash(db, found.id, `!reset:${hashToken(String(ctx.random.uuid()))}`);
    const sessionsEnded = await endAllSessions({ ...ctx, db }, found.id);
    const token = await issueEmailToken(ctx, db, found, 'reset');
    await recordEvent({ ...ctx, db }, { event: 'operator.password_reset', actor, userId: found.id, details: { email: found.email, sessions_ended: sessionsEnded } });
    return { token, sessionsEnded };
  });
  const mailError = await ctx.mailer.send(resetMail(ctx, found.email, token, true)).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  return { user: found, sessionsEnded, mailError };
}
