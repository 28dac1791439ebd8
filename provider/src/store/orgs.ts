import type { AppRole } from './apps.ts';
import type { Db } from './db.ts';

/** Orgs (`orgs`), their members (`org_members`) and invitations (`org_invites`) (docs/security.md "Orgs"). */

export interface OrgRow {
  id: string;
  title: string;
  created_at: Date;
  updated_at: Date;
}

export interface MemberRow {
  id: string;
  user_id: string;
  email: string;
  role: AppRole;
  created_at: Date;
}

export interface InviteRow {
  id: string;
  org_id: string;
  org_title: string;
  invitee_email: string;
  invitee_role: AppRole;
  status: 'pending' | 'accepted' | 'declined' | 'revoked';
  expires_at: Date;
  inviter_email: string | null;
}

const ORG_COLUMNS = 'id, title, created_at, updated_at';
const MEMBER_SELECT = 'select m.id, m.user_id, u.email, m.role, m.created_at from org_members m join users u on u.id = m.user_id';
const INVITE_SELECT = `select i.id, i.org_id, o.title as org_title, i.invitee_email, i.invitee_role, i.status, i.expires_at, u.email as inviter_email
  from org_invites i join orgs o on o.id = i.org_id left join users u on u.id = i.inviter_id`;

// ---- orgs

/** Org `orgId` with the role user `userId` holds in it; undefined when not a member (or no such org). */
export async function findMemberOrg(db: Db, orgId: string, userId: string): Promise<(OrgRow & { role: AppRole }) | undefined> {
  return db.one<OrgRow & { role: AppRole }>(
    `select o.id, o.title, o.created_at, o.updated_at, m.role from orgs o join org_members m on m.org_id = o.id and m.user_id = $2 where o.id = $1`,
    [orgId, userId],
  );
}

/** The orgs a user is a member of, with their role in each, oldest first. */
export async function listMemberOrgs(db: Db, userId: string): Promise<Array<OrgRow & { role: AppRole }>> {
  return db.query(
    `select o.id, o.title, o.created_at, o.updated_at, m.role from orgs o join org_members m on m.org_id = o.id where m.user_id = $1 order by o.created_at, o.id`,
    [userId],
  );
}

export async function insertOrg(db: Db, id: string, title: string, now: Date): Promise<OrgRow> {
  return (await db.one<OrgRow>(`insert into orgs (id, title, created_at, updated_at) values ($1, $2, $3, $3) returning ${ORG_COLUMNS}`, [id, title, now]))!;
}

export async function renameOrg(db: Db, orgId: string, title: string, now: Date): Promise<OrgRow> {
  return (await db.one<OrgRow>(`update orgs set title = $2, updated_at = $3 where id = $1 returning ${ORG_COLUMNS}`, [orgId, title, now]))!;
}

export async function deleteOrg(db: Db, orgId: string): Promise<void> {
  await db.query(`delete from orgs where id = $1`, [orgId]);
}

// ---- members

export async function insertOwner(db: Db, id: string, orgId: string, userId: string, now: Date): Promise<void> {
  await db.query(`insert into org_members (id, org_id, user_id, role, created_at) values ($1, $2, $3, 'owner', $4)`, [id, orgId, userId, now]);
}

/**
 * Makes user `userId` a member with `role`; a member already keeps the higher of both roles (the order of
 * `AppRole`, least to most).
 */
export async function upsertMember(db: Db, row: { id: string; orgId: string; userId: string; role: AppRole; now: Date }): Promise<void> {
  await db.query(
    `insert into org_members (id, org_id, user_id, role, created_at) values ($1, $2, $3, $4, $5)
     on conflict (org_id, user_id) do update set role = case
       when array_position(array['collaborator','admin','owner'], excluded.role) > array_position(array['collaborator','admin','owner'], org_members.role)
       then excluded.role else org_members.role end`,
    [row.id, row.orgId, row.userId, row.role, row.now],
  );
}

