import { Hono, type Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { authenticate } from '../http/auth.ts';
import { authorizeApp } from '../../domain/platform/apps.ts';
import { body } from './request-body.ts';
import { DEFAULT_EMAIL_TEMPLATE, deleteEmailTemplate, emailStatus, putEmailTemplate } from '../../domain/platform/app-auth/email-template.ts';
import { addClient, addOrigin, addProvider, appAuth, removeClient, removeOrigin, updateClient, type Actor } from '../../domain/platform/app-auth/settings.ts';

const BODY_BYTES = 128 * 1024;

/**
 * App auth settings in the paths and shapes of Instant's CLI (docs/instant-compat.md §8): a user token (session,
 * `per_`, or `pat_` with the scope) of anyone who reaches the app as a collaborator or above, as upstream, or the app's own
 * admin token (the CLI sends it when the project's .env has one); reading needs `apps-read`, changing `apps-write`.
 */
export function appAuthRoutes(ctx: Ctx): Hono {
  const r = new Hono();
  const app = async (c: Context, scope: 'apps-read' | 'apps-write') => {
    const p = await authenticate(ctx, c, { session: true, admin: true });
    const a = await authorizeApp(ctx, p, c.req.param('app_id')!, scope, { admin: true });
    const user: Actor = p.kind === 'admin' ? { adminTokenId: p.tokenId } : { userId: p.user.id };
    return { p, user, appId: a.id };
  };
  const write = async (c: Context) => {
    const w = await app(c, 'apps-write');
    return { ...w, b: await body(c, w.p, BODY_BYTES) };
  };

  r.get('/dash/apps/:app_id/auth', async (c) => c.json(await appAuth(ctx, (await app(c, 'apps-read')).appId)));
  r.post('/dash/apps/:app_id/authorized_redirect_origins', async (c) => {
    const { user, appId, b } = await write(c);
    return c.json(await addOrigin(ctx, user, appId, b));
  });
  r.delete('/dash/apps/:app_id/authorized_redirect_origins/:id', async (c) => {
    const { user, appId } = await app(c, 'apps-write');
    return c.json(await removeOrigin(ctx, user, appId, c.req.param('id')));
  });
  r.post('/dash/apps/:app_id/oauth_service_providers', async (c) => {
    const { user, appId, b } = await write(c);
    return c.json(await addProvider(ctx, user, appId, b));
  });
  r.post('/dash/apps/:app_id/oauth_clients', async (c) => {
    const { user, appId, b } = await write(c);
    return c.json(await addClient(ctx, user, appId, b));
  });
  r.post('/dash/apps/:app_id/oauth_clients/:id', async (c) => {
    const { user, appId, b } = await write(c);
    return c.json(await updateClient(ctx, user, appId, c.req.param('id'), b));
  });
  r.delete('/dash/apps/:app_id/oauth_clients/:id', async (c) => {
    const { user, appId } = await app(c, 'apps-write');
    return c.json(await removeClient(ctx, user, appId, c.req.param('id')));
  });

  r.get('/dash/default-email-template', (c) => c.json(DEFAULT_EMAIL_TEMPLATE));
  r.get('/dash/apps/:app_id/email_status', async (c) => c.json(await emailStatus(ctx, (await app(c, 'apps-read')).appId)));
  r.post('/dash/apps/:app_id/email_templates', async (c) => {
    const { user, appId, b } = await write(c);
    return c.json(await putEmailTemplate(ctx, user, appId, b));
  });
  r.delete('/dash/apps/:app_id/email_templates/:id', async (c) => {
    const { user, appId } = await app(c, 'apps-write');
    return c.json(await deleteEmailTemplate(ctx, user, appId, c.req.param('id')));
  });
  // Nothing here verifies a sender address (no mail service of Instant's): the CLI reads "not verified" and moves on.
  r.get('/dash/apps/:app_id/sender-verification', async (c) => {
    await app(c, 'apps-read');
    return c.json({ instant: { 'verified?': false }, verification: null });
  });
  return r;
}
