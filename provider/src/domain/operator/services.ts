import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { endAllSessions } from '../accounts/sessions.ts';
import { hasOperatorRole, type User } from '../accounts/users.ts';
import type { Db } from '../../store/index.ts';
import * as store from '../../store/operator.ts';
import type { AppClientRow, AppSummaryRow, UserGrantRow, UserInstantAppRow, UserPersonalTokenRow, UserSummaryRow } from '../../store/operator.ts';
import { recordEvent, type AuditEvent } from '../audit/events.ts';

/** Every scope an OAuth app may be limited to (docs/api.md §2). */
export const ALL_SCOPES = ['apps-read', 'apps-write', 'data-read', 'data-write', 'storage-read', 'storage-write', 'openid', 'email'] as const;

export type { AppStatus } from '../../store/operator.ts';

/** The operator role: `users.is_operator` (CLI `operator add`) or an email in OPERATOR_EMAILS, for a verified address only (domain/accounts/users.ts). */
export function isOperator(ctx: Pick<Ctx, 'config'>, user: Pick<User, 'email' | 'is_operator' | 'locked_at' | 'email_verified_at'>): boolean {
  return hasOperatorRole(ctx.config, user);
}

/** Who performed an operator action, for the audit trail. */
export interface Actor {
  /** `operator:<user id>` from the console, `cli` from the command line. */
  actor: string;
  address?: string | null;
}

export const operatorActor = (user: Pick<User, 'id'>, address?: string): Actor => ({ actor: `operator:${user.id}`, address: address ?? null });

async function audit(ctx: Ctx, db: Db, by: Actor, event: AuditEvent, fields: { userId?: string | null; oauthAppId?: string | null; clientId?: string | null; details?: Record<string, unknown> }) {
  await recordEvent({ clock: ctx.clock, log: ctx.log, db }, { event, actor: by.actor, address: by.address ?? null, ...fields });
}

// ---------------------------------------------------------------- operator role

/** Grants or withdraws the stored operator role. Returns the user, or undefined when no account has that email. */
export async function setOperatorRole(ctx: Ctx, email: string, on: boolean, by: Actor): Promise<User | undefined> {
  return ctx.db.tx(async (db) => {
    const user = await store.setUserOperator(db, email.trim().toLowerCase(), on);
    if (user) await audit(ctx, db, by, on ? 'operator.role_granted' : 'operator.role_revoked', { userId: user.id, details: { email: user.email } });
    return user;
  });
}

// ---------------------------------------------------------------- OAuth apps

export interface OAuthAppSummary extends AppSummaryRow {
  /** CLIENT_RATE_LIMIT and CLIENT_RATE_BURST_S, for the console's form. */
  rate_limit_default: { perS: number; burstS: number };
  clients: Array<Omit<AppClientRow, 'oauth_app_id'>>;
}

/** OAuth apps for review: registered ones (`dynamic: false`) or dynamically registered clients (`dynamic: true`), newest first. */
export async function listOAuthApps(ctx: Ctx, opts: { dynamic: boolean; ownerId?: string }): Promise<OAuthAppSummary[]> {
  return withClients(ctx, await store.listAppSummaries(ctx.db, opts));
}

export async function getOAuthApp(ctx: Ctx, id: string): Promise<OAuthAppSummary | undefined> {
  const app = await store.findAppSummary(ctx.db, id);
  return app && (await withClients(ctx, [app]))[0];
}

async function withClients(ctx: Ctx, apps: AppSummaryRow[]): Promise<OAuthAppSummary[]> {
  if (apps.length === 0) return [];
  const clients = await store.listAppClients(ctx.db, apps.map((a) => a.id));
  return apps.map((a) => ({
    ...a,
    rate_limit_default: { perS: ctx.config.clientRateLimitPerS, burstS: ctx.config.clientRateBurstS },
    clients: clients.filter((c) => c.oauth_app_id === a.id).map(({ oauth_app_id: _a, ...c }) => c),
  }));
}

/** Publishing refused: the app's owner has not verified their address (docs/security-accounts.md §9). */
export class OwnerUnverifiedError extends Error {
  override name = 'OwnerUnverifiedError';
  constructor(readonly ownerEmail: string) {
    super(`The owner's address ${ownerEmail} is not verified yet; an app can be published only once it is.`);
  }
}

