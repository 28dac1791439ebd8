import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import type { Db } from '../../store/index.ts';
import { deleteAuditRowsBefore, insertAuditRows, selectAuditRows, type AuditRowOut, type AuditValues } from '../../store/audit.ts';
import { isUuid } from '../tokens.ts';
import { scrubDetails, scrubText } from './scrub.ts';

/**
 * Every kind of security event the audit trail records. One occurrence → exactly one row.
 * A kind's prefix (before the dot) is its group: `?event=token` selects every `token.*` row.
 */
export const AUDIT_EVENTS = [
  'user.signup',
  'user.email_verified', // the owner of the address used the verification link (docs/security-accounts.md §9)
  'user.verification_sent', // a verification link mailed again at the user's request
  'password.reset_requested', // "forgot password": a reset link mailed (or, for an unknown address, nothing)
  'password.reset', // a password set through a reset link: every session of the user ended
  'login.success',
  'login.failure',
  'consent.granted',
  'consent.denied',
  'code.issued',
  'code.redeemed',
  'code.replay', // a used authorization code presented again (RFC 9700 §4.2.4): its tokens are revoked
  'token.issued', // access + refresh token from an authorization code
  'token.refreshed', // a refresh exchange that kept the refresh token (confidential, non-rotating client); AUDIT_REFRESHES=daily (the default): the first of each token in each UTC day
  'token.rotated', // a refresh exchange that replaced the refresh token (RFC 9700 §4.14.2)
  'token.reuse_detected', // a rotated refresh token replayed: the whole family is revoked
  'token.revoked', // RFC 7009 revocation, or a user revoking an authorized app
  'pat.created',
  'pat.revoked',
  'admin_token.other_app', // an app admin token presented for another app
  'admin_token.rotated', // an app's admin tokens replaced by a new one (claim of a temporary app, or its owner)
  'grant.app_access_changed', // a user changed which of their apps an authorized app reaches (docs/mcp.md §8)
  'rate_limit.hit',
  'operator.role_granted',
  'operator.role_revoked',
  'operator.app_published',
  'operator.app_test_mode',
  'operator.app_scopes_limited',
  'operator.app_rate_limit_set',
  'operator.app_suspended',
  'operator.user_locked',
  'operator.user_unlocked',
  'operator.grant_revoked',
  'operator.pat_revoked',
  'operator.admin_tokens_revoked',
  'org.changed', // an org created, renamed or deleted; a member invited, joined, removed or given a role; an app moved (details.action)
  'app_auth.changed', // an app's auth settings (redirect origins, OAuth providers and clients, email template) changed (details.action)
  'signing_key.rotated', // a new id_token signing key; the old ones verify until retire_at (docs/security-lifecycle.md §1)
  'signing_key.retired', // rotated keys past retire_at, deleted by the sweep
  'signing_key.resealed', // stored keys re-sealed with the current SECRET (`secret reseal`)
  'user.password_changed', // in Settings, with the current password; the user's other sessions ended
  'user.deleted', // the account deleted by its owner, with its tokens, grants and apps (the row outlives the user)
  'operator.password_reset', // forced by the operator CLI: password unusable, sessions ended, reset link mailed
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];
export type AuditOutcome = 'success' | 'failure';

/** Kinds that record a refused or suspicious attempt; every other kind records a success by default. */
const FAILURE_KINDS: ReadonlySet<AuditEvent> = new Set([
  'login.failure',
  'consent.denied',
  'code.replay',
  'token.reuse_detected',
  'admin_token.other_app',
  'rate_limit.hit',
]);

export function isAuditEvent(v: string): v is AuditEvent {
  return (AUDIT_EVENTS as readonly string[]).includes(v);
}

/** What a caller records. Ids and kinds only: never a token, code, secret or password (they are scrubbed if passed). */
export interface AuditInput {
  event: AuditEvent;
  /** Defaults to `failure` for refusals (login.failure, code.replay, …), else `success`. */
  outcome?: AuditOutcome;
  /** Who acted: a user id, `operator:<user id>`, `client:<client id>`, `cli`, `system`. */
  actor?: string | null;
  /** The account concerned. */
  userId?: string | null;
  clientId?: string | null;
  oauthAppId?: string | null;
  /** The caller's address (see `auditAddress`). */
  address?: string | null;
  /** Anything else worth keeping: scopes, ids, reasons. Secret-shaped keys and values are removed. */
  details?: Record<string, unknown>;
}

