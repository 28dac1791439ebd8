import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { nowDate } from '../../domain/context.ts';
import { createPersonalToken } from '../../domain/accounts/personal-tokens.ts';
import type { User } from '../../domain/accounts/users.ts';
import { ApiError } from '../../domain/errors.ts';
import { hit, type RateLimitRule } from '../../domain/limits/rate-limit.ts';
import { generateToken, hashToken } from '../../domain/tokens.ts';

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

export interface CliLogin {
  id: string;
  client_label: string;
  status: 'waiting' | 'confirmed' | 'voided' | 'used';
  user_id: string | null;
  created_at: Date;
  expires_at: Date;
}

const LOGIN_COLUMNS = 'id, client_label, status, user_id, created_at, expires_at';

/** What the CLI says it is, from its own headers: shown to the user, never trusted for anything else. */
function clientLabel(c: Context): string {
  const clean = (v: string | undefined) => (v && /^[A-Za-z0-9._@/+-]{1,40}$/.test(v) ? v : undefined);
  const source = clean(c.req.header('x-instant-source'));
  const version = clean(c.req.header('x-instant-version'));
  if (!source) return 'a command-line client';
  return version ? `${source} ${version}` : source;
}

/** `POST /dash/cli/auth/register`: a new login, rate-limited per address. */
export async function registerCliLogin(ctx: Ctx, c: Context, address: string): Promise<{ secret: string; ticket: string }> {
  const limit = await hit(ctx, `cli-login:addr:${address}`, CLI_REGISTER_LIMIT);
  if (!limit.ok) throw ApiError.rateLimited(limit.retryAfterS);
  const secret = generateToken(ctx.random, 'session');
  const ticket = generateToken(ctx.random, 'session');
  const now = nowDate(ctx);
  await ctx.db.query(
    `insert into cli_logins (id, ticket_hash, secret_hash, client_label, status, created_at, expires_at) values ($1, $2, $3, $4, 'waiting', $5, $6)`,
    [ctx.random.uuid(), hashToken(ticket), hashToken(secret), clientLabel(c), now, new Date(now.getTime() + CLI_LOGIN_TTL_MS)],
  );
  return { secret, ticket };
}

/** A login still waiting for its user, by ticket (the confirm page), or undefined. */
export async function findWaitingLogin(ctx: Ctx, ticket: string): Promise<CliLogin | undefined> {
  if (typeof ticket !== 'string' || ticket.length > 100) return undefined;
  return ctx.db.one<CliLogin>(`select ${LOGIN_COLUMNS} from cli_logins where ticket_hash = $1 and status = 'waiting' and expires_at > $2`, [hashToken(ticket), nowDate(ctx)]);
}

const gone = () => ApiError.notFound('cli-login', 'This CLI login link has expired or was already used; run `instant-cli login` again');

/** Confirm (`claim`) or cancel (`void`) a waiting login as `user`; a ticket decides once. */
export async function decideCliLogin(ctx: Ctx, user: User, ticket: unknown, decision: 'confirmed' | 'voided'): Promise<CliLogin> {
  if (typeof ticket !== 'string' || ticket.length > 100) throw gone();
  const now = nowDate(ctx);
  const row = await ctx.db.one<CliLogin>(
    `update cli_logins set status = $3, user_id = $4, decided_at = $2
      where ticket_hash = $1 and status = 'waiting' and expires_at > $2
      returning ${LOGIN_COLUMNS}`,
    [hashToken(ticket), now, decision, user.id],
  );
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
  const login = await ctx.db.one<CliLogin>(`select ${LOGIN_COLUMNS} from cli_logins where secret_hash = $1`, [secretHash]);
  if (!login) throw ApiError.notFound('cli-login', 'No such CLI login; run `instant-cli login` again');
  if (login.status === 'used') throw checkError('already-used', 'This CLI login was already completed; run `instant-cli login` again');
  if (login.status === 'voided') throw checkError('user-voided-request', 'The login was cancelled in the browser');
  if (login.expires_at <= now) throw new ApiError(400, 'record-expired', 'The CLI login expired before it was confirmed; run `instant-cli login` again', { 'record-type': 'cli-login' });
  if (login.status === 'waiting') throw checkError('waiting-for-user', 'Waiting for you to confirm the login in the browser');
  // The status moves to `used` in one conditional update: of two simultaneous polls, only one gets a token.
  const taken = await ctx.db.one<{ user_id: string; email: string; locked_at: Date | null }>(
    `update cli_logins l set status = 'used' from users u
      where l.id = $1 and l.status = 'confirmed' and u.id = l.user_id
      returning l.user_id, u.email, u.locked_at`,
    [login.id],
  );
  if (!taken) throw checkError('already-used', 'This CLI login was already completed; run `instant-cli login` again');
  if (taken.locked_at) throw ApiError.forbidden('This account is locked');
  const stamp = now.toISOString().slice(0, 16).replace('T', ' ');
  // Audited as `pat.created` with this name.
  const { token, record } = await createPersonalToken(ctx, taken.user_id, { name: `CLI login: ${login.client_label}, ${stamp} UTC` });
  await ctx.db.query(`update cli_logins set personal_token_id = $2 where id = $1`, [login.id, record.id]);
  return { token, email: taken.email };
}

/** Sweep job: logins a day past their expiry. */
export async function sweepCliLogins(ctx: Ctx): Promise<number> {
  const rows = await ctx.db.query(`delete from cli_logins where expires_at <= $1 returning id`, [new Date(ctx.clock.now() - 86_400_000)]);
  return rows.length;
}