/**
 * Publishes an app (anyone may authorize it) or returns it to test mode (only its owner may).
 * Leaving `suspended` does not bring back the tokens suspension revoked: users authorize again.
 * Publishing needs the owner's address verified (finding F1: a squatted address published an app), else
 * OwnerUnverifiedError; apps without an owner (dynamically registered clients) name no address.
 */
export async function setAppStatus(ctx: Ctx, appId: string, status: 'published' | 'test', by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    if (status === 'published') {
      const owner = await store.lockAppOwner(db, appId);
      if (owner && !owner.email_verified_at) throw new OwnerUnverifiedError(owner.email);
    }
    const previous = await store.updateAppStatus(db, appId, status);
    if (previous === undefined) return false;
    await audit(ctx, db, by, status === 'published' ? 'operator.app_published' : 'operator.app_test_mode', { oauthAppId: appId, details: { previous_status: previous } });
    return true;
  });
}

/**
 * Suspends an app: its authorization requests get an error page (oauth/), and every token of it stops working
 * at once — revoked here, not only refused by the status check in web/http/auth.ts, so a later un-suspension
 * revives nothing. Pending codes and authorization requests are deleted.
 */
export async function suspendApp(ctx: Ctx, appId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const now = nowDate(ctx);
    if (!(await store.suspendAppRow(db, appId))) return false;
    const tokens = await store.revokeAppTokens(db, appId, now);
    await store.deletePendingAuthorizations(db, appId);
    await audit(ctx, db, by, 'operator.app_suspended', { oauthAppId: appId, details: { tokens_revoked: tokens } });
    return true;
  });
}

/**
 * Limits the scopes an app may request (null: any scope). Tokens it holds with a scope now outside the
 * limit are revoked, so the limit takes effect at once and not when they expire.
 */
export async function limitAppScopes(ctx: Ctx, appId: string, scopes: string[] | null, by: Actor): Promise<boolean> {
  const unknown = scopes?.filter((s) => !(ALL_SCOPES as readonly string[]).includes(s)) ?? [];
  if (unknown.length) throw new RangeError(`unknown scope: ${unknown.join(', ')}`);
  const limit = scopes ? [...new Set(scopes)].sort() : null;
  return ctx.db.tx(async (db) => {
    if (!(await store.setAppSetting(db, appId, 'allowed_scopes', limit))) return false;
    const revoked = limit ? await store.revokeAppTokens(db, appId, nowDate(ctx), limit) : 0;
    await audit(ctx, db, by, 'operator.app_scopes_limited', { oauthAppId: appId, details: { allowed_scopes: limit, tokens_revoked: revoked } });
    return true;
  });
}

/** Sets the quota of each of the app's clients, in requests a second (null: CLIENT_RATE_LIMIT); docs/rate-limits.md §3. */
export async function setAppRateLimit(ctx: Ctx, appId: string, perS: number | null, by: Actor): Promise<boolean> {
  if (perS !== null && !(Number.isInteger(perS) && perS >= 1 && perS <= 1_000_000)) throw new RangeError('the rate limit must be a whole number from 1 to 1000000');
  return ctx.db.tx(async (db) => {
    if (!(await store.setAppSetting(db, appId, 'rate_limit_per_s', perS))) return false;
    await audit(ctx, db, by, 'operator.app_rate_limit_set', { oauthAppId: appId, details: { rate_limit_per_s: perS } });
    return true;
  });
}

// ---------------------------------------------------------------- users

export type UserSummary = UserSummaryRow;
export type UserGrant = UserGrantRow;
export type UserPersonalToken = UserPersonalTokenRow;
export type UserInstantApp = UserInstantAppRow;

/**
 * The emails of the users and the names of the OAuth apps that audit rows name by id, in one statement, so the
 * audit table shows people and apps rather than UUIDs (deleted ones are simply missing: the id is shown).
 */
export interface AuditNames {
  users: Map<string, string>;
  apps: Map<string, string>;
}

