import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { ApiError } from '../errors.ts';
import { hit } from '../limits/rate-limit.ts';
import type { Db } from '../../store/index.ts';
import { markEmailVerified } from '../../store/users.ts';
import { issueEmailToken, mailCapped, tokenLink, useEmailToken } from './email-tokens.ts';
import type { User } from './users.ts';

/** Where a verification link lands (a page whose button posts the token: mail scanners that fetch links use nothing). */
export const VERIFY_PATH = '/dash/verify-email';
export const FORGOT_PATH = '/dash/forgot-password';

/** Resending a verification link: a few an hour per account (and the per-address mail cap of email-tokens.ts). */
export const RESEND_PER_USER = { limit: 3, windowS: 3600 };

/**
 * Refuses an action that trusts the user's address until its owner proved it (docs/security-accounts.md §9):
 * publishing an OAuth app, org invitations, anything that mails or names the address to others. 403 with
 * `hint.reason: "email-unverified"`.
 */
export function requireVerifiedEmail(user: Pick<User, 'email_verified_at'>): void {
  if (!user.email_verified_at) {
    throw ApiError.forbidden('Verify your email address first: open the link we mailed you, or send a new one from your dashboard.', { reason: 'email-unverified' });
  }
}

/** Mails a new verification link to the user's address (older links stop working). */
export async function sendVerification(ctx: Ctx, user: Pick<User, 'id' | 'email'>): Promise<void> {
  const token = await issueEmailToken(ctx, ctx.db, user, 'verify');
  await mailCapped(ctx, {
    to: user.email,
    subject: 'Verify your email address for Instant',
    text: [
      `Someone (we hope you) created an Instant account at ${ctx.config.issuer} with this address.`,
      '',
      'Open this link to verify that the address is yours (it works once, within 24 hours):',
      tokenLink(ctx, VERIFY_PATH, token),
      '',
      'If it was not you, ignore this message: without the link the account cannot use this address for anything that needs it verified.',
    ].join('\n'),
  });
}

/** The message to an address that already has an account, sent by a sign-up with it (so sign-up answers alike either way). */
export async function sendAlreadyRegistered(ctx: Ctx, email: string): Promise<void> {
  await mailCapped(ctx, {
    to: email,
    subject: 'You already have an Instant account',
    text: [
      `Someone (we hope you) tried to create an Instant account at ${ctx.config.issuer} with this address, but you already have one.`,
      '',
      `Sign in: ${new URL('/dash/login', ctx.config.issuer).toString()}`,
      `Forgot your password? Reset it: ${new URL(FORGOT_PATH, ctx.config.issuer).toString()}`,
      '',
      'If it was not you, ignore this message: nothing about your account has changed.',
    ].join('\n'),
  });
}

/** Uses a verification link: the account's address is verified from now on. Returns the account's address, or null for a dead link. */
export async function verifyEmail(ctx: Ctx, token: string | undefined, address: string): Promise<string | null> {
  return ctx.db.tx(async (db) => {
    const used = await useEmailToken(ctx, db, token, 'verify');
    if (!used) return null;
    await markVerified(ctx, db, used.userId);
    await recordEvent({ ...ctx, db }, { event: 'user.email_verified', actor: used.userId, userId: used.userId, address, details: { email: used.email } });
    return used.email;
  });
}

/** Sets `email_verified_at` once (a reset link proves the address too: password-reset.ts). */
export async function markVerified(ctx: Ctx, db: Db, userId: string): Promise<void> {
  await markEmailVerified(db, userId, nowDate(ctx));
}

/** "Send the link again" from the dashboard: rate-limited per account; a verified address gets nothing. */
export async function resendVerification(ctx: Ctx, user: User, address: string): Promise<void> {
  if (user.email_verified_at) return;
  const r = await hit(ctx, `verify:user:${user.id}`, RESEND_PER_USER);
  if (!r.ok) throw ApiError.rateLimited(r.retryAfterS);
  await sendVerification(ctx, user);
  await recordEvent(ctx, { event: 'user.verification_sent', actor: user.id, userId: user.id, address });
}
