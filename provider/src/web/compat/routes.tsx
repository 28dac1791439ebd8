/** @jsxImportSource hono/jsx */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Ctx } from '../../domain/context.ts';
import { sessionUser } from '../http/session-cookie.ts';
import { authenticate, bearerToken } from '../http/auth.ts';
import { requireScope, requireUser } from '../../domain/accounts/principal.ts';
import { readJsonObject } from '../http/body.ts';
import { clientAddress } from '../http/client-address.ts';
import { csrfToken, requireCsrf } from '../http/csrf.ts';
import { ApiError } from '../../domain/errors.ts';
import { readForm, seeOther, setFlash, takeFlash } from '../dashboard/forms.ts';
import { ErrorPage } from '../dashboard/layout.tsx';
import { checkCliLogin, decideCliLogin, findWaitingLogin, registerCliLogin } from '../../domain/platform/cli-login.ts';
import { clientLabel } from './cli-auth.ts';
import { CliLoginDonePage, ConfirmCliLoginPage } from './cli-auth-page.tsx';
import { dashJson } from '../../domain/platform/dash.ts';
import { grantOf } from '../../domain/platform/grant-apps.ts';
import { notSupported } from './not-supported.ts';

const SMALL_BODY_BYTES = 16 * 1024;

/**
 * Routes that exist for Instant's own CLI (docs/instant-compat.md §4–§5): `GET /dash` as JSON for a bearer token,
 * `GET /dash?ticket=` as the CLI-login confirm page, and `/dash/cli/auth/*`. Anything else under `GET /dash`
 * falls through to the dashboard.
 */
export function compatRoutes(ctx: Ctx): Hono {
  const r = new Hono();

  const pageError = (c: Context, err: unknown) => {
    if (err instanceof ApiError) return c.html(<ErrorPage title={err.status === 404 ? 'Link expired' : 'That did not work'} message={err.message} />, err.status as ContentfulStatusCode, err.headers);
    throw err;
  };

  r.get('/dash', async (c, next) => {
    if (bearerToken(c)) {
      const p = await authenticate(ctx, c, { session: false, admin: false });
      requireScope(p, 'apps-read');
      // Only the user's own tokens (the CLI's) are handed admin tokens; an OAuth app gets the list alone.
      return c.json(await dashJson(ctx, requireUser(p), { mintAdminTokens: p.kind === 'personal', grantId: grantOf(p) }));
    }
    // `instant-cli explorer` opens the dashboard's data explorer: there is no app data here to explore.
    if (c.req.query('t') === 'explorer') {
      const err = notSupported('explorer', 'The data explorer');
      return c.html(<ErrorPage title="Not available here" message={err.message} />, 501);
    }
    const ticket = c.req.query('ticket');
    if (ticket === undefined) return next();
    // Signed out: log in (or sign up) first; both keep `next`, so the ticket comes back here.
    const user = await sessionUser(ctx, c);
    if (!user) return seeOther(c, `/dash/login?next=${encodeURIComponent(`/dash?ticket=${encodeURIComponent(ticket)}`)}`);
    const login = await findWaitingLogin(ctx, ticket);
    if (!login) return pageError(c, ApiError.notFound('cli-login', 'This CLI login link has expired or was already used. Run `instant-cli login` again.'));
    return c.html(<ConfirmCliLoginPage user={user} csrf={await csrfToken(ctx, c)} ticket={ticket} clientLabel={login.client_label} expiresAt={login.expires_at} />);
  });

  r.post('/dash/cli/auth/register', async (c) => c.json(await registerCliLogin(ctx, clientLabel(c), clientAddress(c))));
  r.post('/dash/cli/auth/check', async (c) => c.json(await checkCliLogin(ctx, (await readJsonObject(c, SMALL_BODY_BYTES)).secret)));

  // Confirm and Cancel: form posts from the confirm page (CSRF first, then the session), answered 303.
  for (const [path, decision] of [['/dash/cli/auth/claim', 'confirmed'], ['/dash/cli/auth/void', 'voided']] as const) {
    r.post(path, async (c) => {
      try {
        const form = await readForm(c);
        await requireCsrf(ctx, c, form._csrf);
        const user = await sessionUser(ctx, c);
        if (!user) return seeOther(c, '/dash/login');
        const login = await decideCliLogin(ctx, user, form.ticket, decision);
        await setFlash(ctx, c, decision === 'confirmed'
          ? { notice: `You are logged in to ${login.client_label} as ${user.email}. Return to your terminal; you can close this page.` }
          : { error: 'The CLI login was cancelled. The CLI will say so; nothing was given to it.' });
        return seeOther(c, '/dash/cli/auth/done');
      } catch (err) {
        return pageError(c, err);
      }
    });
  }
  r.get('/dash/cli/auth/done', async (c) => {
    const user = await sessionUser(ctx, c);
    if (!user) return seeOther(c, '/dash/login');
    return c.html(<CliLoginDonePage user={user} csrf={await csrfToken(ctx, c)} flash={await takeFlash(ctx, c)} />);
  });
  return r;
}
