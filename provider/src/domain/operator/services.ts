import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { endAllSessions } from '../accounts/sessions.ts';
import { hasOperatorRole, type User } from '../accounts/users.ts';
import { USER_COLUMNS } from '../../store/users.ts';
import type { Db } from '../../store/index.ts';
import { recordEvent, type AuditEvent } from '../audit/events.ts';

/** Every scope an OAuth app may be limited to (docs/api.md §2). */
export const ALL_SCOPES = ['apps-read', 'apps-write', 'data-read', 'data-write', 'storage-read', 'storage-write', 'openid', 'email'] as const;

export type AppStatus = 'test' | 'published' | 'suspended';

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
    const user = await db.one<User>(
      `update users set is_operator = $2 where email = $1 returning ${USER_COLUMNS}`,
      [email.trim().toLowerCase(), on],
    );
    if (user) await audit(ctx, db, by, on ? 'operator.role_granted' : 'operator.role_revoked', { userId: user.id, details: { email: user.email } });
    return user;
  });
}

// ---------------------------------------------------------------- OAuth apps

export interface OAuthAppSummary {
  id: string;
  name: string;
  status: AppStatus;
  allowed_scopes: string[] | null;
  /** The operator's quota for each client of the app, requests a second; null → CLIENT_RATE_LIMIT. */
  rate_limit_per_s: number | null;
  /** CLIENT_RATE_LIMIT and CLIENT_RATE_BURST_S, for the console's form. */
  rate_limit_default: { perS: number; burstS: number };
  dynamic: boolean;
  home_page: string | null;
  owner_id: string | null;
  owner_email: string | null;
  created_at: Date;
  active_grants: number;
  total_grants: number;
  requested_scopes: string[];
  last_used_at: Date | null;
  clients: Array<{ client_id: string; name: string; is_public: boolean; redirect_uris: string[]; created_at: Date }>;
}

const APP_SUMMARY = `
  select a.id, a.name, a.status, a.allowed_scopes, a.rate_limit_per_s, a.dynamic, a.home_page, a.owner_id, u.email as owner_email, a.created_at,
         (select count(*)::int from grants g where g.oauth_app_id = a.id and g.revoked_at is null) as active_grants,
         (select count(*)::int from grants g where g.oauth_app_id = a.id) as total_grants,
         array(select distinct s from (
                 select unnest(g.scopes) as s from grants g where g.oauth_app_id = a.id
                 union select unnest(r.scopes) from authorization_requests r join oauth_clients c on c.client_id = r.client_id where c.oauth_app_id = a.id
               ) x order by s) as requested_scopes,
         (select max(t) from (
                 select max(g.last_used_at) as t from grants g where g.oauth_app_id = a.id
                 union all select max(t2.created_at) from access_tokens t2 join oauth_clients c on c.client_id = t2.client_id where c.oauth_app_id = a.id
                 union all select max(rt.last_used_at) from refresh_tokens rt join oauth_clients c on c.client_id = rt.client_id where c.oauth_app_id = a.id
               ) y) as last_used_at
    from oauth_apps a left join users u on u.id = a.owner_id`;

/** OAuth apps for review: registered ones (`dynamic: false`) or dynamically registered clients (`dynamic: true`), newest first. */
export async function listOAuthApps(ctx: Ctx, opts: { dynamic: boolean; ownerId?: string }): Promise<OAuthAppSummary[]> {
  const params: unknown[] = [opts.dynamic];
  let where = 'where a.dynamic = $1';
  if (opts.ownerId) {
    params.push(opts.ownerId);
    where += ' and a.owner_id = $2';
  }
  const apps = await ctx.db.query<Omit<OAuthAppSummary, 'clients' | 'rate_limit_default'>>(`${APP_SUMMARY} ${where} order by a.created_at desc, a.id limit 500`, params);
  return withClients(ctx, apps);
}

export async function getOAuthApp(ctx: Ctx, id: string): Promise<OAuthAppSummary | undefined> {
  const apps = await ctx.db.query<Omit<OAuthAppSummary, 'clients' | 'rate_limit_default'>>(`${APP_SUMMARY} where a.id = $1`, [id]);
  return (await withClients(ctx, apps))[0];
}

async function withClients(ctx: Ctx, apps: Array<Omit<OAuthAppSummary, 'clients' | 'rate_limit_default'>>): Promise<OAuthAppSummary[]> {
  if (apps.length === 0) return [];
  const clients = await ctx.db.query<OAuthAppSummary['clients'][number] & { oauth_app_id: string }>(
    `select client_id, oauth_app_id, name, is_public, redirect_uris, created_at from oauth_clients where oauth_app_id = any($1::uuid[]) order by created_at`,
    [apps.map((a) => a.id)],
  );
  return apps.map((a) => ({
    ...a,
    rate_limit_default: { perS: ctx.config.clientRateLimitPerS, burstS: ctx.config.clientRateBurstS },
    clients: clients.filter((c) => c.oauth_app_id === a.id).map(({ oauth_app_id: _a, ...c }) => c),
  }));
}

