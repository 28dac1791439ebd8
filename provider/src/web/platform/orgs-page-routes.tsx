/** @jsxImportSource hono/jsx */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Ctx } from '../../domain/context.ts';
import { sessionUser } from '../http/session-cookie.ts';
import type { User } from '../../domain/accounts/users.ts';
import { bearerToken } from '../http/auth.ts';
import { csrfToken, requireCsrf } from '../http/csrf.ts';
import { ApiError } from '../../domain/errors.ts';
import { readForm, seeOther, setFlash, takeFlash } from '../dashboard/forms.ts';
import { ErrorPage } from '../dashboard/layout.tsx';
import { authorizeApp } from '../../domain/platform/apps.ts';
import { acceptInvitation, declineInvitation, pendingInvitesFor, revokeInvitation, sendInvite } from '../../domain/platform/orgs/invites.ts';
import { FORMS, OrgPage, OrgsPage } from './orgs-page.tsx';
import { createOrg, listOrgs, moveAppToOrg, moveAppToUser, orgView, removeMember, updateMemberRole } from '../../domain/platform/orgs/orgs.ts';
import { parseRole } from '../../domain/platform/orgs/roles.ts';

type Handler = (c: Context, user: User, form: Record<string, string>) => Promise<{ back: string; notice: string }>;

/**
 * The dashboard's org pages (docs/instant-compat.md §8): `/dash/orgs` and `/dash/orgs/:id` for a browser (a bearer
 * token gets upstream's JSON instead, from routes.ts), and their form posts under `/dash/org-forms/*` — CSRF first,
 * then the session; a refused input goes back with its message. Every rule is the JSON endpoints' own function.
 */
export function orgPageRoutes(ctx: Ctx): Hono {
  const r = new Hono();
  const signedIn = async (c: Context, next: string) => (await sessionUser(ctx, c)) ?? seeOther(c, `/dash/login?next=${encodeURIComponent(next)}`);

  r.get('/dash/orgs', async (c) => {
    const user = await signedIn(c, '/dash/orgs');
    if (user instanceof Response) return user;
    const [orgs, invites] = [await listOrgs(ctx, user.id), await pendingInvitesFor(ctx, user)];
    return c.html(<OrgsPage user={user} csrf={await csrfToken(ctx, c)} flash={await takeFlash(ctx, c)} orgs={orgs} invites={invites} />);
  });
  r.get('/dash/orgs/:org_id', async (c, next) => {
    if (bearerToken(c)) return next();
    const user = await signedIn(c, c.req.path);
    if (user instanceof Response) return user;
    try {
      const view = await orgView(ctx, user, c.req.param('org_id'));
      return c.html(<OrgPage user={user} csrf={await csrfToken(ctx, c)} flash={await takeFlash(ctx, c)} view={view} />);
    } catch (err) {
      if (err instanceof ApiError) return c.html(<ErrorPage title="No such org" message={err.message} />, err.status as ContentfulStatusCode);
      throw err;
    }
  });

  const post = (path: string, handler: Handler) =>
    r.post(`${FORMS}${path}`, async (c) => {
      const form = await readForm(c);
      await requireCsrf(ctx, c, form._csrf);
      const user = await signedIn(c, '/dash/orgs');
      if (user instanceof Response) return user;
      const orgId = c.req.param('org_id');
      const fallback = orgId ? `/dash/orgs/${orgId}` : '/dash/orgs';
      try {
        const { back, notice } = await handler(c, user, form);
        await setFlash(ctx, c, { notice });
        return seeOther(c, back);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500) throw err;
        await setFlash(ctx, c, { error: err.message });
        return seeOther(c, fallback);
      }
    });

  post('/create', async (_c, user, f) => {
    const org = await createOrg(ctx, user, f.title);
    return { back: `/dash/orgs/${org.id}`, notice: `Org “${org.title}” created. You are its owner.` };
  });
  post('/invites/:invite_id/accept', async (c, user) => {
    const invite = await acceptInvitation(ctx, user, c.req.param('invite_id'));
    return { back: `/dash/orgs/${invite.org_id}`, notice: `You joined ${invite.org_title} as ${invite.invitee_role}.` };
  });
  post('/invites/:invite_id/decline', async (c, user) => {
    await declineInvitation(ctx, user, c.req.param('invite_id'));
    return { back: '/dash/orgs', notice: 'Invitation declined.' };
  });
  post('/:org_id/invite', async (c, user, f) => {
    const invite = await sendInvite(ctx, user, c.req.param('org_id'), f.email, parseRole(f.role));
    return { back: `/dash/orgs/${invite.org_id}`, notice: `Invited ${invite.invitee_email} as ${invite.invitee_role}. They accept it on their Orgs page.` };
  });
  post('/:org_id/revoke-invite', async (c, user, f) => {
    await revokeInvitation(ctx, user, c.req.param('org_id'), f.invite_id);
    return { back: `/dash/orgs/${c.req.param('org_id')}`, notice: 'Invitation revoked.' };
  });
  post('/:org_id/remove', async (c, user, f) => {
    await removeMember(ctx, user, c.req.param('org_id'), f.id);
    return { back: '/dash/orgs', notice: 'Member removed: their access to the org’s apps has ended.' };
  });
  post('/:org_id/role', async (c, user, f) => {
    await updateMemberRole(ctx, user, c.req.param('org_id'), f.id, parseRole(f.role));
    return { back: `/dash/orgs/${c.req.param('org_id')}`, notice: 'Role changed.' };
  });
  post('/:org_id/move-in', async (c, user, f) => {
    const app = await authorizeApp(ctx, { kind: 'session', user }, f.app_id ?? '', 'apps-write', { admin: false, role: 'owner' });
    await moveAppToOrg(ctx, user, app, c.req.param('org_id'));
    return { back: `/dash/orgs/${c.req.param('org_id')}`, notice: `“${app.title}” moved into the org.` };
  });
  post('/apps/:app_id/move-out', async (c, user) => {
    const app = await authorizeApp(ctx, { kind: 'session', user }, c.req.param('app_id') ?? '', 'apps-write', { admin: false, role: 'owner' });
    const back = `/dash/orgs/${app.org_id}`;
    await moveAppToUser(ctx, user, app);
    return { back, notice: `“${app.title}” moved to your own apps.` };
  });
  return r;
}
