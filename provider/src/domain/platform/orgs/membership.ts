import { ApiError } from '../../errors.ts';
import type { Db } from '../../../store/index.ts';
import { findMemberOrg, type OrgRow } from '../../../store/orgs.ts';
import { isUuid } from '../../tokens.ts';
import { requireRole, type Role } from './roles.ts';

export type { OrgRow } from '../../../store/orgs.ts';

/** `Org` on the wire, as Instant's `GET /superadmin/orgs` shapes it (plus the caller's role). */
export function orgJson(o: OrgRow & { role?: Role }) {
  return { id: o.id, title: o.title, created_at: o.created_at.toISOString(), updated_at: o.updated_at.toISOString(), ...(o.role ? { role: o.role } : {}) };
}

/**
 * The org `orgId` with the role `userId` holds in it. Not a member, or no such org: 404 alike, so ids of other
 * people's orgs are not revealed. A member below `needed`: 403 naming the role (docs/security.md "Orgs").
 */
export async function orgForUser(db: Db, orgId: unknown, userId: string, needed: Role, what: string): Promise<OrgRow & { role: Role }> {
  if (typeof orgId !== 'string' || !isUuid(orgId)) throw ApiError.notFound('org', 'No such org');
  const row = await findMemberOrg(db, orgId.toLowerCase(), userId);
  if (!row) throw ApiError.notFound('org', 'No such org');
  requireRole(row.role, needed, what);
  return row;
}
