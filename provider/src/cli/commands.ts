import { parseArgs } from 'node:util';
import { systemClock, systemRandom } from '../domain/clock.ts';
import { ConfigError, loadConfig, type ProviderConfig } from '../domain/config.ts';
import type { Ctx } from '../domain/context.ts';
import { auditRowJson, listEvents, type AuditRow } from '../domain/audit/events.ts';
import { parseSince } from '../domain/audit/since.ts';
import { createLogger } from '../domain/log.ts';
import { openStore, type Store } from '../store/index.ts';
import { acquireDataDir, DataDirBusyError } from '../store/lock.ts';
import { setOperatorRole } from '../domain/operator/services.ts';
import { forcePasswordReset } from '../domain/accounts/password-reset.ts';
import { createUnsealCache } from '../domain/accounts/sessions.ts';
import { createClientCache } from '../domain/oauth/client-cache.ts';
import { createPrincipalCache } from '../domain/accounts/principal-cache.ts';
import { createSigningKeyCache } from '../domain/oauth/jwks.ts';
import { createLimitState } from '../domain/limits/rate-limit.ts';
import { createHotWrites } from '../store/group-commit.ts';
import { resolveSecret } from '../domain/secret.ts';
import { isKeyVerb, keyCommand, type KeyVerb } from './key-commands.ts';
import { createMailer } from '../domain/mail/mailer.ts';

export const ADMIN_USAGE = `  operator add EMAIL      give an account the operator role (stored; OPERATOR_EMAILS also grants it);
                          either applies only once the account's address is verified
  operator remove EMAIL   withdraw the stored operator role
  users reset-password EMAIL
                          force a password reset: the password stops working, every session ends,
                          and a reset link is mailed (printed here when SMTP_URL is unset)
  audit [--since 1h] [--json] [--user EMAIL|ID] [--client ID] [--event KIND|GROUP] [--limit N]
                          print the audit trail, oldest first (--since: 30m, 1h, 7d or an ISO date; default 24h)
  keys list               the id_token signing keys: which signs, which only verify (until when), which secret opens each
  keys rotate             a new signing key signs from now on; the old ones stay in JWKS until their id_tokens expire
  secret reseal           re-seal the stored signing keys with SECRET, so SECRET_PREVIOUS can be dropped

  On Postgres these work while servers run. On the embedded store (no DATABASE_URL) stop the server first:
  the embedded store cannot be opened by two processes.
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: Record<string, string | undefined>;
  /** Opens the store (tests pass their own). */
  open?: (config: ProviderConfig) => Promise<Store>;
}

class UsageError extends Error {}

/** `instant-provider operator …` and `instant-provider audit …`. Returns the exit code. */
export async function runAdminCommand(args: string[], io: CliIo): Promise<number> {
  let config: ProviderConfig;
  try {
    config = loadConfig(io.env ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) return io.err(`instant-provider: ${err.message}\n`), 1;
    throw err;
  }
  try {
    const parsed = parse(args);
    if (config.databaseUrl === 'memory') return io.err('instant-provider: DATABASE_URL=memory keeps nothing between processes; there is nothing to change or read\n'), 1;
    let release = () => {};
    if (config.databaseUrl === undefined && !io.open) {
      try {
        release = acquireDataDir(config.dataDir);
      } catch (err) {
        if (!(err instanceof DataDirBusyError)) throw err;
        io.err(`instant-provider: the provider server (pid ${err.pid}) has the embedded store in ${err.dataDir} open; stop the server first (the embedded store is single-process), or use Postgres (DATABASE_URL) to run this while it serves; to make an operator without stopping for long, restart it with OPERATOR_EMAILS=EMAIL (npm start passes it on)\n`);
        return 1;
      }
    }
    try {
      const db = await (io.open ?? ((c) => openStore(c.databaseUrl, c.dataDir, c)))(config);
      const issuer = config.publicUrl ?? `http://localhost:${config.port}`;
      const log = createLogger(config.logLevel === 'silent' ? 'silent' : 'error');
      // Without SMTP_URL a message the CLI sends is printed here: the server's dev outbox is another process.
      const mailer = createMailer({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, issuer, log, print: (t) => io.out(`--- mail (no SMTP_URL, so printed here) ---\n${t}\n---\n`) });
      try {
        const ctx: Ctx = {
          // Only the key commands open sealed data; the others never read the secret.
          config: { ...config, issuer, secret: parsed.kind === 'keys' ? resolveSecret(config) : 'unused-by-cli-commands-unused-by-cli' },
          db,
          clock: systemClock,
          random: systemRandom,
          log,
          unsealCache: createUnsealCache(),
          signingKeys: createSigningKeyCache(),
          mailer,
          limits: createLimitState(db.kind),
          writes: createHotWrites(() => ctx.db, db.kind),
          clients: createClientCache(),
          principals: createPrincipalCache(),
        };
        if (parsed.kind === 'keys') return await keyCommand(ctx, parsed.verb, io);
        if (parsed.kind === 'operator') return await operator(ctx, parsed.add, parsed.email, io);
        if (parsed.kind === 'reset-password') return await resetPasswordCommand(ctx, parsed.email, io);
        return await audit(ctx, parsed, io);
      } finally {
        mailer.close();
        if (!io.open) await db.close();
      }
    } finally {
      release();
    }
  } catch (err) {
    if (err instanceof UsageError) return io.err(`instant-provider: ${err.message}\n\n${ADMIN_USAGE}`), 2;
    if (err instanceof ConfigError) return io.err(`instant-provider: ${err.message}\n`), 1;
    throw err;
  }
}

