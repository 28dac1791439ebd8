import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { isUniqueViolation } from '../../store/index.ts';
import { findLogin, insertUser, type UserRow } from '../../store/users.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

/** An account (store/users.ts `UserRow`): never its password hash. */
export type User = UserRow;

/**
 * The operator role, checked on every request: the stored flag (`instant-provider operator add`) or an address in
 * OPERATOR_EMAILS, and in both cases only once the address is verified (finding F1: whoever signed up first with a
 * listed address became an operator). A locked account has no role.
 */
export function hasOperatorRole(config: { operatorEmails: string[] }, user: Pick<User, 'email' | 'is_operator' | 'locked_at' | 'email_verified_at'>): boolean {
  if (user.locked_at || !user.email_verified_at) return false;
  return user.is_operator || config.operatorEmails.includes(user.email.toLowerCase());
}

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u, 'Enter a valid email address');

export type SignupResult = { ok: true; user: User } | { ok: false; reason: 'invalid'; message: string } | { ok: false; reason: 'taken' };

/** Creates an account. An address already in use returns `taken`; callers must not reveal that (docs/security.md §11). */
export async function createUser(ctx: Ctx, emailInput: string, password: string): Promise<SignupResult> {
  const email = emailSchema.safeParse(emailInput);
  if (!email.success) return { ok: false, reason: 'invalid', message: email.error.issues[0]?.message ?? 'Enter a valid email address' };
  const problem = passwordProblem(password);
  if (problem) return { ok: false, reason: 'invalid', message: problem };
  const passwordHash = await hashPassword(password);
  try {
    // No stored operator flag from OPERATOR_EMAILS: that list is read on every request (hasOperatorRole).
    const user = await insertUser(ctx.db, { id: ctx.random.uuid(), email: email.data, passwordHash, createdAt: nowDate(ctx) });
    return { ok: true, user };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: 'taken' };
    throw err;
  }
}

/** Checks an email and password in constant time whether or not the account exists. Locked accounts fail. */
export async function verifyLogin(ctx: Ctx, emailInput: string, password: string): Promise<User | null> {
  const email = emailInput.trim().toLowerCase();
  // Postgres text cannot hold NUL; no stored address has a control character, so none can match.
  if (/\p{Cc}/u.test(email) || email.length > 320) {
    await verifyPassword(undefined, password.slice(0, 1024));
    return null;
  }
  const row = await findLogin(ctx.db, email);
  const ok = await verifyPassword(row?.password_hash, password.slice(0, 1024));
  if (!ok || !row || row.locked_at) return null;
  const { password_hash: _hash, ...user } = row;
  return user;
}

/** The JSON shape of a user on the wire (`GET /dash/me`). */
export function userJson(u: User) {
  return { id: u.id, email: u.email, email_verified: u.email_verified_at !== null, created_at: u.created_at.toISOString() };
}
