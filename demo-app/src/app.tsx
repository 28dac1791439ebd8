/** @jsxImportSource hono/jsx */
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { sealData, unsealData } from 'iron-session';
import { InstantAPIError, PlatformApi, schemaToDefs } from 'instant-kit';
import { requireInstant, signInErrorReason, signInWithInstant, type InstantEnv, type SignInError } from 'instant-kit/hono';
import type { DemoConfig } from './config.ts';
import { FIELD_NAME, FIELD_TYPES, ownerOnlyPerms, todoSchema, type FieldType } from './template.ts';
import { FAVICON, STYLESHEET } from './views/layout.tsx';
import { AppPage, DashboardPage, PlanPage, ProblemPage, TryPage, WelcomePage, type ProblemKind, type TemporaryApp } from './views/pages.tsx';

/** What the site needs at run time: the config, with its own URL known (after the port is bound). */
export interface DemoAppOptions extends DemoConfig {
  publicUrl: string;
  /** A `fetch` for calls to the provider (tests). */
  fetch?: typeof fetch;
}

/** A one-shot message carried across a redirect (post/redirect/get), sealed in a short-lived cookie. */
interface Flash {
  notice?: string;
  error?: string;
  /** Shown once on the new app's page. */
  created?: { appId: string; adminToken: string };
}

/** An HTML page in standards mode (hono/jsx renders no doctype). */
const page = (c: Context, node: JSX.Element, status: ContentfulStatusCode = 200) => c.html(`<!doctype html>${String(node)}`, status);

const FLASH_COOKIE = 'demo_flash';
const TEMP_COOKIE = 'demo_temporary_app';
const STATUS: Record<ProblemKind, ContentfulStatusCode> = {
  access_denied: 403,
  state_mismatch: 400,
  grant_revoked: 401,
  provider_unavailable: 502,
  oauth_error: 400,
  not_found: 404,
  error: 400,
};

/**
 * The app builder's site: "Sign in with Instant" (instant-kit/hono), the user's apps through
 * `PlatformApi`, apps from a template, schema changes with a plan, disconnect, temporary apps.
 */