export interface AuditRow extends Omit<AuditRowOut, 'event' | 'outcome'> {
  event: AuditEvent;
  outcome: AuditOutcome;
}

/** What recording needs: `db` may be a transaction (`Db`), so the event commits with its action. */
export interface AuditCtx {
  db: Db;
  clock: Ctx['clock'];
  log: Ctx['log'];
}

const uuidOrNull = (v: string | null | undefined) => (v && isUuid(v) ? v : null);

/**
 * An event's column values, checked and scrubbed, by column name (store/audit.ts writes them): for `recordEvent`,
 * and for statements that write their event row themselves (one atomic statement, e.g. the token endpoint's fast
 * paths, with `auditSelect`).
 */
export function auditValues(ctx: AuditCtx, input: AuditInput): AuditValues {
  if (!isAuditEvent(input.event)) throw new Error(`unknown audit event kind: ${String(input.event)}`);
  const { value: details, removed } = scrubDetails(input.details ?? {});
  if (removed.length) ctx.log.error('audit: secret-shaped fields removed from an event', { event: input.event, fields: removed });
  return {
    at: nowDate(ctx),
    event: input.event,
    outcome: input.outcome ?? (FAILURE_KINDS.has(input.event) ? 'failure' : 'success'),
    actor: scrubText(input.actor, 200),
    user_id: uuidOrNull(input.userId),
    client_id: scrubText(input.clientId, 200),
    oauth_app_id: uuidOrNull(input.oauthAppId),
    address: scrubText(input.address, 64),
    details: JSON.stringify(details),
  };
}

/**
 * Appends one event to the audit trail. Pass a transaction as `ctx.db` (`{ ...ctx, db: tx }`) to record
 * the event atomically with the action it describes. Secret-shaped fields are removed and logged (by name only).
 */
export async function recordEvent(ctx: AuditCtx, input: AuditInput): Promise<void> {
  await insertAuditRows(ctx.db, [auditValues(ctx, input)]);
}

export interface AuditQuery {
  /** Only events at or after this time. */
  since?: Date;
  until?: Date;
  /** A user id, or an email (matches the account's id and failed logins naming that email). */
  user?: string;
  clientId?: string;
  /** An exact kind (`token.rotated`) or a group (`token`). */
  event?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
  /** Paging: only rows with a smaller id. */
  beforeId?: number;
}

/** Audit rows matching every given filter, newest first. */
export async function listEvents(ctx: Pick<Ctx, 'db'>, q: AuditQuery = {}): Promise<AuditRow[]> {
  // A filter given (even blank) filters, as before: trimmed, a UUID as the user's id, otherwise an email.
  const user = q.user ? q.user.trim().toLowerCase() : undefined;
  const event = q.event ? q.event.trim() : undefined;
  const rows = await selectAuditRows(ctx.db, {
    since: q.since,
    until: q.until,
    ...(user !== undefined ? (isUuid(user) ? { userId: user } : { userEmail: user }) : {}),
    clientId: q.clientId ? q.clientId.trim() : undefined,
    ...(event !== undefined ? (event.includes('.') ? { event } : { eventGroup: event }) : {}),
    beforeId: q.beforeId,
    limit: Math.min(Math.max(Math.trunc(q.limit ?? 100), 1), 1000),
  });
  return rows as AuditRow[];
}

/** Deletes events older than AUDIT_RETENTION_DAYS (the only deletion the table's trigger allows). Returns how many. */
export async function pruneAuditEvents(ctx: Pick<Ctx, 'db' | 'clock' | 'config'>): Promise<number> {
  return deleteAuditRowsBefore(ctx.db, new Date(ctx.clock.now() - ctx.config.auditRetentionDays * 86_400_000));
}

/** One row as JSON (CLI `--json`, tests). */
export function auditRowJson(r: AuditRow) {
  return {
    id: r.id,
    at: r.at.toISOString(),
    event: r.event,
    outcome: r.outcome,
    actor: r.actor,
    user_id: r.user_id,
    client_id: r.client_id,
    oauth_app_id: r.oauth_app_id,
    address: r.address,
    details: r.details,
  };
}
