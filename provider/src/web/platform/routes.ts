import { Hono, type Context } from 'hono';
import { anyOriginCors } from '../http/cors.ts';
import type { Ctx } from '../../domain/context.ts';
import { authenticate, authenticateWithOwnApps } from '../http/auth.ts';
import { requireScope, requireUser } from '../../domain/accounts/principal.ts';
import { MAX_BODY_BYTES, readJsonObject } from '../http/body.ts';
import { body, include } from './request-body.ts';
import { orgRoutes } from './orgs-routes.ts';
import { appAuthRoutes } from './app-auth-routes.ts';
import { clientAddress } from '../http/client-address.ts';
import { ApiError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/tokens.ts';
import { rotateAppAdminToken } from '../../domain/platform/admin-tokens.ts';
import { appJson, authorizeApp, createApp, deleteApp, listAppsJson, renameApp } from '../../domain/platform/apps.ts';
import { appsPage } from './apps-page.tsx';
import { grantOf } from '../../domain/platform/grant-apps.ts';
import { trackImport } from '../../domain/platform/dash.ts';
import { getJob, listJobGroup } from '../../domain/platform/jobs.ts';
import { getPerms, MAX_RULES_BYTES, pushPerms } from '../../domain/platform/perms.ts';
import { applySchemaPush, applySchemaSteps, getApiSchema, planSchemaPush } from '../../domain/platform/schema/apply.ts';
import { loadAttrs } from '../../domain/platform/schema/attrs.ts';
import { claimTemporaryApp, createTemporaryApp, getTemporaryApp } from '../../domain/platform/temporary-apps.ts';

/** Bodies that carry only a title and a few ids. */
const SMALL_BODY_BYTES = 16 * 1024;
const RULES_BODY_BYTES = MAX_RULES_BYTES + 1024;

/** Platform API (docs/api.md §3–§5): one set of services behind two route tables, `/superadmin` and `/dash`. */
export function platformRoutes(ctx: Ctx): Hono {
  const r = new Hono();
  // Bearer-token APIs answer preflights from any origin; no credentials, so cookies never ride along (docs/api.md §1).
  const apiCors = anyOriginCors({ allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'], maxAge: 600 });
  r.use('/superadmin/*', apiCors);
  r.use('/dash/apps/*', async (c, next) => (c.req.path === '/dash/apps' && c.req.method === 'GET' ? next() : apiCors(c, next)));

  const user = (c: Context, session: boolean) => authenticate(ctx, c, { session, admin: false });
  const anyone = (c: Context, session: boolean) => authenticate(ctx, c, { session, admin: true });

  // --- /superadmin (docs/api.md §3): pat_, per_, or an app's admin token where the app is named.
  r.get('/superadmin/apps', async (c) => {
    const { principal: p, ownApps } = await authenticateWithOwnApps(ctx, c, { session: false, admin: false });
    requireScope(p, 'apps-read');
    return c.json({ apps: await listAppsJson(ctx, requireUser(p).id, include(c), { personal: true }, grantOf(p), ownApps) });
  });
  r.post('/superadmin/apps', async (c) => {
    const p = await user(c, false);
    requireScope(p, 'apps-write');
    const u = requireUser(p);
    const b = await body(c, p, MAX_BODY_BYTES);
    const created = await createApp(ctx, u.id, { title: b.title, schema: b.schema, perms: b.perms, orgId: b.org_id }, { grantId: grantOf(p) });
    return c.json({ app: { ...appJson(created.app), 'admin-token': created.adminToken, perms: created.perms, schema: created.schema } });
  });
  r.get('/superadmin/apps/:app_id', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, false), c.req.param('app_id'), 'apps-read', { admin: true });
    return c.json({ app: appJson(app) });
  });
  r.post('/superadmin/apps/:app_id', async (c) => {
    const p = await anyone(c, false);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: true, role: 'admin' });
    const b = await body(c, p, SMALL_BODY_BYTES);
    return c.json({ app: appJson(await renameApp(ctx, app.id, b.title)) });
  });
  r.delete('/superadmin/apps/:app_id', async (c) => {
    // Deleting: an admin of an org app, the owner of a personal one (only its creator reaches it), as upstream.
    const app = await authorizeApp(ctx, await anyone(c, false), c.req.param('app_id'), 'apps-write', { admin: false, role: 'admin' });
    return c.json({ app: appJson(await deleteApp(ctx, app.id)) });
  });
  // The owner replaces the app's admin tokens (one leaked; F7, docs/security-accounts.md §5); an admin token cannot.
  r.post('/superadmin/apps/:app_id/admin-token/rotate', async (c) => {
    const p = await user(c, false);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: false, role: 'admin' });
    return c.json({ 'admin-token': await rotateAppAdminToken(ctx, requireUser(p).id, app.id) }, 200, { 'Cache-Control': 'no-store' });
  });
  r.get('/superadmin/apps/:app_id/perms', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, false), c.req.param('app_id'), 'apps-read', { admin: true });
    return c.json({ perms: await getPerms(ctx, app.id) });
  });
  r.post('/superadmin/apps/:app_id/perms', async (c) => {
    const p = await anyone(c, false);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: true });
    return c.json({ rules: { code: await pushPerms(ctx, app.id, await body(c, p, RULES_BODY_BYTES)) } });
  });
  r.get('/superadmin/apps/:app_id/schema', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, false), c.req.param('app_id'), 'apps-read', { admin: true });
    return c.json({ schema: await getApiSchema(ctx, app.id) });
  });
  r.post('/superadmin/apps/:app_id/schema/push/plan', async (c) => {
    const p = await anyone(c, false);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-read', { admin: true });
    return c.json(await planSchemaPush(ctx, app.id, await body(c, p, MAX_BODY_BYTES)));
  });
  r.post('/superadmin/apps/:app_id/schema/push/apply', async (c) => {
    const p = await anyone(c, false);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: true });
    return c.json(await applySchemaPush(ctx, app.id, await body(c, p, MAX_BODY_BYTES)));
  });

  // --- temporary apps (docs/api.md §4): no auth to create; claiming needs a user.
  r.post('/dash/apps/ephemeral', async (c) => {
    const b = await readJsonObject(c, MAX_BODY_BYTES);
    return c.json(await createTemporaryApp(ctx, clientAddress(c), b));
  });
  r.get('/dash/apps/ephemeral/:app_id', async (c) => c.json(await getTemporaryApp(ctx, c.req.param('app_id'))));
  r.post('/dash/apps/ephemeral/:app_id/claim', async (c) => {
    const p = await user(c, true);
    requireScope(p, 'apps-write');
    const u = requireUser(p);
    return c.json(await claimTemporaryApp(ctx, u, c.req.param('app_id'), await body(c, p, SMALL_BODY_BYTES), grantOf(p)));
  });

  // --- endpoints Instant's CLI uses (docs/api.md §5); a session cookie works too.
  r.delete('/dash/apps/:app_id', async (c) => {
    const app = await authorizeApp(ctx, await user(c, true), c.req.param('app_id'), 'apps-write', { admin: false, role: 'admin' });
    await deleteApp(ctx, app.id);
    return c.json({ ok: true });
  });
  r.post('/dash/apps/:app_id/track-import', async (c) => {
    const p = await user(c, true);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: false });
    await trackImport(ctx, requireUser(p), app.id);
    return c.json({ ok: true });
  });
  r.get('/dash/apps', (c) => appsPage(ctx, c));
  r.post('/dash/apps', async (c) => {
    const p = await user(c, true);
    requireScope(p, 'apps-write');
    const u = requireUser(p);
    const b = await body(c, p, MAX_BODY_BYTES);
    // Instant's CLI (`init-without-files --org-id`): a collaborator may create an org app here, as upstream.
    const created = await createApp(ctx, u.id, { id: b.id, title: b.title, adminToken: b.admin_token, orgId: b.org_id }, { orgRole: 'collaborator', grantId: grantOf(p) });
    return c.json({ app: { ...appJson(created.app), 'admin-token': created.adminToken } });
  });
  r.get('/dash/apps/:app_id', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, true), c.req.param('app_id'), 'apps-read', { admin: true });
    return c.json({ app: appJson(app) });
  });
  r.get('/dash/apps/:app_id/schema/pull', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, true), c.req.param('app_id'), 'apps-read', { admin: true });
    const attrs = await loadAttrs(ctx.db, app.id);
    return c.json({ schema: await getApiSchema(ctx, app.id), attrs, 'app-title': app.title });
  });
  r.post('/dash/apps/:app_id/schema/steps/apply', async (c) => {
    const p = await anyone(c, true);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: true });
    const b = await body(c, p, MAX_BODY_BYTES);
    return c.json(await applySchemaSteps(ctx, app.id, b.steps));
  });
  // Older releases of Instant's CLI plan and apply on the server through these /dash twins of §3.
  r.post('/dash/apps/:app_id/schema/push/plan', async (c) => {
    const p = await anyone(c, true);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-read', { admin: true });
    return c.json(await planSchemaPush(ctx, app.id, await body(c, p, MAX_BODY_BYTES)));
  });
  r.post('/dash/apps/:app_id/schema/push/apply', async (c) => {
    const p = await anyone(c, true);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: true });
    return c.json(await applySchemaPush(ctx, app.id, await body(c, p, MAX_BODY_BYTES)));
  });
  // A job group, and the rules pulled through /dash, need apps-write as on Instant's server (the tools of a push).
  r.get('/dash/apps/:app_id/indexing-jobs/group/:group_id', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, true), c.req.param('app_id'), 'apps-write', { admin: true });
    const groupId = c.req.param('group_id');
    if (!isUuid(groupId)) throw ApiError.notFound('indexing-job-group', 'No such job group');
    return c.json({ jobs: await listJobGroup(ctx, app.id, groupId.toLowerCase()) });
  });
  r.get('/dash/apps/:app_id/indexing-jobs/:job_id', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, true), c.req.param('app_id'), 'apps-read', { admin: true });
    const jobId = c.req.param('job_id');
    const job = isUuid(jobId) ? await getJob(ctx, app.id, jobId.toLowerCase()) : undefined;
    if (!job) throw ApiError.notFound('indexing-job', 'No such indexing job');
    return c.json({ job });
  });
  r.get('/dash/apps/:app_id/perms/pull', async (c) => {
    const app = await authorizeApp(ctx, await anyone(c, true), c.req.param('app_id'), 'apps-write', { admin: true });
    return c.json({ perms: await getPerms(ctx, app.id) });
  });
  r.post('/dash/apps/:app_id/rules', async (c) => {
    const p = await anyone(c, true);
    const app = await authorizeApp(ctx, p, c.req.param('app_id'), 'apps-write', { admin: true });
    return c.json({ rules: { code: await pushPerms(ctx, app.id, await body(c, p, RULES_BODY_BYTES)) } });
  });
  r.route('/', orgRoutes(ctx));
  r.route('/', appAuthRoutes(ctx));
  return r;
}
