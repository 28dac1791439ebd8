import type { Ctx } from '../../context.ts';
import { nowDate } from '../../context.ts';
import { recordEvent } from '../../audit/events.ts';
import type { User } from '../../accounts/users.ts';
import { ApiError } from '../../errors.ts';
import type { Db } from '../../../store/index.ts';
import { isUuid } from '../../tokens.ts';
import { APP_COLUMNS, appJson, listApps, parseTitle, type AppRow } from '../apps.ts';
import { orgForUser, orgJson, type OrgRow } from './membership.ts';
import { requireRole, type Role } from './roles.ts';

/** Orgs, their members and moving apps in and out (docs/instant-compat.md §8, docs/security.md "Orgs"). */

export interface MemberRow {
  id: string;
  user_id: string;
  email: string;
  role: Role;
  created_at: Date;
}

const audit = (ctx: Ctx, db: Db, user: User, action: string, details: Record<string, unknown>) =>
  recordEvent({ ...ctx, db }, { event: 'org.changed', actor: user.id, userId: user.id, details: { action, ...details } });

/** `POST /dash/orgs {title}`: a new org with its creator as owner. */
export async function createOrg(ctx: Ctx, user: User, titleInput: unknown): Promise<OrgRow & { role: Role }> {
  const title = parseTitle(titleInput);
  const now = nowDate(ctx);
  return ctx.db.tx(async (db) => {
    const org = (await db.one<OrgRow>(`insert into orgs (id, title, created_at, updated_at) values ($1, $2, $3, $3) returning id, title, created_at, updated_at`, [ctx.random.uuid(), title, now]))!;
    await db.query(`insert into org_members (id, org_id, user_id, role, created_at) values ($1, $2, $3, 'owner', $4)`, [ctx.random.uuid(), org.id, user.id, now]);
    await audit(ctx, db, user, 'created', { org_id: org.id });
    return { ...org, role: 'owner' as const };
  });
}

/** The orgs a user is a member of, with their role in each (`GET /superadmin/orgs`, `GET /dash`). */
export async function listOrgs(ctx: Ctx, userId: string): Promise<Array<OrgRow & { role: Role }>> {
  return ctx.db.query(
    `select o.id, o.title, o.created_at, o.updated_at, m.role from orgs o join org_members m on m.org_id = o.id where m.user_id = $1 order by o.created_at, o.id`,
    [userId],
  );
}

export async function listMembers(db: Db, orgId: string): Promise<MemberRow[]> {
  return db.query(
    `select m.id, m.user_id, u.email, m.role, m.created_at from org_members m join users u on u.id = m.user_id where m.org_id = $1
      order by array_position(array['owner', 'admin', 'collaborator'], m.role), m.created_at, u.email`,
    [orgId],
  );
}

export const memberJson = (m: MemberRow) => ({ id: m.id, email: m.email, role: m.role });

/** An org as a member sees it: its apps (with their role), members, open invitations, and the user's own apps. */
export async function orgView(ctx: Ctx, user: User, orgId: unknown) {
  const org = await orgForUser(ctx.db, orgId, user.id, 'collaborator', 'Viewing this org');
  const invites = await ctx.db.query<{ id: string; invitee_email: string; invitee_role: Role; created_at: Date; expires_at: Date }>(
    `select id, invitee_email, invitee_role, created_at, expires_at from org_invites where org_id = $1 and status = 'pending' and expires_at > $2 order by created_at`,
    [org.id, nowDate(ctx)],
  );
  return {
    org,
    apps: await listApps(ctx, user.id, { orgId: org.id }),
    members: await listMembers(ctx.db, org.id),
    invites,
    ownApps: await listApps(ctx, user.id, { personal: true }),
  };
}

/** `GET /dash/orgs/:id` for a bearer token (upstream's shape): the org, its apps, members and pending invitations. */
export async function orgDetail(ctx: Ctx, user: User, orgId: unknown) {
  const v = await orgView(ctx, user, orgId);
  return {
    org: orgJson(v.org),
    apps: v.apps.map((a) => ({ ...appJson(a), user_app_role: a.role })),
    members: v.members.map(memberJson),
    invites: v.invites.map((i) => ({ id: i.id, email: i.invitee_email, role: i.invitee_role, created_at: i.created_at.toISOString(), expires_at: i.expires_at.toISOString() })),
  };
}

/** `POST /dash/orgs/:id/rename`: admin. */
export async function renameOrg(ctx: Ctx, user: User, orgId: unknown, titleInput: unknown): Promise<OrgRow> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'admin', 'Renaming this org');
  const title = parseTitle(titleInput);
  return ctx.db.tx(async (db) => {
    const row = (await db.one<OrgRow>(`update orgs set title = $2, updated_at = $3 where id = $1 returning id, title, created_at, updated_at`, [org.id, title, nowDate(ctx)]))!;
    await audit(ctx, db, user, 'renamed', { org_id: org.id });
    return row;
  });
}