/** Revokes every live access and refresh token of the app's clients; returns how many. */
async function revokeAppTokens(db: Db, appId: string, now: Date, where = 'true', params: unknown[] = []): Promise<number> {
  const clients = `client_id in (select client_id from oauth_clients where oauth_app_id = $1)`;
  const a = await db.query(`update access_tokens set revoked_at = $2 where ${clients} and revoked_at is null and ${where} returning 1`, [appId, now, ...params]);
  const r = await db.query(`update refresh_tokens set revoked_at = $2 where ${clients} and revoked_at is null and ${where} returning 1`, [appId, now, ...params]);
  return a.length + r.length;
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
      const owner = await db.one<{ email: string; email_verified_at: Date | null }>(
        `select u.email, u.email_verified_at from oauth_apps a join users u on u.id = a.owner_id where a.id = $1 for update of u`,
        [appId],
      );
      if (owner && !owner.email_verified_at) throw new OwnerUnverifiedError(owner.email);
    }
    const row = await db.one<{ previous: string }>(
      `update oauth_apps a set status = $2 from (select id, status as previous from oauth_apps where id = $1 for update) p
        where a.id = p.id returning p.previous`,
      [appId, status],
    );
    if (!row) return false;
    await audit(ctx, db, by, status === 'published' ? 'operator.app_published' : 'operator.app_test_mode', { oauthAppId: appId, details: { previous_status: row.previous } });
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
    const row = await db.one(`update oauth_apps set status = 'suspended' where id = $1 returning id`, [appId]);
    if (!row) return false;
    const tokens = await revokeAppTokens(db, appId, now);
    const clients = `client_id in (select client_id from oauth_clients where oauth_app_id = $1)`;
    await db.query(`delete from authorization_codes where ${clients} and used_at is null`, [appId]);
    await db.query(`delete from authorization_requests where ${clients}`, [appId]);
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
    const row = await db.one(`update oauth_apps set allowed_scopes = $2 where id = $1 returning id`, [appId, limit]);
    if (!row) return false;
    const revoked = limit ? await revokeAppTokens(db, appId, nowDate(ctx), 'not (scopes <@ $3::text[])', [limit]) : 0;
    await audit(ctx, db, by, 'operator.app_scopes_limited', { oauthAppId: appId, details: { allowed_scopes: limit, tokens_revoked: revoked } });
    return true;
  });
}

/** Sets the quota of each of the app's clients, in requests a second (null: CLIENT_RATE_LIMIT); docs/rate-limits.md §3. */
export async function setAppRateLimit(ctx: Ctx, appId: string, perS: number | null, by: Actor): Promise<boolean> {
  if (perS !== null && !(Number.isInteger(perS) && perS >= 1 && perS <= 1_000_000)) throw new RangeError('the rate limit must be a whole number from 1 to 1000000');
  return ctx.db.tx(async (db) => {
    const row = await db.one(`update oauth_apps set rate_limit_per_s = $2 where id = $1 returning id`, [appId, perS]);
    if (!row) return false;
    await audit(ctx, db, by, 'operator.app_rate_limit_set', { oauthAppId: appId, details: { rate_limit_per_s: perS } });
    return true;
  });
}

// ---------------------------------------------------------------- users

export interface UserSummary extends User {
  active_grants: number;
  live_personal_tokens: number;
}

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
  const found = await ctx.db.query<{ kind: 'u' | 'a'; id: string; name: string }>(
    `select 'u' as kind, id::text as id, email as name from users where id = any($1::uuid[])
     union all
     select 'a' as kind, id::text as id, name from oauth_apps where id = any($2::uuid[])`,
    [userIds, appIds],
  );
  for (const f of found) (f.kind === 'u' ? users : apps).set(f.id, f.name);
  return { users, apps };
}

/** Accounts whose email contains `q` (case-insensitive), or the account with that id (an empty `q`: every account); at most 100. */
export async function searchUsers(ctx: Ctx, q: string): Promise<UserSummary[]> {
  const term = q.trim().toLowerCase();
  const like = '%' + term.replace(/[%_\\]/g, '\\$&') + '%';
  return ctx.db.query<UserSummary>(
    `select u.id, u.email, u.is_operator, u.locked_at, u.created_at, u.email_verified_at,
            (select count(*)::int from grants g where g.user_id = u.id and g.revoked_at is null) as active_grants,
            (select count(*)::int from personal_tokens t where t.user_id = u.id and t.revoked_at is null) as live_personal_tokens
       from users u
      where u.email like $1 or u.id::text = $2
      order by u.email limit 100`,
    [like, term],
  );
}

export interface UserGrant {
  id: string;
  oauth_app_id: string;
  app_name: string;
  app_status: AppStatus;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  live_tokens: number;
}

