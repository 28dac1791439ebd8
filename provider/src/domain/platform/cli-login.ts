import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { createPersonalToken } from '../accounts/personal-tokens.ts';
import type { User } from '../accounts/users.ts';
import { ApiError } from '../errors.ts';
import { hit, type RateLimitRule } from '../limits/rate-limit.ts';
import { generateToken, hashToken } from '../tokens.ts';
import * as logins from '../../store/cli-auth.ts';
import type { CliLogin } from '../../store/cli-auth.ts';

export type { CliLogin } from '../../store/cli-auth.ts';

/**
 * The login of Instant's CLI (docs/instant-compat.md §5), as its `instant-cli/src/lib/login.ts` drives it:
 * `register` → `{secret, ticket}`; the user opens `/dash?ticket=…` and confirms (or cancels); the CLI polls
 * `check {secret}` once a second and gets a 400 `waiting-for-user` until then, then one 200 `{token, email}`.
 * The token is a personal access token named after the login, minted when the CLI collects it (so it is never
 * stored, even briefly, in any form but its hash) and revocable under Settings → Tokens.
 */
export const CLI_LOGIN_TTL_MS = 10 * 60_000;
/** The CLI polls once a second for up to two minutes; twice that rate is refused. */
export const CLI_CHECK_LIMIT: RateLimitRule = { limit: 120, windowS: 60 };
/** Starting logins, per client address. */
export const CLI_REGISTER_LIMIT: RateLimitRule = { limit: 30, windowS: 600 };

/**
 * `POST /dash/cli/auth/register`: a new login, rate-limited per address. `clientLabel`: what the CLI says it is
 * (web/compat/cli-auth.ts), shown to the user and trusted for nothing else.
 */
export async function registerCliLogin(ctx: Ctx, clientLabel: string, address: string): Promise<{ secret: string; ticket: string }> {
  const limit = await hit(ctx, `cli-login:addr:${address}`, CLI_REGISTER_LIMIT);
  if (!limit.ok) throw ApiError.rateLimited(limit.retryAfterS);
  const secret = generateToken(ctx.random, 'session');
  const ticket = generateToken(ctx.random, 'session');
  const now = nowDate(ctx);
  await logins.insertCliLogin(ctx.db, { id: ctx.random.uuid(), ticketHash: hashToken(ticket), secretHash: hashToken(secret), clientLabel, createdAt: now, expiresAt: new Date(now.getTime() + CLI_LOGIN_TTL_MS) });
  return { secret, ticket };
}

/** A login still waiting for its user, by ticket (the confirm page), or undefined. */
export async function findWaitingLogin(ctx: Ctx, ticket: string): Promise<CliLogin | undefined> {
  if (typeof ticket !== 'string' || ticket.length > 100) return undefined;
  return logins.findWaitingCliLogin(ctx.db, hashToken(ticket), nowDate(ctx));
}

const gone = () => ApiError.notFound('cli-login', 'This CLI login link has expired or was already used; run `instant-cli login` again');

/** Confirm (`claim`) or cancel (`void`) a waiting login as `user`; a ticket decides once. */
export async function decideCliLogin(ctx: Ctx, user: User, ticket: unknown, decision: 'confirmed' | 'voided'): Promise<CliLogin> {
  if (typeof ticket !== 'string' || ticket.length > 100) throw gone();
  const now = nowDate(ctx);
  const row = await logins.decideWaitingCliLogin(ctx.db, hashToken(ticket), decision, user.id, now);
  if (!row) throw gone();
  return row;
}

function checkError(issue: string, message: string): ApiError {
  return new ApiError(400, 'validation-failed', message, { 'record-type': 'cli-login', errors: [{ issue, message }] });
}

/** `POST /dash/cli/auth/check {secret}`: the CLI's poll. Exactly one call after confirmation gets the token. */
export async function checkCliLogin(ctx: Ctx, secret: unknown): Promise<{ token: string; email: string }> {
  if (secret === undefined || secret === null) throw ApiError.paramMissing('secret');
  if (typeof secret !== 'string' || secret.length > 100) throw ApiError.malformed('secret must be the string register returned');
  const secretHash = hashToken(secret);
  const limit = await hit(ctx, `cli-login:check:${secretHash.slice(0, 32)}`, CLI_CHECK_LIMIT);
  if (!limit.ok) throw ApiError.rateLimited(limit.retryAfterS);
  const now = nowDate(ctx);
  const login = await logins.findCliLoginBySecret(ctx.db, secretHash);
  if (!login) throw ApiError.notFound('cli-login', 'No such CLI login; run `instant-cli login` again');
  if (login.status === 'used') throw checkError('already-used', 'This CLI login was already completed; run `instant-cli login` again');
  if (login.status === 'voided') throw checkError('user-voided-request', 'The login was cancelled in the browser');
  if (login.expires_at <= now) throw new ApiError(400, 'record-expired', 'The CLI login expired before it was confirmed; run `instant-cli login` again', { 'record-type': 'cli-login' });
  if (login.status === 'waiting') throw checkError('waiting-for-user', 'Waiting for you to confirm the login in the browser');
  // The status moves to `used` in one conditional update: of two simultaneous polls, only one gets a token.
  const taken = await logins.takeConfirmedCliLogin(ctx.db, login.id);
  if (!taken) throw checkError('already-used', 'This CLI login was already completed; run `instant-cli login` again');
  if (taken.locked_at) throw ApiError.forbidden('This account is locked');
  const stamp = now.toISOString().slice(0, 16).replace('T', ' ');
  // Audited as `pat.created` with this name.
  const { token, record } = await createPersonalToken(ctx, taken.user_id, { name: `CLI login: ${login.client_label}, ${stamp} UTC` });
  await logins.setCliLoginToken(ctx.db, login.id, record.id);
  return { token, email: taken.email };
}

/** Sweep job: logins a day past their expiry. */
export async function sweepCliLogins(ctx: Ctx): Promise<number> {
  return logins.deleteCliLoginsExpiredBefore(ctx.db, new Date(ctx.clock.now() - 86_400_000));
}
