import type { Db } from './db.ts';
import type { OAuthClientRow } from './oauth-apps.ts';
import { USER_COLUMNS, type UserRow } from './users.ts';

/**
 * The operator console's and CLI's statements (domain/operator/services.ts decides and audits; this module only
 * reads and writes): app review, account review, and the revocations an operator may order.
 */

export type AppStatus = 'test' | 'published' | 'suspended';

/** A user as the operator sees it: the account's public columns (no password hash). */
export type OperatorUserRow = UserRow;

/** Sets `users.is_operator` of the account with that (normalised) email; undefined when there is none. */
export async function setUserOperator(db: Db, email: string, on: boolean): Promise<OperatorUserRow | undefined> {
  return db.one<OperatorUserRow>(`update users set is_operator = $2 where email = $1 returning ${USER_COLUMNS}`, [email, on]);
}

// ---------------------------------------------------------------- OAuth apps

/** An OAuth app with its usage, for review (without its clients). */
export interface AppSummaryRow {
  id: string;
  name: string;
  status: AppStatus;
  allowed_scopes: string[] | null;
  /** The operator's quota for each client of the app, requests a second; null → CLIENT_RATE_LIMIT. */
  rate_limit_per_s: number | null;
  dynamic: boolean;
  home_page: string | null;
  owner_id: string | null;
  owner_email: string | null;
  created_at: Date;
  active_grants: number;
  total_grants: number;
  requested_scopes: string[];
  last_used_at: Date | null;
}

/** A client of an app under review: its management row without the secrets. */
export type AppClientRow = Omit<OAuthClientRow, 'secrets'>;

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

/** Registered apps (`dynamic: false`) or dynamically registered clients (`dynamic: true`), newest first; at most 500. */
export async function listAppSummaries(db: Db, opts: { dynamic: boolean; ownerId?: string }): Promise<AppSummaryRow[]> {
  const params: unknown[] = [opts.dynamic];
  let where = 'where a.dynamic = $1';
  if (opts.ownerId) {
    params.push(opts.ownerId);
    where += ' and a.owner_id = $2';
  }
  return db.query<AppSummaryRow>(`${APP_SUMMARY} ${where} order by a.created_at desc, a.id limit 500`, params);
}

export async function findAppSummary(db: Db, id: string): Promise<AppSummaryRow | undefined> {
  return (await db.query<AppSummaryRow>(`${APP_SUMMARY} where a.id = $1`, [id]))[0];
}

/** The clients of these apps, oldest first. */
export async function listAppClients(db: Db, appIds: string[]): Promise<AppClientRow[]> {
  return db.query<AppClientRow>(
    `select client_id, oauth_app_id, name, is_public, redirect_uris, created_at from oauth_clients where oauth_app_id = any($1::uuid[]) order by created_at`,
    [appIds],
  );
}

const APP_CLIENTS = `client_id in (select client_id from oauth_clients where oauth_app_id = $1)`;

/**
 * Revokes the live access and refresh tokens of the app's clients — all of them, or (`outsideScopes`) those
 * holding a scope outside that list. Returns how many.
 */
export async function revokeAppTokens(db: Db, appId: string, now: Date, outsideScopes?: string[]): Promise<number> {
  const where = outsideScopes ? 'not (scopes <@ $3::text[])' : 'true';
  const params = outsideScopes ? [appId, now, outsideScopes] : [appId, now];
  const a = await db.query(`update access_tokens set revoked_at = $2 where ${APP_CLIENTS} and revoked_at is null and ${where} returning 1`, params);
  const r = await db.query(`update refresh_tokens set revoked_at = $2 where ${APP_CLIENTS} and revoked_at is null and ${where} returning 1`, params);
  return a.length + r.length;
}

/** The app owner's address, its row locked until the transaction ends; undefined for an app without an owner. */
export async function lockAppOwner(db: Db, appId: string): Promise<{ email: string; email_verified_at: Date | null } | undefined> {
  return db.one<{ email: string; email_verified_at: Date | null }>(
    `select u.email, u.email_verified_at from oauth_apps a join users u on u.id = a.owner_id where a.id = $1 for update of u`,
    [appId],
  );
}