export async function auditNames(ctx: Ctx, rows: ReadonlyArray<{ user_id: string | null; oauth_app_id: string | null }>): Promise<AuditNames> {
  const userIds = [...new Set(rows.map((r) => r.user_id).filter((x): x is string => !!x))];
  const appIds = [...new Set(rows.map((r) => r.oauth_app_id).filter((x): x is string => !!x))];
  const users = new Map<string, string>();
  const apps = new Map<string, string>();
  if (!userIds.length && !appIds.length) return { users, apps };
  for (const f of await store.findNames(ctx.db, userIds, appIds)) (f.kind === 'u' ? users : apps).set(f.id, f.name);
  return { users, apps };
}

/** Accounts whose email contains `q` (case-insensitive), or the account with that id (an empty `q`: every account); at most 100. */
export async function searchUsers(ctx: Ctx, q: string): Promise<UserSummary[]> {
  return store.searchUserSummaries(ctx.db, q.trim().toLowerCase());
}

export interface UserDetail {
  user: User;
  grants: UserGrant[];
  personalTokens: UserPersonalToken[];
  oauthApps: OAuthAppSummary[];
  instantApps: UserInstantApp[];
}

/** Everything an operator sees about one account: its OAuth grants, personal access tokens (no secrets) and OAuth apps. */
export async function userDetail(ctx: Ctx, userId: string): Promise<UserDetail | undefined> {
  const user = await store.findUserRow(ctx.db, userId);
  if (!user) return undefined;
  const grants = await store.listUserGrants(ctx.db, userId, nowDate(ctx));
  const personalTokens = await store.listUserPersonalTokens(ctx.db, userId);
  const oauthApps = [...(await listOAuthApps(ctx, { dynamic: false, ownerId: userId })), ...(await listOAuthApps(ctx, { dynamic: true, ownerId: userId }))];
  const instantApps = await store.listUserInstantApps(ctx.db, userId);
  return { user, grants, personalTokens, oauthApps, instantApps };
}

/** Revokes one OAuth grant of a user and every token issued under it. */
export async function revokeGrant(ctx: Ctx, userId: string, grantId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const oauthAppId = await store.revokeUserGrant(db, userId, grantId, nowDate(ctx));
    if (oauthAppId === undefined) return false;
    await audit(ctx, db, by, 'operator.grant_revoked', { userId, oauthAppId, details: { grant_id: grantId } });
    return true;
  });
}

/** Revokes one personal access token of a user. */
export async function revokePersonalToken(ctx: Ctx, userId: string, tokenId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    if (!(await store.revokeUserPersonalToken(db, userId, tokenId, nowDate(ctx)))) return false;
    await audit(ctx, db, by, 'operator.pat_revoked', { userId, details: { personal_token_id: tokenId } });
    return true;
  });
}

/** Revokes every live admin token of one of the user's Instant apps (e.g. one leaked); the app itself stays. */
export async function revokeAppAdminTokens(ctx: Ctx, userId: string, appId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const revoked = await store.revokeUserAppAdminTokens(db, userId, appId, nowDate(ctx));
    if (revoked === undefined) return false;
    await audit(ctx, db, by, 'operator.admin_tokens_revoked', { userId, details: { app_id: appId, tokens_revoked: revoked } });
    return true;
  });
}

/**
 * Locks an account: logins are refused (domain/accounts/users.ts verifyLogin), its sessions end, and every token
 * it holds — OAuth access and refresh tokens, personal access tokens, its apps' admin tokens, codes not
 * yet exchanged — is revoked at once.
 */
export async function lockUser(ctx: Ctx, userId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const now = nowDate(ctx);
    if (!(await store.setUserLocked(db, userId, now))) return false;
    await endAllSessions({ ...ctx, db } as Ctx, userId);
    // F6 (docs/security-accounts.md §4): the admin tokens of the user's apps, and codes not yet exchanged
    // (one issued before the lock must not turn into tokens after an unlock), go with the tokens.
    const n = await store.revokeUserCredentials(db, userId, now);
    await audit(ctx, db, by, 'operator.user_locked', {
      userId,
      details: { tokens_revoked: n.tokens, personal_tokens_revoked: n.personalTokens, admin_tokens_revoked: n.adminTokens, codes_revoked: n.codes },
    });
    return true;
  });
}

/** Unlocks an account: its owner may log in again. Revoked sessions and tokens stay revoked. */
export async function unlockUser(ctx: Ctx, userId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    if (!(await store.setUserLocked(db, userId, null))) return false;
    await audit(ctx, db, by, 'operator.user_unlocked', { userId });
    return true;
  });
}
