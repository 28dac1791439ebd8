import { ApiError } from '../../errors.ts';

/**
 * Member roles, least to most (upstream's hierarchy, docs/security.md "Orgs"): a collaborator works on an org's
 * apps (schema, rules, settings); an admin also renames and deletes them, moves apps in, and invites and manages
 * members up to their own role; an owner also deletes the org and moves apps out of it.
 */
export const ROLES = ['collaborator', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** True when `held` is `needed` or above it. */
export function hasRole(held: Role | null | undefined, needed: Role): boolean {
  return held != null && ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** 403 for a member whose role is too low (a non-member gets 404 from the lookup instead). */
export function requireRole(held: Role, needed: Role, what: string): void {
  if (!hasRole(held, needed)) {
    throw ApiError.forbidden(`${what} needs the ${needed} role; you are ${held === 'admin' ? 'an' : 'a'} ${held}`, { 'required-role': needed, role: held });
  }
}

/** A role from a request body: 400 with the field path otherwise. */
export function parseRole(v: unknown, field = 'role'): Role {
  if (v === undefined || v === null || v === '') throw ApiError.paramMissing(field);
  if (!isRole(v)) throw ApiError.validation(`${field} must be one of ${ROLES.join(', ')}`, [{ path: [field], message: `must be one of ${ROLES.join(', ')}` }]);
  return v;
}

/** THE reachability rule: SQL, so it lives in store/apps.ts. */
export { reachableApps } from '../../../store/apps.ts';
