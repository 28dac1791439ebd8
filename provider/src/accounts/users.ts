import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { isUniqueViolation } from '../store/index.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

export interface User {
  id: string;
  email: string;
  is_operator: boolean;
  locked_at: Date | null;
  created_at: Date;
}

const USER_COLUMNS = 'id, email, is_operator, locked_at, created_at';

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
  const isOperator = ctx.config.operatorEmails.includes(email.data);
  try {
    const user = await ctx.db.one<User>(
      `insert into users (id, email, password_hash, is_operator, created_at) values ($1, $2, $3, $4, $5) returning ${USER_COLUMNS}`,
      [ctx.random.uuid(), email.data, passwordHash, isOperator, nowDate(ctx)],
    );
    return { ok: true, user: user! };
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
  const row = await ctx.db.one<User & { password_hash: string }>(`select ${USER_COLUMNS}, password_hash from users where email = $1`, [email]);
  const ok = await verifyPassword(row?.password_hash, password.slice(0, 1024));
  if (!ok || !row || row.locked_at) return null;
  const { password_hash: _hash, ...user } = row;
  return user;
}

/** The JSON shape of a user on the wire (`GET /dash/me`). */
export function userJson(u: User) {
  return { id: u.id, email: u.email, created_at: u.created_at.toISOString() };
}
