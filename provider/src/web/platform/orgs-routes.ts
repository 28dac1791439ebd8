import { Hono, type Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { authenticate } from '../http/auth.ts';
import { requireScope, requireUser, type Principal } from '../../domain/accounts/principal.ts';
import { ApiError } from '../../domain/errors.ts';
import { body as readBody, include } from './request-body.ts';
import { appJson, authorizeApp, listAppsJson } from '../../domain/platform/apps.ts';
import { grantOf } from '../../domain/platform/grant-apps.ts';
import { orgForUser, orgJson } from '../../domain/platform/orgs/membership.ts';
import { acceptInvitation, declineInvitation, revokeInvitation, sendInvite } from '../../domain/platform/orgs/invites.ts';
import { createOrg, deleteOrg, listOrgs, moveAppToOrg, moveAppToUser, orgDetail, removeMember, renameOrg, updateMemberRole } from '../../domain/platform/orgs/orgs.ts';
import { orgPageRoutes } from './orgs-page-routes.tsx';
import { parseRole } from '../../domain/platform/orgs/roles.ts';

const SMALL_BODY_BYTES = 16 * 1024;

/**
 * Org endpoints in upstream's paths and shapes (docs/instant-compat.md §8). Managing an org (`/dash/orgs/*`) is the
 * user's own business: a session cookie or a personal access token, never an OAuth app's token — an app builder
 * reaches org apps through `authorizeApp`, not the org's membership. Listing (`/superadmin/orgs*`) takes any user
 * token with `apps-read`, as upstream.
 */
export function orgRoutes(ctx: Ctx): Hono {
  const r = new Hono();
  r.route('/', orgPageRoutes(ctx));
  // The user's own credentials: the session cookie or a personal access token.
  const ownPrincipal = async (c: Context): Promise<Principal> => {
    const p = await authenticate(ctx, c, { session: true, admin: false });
    if (p.kind === 'access') throw ApiError.forbidden('Orgs are managed with your own session or personal access token, not an OAuth app’s token', { 'token-type': 'access' });
    return p;
  };
  const own = async (c: Context) => {
    const p = await ownPrincipal(c);
    return { p, user: requireUser(p) };
  };
  const body = (c: Context, p: Principal) => readBody(c, p, SMALL_BODY_BYTES);

  r.get('/superadmin/orgs', async (c) => {
    const p = await authenticate(ctx, c, { session: false, admin: false });
    requireScope(p, 'apps-read');
    return c.json({ orgs: (await listOrgs(ctx, requireUser(p).id)).map(orgJson) });
  });
  r.get('/superadmin/orgs/:org_id/apps', async (c) => {
    const p = await authenticate(ctx, c, { session: false, admin: false });
    requireScope(p, 'apps-read');
    const user = requireUser(p);
    const org = await orgForUser(ctx.db, c.req.param('org_id'), user.id, 'collaborator', 'Listing this org’s apps');
    return c.json({ apps: await listAppsJson(ctx, user.id, include(c), { orgId: org.id }, grantOf(p)) });
  });

  r.post('/dash/orgs', async (c) => {
    const { p, user } = await own(c);
    return c.json({ org: orgJson(await createOrg(ctx, user, (await body(c, p)).title)) });
  });
  // A browser gets the page (orgs-page-routes.tsx); a bearer token, upstream's JSON.
  r.get('/dash/orgs/:org_id', async (c) => c.json(await orgDetail(ctx, (await own(c)).user, c.req.param('org_id'))));
  r.delete('/dash/orgs/:org_id', async (c) => {
    await deleteOrg(ctx, (await own(c)).user, c.req.param('org_id'));
    return c.json({ ok: true });
  });
  r.post('/dash/orgs/:org_id/rename', async (c) => {
    const { p, user } = await own(c);
    return c.json({ org: orgJson(await renameOrg(ctx, user, c.req.param('org_id'), (await body(c, p)).title)) });
  });
  r.post('/dash/orgs/:org_id/invite/send', async (c) => {
    const { p, user } = await own(c);
    const b = await body(c, p);
    await sendInvite(ctx, user, c.req.param('org_id'), b['invitee-email'], parseRole(b.role));
    return c.json({});
  });
  r.delete('/dash/orgs/:org_id/invite/revoke', async (c) => {
    const { p, user } = await own(c);
    await revokeInvitation(ctx, user, c.req.param('org_id'), (await body(c, p))['invite-id']);
    return c.json({});
  });
  r.delete('/dash/orgs/:org_id/members/remove', async (c) => {
    const { p, user } = await own(c);
    await removeMember(ctx, user, c.req.param('org_id'), (await body(c, p)).id);
    return c.json({});
  });
  r.post('/dash/orgs/:org_id/members/update', async (c) => {
    const { p, user } = await own(c);
    const b = await body(c, p);
    await updateMemberRole(ctx, user, c.req.param('org_id'), b.id, parseRole(b.role));
    return c.json({});
  });
  r.post('/dash/invites/accept', async (c) => {
    const { p, user } = await own(c);
    await acceptInvitation(ctx, user, (await body(c, p))['invite-id']);
    return c.json({});
  });
  r.post('/dash/invites/decline', async (c) => {
    const { p, user } = await own(c);
    await declineInvitation(ctx, user, (await body(c, p))['invite-id']);
    return c.json({});
  });

  // Moving apps: the app's owner; into an org also needs admin there (upstream's rule).
  r.post('/dash/apps/:app_id/transfer_to_org/:org_id', async (c) => {
    const p = await ownPrincipal(c);
    const user = requireUser(p);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: false, role: 'owner' });
    return c.json({ app: appJson(await moveAppToOrg(ctx, user, app, c.req.param('org_id'))) });
  });
  r.post('/dash/apps/:app_id/transfer_to_user', async (c) => {
    const p = await ownPrincipal(c);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: false, role: 'owner' });
    return c.json({ app: appJson(await moveAppToUser(ctx, requireUser(p), app)) });
  });
  return r;
}
