import type { Db } from './db.ts';

/**
 * Platform apps (`apps`) and who reaches them: the two reach rules (a user's reach, an OAuth grant's limit) are SQL
 * predicates here, and every listing and lookup of a reached app applies them in one statement.
 */

/** A member role, least to most (domain/platform/orgs/roles.ts `ROLES` is the same list). */
export type AppRole = 'collaborator' | 'admin' | 'owner';

export interface AppRow {
  id: string;
  title: string;
  creator_id: string | null;
  org_id: string | null;
  created_at: Date;
  expires_at: Date | null;
  temporary: boolean;
  claimed_at: Date | null;
}

/** An app as a listing of reached apps returns it: with the role the user holds on it. */
export type ReachedAppRow = AppRow & { role: AppRole };

export const APP_COLUMNS = 'id, title, creator_id, org_id, created_at, expires_at, temporary, claimed_at';

/**
 * THE reachability rule (docs/security.md "Orgs"): every app user `$n` can reach, with the role they hold on it —
 * `owner` of an app they created, their member role on an app of an org they belong to. An app has one owner, a
 * user or an org (the `apps_one_owner` check), so each app appears at most once. Used as a `from` item, aliased
 * `ra` (all columns of `apps` plus `role`), by `listReachableApps` and `findReachableApp` alike (and the consent
 * page's statement); nothing else decides reach.
 */
export function reachableApps(userParam: string): string {
  return `(select a.*, 'owner'::text as role from apps a where a.creator_id = ${userParam}
           union all
           select a.*, m.role from apps a join org_members m on m.org_id = a.org_id and m.user_id = ${userParam}) ra`;
}

/**
 * The grant-limit rule, as SQL (docs/mcp.md §8): grant `grant` reaches app `app` (two SQL expressions). `created`
 * rows count in every limited mode; `selected` rows only while the grant is in `selected` mode.
 */
export function grantReachesSql(grant: string, app: string): string {
  return `exists (select 1 from grants g where g.id = ${grant} and (g.app_access = 'all' or exists (
            select 1 from grant_apps ga where ga.grant_id = g.id and ga.app_id = ${app} and (ga.reason = 'created' or g.app_access = 'selected'))))`;
}

/** Which of a user's reachable apps a listing wants: all, their own (upstream's `/superadmin/apps`), or one org's. */
export type AppsScope = { all: true } | { personal: true } | { orgId: string };

/**
 * The select of the apps user `user` reaches in `scope` (with `org`, the org's id) and grant `grant` reaches, when
 * given, with their role, newest first. Each argument is an SQL expression (a parameter, or a column of an outer
 * query: store/principals.ts lists a token's apps in the statement that reads the token).
 */
export function reachableAppsSelect(user: string, scope: AppsScope, exprs: { org?: string; grant: string | null }): string {
  const where: string[] = [];
  if ('orgId' in scope) where.push(`org_id = ${exprs.org}`);
  else if ('personal' in scope) where.push(`creator_id = ${user}`);
  if (exprs.grant !== null) where.push(grantReachesSql(exprs.grant, 'ra.id'));
  const filter = where.length > 0 ? `where ${where.join(' and ')}` : '';
  return `select ${APP_COLUMNS}, role from ${reachableApps(user)} ${filter} order by created_at desc, id`;
}

/** Apps user `userId` reaches in `scope` (and grant `grantId` reaches, when given), newest first: one statement. */
export async function listReachableApps(db: Db, userId: string, scope: AppsScope, grantId: string | null): Promise<ReachedAppRow[]> {
  const params: unknown[] = [userId];
  const org = 'orgId' in scope ? `$${params.push(scope.orgId)}` : undefined;
  const grant = grantId !== null ? `$${params.push(grantId)}` : null;
  return db.query<ReachedAppRow>(reachableAppsSelect('$1', scope, { org, grant }), params);
}

/** App `appId` (lower-case UUID) if user `userId` reaches it, with their role. */
export async function findReachableApp(db: Db, appId: string, userId: string): Promise<ReachedAppRow | undefined> {
  return db.one<ReachedAppRow>(`select ${APP_COLUMNS}, role from ${reachableApps('$2')} where id = $1`, [appId, userId]);
}