export interface UserPersonalToken {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** An Instant app (Platform API) the user created. */
export interface UserInstantApp {
  id: string;
  title: string;
  created_at: Date;
  live_admin_tokens: number;
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
  const user = await ctx.db.one<User>(`select ${USER_COLUMNS} from users where id = $1`, [userId]);
  if (!user) return undefined;
  const now = nowDate(ctx);
  const grants = await ctx.db.query<UserGrant>(
    `select g.id, g.oauth_app_id, a.name as app_name, a.status as app_status, g.scopes, g.created_at, g.last_used_at, g.revoked_at,
            ((select count(*) from access_tokens t where t.grant_id = g.id and t.revoked_at is null and t.expires_at > $2)
             + (select count(*) from refresh_tokens r where r.grant_id = g.id and r.revoked_at is null and r.idle_expires_at > $2))::int as live_tokens
       from grants g join oauth_apps a on a.id = g.oauth_app_id
      where g.user_id = $1 order by g.revoked_at is not null, g.created_at desc`,
    [userId, now],
  );
  const personalTokens = await ctx.db.query<UserPersonalToken>(
    `select id, name, created_at, expires_at, last_used_at, revoked_at from personal_tokens where user_id = $1 order by revoked_at is not null, created_at desc`,
    [userId],
  );
  const oauthApps = [...(await listOAuthApps(ctx, { dynamic: false, ownerId: userId })), ...(await listOAuthApps(ctx, { dynamic: true, ownerId: userId }))];
  const instantApps = await ctx.db.query<UserInstantApp>(
    `select a.id, a.title, a.created_at,
            (select count(*)::int from app_admin_tokens t where t.app_id = a.id and t.revoked_at is null) as live_admin_tokens
       from apps a where a.creator_id = $1 order by a.created_at desc limit 500`,
    [userId],
  );
  return { user, grants, personalTokens, oauthApps, instantApps };
}

/** Revokes one OAuth grant of a user and every token issued under it. */
export async function revokeGrant(ctx: Ctx, userId: string, grantId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const now = nowDate(ctx);
    const g = await db.one<{ oauth_app_id: string }>(
      `update grants set revoked_at = coalesce(revoked_at, $3) where id = $1 and user_id = $2 returning oauth_app_id`,
      [grantId, userId, now],
    );
    if (!g) return false;
    await db.query(`update access_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
    await db.query(`update refresh_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
    await audit(ctx, db, by, 'operator.grant_revoked', { userId, oauthAppId: g.oauth_app_id, details: { grant_id: grantId } });
    return true;
  });
}

/** Revokes one personal access token of a user. */
export async function revokePersonalToken(ctx: Ctx, userId: string, tokenId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const row = await db.one(
      `update personal_tokens set revoked_at = coalesce(revoked_at, $3) where id = $1 and user_id = $2 returning id`,
      [tokenId, userId, nowDate(ctx)],
    );
    if (!row) return false;
    await audit(ctx, db, by, 'operator.pat_revoked', { userId, details: { personal_token_id: tokenId } });
    return true;
  });
}

/** Revokes every live admin token of one of the user's Instant apps (e.g. one leaked); the app itself stays. */
export async function revokeAppAdminTokens(ctx: Ctx, userId: string, appId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const app = await db.one(`select id from apps where id = $1 and creator_id = $2`, [appId, userId]);
    if (!app) return false;
    const revoked = await db.query(`update app_admin_tokens set revoked_at = $2 where app_id = $1 and revoked_at is null returning 1`, [appId, nowDate(ctx)]);
    await audit(ctx, db, by, 'operator.admin_tokens_revoked', { userId, details: { app_id: appId, tokens_revoked: revoked.length } });
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
    const row = await db.one(`update users set locked_at = coalesce(locked_at, $2) where id = $1 returning id`, [userId, now]);
    if (!row) return false;
    await endAllSessions({ ...ctx, db } as Ctx, userId);
    const a = await db.query(`update access_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1`, [userId, now]);
    const r = await db.query(`update refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1`, [userId, now]);
    const p = await db.query(`update personal_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1`, [userId, now]);
    // F6 (docs/security-accounts.md §4): the admin tokens of the user's apps, and codes not yet exchanged
    // (one issued before the lock must not turn into tokens after an unlock).
    const t = await db.query(
      `update app_admin_tokens set revoked_at = $2 where revoked_at is null and app_id in (select id from apps where creator_id = $1) returning 1`,
      [userId, now],
    );
    const codes = await db.query(`delete from authorization_codes where user_id = $1 and used_at is null returning 1`, [userId]);
    await audit(ctx, db, by, 'operator.user_locked', {
      userId,
      details: { tokens_revoked: a.length + r.length, personal_tokens_revoked: p.length, admin_tokens_revoked: t.length, codes_revoked: codes.length },
    });
    return true;
  });
}

/** Unlocks an account: its owner may log in again. Revoked sessions and tokens stay revoked. */
export async function unlockUser(ctx: Ctx, userId: string, by: Actor): Promise<boolean> {
  return ctx.db.tx(async (db) => {
    const row = await db.one(`update users set locked_at = null where id = $1 returning id`, [userId]);
    if (!row) return false;
    await audit(ctx, db, by, 'operator.user_unlocked', { userId });
    return true;
  });
}
