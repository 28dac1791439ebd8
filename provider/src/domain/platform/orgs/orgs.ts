import type { Ctx } from '../../context.ts';
import { nowDate } from '../../context.ts';
import { recordEvent } from '../../audit/events.ts';
import type { User } from '../../accounts/users.ts';
import { ApiError } from '../../errors.ts';
import type { Db } from '../../../store/index.ts';
import { isUuid } from '../../tokens.ts';
import { appJson, listApps, parseTitle, type AppRow } from '../apps.ts';
import { orgForUser, orgJson, type OrgRow } from './membership.ts';
import * as apps from '../../../store/apps.ts';
import * as orgs from '../../../store/orgs.ts';
import type { MemberRow } from '../../../store/orgs.ts';
import { requireRole, type Role } from './roles.ts';

/** Orgs, their members and moving apps in and out (docs/instant-compat.md §8, docs/security.md "Orgs"). */

export type { MemberRow } from '../../../store/orgs.ts';

const audit = (ctx: Ctx, db: Db, user: User, action: string, details: Record<string, unknown>) =>
  recordEvent({ ...ctx, db }, { event: 'org.changed', actor: user.id, userId: user.id, details: { action, ...details } });

/** `POST /dash/orgs {title}`: a new org with its creator as owner. */
export async function createOrg(ctx: Ctx, user: User, titleInput: unknown): Promise<OrgRow & { role: Role }> {
  const title = parseTitle(titleInput);
  const now = nowDate(ctx);
  return ctx.db.tx(async (db) => {
    const org = await orgs.insertOrg(db, ctx.random.uuid(), title, now);
    await orgs.insertOwner(db, ctx.random.uuid(), org.id, user.id, now);
    await audit(ctx, db, user, 'created', { org_id: org.id });
    return { ...org, role: 'owner' as const };
  });
}

/** The orgs a user is a member of, with their role in each (`GET /superadmin/orgs`, `GET /dash`). */
export async function listOrgs(ctx: Ctx, userId: string): Promise<Array<OrgRow & { role: Role }>> {
  return orgs.listMemberOrgs(ctx.db, userId);
}

export const memberJson = (m: MemberRow) => ({ id: m.id, email: m.email, role: m.role });

/** An org as a member sees it: its apps (with their role), members, open invitations, and the user's own apps. */
export async function orgView(ctx: Ctx, user: User, orgId: unknown) {
  const org = await orgForUser(ctx.db, orgId, user.id, 'collaborator', 'Viewing this org');
  const invites = await orgs.pendingOrgInvites(ctx.db, org.id, nowDate(ctx));
  return {
    org,
    apps: await listApps(ctx, user.id, { orgId: org.id }),
    members: await orgs.listMembers(ctx.db, org.id),
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
    const row = await orgs.renameOrg(db, org.id, title, nowDate(ctx));
    await audit(ctx, db, user, 'renamed', { org_id: org.id });
    return row;
  });
}

/** `DELETE /dash/orgs/:id`: owner, and only once it has no apps (delete or move them first; nothing goes silently). */
export async function deleteOrg(ctx: Ctx, user: User, orgId: unknown): Promise<void> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'owner', 'Deleting this org');
  await ctx.db.tx(async (db) => {
    const n = await apps.countOrgApps(db, org.id);
    if (n > 0) throw ApiError.validation(`This org still has ${n} app${n === 1 ? '' : 's'}: delete them or move them out first`, [{ path: ['org_id'], message: 'has apps' }]);
    await orgs.deleteOrg(db, org.id);
    await audit(ctx, db, user, 'deleted', { org_id: org.id });
  });
}

async function memberOf(db: Db, orgId: string, memberId: unknown): Promise<MemberRow> {
  const m = typeof memberId === 'string' && isUuid(memberId)
    ? await orgs.findMember(db, orgId, memberId.toLowerCase())
    : undefined;
  if (!m) throw ApiError.notFound('org-member', 'No such member of this org');
  return m;
}

/** An org keeps at least one owner (upstream's rule): the last one can neither leave nor be demoted. */
async function assertAnotherOwner(db: Db, orgId: string, member: MemberRow): Promise<void> {
  if (member.role !== 'owner') return;
  const owners = await orgs.countOwners(db, orgId);
  if (owners <= 1) throw ApiError.validation('An org needs at least one owner: make someone else owner first', [{ path: ['id'], message: 'is the last owner' }]);
}

/**
 * `DELETE /dash/orgs/:id/members/remove {id}`: any member may remove a member whose role is not above their own
 * (so anyone may leave). The removed user's reach to the org's apps ends with this row: every request is checked
 * against store/apps.ts `reachableApps`, whatever token it carries.
 */
export async function removeMember(ctx: Ctx, user: User, orgId: unknown, memberId: unknown): Promise<void> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'collaborator', 'Removing a member');
  await ctx.db.tx(async (db) => {
    const member = await memberOf(db, org.id, memberId);
    if (member.user_id !== user.id) requireRole(org.role, member.role, `Removing ${member.role === 'admin' ? 'an' : 'a'} ${member.role}`);
    await assertAnotherOwner(db, org.id, member);
    await orgs.deleteMember(db, member.id);
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
    await orgs.setMemberRole(db, member.id, role);
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
    const row = await apps.moveAppToOrg(db, app.id, org.id);
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
    const row = await apps.moveAppToUser(db, app.id, user.id);
    await audit(ctx, db, user, 'app_moved', { app_id: app.id, from_org_id: app.org_id, to_user_id: user.id });
    return row;
  });
}