/** Sets an app's status; returns the status it had, or undefined when there is no such app. */
export async function updateAppStatus(db: Db, appId: string, status: AppStatus): Promise<string | undefined> {
  const row = await db.one<{ previous: string }>(
    `update oauth_apps a set status = $2 from (select id, status as previous from oauth_apps where id = $1 for update) p
      where a.id = p.id returning p.previous`,
    [appId, status],
  );
  return row?.previous;
}

/** Deletes the app's codes not yet exchanged and its pending authorization requests. */
export async function deletePendingAuthorizations(db: Db, appId: string): Promise<void> {
  await db.query(`delete from authorization_codes where ${APP_CLIENTS} and used_at is null`, [appId]);
  await db.query(`delete from authorization_requests where ${APP_CLIENTS}`, [appId]);
}

/** Sets one operator setting of an app; false when there is no such app. */
export async function setAppSetting(db: Db, appId: string, setting: 'allowed_scopes' | 'rate_limit_per_s', value: string[] | number | null): Promise<boolean> {
  const sql = {
    allowed_scopes: `update oauth_apps set allowed_scopes = $2 where id = $1 returning id`,
    rate_limit_per_s: `update oauth_apps set rate_limit_per_s = $2 where id = $1 returning id`,
  }[setting];
  return (await db.one(sql, [appId, value])) !== undefined;
}

/** Suspends an app; false when there is no such app. */
export async function suspendAppRow(db: Db, appId: string): Promise<boolean> {
  return (await db.one(`update oauth_apps set status = 'suspended' where id = $1 returning id`, [appId])) !== undefined;
}

// ---------------------------------------------------------------- users

/** The emails of these users and the names of these apps (missing ones are not returned), in one statement. */
export async function findNames(db: Db, userIds: string[], appIds: string[]): Promise<Array<{ kind: 'u' | 'a'; id: string; name: string }>> {
  return db.query<{ kind: 'u' | 'a'; id: string; name: string }>(
    `select 'u' as kind, id::text as id, email as name from users where id = any($1::uuid[])
     union all
     select 'a' as kind, id::text as id, name from oauth_apps where id = any($2::uuid[])`,
    [userIds, appIds],
  );
}

export interface UserSummaryRow extends OperatorUserRow {
  active_grants: number;
  live_personal_tokens: number;
}

/** Accounts whose email contains `term` (already lower-cased), or the one with that id; at most 100. */
export async function searchUserSummaries(db: Db, term: string): Promise<UserSummaryRow[]> {
  const like = '%' + term.replace(/[%_\\]/g, '\\$&') + '%';
  return db.query<UserSummaryRow>(
    `select u.id, u.email, u.is_operator, u.locked_at, u.created_at, u.email_verified_at,
            (select count(*)::int from grants g where g.user_id = u.id and g.revoked_at is null) as active_grants,
            (select count(*)::int from personal_tokens t where t.user_id = u.id and t.revoked_at is null) as live_personal_tokens
       from users u
      where u.email like $1 or u.id::text = $2
      order by u.email limit 100`,
    [like, term],
  );
}

export async function findUserRow(db: Db, userId: string): Promise<OperatorUserRow | undefined> {
  return db.one<OperatorUserRow>(`select ${USER_COLUMNS} from users where id = $1`, [userId]);
}