type Parsed =
  | { kind: 'operator'; add: boolean; email: string }
  | { kind: 'keys'; verb: KeyVerb }
  | { kind: 'reset-password'; email: string }
  | { kind: 'audit'; since: string; json: boolean; user?: string; client?: string; event?: string; limit: number };

function parse(args: string[]): Parsed {
  const [command, ...rest] = args;
  if (command === 'operator') {
    const [verb, email, ...extra] = rest;
    if ((verb !== 'add' && verb !== 'remove') || !email || extra.length) throw new UsageError('usage: operator add|remove EMAIL');
    return { kind: 'operator', add: verb === 'add', email };
  }
  if (command === 'keys' || command === 'secret') {
    const verb = `${command} ${rest.join(' ')}`;
    if (!isKeyVerb(verb)) throw new UsageError(command === 'keys' ? 'usage: keys list|rotate' : 'usage: secret reseal');
    return { kind: 'keys', verb };
  }
  if (command === 'users') {
    const [verb, email, ...extra] = rest;
    if (verb !== 'reset-password' || !email || extra.length) throw new UsageError('usage: users reset-password EMAIL');
    return { kind: 'reset-password', email };
  }
  if (command === 'audit') {
    let values;
    try {
      ({ values } = parseArgs({
        args: rest,
        options: { since: { type: 'string' }, json: { type: 'boolean' }, user: { type: 'string' }, client: { type: 'string' }, event: { type: 'string' }, limit: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const limit = values.limit === undefined ? 1000 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
    return { kind: 'audit', since: values.since ?? '24h', json: values.json ?? false, user: values.user, client: values.client, event: values.event, limit };
  }
  throw new UsageError(`unknown command ${command}`);
}

async function operator(ctx: Ctx, add: boolean, email: string, io: CliIo): Promise<number> {
  const user = await setOperatorRole(ctx, email, add, { actor: 'cli' });
  if (!user) {
    io.err(`instant-provider: no account has the email ${email}; it must sign up first\n`);
    return 1;
  }
  if (add) {
    io.out(`${user.email} is now an operator\n`);
    // F1 (docs/security-accounts.md §9): the role applies to a verified address only.
    if (!user.email_verified_at) io.err(`note: ${user.email} has not verified its address yet; the role applies once it has (the link is in its sign-up mail, or send a new one from the dashboard)\n`);
  }
  else {
    io.out(`${user.email} no longer has the stored operator role\n`);
    if (ctx.config.operatorEmails.includes(user.email)) io.err(`note: ${user.email} is still an operator through OPERATOR_EMAILS; remove it there too\n`);
  }
  return 0;
}

async function resetPasswordCommand(ctx: Ctx, email: string, io: CliIo): Promise<number> {
  const r = await forcePasswordReset(ctx, email, 'cli');
  if (r === 'unknown') return io.err(`instant-provider: no account has the email ${email}\n`), 1;
  if (r === 'locked') return io.err(`instant-provider: ${email} is locked; unlock it in the operator console first\n`), 1;
  if (r.mailError) {
    io.err(`instant-provider: ${r.user.email}: the old password no longer works and ${r.sessionsEnded} session(s) ended, but the reset mail was not sent (${r.mailError}); run this again once mail works\n`);
    return 1;
  }
  const sent = ctx.mailer.kind === 'smtp' ? `mailed a reset link to ${r.user.email} (valid 30 minutes)` : `the reset link for ${r.user.email} is printed above (no SMTP_URL; valid 30 minutes)`;
  io.out(`${r.user.email}: the old password no longer works; ended ${r.sessionsEnded} session(s); ${sent}\n`);
  return 0;
}

async function audit(ctx: Ctx, q: Extract<Parsed, { kind: 'audit' }>, io: CliIo): Promise<number> {
  const since = parseSince(q.since, ctx.clock.now());
  if (!since) throw new UsageError(`--since ${q.since}: use a duration such as 30m, 1h, 7d, or an ISO date`);
  const rows = (await listEvents(ctx, { since, user: q.user, clientId: q.client, event: q.event, limit: q.limit })).reverse();
  if (q.json) {
    io.out(JSON.stringify(rows.map(auditRowJson), null, 2) + '\n');
    return 0;
  }
  if (rows.length === 0) io.out(`no audit events since ${since.toISOString()}\n`);
  for (const r of rows) io.out(line(r) + '\n');
  return 0;
}

function line(r: AuditRow): string {
  const parts = [r.at.toISOString(), r.event.padEnd(26), r.outcome.padEnd(7)];
  if (r.actor) parts.push(`actor=${r.actor}`);
  if (r.user_id) parts.push(`user=${r.user_id}`);
  if (r.client_id) parts.push(`client=${r.client_id}`);
  if (r.address) parts.push(`addr=${r.address}`);
  if (Object.keys(r.details).length) parts.push(JSON.stringify(r.details));
  return parts.join(' ');
}