/** The ids of `appIds` that grant `grantId` reaches. */
export async function appIdsGrantReaches(db: Db, grantId: string, appIds: string[]): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select a.id from unnest($2::uuid[]) as a(id) where ${grantReachesSql('$1', 'a.id')}`, [grantId, appIds]);
  return rows.map((r) => r.id);
}

export async function findApp(db: Db, appId: string): Promise<AppRow | undefined> {
  return db.one<AppRow>(`select ${APP_COLUMNS} from apps where id = $1`, [appId]);
}

export async function insertApp(
  db: Db,
  row: { id: string; title: string; creatorId: string | null; orgId: string | null; createdAt: Date; expiresAt: Date | null; temporary: boolean },
): Promise<AppRow> {
  return (await db.one<AppRow>(
    `insert into apps (id, title, creator_id, org_id, created_at, expires_at, temporary) values ($1, $2, $3, $4, $5, $6, $7) returning ${APP_COLUMNS}`,
    [row.id, row.title, row.creatorId, row.orgId, row.createdAt, row.expiresAt, row.temporary],
  ))!;
}

export async function renameApp(db: Db, appId: string, title: string): Promise<AppRow | undefined> {
  return db.one<AppRow>(`update apps set title = $2 where id = $1 returning ${APP_COLUMNS}`, [appId, title]);
}

/** Deletes an app; its admin tokens, attrs, rules and jobs go with it (foreign-key cascades). */
export async function deleteApp(db: Db, appId: string): Promise<AppRow | undefined> {
  return db.one<AppRow>(`delete from apps where id = $1 returning ${APP_COLUMNS}`, [appId]);
}

/** Locks an app's row for the rest of the transaction (schema changes of one app run one at a time). */
export async function lockApp(db: Db, appId: string): Promise<void> {
  await db.query(`select id from apps where id = $1 for update`, [appId]);
}

/** Moves an app into an org (it leaves its creator's own apps). */
export async function moveAppToOrg(db: Db, appId: string, orgId: string): Promise<AppRow> {
  return (await db.one<AppRow>(`update apps set org_id = $2, creator_id = null where id = $1 returning ${APP_COLUMNS}`, [appId, orgId]))!;
}

/** Takes an org app into user `userId`'s own apps. */
export async function moveAppToUser(db: Db, appId: string, userId: string): Promise<AppRow> {
  return (await db.one<AppRow>(`update apps set org_id = null, creator_id = $2 where id = $1 returning ${APP_COLUMNS}`, [appId, userId]))!;
}

export async function countOrgApps(db: Db, orgId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select count(*)::int as n from apps where org_id = $1`, [orgId]))!.n;
}

/** A temporary app becomes user `userId`'s: undefined when it was claimed meanwhile. */
export async function claimApp(db: Db, appId: string, userId: string, now: Date): Promise<AppRow | undefined> {
  return db.one<AppRow>(
    `update apps set creator_id = $2, expires_at = null, claimed_at = $3
      where id = $1 and creator_id is null
      returning ${APP_COLUMNS}`,
    [appId, userId, now],
  );
}

/** Deletes expired temporary apps with all their data (cascades); how many. */
export async function deleteExpiredApps(db: Db, now: Date): Promise<number> {
  return (await db.query(`delete from apps where expires_at is not null and expires_at <= $1 returning id`, [now])).length;
}

// ---- grant_apps: the apps a limited grant reaches (docs/mcp.md §8)

export type GrantAppAccessMode = 'all' | 'created' | 'selected';

/** Records an app created through a token of grant `grantId`. */
export async function insertCreatedGrantApp(db: Db, grantId: string, appId: string, now: Date): Promise<void> {
  await db.query(
    `insert into grant_apps (grant_id, app_id, reason, created_at) values ($1, $2, 'created', $3)
     on conflict (grant_id, app_id) do update set reason = 'created'`,
    [grantId, appId, now],
  );
}

/** A grant's mode with each app row it names (`app_id`/`reason` null when it names none), oldest first. */
export async function grantAppRows(db: Db, grantId: string): Promise<Array<{ mode: GrantAppAccessMode; app_id: string | null; reason: 'created' | 'selected' | null }>> {
  return db.query(`select g.app_access as mode, ga.app_id, ga.reason from grants g left join grant_apps ga on ga.grant_id = g.id where g.id = $1 order by ga.created_at, ga.app_id`, [grantId]);
}

/** Sets a grant's mode and replaces its `selected` rows by `selected` (none: the old picks go). */
export async function replaceGrantAppAccess(db: Db, grantId: string, mode: GrantAppAccessMode, selected: string[], now: Date): Promise<void> {
  await db.query(`update grants set app_access = $2 where id = $1`, [grantId, mode]);
  await db.query(`delete from grant_apps where grant_id = $1 and reason = 'selected'`, [grantId]);
  if (selected.length === 0) return;
  await db.query(
    `insert into grant_apps (grant_id, app_id, reason, created_at)
     select $1, a.id, 'selected', $3 from unnest($2::uuid[]) as a(id)
     on conflict (grant_id, app_id) do nothing`,
    [grantId, selected, now],
  );
}