export function createDemoApp(o: DemoAppOptions): Hono<InstantEnv> {
  const password = o.sessionSecret.length >= 32 ? o.sessionSecret : o.sessionSecret.padEnd(32, '.');
  const secure = o.publicUrl.startsWith('https:');
  const cookieOpts = (maxAge: number) => ({ httpOnly: true, secure, sameSite: 'Lax' as const, path: '/', maxAge });
  const anonymousApi = new PlatformApi({ apiURI: o.issuer, fetch: o.fetch });

  async function setFlash(c: Context, flash: Flash) {
    setCookie(c, FLASH_COOKIE, await sealData(flash, { password, ttl: 120 }), cookieOpts(120));
  }
  async function takeFlash(c: Context): Promise<Flash> {
    const raw = getCookie(c, FLASH_COOKIE);
    if (!raw) return {};
    deleteCookie(c, FLASH_COOKIE, { path: '/', secure });
    return unsealData<Flash>(raw, { password, ttl: 120 }).catch(() => ({}));
  }
  async function temporaryApp(c: Context): Promise<TemporaryApp | null> {
    const raw = getCookie(c, TEMP_COOKIE);
    if (!raw) return null;
    const t = await unsealData<Partial<TemporaryApp>>(raw, { password }).catch(() => ({}) as Partial<TemporaryApp>);
    return t.id && t.adminToken && t.expiresMs && t.expiresMs > Date.now() ? (t as TemporaryApp) : null;
  }
  const problem = (c: Context, kind: ProblemKind, detail?: string) => {
    const retryHref = c.req.method === 'GET' ? c.req.path : '/';
    // After a revoked grant the session is gone: do not show the user as signed in.
    const email = kind === 'grant_revoked' ? null : c.get('instant')?.user.email;
    return page(c, <ProblemPage kind={kind} detail={detail} retryHref={retryHref} email={email} />, STATUS[kind]);
  };

  const app = new Hono<InstantEnv>();
  app.onError((err, c) => {
    // Revoked grants and an unreachable provider are answered by the sign-in middleware (it also clears the session).
    const reason = signInErrorReason(err);
    if (reason === 'grant_revoked' || reason === 'provider_unavailable') return c.text('', 500);
    if (reason) return problem(c, reason, err.message);
    if (err instanceof HTTPException) return page(c, <ProblemPage kind="error" detail={err.status === 403 ? 'This form was not sent from this site.' : err.message} />, err.status as ContentfulStatusCode);
    if (err instanceof InstantAPIError && (err.status === 404 || err.status === 403)) return problem(c, 'not_found');
    if (err instanceof InstantAPIError && err.status >= 400 && err.status < 500) return problem(c, 'error', err.message);
    console.error('demo-app error', c.req.method, c.req.path, err instanceof Error ? err.message : String(err));
    return page(c, <ProblemPage kind="error" detail="An unexpected error happened." />, 500);
  });

  app.get('/assets/demo.css', (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));
  const icon = (c: Context) => c.body(FAVICON, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400' });
  app.get('/favicon.svg', icon);
  app.get('/favicon.ico', icon);
  app.get('/healthz', (c) => c.text('ok'));
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], formAction: ["'self'", o.issuer], frameAncestors: ["'none'"], baseUri: ["'none'"] },
      referrerPolicy: 'same-origin',
      // HSTS only where the site is served over https: on http://localhost it would pin the name to https.
      strictTransportSecurity: secure ? 'max-age=15552000; includeSubDomains' : false,
    }),
  );
  // Form posts must come from this site (Origin / Sec-Fetch-Site), on top of SameSite=Lax cookies.
  app.use('*', csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origin === new URL(o.publicUrl).origin }));
  app.use(
    '*',
    signInWithInstant({
      issuer: o.issuer,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      redirectUri: o.redirectUri ?? `${o.publicUrl}/auth/instant/callback`,
      sessionPassword: password,
      scopes: o.scopes,
      cookieName: 'demo_session',
      fetch: o.fetch,
      onError: (c, err: SignInError) => {
        const detail = err.reason === 'oauth_error' && err.error instanceof Error ? err.error.message : undefined;
        return problem(c, err.reason, detail);
      },
    }),
  );

  app.get('/', async (c) => {
    const instant = c.get('instant');
    const flash = await takeFlash(c);
    if (!instant) return page(c, <WelcomePage issuer={o.issuer} notice={flash.notice} />);
    const { apps } = await instant.api.getApps();
    apps.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return page(c, <DashboardPage email={instant.user.email ?? instant.user.id} apps={apps} notice={flash.notice} error={flash.error} />);
  });

  app.post('/apps', requireInstant(), async (c) => {
    const { api } = c.get('instant')!;
    const title = String((await c.req.parseBody()).title ?? '').trim();
    if (!title) {
      await setFlash(c, { error: 'Give the app a name.' });
      return c.redirect('/', 303);
    }
    const { app: created } = await api.createApp({ title: title.slice(0, 100), schema: todoSchema, perms: ownerOnlyPerms });
    await setFlash(c, { notice: `Created ${created.title}.`, created: { appId: created.id, adminToken: created.adminToken } });
    return c.redirect(`/apps/${encodeURIComponent(created.id)}`, 303);
  });

  app.get('/apps/:id', requireInstant(), async (c) => {
    const { api, user } = c.get('instant')!;
    const flash = await takeFlash(c);
    const { app: a } = await api.getApp(c.req.param('id'), { includeSchema: true, includePerms: true });
    const created = flash.created?.appId === a.id ? { adminToken: flash.created.adminToken } : null;
    return page(c, <AppPage email={user.email ?? user.id} app={a} created={created} notice={flash.notice} error={flash.error} />);
  });

  /** Reads and checks the "Add a field" form; on a mistake, redirects back with the message. */
  async function fieldForm(c: Context): Promise<{ entity: string; name: string; type: FieldType } | string> {
    const form = await c.req.parseBody();
    const entity = String(form.entity ?? '').trim();
    const name = String(form.name ?? '').trim();
    const type = String(form.type ?? 'string') as FieldType;
    if (!FIELD_NAME.test(entity)) return 'Choose an entity.';
    if (!FIELD_NAME.test(name)) return 'A field name starts with a letter and has only letters, digits and underscores.';
    if (name === 'id') return '"id" is reserved: every entity has it already.';
    if (!FIELD_TYPES.includes(type)) return 'Choose a type from the list.';
    return { entity, name, type };
  }

  /**
   * The app's current schema with one more (optional) field: what the push plans and applies. A field that exists
   * with another type is a mistake to explain (the demo only adds fields), not a plan with "Nothing to do".
   */
  async function withField(c: Context, appId: string, f: { entity: string; name: string; type: FieldType }) {
    const { schema } = await c.get('instant')!.api.getSchema(appId);
    const defs = schemaToDefs(schema);
    const entity = (defs.entities[f.entity] ??= { attrs: {} });
    const existing = entity.attrs[f.name]?.valueType;
    if (existing && existing !== f.type) {
      return `${f.entity}.${f.name} already exists as a ${existing} field. This demo only adds new fields: choose another name.`;
    }
    entity.attrs[f.name] ??= { valueType: f.type, required: false, config: { indexed: false, unique: false } };
    return defs;
  }

  app.post('/apps/:id/fields/plan', requireInstant(), async (c) => {
    const { api, user } = c.get('instant')!;
    const appId = c.req.param('id');
    const field = await fieldForm(c);
    if (typeof field === 'string') {
      await setFlash(c, { error: field });
      return c.redirect(`/apps/${encodeURIComponent(appId)}`, 303);
    }
    const schema = await withField(c, appId, field);
    if (typeof schema === 'string') {
      await setFlash(c, { error: schema });
      return c.redirect(`/apps/${encodeURIComponent(appId)}`, 303);
    }
    const [{ app: a }, plan] = await Promise.all([api.getApp(appId), api.planSchemaPush(appId, { schema })]);
    return page(c, <PlanPage email={user.email ?? user.id} app={a} field={field} steps={plan.steps} />);
  });

  app.post('/apps/:id/fields/apply', requireInstant(), async (c) => {
    const { api } = c.get('instant')!;
    const appId = c.req.param('id');
    const back = `/apps/${encodeURIComponent(appId)}`;
    const field = await fieldForm(c);
    if (typeof field === 'string') {
      await setFlash(c, { error: field });
      return c.redirect(back, 303);
    }
    const schema = await withField(c, appId, field);
    if (typeof schema === 'string') {
      await setFlash(c, { error: schema });
      return c.redirect(back, 303);
    }
    const result = await api.schemaPush(appId, { schema });
    const failed = result.summary.errorCount;
    await setFlash(c, failed ? { error: `${failed} step(s) failed: ${result.summary.friendlyDescription}` } : { notice: `Added ${field.entity}.${field.name} (${field.type}).` });
    return c.redirect(back, 303);
  });

  app.post('/apps/:id/delete', requireInstant(), async (c) => {
    const { api } = c.get('instant')!;
    const appId = c.req.param('id');
    if ((await c.req.parseBody()).confirm !== 'yes') {
      await setFlash(c, { error: 'Tick the box to confirm the deletion.' });
      return c.redirect(`/apps/${encodeURIComponent(appId)}`, 303);
    }
    const { app: deleted } = await api.deleteApp(appId);
    await setFlash(c, { notice: `Deleted ${deleted.title}.` });
    return c.redirect('/', 303);
  });

  app.post('/try', async (c) => {
    const title = String((await c.req.parseBody()).title ?? '').trim().slice(0, 100) || 'My temporary todo app';
    let res;
    try {
      res = await anonymousApi.createTemporaryApp({ title, schema: todoSchema, perms: ownerOnlyPerms });
    } catch (e) {
      if (e instanceof InstantAPIError && (e.status === 0 || e.status >= 500)) return problem(c, 'provider_unavailable');
      if (e instanceof InstantAPIError && e.status === 429) return problem(c, 'error', 'Too many temporary apps from your network; try again later.');
      throw e;
    }
    const t: TemporaryApp = { id: res.app.id, title: res.app.title, adminToken: res.app.adminToken, expiresMs: res.expiresMs };
    const maxAge = Math.max(60, Math.floor((t.expiresMs - Date.now()) / 1000));
    setCookie(c, TEMP_COOKIE, await sealData(t, { password, ttl: maxAge }), cookieOpts(maxAge));
    return c.redirect('/try', 303);
  });

  app.get('/try', async (c) => page(c, <TryPage issuer={o.issuer} kit={o.kitCommand} app={await temporaryApp(c)} email={c.get('instant')?.user.email} />));

  app.notFound((c) => problem(c, 'not_found'));
  return app;
}