/** An org's members, owners first, then by age and address. */
export async function listMembers(db: Db, orgId: string): Promise<MemberRow[]> {
  return db.query(
    `${MEMBER_SELECT} where m.org_id = $1
      order by array_position(array['owner', 'admin', 'collaborator'], m.role), m.created_at, u.email`,
    [orgId],
  );
}

export async function findMember(db: Db, orgId: string, memberId: string): Promise<MemberRow | undefined> {
  return db.one<MemberRow>(`${MEMBER_SELECT} where m.org_id = $1 and m.id = $2`, [orgId, memberId]);
}

/** True when the address `email` is a member of the org already. */
export async function isMemberEmail(db: Db, orgId: string, email: string): Promise<boolean> {
  return (await db.one(`select 1 from org_members m join users u on u.id = m.user_id where m.org_id = $1 and u.email = $2`, [orgId, email])) !== undefined;
}

export async function countOwners(db: Db, orgId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select count(*)::int as n from org_members where org_id = $1 and role = 'owner'`, [orgId]))!.n;
}

export async function deleteMember(db: Db, memberId: string): Promise<void> {
  await db.query(`delete from org_members where id = $1`, [memberId]);
}

export async function setMemberRole(db: Db, memberId: string, role: AppRole): Promise<void> {
  await db.query(`update org_members set role = $2 where id = $1`, [memberId, role]);
}

// ---- invitations

export async function findInvite(db: Db, inviteId: string): Promise<InviteRow | undefined> {
  return db.one<InviteRow>(`${INVITE_SELECT} where i.id = $1`, [inviteId]);
}

/** Pending, unexpired invitations to the (lower-case) address `email`, oldest first. */
export async function pendingInvitesTo(db: Db, email: string, now: Date): Promise<InviteRow[]> {
  return db.query(`${INVITE_SELECT} where i.invitee_email = $1 and i.status = 'pending' and i.expires_at > $2 order by i.created_at`, [email, now]);
}

/** An org's pending, unexpired invitations, oldest first (the org page's list). */
export async function pendingOrgInvites(db: Db, orgId: string, now: Date) {
  return db.query<{ id: string; invitee_email: string; invitee_role: AppRole; created_at: Date; expires_at: Date }>(
    `select id, invitee_email, invitee_role, created_at, expires_at from org_invites where org_id = $1 and status = 'pending' and expires_at > $2 order by created_at`,
    [orgId, now],
  );
}

/** Revokes the pending invitations of the org to `email` (a newer one replaces them). */
export async function revokePendingInvitesTo(db: Db, orgId: string, email: string, now: Date): Promise<void> {
  await db.query(`update org_invites set status = 'revoked', decided_at = $3 where org_id = $1 and invitee_email = $2 and status = 'pending'`, [orgId, email, now]);
}

export async function insertInvite(
  db: Db,
  row: { id: string; orgId: string; inviterId: string; email: string; role: AppRole; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    `insert into org_invites (id, org_id, inviter_id, invitee_email, invitee_role, status, created_at, expires_at) values ($1, $2, $3, $4, $5, 'pending', $6, $7)`,
    [row.id, row.orgId, row.inviterId, row.email, row.role, row.createdAt, row.expiresAt],
  );
}

/** Marks a pending invitation accepted; false when it was no longer pending. */
export async function acceptPendingInvite(db: Db, inviteId: string, now: Date): Promise<boolean> {
  return (await db.one(`update org_invites set status = 'accepted', decided_at = $2 where id = $1 and status = 'pending' returning 1`, [inviteId, now])) !== undefined;
}

export async function declinePendingInvite(db: Db, inviteId: string, now: Date): Promise<void> {
  await db.query(`update org_invites set status = 'declined', decided_at = $2 where id = $1 and status = 'pending'`, [inviteId, now]);
}

/** Revokes a pending invitation of org `orgId`; false when there is none. */
export async function revokePendingInvite(db: Db, inviteId: string, orgId: string, now: Date): Promise<boolean> {
  return (await db.one(`update org_invites set status = 'revoked', decided_at = $3 where id = $1 and org_id = $2 and status = 'pending' returning 1`, [inviteId, orgId, now])) !== undefined;
}
