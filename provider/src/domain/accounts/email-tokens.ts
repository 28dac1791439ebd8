import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import { hit } from '../limits/rate-limit.ts';
import type { MailMessage } from '../mail/mailer.ts';
import type { Db } from '../../store/index.ts';
import { deleteEmailTokensBefore, findLiveEmailToken, insertEmailToken, retireEmailTokens, useLiveEmailToken } from '../../store/email-tokens.ts';
import { hashToken, toBase64Url } from '../tokens.ts';

/**
 * One-time links mailed to an address (docs/security-accounts.md §8): 256 random bits in the link, only their
 * SHA-256 stored, used at most once and before they expire. A new link of a purpose replaces the user's older ones.
 */
export type EmailTokenPurpose = 'verify' | 'reset';

/** A verification link is good for a day (it only proves the address); a reset link for 30 minutes (it sets a password). */
export const EMAIL_TOKEN_TTL_S: Record<EmailTokenPurpose, number> = { verify: 86_400, reset: 1_800 };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Makes a new token for the user's current address; the user's unused tokens of the same purpose stop working. */
export async function issueEmailToken(ctx: Ctx, db: Db, user: { id: string; email: string }, purpose: EmailTokenPurpose): Promise<string> {
  const token = toBase64Url(ctx.random.bytes(32));
  const now = nowDate(ctx);
  await retireEmailTokens(db, user.id, purpose, now);
  await insertEmailToken(db, { tokenHash: hashToken(token), userId: user.id, purpose, email: user.email, createdAt: now, expiresAt: inSeconds(ctx, EMAIL_TOKEN_TTL_S[purpose]) });
  return token;
}

/**
 * The user a live token of this purpose belongs to, without using it (to render the form it is posted from);
 * null when unknown, used, expired, the account locked, or its address no longer the one the link was sent to.
 */
export async function peekEmailToken(ctx: Ctx, token: string | undefined, purpose: EmailTokenPurpose): Promise<{ userId: string; email: string } | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const row = await findLiveEmailToken(ctx.db, hashToken(token), purpose, nowDate(ctx));
  return row ? { userId: row.user_id, email: row.email } : null;
}

/** Uses a token: at most one caller ever gets its user back (one conditional update), the same checks as peekEmailToken. */
export async function useEmailToken(ctx: Ctx, db: Db, token: string | undefined, purpose: EmailTokenPurpose): Promise<{ userId: string; email: string } | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const row = await useLiveEmailToken(db, hashToken(token), purpose, nowDate(ctx));
  return row ? { userId: row.user_id, email: row.email } : null;
}

/**
 * Mails to one address are capped (MAILS_PER_ADDRESS an hour, whatever their kind and whoever asks), so sign-up,
 * resend and forgot-password cannot be used to flood someone's inbox. Over the cap the message is dropped silently:
 * the answer to the asker stays the same. The bucket key is a hash: the rate-limit table holds no addresses.
 */
export const MAILS_PER_ADDRESS = { limit: 5, windowS: 3600 };

export async function mailCapped(ctx: Ctx, message: MailMessage): Promise<void> {
  const r = await hit(ctx, `mail:to:${hashToken(message.to)}`, MAILS_PER_ADDRESS);
  if (!r.ok) {
    ctx.log.warn('mail dropped: too many to one address this hour', { subject: message.subject });
    return;
  }
  ctx.mailer.sendLater(message);
}

/** A link to a provider page carrying a token (in the query: the pages are GET forms that POST it back). */
export function tokenLink(ctx: Ctx, path: string, token: string): string {
  const u = new URL(path, ctx.config.issuer);
  u.searchParams.set('token', token);
  return u.toString();
}

/** The sweeper's part: tokens a day past use or expiry are deleted. */
export async function sweepEmailTokens(ctx: Ctx): Promise<number> {
  return deleteEmailTokensBefore(ctx.db, inSeconds(ctx, -86_400));
}