export interface UserGrantRow {
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

/** The user's grants (live ones first) with how many of their tokens are live at `now`. */
export async function listUserGrants(db: Db, userId: string, now: Date): Promise<UserGrantRow[]> {
  return db.query<UserGrantRow>(
    `select g.id, g.oauth_app_id, a.name as app_name, a.status as app_status, g.scopes, g.created_at, g.last_used_at, g.revoked_at,
            ((select count(*) from access_tokens t where t.grant_id = g.id and t.revoked_at is null and t.expires_at > $2)
             + (select count(*) from refresh_tokens r where r.grant_id = g.id and r.revoked_at is null and r.idle_expires_at > $2))::int as live_tokens
       from grants g join oauth_apps a on a.id = g.oauth_app_id
      where g.user_id = $1 order by g.revoked_at is not null, g.created_at desc`,
    [userId, now],
  );
}

export interface UserPersonalTokenRow {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The user's personal access tokens (no secrets), live ones first. */
export async function listUserPersonalTokens(db: Db, userId: string): Promise<UserPersonalTokenRow[]> {
  return db.query<UserPersonalTokenRow>(
    `select id, name, created_at, expires_at, last_used_at, revoked_at from personal_tokens where user_id = $1 order by revoked_at is not null, created_at desc`,
    [userId],
  );
}

/** An Instant app (Platform API) the user created. */
export interface UserInstantAppRow {
  id: string;
  title: string;
  created_at: Date;
  live_admin_tokens: number;
}

export async function listUserInstantApps(db: Db, userId: string): Promise<UserInstantAppRow[]> {
  return db.query<UserInstantAppRow>(
    `select a.id, a.title, a.created_at,
            (select count(*)::int from app_admin_tokens t where t.app_id = a.id and t.revoked_at is null) as live_admin_tokens
       from apps a where a.creator_id = $1 order by a.created_at desc limit 500`,
    [userId],
  );
}

/** Revokes one grant of the user and every token issued under it; returns the grant's app, or undefined. */
export async function revokeUserGrant(db: Db, userId: string, grantId: string, now: Date): Promise<string | undefined> {
  const g = await db.one<{ oauth_app_id: string }>(`update grants set revoked_at = coalesce(revoked_at, $3) where id = $1 and user_id = $2 returning oauth_app_id`, [grantId, userId, now]);
  if (!g) return undefined;
  await db.query(`update access_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
  await db.query(`update refresh_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
  return g.oauth_app_id;
}

/** Revokes one personal access token of the user; false when the user has no such token. */
export async function revokeUserPersonalToken(db: Db, userId: string, tokenId: string, now: Date): Promise<boolean> {
  const row = await db.one(`update personal_tokens set revoked_at = coalesce(revoked_at, $3) where id = $1 and user_id = $2 returning id`, [tokenId, userId, now]);
  return row !== undefined;
}

/** Revokes the live admin tokens of one Instant app the user created: how many, or undefined when it is not theirs. */
export async function revokeUserAppAdminTokens(db: Db, userId: string, appId: string, now: Date): Promise<number | undefined> {
  const app = await db.one(`select id from apps where id = $1 and creator_id = $2`, [appId, userId]);
  if (!app) return undefined;
  const revoked = await db.query(`update app_admin_tokens set revoked_at = $2 where app_id = $1 and revoked_at is null returning 1`, [appId, now]);
  return revoked.length;
}

/** Sets `locked_at` (kept if already locked) or clears it; false when there is no such user. */
export async function setUserLocked(db: Db, userId: string, now: Date | null): Promise<boolean> {
  const row = now
    ? await db.one(`update users set locked_at = coalesce(locked_at, $2) where id = $1 returning id`, [userId, now])
    : await db.one(`update users set locked_at = null where id = $1 returning id`, [userId]);
  return row !== undefined;
}

/**
 * Revokes every credential of a user: OAuth access and refresh tokens, personal access tokens, the admin tokens of
 * the user's apps, and codes not yet exchanged (deleted). Returns the counts.
 */
export async function revokeUserCredentials(db: Db, userId: string, now: Date): Promise<{ tokens: number; personalTokens: number; adminTokens: number; codes: number }> {
  const a = await db.query(`update access_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1`, [userId, now]);
  const r = await db.query(`update refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1`, [userId, now]);
  const p = await db.query(`update personal_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null returning 1`, [userId, now]);
  const t = await db.query(`update app_admin_tokens set revoked_at = $2 where revoked_at is null and app_id in (select id from apps where creator_id = $1) returning 1`, [userId, now]);
  const codes = await db.query(`delete from authorization_codes where user_id = $1 and used_at is null returning 1`, [userId]);
  return { tokens: a.length + r.length, personalTokens: p.length, adminTokens: t.length, codes: codes.length };
}
