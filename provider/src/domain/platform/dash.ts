import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import type { User } from '../accounts/users.ts';
import { userJson } from '../accounts/users.ts';
import { hashToken } from '../tokens.ts';
import { deleteEndedProvisionalAdminTokens, insertProvisionalAdminToken, keepListedAdminToken, revokeListingAdminTokens } from '../../store/admin-tokens.ts';
import { appJson, listApps } from './apps.ts';
import { inviteJson, pendingInvitesFor } from './orgs/invites.ts';
import { orgJson } from './orgs/membership.ts';
import { listOrgs } from './orgs/orgs.ts';

/** How long a provisional admin token of one `GET /dash` listing stays usable without an import. */
export const PROVISIONAL_ADMIN_TOKEN_TTL_MS = 15 * 60_000;

/**
 * `GET /dash` for a bearer token (Instant's CLI: `app list`, `app delete`, the app picker of `init`), in upstream's
 * shape `{apps, orgs, user}` (docs/instant-compat.md §4).
 *
 * The picker writes the chosen app's `admin_token` into the project's .env. Admin tokens are stored only as hashes,
 * so none can be read back: each listed app gets a fresh provisional token instead, alive 15 minutes. When the CLI
 * reports the import (`track-import`), that app's token becomes permanent and the listing's others are ended.
 * Only personal access tokens (what the CLI holds) are given admin tokens: an OAuth app gets the list without them,
 * since an admin token reaches its app whatever the grant allowed. Org apps are listed with the user's role and the
 * org; `invites` are the open invitations to this account's address (for a personal token only).
 */
export async function dashJson(ctx: Ctx, user: User, opts: { mintAdminTokens: boolean; grantId?: string | null }) {
  const apps = await listApps(ctx, user.id, { all: true }, opts.grantId ?? null);
  const orgs = await listOrgs(ctx, user.id);
  const orgOf = new Map(orgs.map((o) => [o.id, { id: o.id, title: o.title }]));
  const now = nowDate(ctx);
  const listingId = ctx.random.uuid();
  const expiresAt = new Date(now.getTime() + PROVISIONAL_ADMIN_TOKEN_TTL_MS);
  const out = [];
  for (const a of apps) {
    if (!opts.mintAdminTokens) {
      out.push({ ...appJson(a), user_app_role: a.role, org: a.org_id ? (orgOf.get(a.org_id) ?? null) : null });
      continue;
    }
    const token = ctx.random.uuid();
    await insertProvisionalAdminToken(ctx.db, { id: ctx.random.uuid(), appId: a.id, hash: hashToken(token), createdAt: now, expiresAt, listingId, listedFor: user.id });
    out.push({ ...appJson(a), admin_token: token, user_app_role: a.role, org: a.org_id ? (orgOf.get(a.org_id) ?? null) : null });
  }
  // Invitations (who invited the user where) are the user's own business: not shown to an OAuth app.
  const invites = opts.mintAdminTokens ? (await pendingInvitesFor(ctx, user)).map(inviteJson) : [];
  return { apps: out, orgs: orgs.map(orgJson), invites, user: userJson(user) };
}

/**
 * `POST /dash/apps/:id/track-import`: the user picked this app from their latest listing. Its provisional token is
 * kept (no expiry); the other provisional tokens of that listing are revoked at once.
 */
export async function trackImport(ctx: Ctx, user: User, appId: string): Promise<void> {
  const now = nowDate(ctx);
  const listingId = await keepListedAdminToken(ctx.db, appId, user.id, now);
  if (listingId === undefined) return;
  await revokeListingAdminTokens(ctx.db, listingId, now);
}

/** Sweep job: deletes provisional admin tokens that expired unused. */
export async function sweepProvisionalAdminTokens(ctx: Ctx): Promise<number> {
  return deleteEndedProvisionalAdminTokens(ctx.db, nowDate(ctx));
}