/** `DELETE /dash/orgs/:id`: owner, and only once it has no apps (delete or move them first; nothing goes silently). */
export async function deleteOrg(ctx: Ctx, user: User, orgId: unknown): Promise<void> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'owner', 'Deleting this org');
  await ctx.db.tx(async (db) => {
    const n = (await db.one<{ n: number }>(`select count(*)::int as n from apps where org_id = $1`, [org.id]))!.n;
    if (n > 0) throw ApiError.validation(`This org still has ${n} app${n === 1 ? '' : 's'}: delete them or move them out first`, [{ path: ['org_id'], message: 'has apps' }]);
    await db.query(`delete from orgs where id = $1`, [org.id]);
    await audit(ctx, db, user, 'deleted', { org_id: org.id });
  });
}

async function memberOf(db: Db, orgId: string, memberId: unknown): Promise<MemberRow> {
  const m = typeof memberId === 'string' && isUuid(memberId)
    ? await db.one<MemberRow>(`select m.id, m.user_id, u.email, m.role, m.created_at from org_members m join users u on u.id = m.user_id where m.org_id = $1 and m.id = $2`, [orgId, memberId.toLowerCase()])
    : undefined;
  if (!m) throw ApiError.notFound('org-member', 'No such member of this org');
  return m;
}

/** An org keeps at least one owner (upstream's rule): the last one can neither leave nor be demoted. */
async function assertAnotherOwner(db: Db, orgId: string, member: MemberRow): Promise<void> {
  if (member.role !== 'owner') return;
  const owners = (await db.one<{ n: number }>(`select count(*)::int as n from org_members where org_id = $1 and role = 'owner'`, [orgId]))!.n;
  if (owners <= 1) throw ApiError.validation('An org needs at least one owner: make someone else owner first', [{ path: ['id'], message: 'is the last owner' }]);
}

/**
 * `DELETE /dash/orgs/:id/members/remove {id}`: any member may remove a member whose role is not above their own
 * (so anyone may leave). The removed user's reach to the org's apps ends with this row: every request is checked
 * against `reachableApps`, whatever token it carries.
 */
export async function removeMember(ctx: Ctx, user: User, orgId: unknown, memberId: unknown): Promise<void> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'collaborator', 'Removing a member');
  await ctx.db.tx(async (db) => {
    const member = await memberOf(db, org.id, memberId);
    if (member.user_id !== user.id) requireRole(org.role, member.role, `Removing ${member.role === 'admin' ? 'an' : 'a'} ${member.role}`);
    await assertAnotherOwner(db, org.id, member);
    await db.query(`delete from org_members where id = $1`, [member.id]);
    await audit(ctx, db, user, 'member_removed', { org_id: org.id, member_user_id: member.user_id, role: member.role });
  });
}

/** `POST /dash/orgs/:id/members/update {id, role}`: an admin, for members and roles not above their own. */
export async function updateMemberRole(ctx: Ctx, user: User, orgId: unknown, memberId: unknown, role: Role): Promise<void> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'admin', 'Changing a role');
  await ctx.db.tx(async (db) => {
    const member = await memberOf(db, org.id, memberId);
    requireRole(org.role, member.role, `Changing the role of ${member.role === 'admin' ? 'an' : 'a'} ${member.role}`);
    requireRole(org.role, role, `Making someone ${role === 'admin' ? 'an' : 'a'} ${role}`);
    if (role !== 'owner') await assertAnotherOwner(db, org.id, member);
    await db.query(`update org_members set role = $2 where id = $1`, [member.id, role]);
    await audit(ctx, db, user, 'member_role_changed', { org_id: org.id, member_user_id: member.user_id, from: member.role, to: role });
  });
}

/**
 * `POST /dash/apps/:app_id/transfer_to_org/:org_id` (upstream's endpoint): the app's owner (`app.role`, from
 * `authorizeApp` with role owner), who is an admin of the target org. The app leaves its creator's own apps.
 */
export async function moveAppToOrg(ctx: Ctx, user: User, app: AppRow, orgId: unknown): Promise<AppRow> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'admin', 'Moving an app into this org');
  if (app.org_id === org.id) return app;
  return ctx.db.tx(async (db) => {
    const row = (await db.one<AppRow>(`update apps set org_id = $2, creator_id = null where id = $1 returning ${APP_COLUMNS}`, [app.id, org.id]))!;
    await audit(ctx, db, user, 'app_moved', { app_id: app.id, from_org_id: app.org_id, to_org_id: org.id });
    return row;
  });
}

/**
 * `POST /dash/apps/:app_id/transfer_to_user` (this server's; upstream has none): the app's owner — an owner of its
 * org, from `authorizeApp` with role owner — takes an org app into their own apps.
 */
export async function moveAppToUser(ctx: Ctx, user: User, app: AppRow): Promise<AppRow> {
  if (!app.org_id) throw ApiError.validation('This app is not in an org', [{ path: ['app_id'], message: 'not an org app' }]);
  return ctx.db.tx(async (db) => {
    const row = (await db.one<AppRow>(`update apps set org_id = null, creator_id = $2 where id = $1 returning ${APP_COLUMNS}`, [app.id, user.id]))!;
    await audit(ctx, db, user, 'app_moved', { app_id: app.id, from_org_id: app.org_id, to_user_id: user.id });
    return row;
  });
}
