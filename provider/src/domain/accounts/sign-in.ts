import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { ApiError } from '../errors.ts';
import { hit, RATE_LIMITS, type RateLimitRule } from '../limits/rate-limit.ts';
import { hashToken } from '../tokens.ts';
import { findUserIdByEmail } from '../../store/users.ts';
import { verifyPassword } from './passwords.ts';
import { createUser, verifyLogin, type User } from './users.ts';
import { sendAlreadyRegistered, sendVerification } from './verification.ts';

/** The one message for every failed login: unknown email, wrong password, locked account (docs/security.md §11). */
export const LOGIN_FAILED = 'The email or password is incorrect';

/** The one answer to every well-formed sign-up, new address or registered one (docs/security-accounts.md §2). */
export const SIGNUP_SENT = 'Check your inbox: we sent a message to that address. Open its link to verify the address.';

export async function limit(ctx: Ctx, bucket: string, rule: RateLimitRule): Promise<void> {
  const r = await hit(ctx, bucket, rule);
  if (!r.ok) throw ApiError.rateLimited(r.retryAfterS);
}

/** The per-account bucket key: a hash, so the rate-limit table holds no addresses (and no NUL bytes). */
export function accountBucket(email: string): string {
  return `login:acct:${hashToken(email.trim().toLowerCase())}`;
}

/**
 * Checks a login. Limited per client address and per account (counted whether or not the account
 * exists, so the limit itself reveals nothing). Unknown email, wrong password and a locked account
 * all fail with the same 401 message after the same password-hash work (verifyLogin).
 *
 * Residual: anyone can exhaust one account's per-account budget and delay its owner's login for
 * a window (RATE_LIMITS.loginPerAccount); that is the price of slowing password guessing.
 */
export async function logIn(ctx: Ctx, address: string, email: string, password: string): Promise<User> {
  await limit(ctx, `login:addr:${address}`, RATE_LIMITS.loginPerAddress);
  await limit(ctx, accountBucket(email), RATE_LIMITS.loginPerAccount);
  const user = await verifyLogin(ctx, email, password);
  if (!user) {
    const attempted = email.trim().toLowerCase().slice(0, 254);
    const known = attempted.includes('\u0000') || /[\uD800-\uDFFF]/.test(attempted) ? null : await findUserIdByEmail(ctx.db, attempted);
    await recordEvent(ctx, { event: 'login.failure', userId: known, address, details: { email: attempted, reason: 'credentials' } });
    throw new ApiError(401, 'permission-denied', LOGIN_FAILED, { reason: 'credentials' });
  }
  await recordEvent(ctx, { event: 'login.success', actor: user.id, userId: user.id, address });
  return user;
}

/**
 * Creates an account, rate-limited per client address, and mails a verification link to it.
 *
 * Never signs in, and answers a registered address exactly like a new one (findings F3 and the enumeration of
 * docs/security.md §11; docs/security-accounts.md §2): no session either way, the same SIGNUP_SENT answer, and
 * the registered address gets a "you already have an account" message instead of a link. Form problems (bad email
 * shape, short password) are reported as such, judged before the store is consulted. Both paths cost one password
 * hash plus one verification, and the mail leaves in the background, so timing does not tell them apart.
 */
export async function signUp(ctx: Ctx, address: string, email: string, password: string): Promise<void> {
  await limit(ctx, `signup:addr:${address}`, RATE_LIMITS.signupPerAddress);
  const created = await createUser(ctx, email, password);
  // createUser hashed the password when it inserted; a refusal hashed nothing yet. Either way one
  // verification more, so both paths cost the same.
  await verifyPassword(undefined, password);
  if (created.ok) {
    await recordEvent(ctx, { event: 'user.signup', actor: created.user.id, userId: created.user.id, address, details: { email: created.user.email } });
    await sendVerification(ctx, created.user);
    return;
  }
  if (created.reason === 'invalid') throw ApiError.validation(created.message);
  const taken = email.trim().toLowerCase().slice(0, 254);
  await recordEvent(ctx, { event: 'user.signup', outcome: 'failure', address, details: { email: taken, reason: 'taken' } });
  await sendAlreadyRegistered(ctx, taken);
}
