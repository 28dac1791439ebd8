import type { Ctx } from '../../context.ts';
import { nowDate } from '../../context.ts';
import { recordEvent } from '../../audit/events.ts';
import { emailSchema, type User } from '../../accounts/users.ts';
import { ApiError } from '../../errors.ts';
import { isUuid } from '../../tokens.ts';
import { mailCapped } from '../../accounts/email-tokens.ts';
import { requireVerifiedEmail } from '../../accounts/verification.ts';
import { orgForUser } from './membership.ts';
import { requireRole, type Role } from './roles.ts';
import * as orgs from '../../../store/orgs.ts';
import type { InviteRow } from '../../../store/orgs.ts';

export type { InviteRow } from '../../../store/orgs.ts';

/** Invitations to an org by email address (docs/security.md "Orgs"). They live 3 days, as upstream's. */
export const INVITE_TTL_MS = 3 * 86_400_000;

export const inviteJson = (i: InviteRow) => ({
  id: i.id,
  org: { id: i.org_id, title: i.org_title },
  role: i.invitee_role,
  inviter_email: i.inviter_email,
  expires_at: i.expires_at.toISOString(),
});

function parseEmail(v: unknown): string {
  if (v === undefined || v === null || v === '') throw ApiError.paramMissing('invitee-email');
  const parsed = emailSchema.safeParse(v);
  if (!parsed.success) throw ApiError.validation('invitee-email must be an email address', [{ path: ['invitee-email'], message: 'must be an email address' }]);
  return parsed.data;
}

/**
 * `POST /dash/orgs/:id/invite/send {invitee-email, role}`: an admin invites an address with a role not above their
 * own (stricter than upstream, which lets an admin invite an owner). A newer invitation to the same address replaces
 * the older one. The invitee is mailed a link to `/dash/orgs` and sees the invitation there once signed in with that
 * (verified) address. The inviter's own address must be verified: invitations mail other people
 * (docs/security-accounts.md §9).
 */
export async function sendInvite(ctx: Ctx, user: User, orgId: unknown, emailInput: unknown, role: Role): Promise<InviteRow> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'admin', 'Inviting members');
  requireVerifiedEmail(user);
  const email = parseEmail(emailInput);
  requireRole(org.role, role, `Inviting ${role === 'admin' ? 'an' : 'a'} ${role}`);
  const now = nowDate(ctx);
  const invite = await ctx.db.tx(async (db) => {
    if (await orgs.isMemberEmail(db, org.id, email)) throw ApiError.validation(`${email} is already a member of this org`, [{ path: ['invitee-email'], message: 'already a member' }]);
    await orgs.revokePendingInvitesTo(db, org.id, email, now);
    const id = ctx.random.uuid();
    await orgs.insertInvite(db, { id, orgId: org.id, inviterId: user.id, email, role, createdAt: now, expiresAt: new Date(now.getTime() + INVITE_TTL_MS) });
    await recordEvent({ ...ctx, db }, { event: 'org.changed', actor: user.id, userId: user.id, details: { action: 'member_invited', org_id: org.id, invite_id: id, role } });
    return (await orgs.findInvite(db, id))!;
  });
  await mailCapped(ctx, {
    to: email,
    subject: `${user.email} invited you to ${invite.org_title} on Instant`,
    text: [
      `${user.email} invited you to join the org “${invite.org_title}” on ${ctx.config.issuer} as ${role === 'admin' ? 'an' : 'a'} ${role}.`,
      '',
      `Sign in (or create an account) with this address and accept it here: ${new URL('/dash/orgs', ctx.config.issuer).toString()}`,
      'The invitation works for 3 days. If you do not know the sender, ignore this message.',
    ].join('\n'),
  });
  return invite;
}

/** Pending, unexpired invitations addressed to this account's email. */
export async function pendingInvitesFor(ctx: Ctx, user: User): Promise<InviteRow[]> {
  return orgs.pendingInvitesTo(ctx.db, user.email.toLowerCase(), nowDate(ctx));
}

/** The invitation `inviteId` if it is addressed to `user` and still open; 404 alike for any other, so ids reveal nothing. */
async function openInviteFor(ctx: Ctx, user: User, inviteId: unknown): Promise<InviteRow> {
  const invite = typeof inviteId === 'string' && isUuid(inviteId) ? await orgs.findInvite(ctx.db, inviteId.toLowerCase()) : undefined;
  // The address check: an invitation is for whoever signs in with the address it names, and nobody else.
  if (!invite || invite.invitee_email !== user.email.toLowerCase()) throw ApiError.notFound('invite', 'No such invitation for this account');
  if (invite.status !== 'pending') throw ApiError.validation(`This invitation was already ${invite.status}`, [{ path: ['invite-id'], message: invite.status }]);
  if (invite.expires_at.getTime() <= nowDate(ctx).getTime()) throw new ApiError(400, 'record-expired', 'This invitation has expired: ask for a new one', { 'record-type': 'invite' });
  return invite;
}

/**
 * `POST /dash/invites/accept {invite-id}`: THE one place an invitation becomes a membership. Only a signed-in
 * account whose email matches the invitation, and is verified (docs/security-accounts.md §9: whoever signed up first
 * with an address must not inherit what was meant for its owner), accepts it. An account that is already a member
 * keeps the higher role.
 */
export async function acceptInvitation(ctx: Ctx, user: User, inviteId: unknown): Promise<InviteRow> {
  const invite = await openInviteFor(ctx, user, inviteId);
  requireVerifiedEmail(user);
  const now = nowDate(ctx);
  await ctx.db.tx(async (db) => {
    if (!(await orgs.acceptPendingInvite(db, invite.id, now))) throw ApiError.validation('This invitation was already used', [{ path: ['invite-id'], message: 'used' }]);
    await orgs.upsertMember(db, { id: ctx.random.uuid(), orgId: invite.org_id, userId: user.id, role: invite.invitee_role, now });
    await recordEvent({ ...ctx, db }, { event: 'org.changed', actor: user.id, userId: user.id, details: { action: 'member_joined', org_id: invite.org_id, invite_id: invite.id, role: invite.invitee_role } });
  });
  return invite;
}

/** `POST /dash/invites/decline {invite-id}`: the invitee says no. */
export async function declineInvitation(ctx: Ctx, user: User, inviteId: unknown): Promise<void> {
  const invite = await openInviteFor(ctx, user, inviteId);
  await orgs.declinePendingInvite(ctx.db, invite.id, nowDate(ctx));
}

/** `DELETE /dash/orgs/:id/invite/revoke {invite-id}`: an admin takes an invitation back. */
export async function revokeInvitation(ctx: Ctx, user: User, orgId: unknown, inviteId: unknown): Promise<void> {
  const org = await orgForUser(ctx.db, orgId, user.id, 'admin', 'Revoking invitations');
  const revoked = typeof inviteId === 'string' && isUuid(inviteId) && (await orgs.revokePendingInvite(ctx.db, inviteId.toLowerCase(), org.id, nowDate(ctx)));
  if (!revoked) throw ApiError.notFound('invite', 'No such pending invitation in this org');
}
