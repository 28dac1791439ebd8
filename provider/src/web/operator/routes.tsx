/** @jsxImportSource hono/jsx */
import { clientAddress } from '../http/client-address.ts';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Ctx } from '../../domain/context.ts';
import { sessionUser } from '../http/session-cookie.ts';
import type { User } from '../../domain/accounts/users.ts';
import {listEvents } from '../../domain/audit/events.ts';

import { parseSince } from '../../domain/audit/since.ts';
import { ErrorPage } from '../dashboard/layout.tsx';
import { csrfToken, csrfValid, CSRF_FIELD } from '../http/csrf.ts';
import { isUuid } from '../../domain/tokens.ts';
import { AppsPage, AuditPage, BASE, OperatorIndex, UserPage, UsersPage, type AuditFilters } from './pages.tsx';
import {
  getOAuthApp,
  isOperator,
  limitAppScopes,
  setAppRateLimit,
  listOAuthApps,
  lockUser,
  operatorActor,
  revokeGrant,
  revokePersonalToken,
  auditNames,
  searchUsers,
  setAppStatus,
  OwnerUnverifiedError,
  suspendApp,
  unlockUser,
  userDetail,
  revokeAppAdminTokens,
  ALL_SCOPES,
} from '../../domain/operator/services.ts';

type Env = { Variables: { operator: User } };

/** What a finished action says on the page it returns to (fixed texts: nothing from the request is echoed). */
const NOTICES: Record<string, string> = {
  published: 'The app is published: anyone may authorize it.',
  test: 'The app is back in test mode: only its owner may authorize it.',
  suspended: 'The app is suspended: every token of it was revoked and its authorization requests are refused.',
  scopes: 'The scope limit is saved.',
  'rate-limit': 'The rate limit is saved.',
  locked: 'The account is locked: its sessions ended and every token of it was revoked.',
  unlocked: 'The account is unlocked.',
  grant: 'The grant and its tokens are revoked.',
  token: 'The personal access token is revoked.',
  admin: 'The app’s admin tokens are revoked.',
};

const forbidden = (c: Context, message: string) => c.html(<ErrorPage title="Forbidden" message={message} />, 403);
const notFound = (c: Context) => c.html(<ErrorPage title="Not found" message="There is nothing here, or it was deleted." />, 404);

/** Only a path inside the console: never an open redirect. */
function backTo(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/dash\/operator(\/[A-Za-z0-9/_-]*)?$/.test(value) ? value : fallback;
}

/** The operator console under /dash/operator: 403 for anyone who is not an operator, CSRF on every form, 303 after POST. */
export function operatorRoutes(ctx: Ctx): Hono<Env> {
  const app = new Hono<Env>();

  // The role is checked on every request (a withdrawn role or a locked account takes effect at once).
  const guard = async (c: Context<Env>, next: () => Promise<void>) => {
    const user = await sessionUser(ctx, c);
    if (!user) return forbidden(c, 'The operator console is for operators. Sign in with an operator account at /dash/login.');
    if (!isOperator(ctx, user)) return forbidden(c, 'Your account does not have the operator role.');
    c.set('operator', user);
    await next();
  };
  app.use(BASE, guard);
  app.use(`${BASE}/*`, guard);
  app.post(`${BASE}/*`, bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.html(<ErrorPage title="Too large" message="The form is too large." />, 413) }));

  const chrome = async (c: Context<Env>) => ({ user: c.get('operator'), csrf: await csrfToken(ctx, c), notice: NOTICES[c.req.query('done') ?? ''] });

  /** Parses a console form and checks its CSRF token; null (after answering 403) when the token is wrong. */
  async function form(c: Context<Env>): Promise<Record<string, string | string[]> | null> {
    const body = (await c.req.parseBody({ all: true })) as Record<string, string | string[] | File | File[]>;
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(body)) {
      if (typeof v === 'string') out[k] = v;
      else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
    }
    return (await csrfValid(ctx, c, out[CSRF_FIELD])) ? out : null;
  }
  const csrfRefused = (c: Context) => forbidden(c, 'The form has expired or did not come from this site; reload the page and try again.');
  const actor = (c: Context<Env>) => operatorActor(c.get('operator'), clientAddress(c));
  const done = (c: Context, back: string, what: string) => c.redirect(`${back}?done=${what}`, 303);

  app.get(BASE, async (c) => c.html(<OperatorIndex {...(await chrome(c))} />));
  app.get(`${BASE}/apps`, async (c) => c.html(<AppsPage {...(await chrome(c))} apps={await listOAuthApps(ctx, { dynamic: false })} dynamic={false} />));
  app.get(`${BASE}/clients`, async (c) => c.html(<AppsPage {...(await chrome(c))} apps={await listOAuthApps(ctx, { dynamic: true })} dynamic={true} />));

  // ---- app review: publish / test mode, suspend, limit scopes
  app.post(`${BASE}/apps/:id/status`, async (c) => {
    const f = await form(c);
    if (!f) return csrfRefused(c);
    const id = c.req.param('id');
    const status = f.status === 'published' ? 'published' : f.status === 'test' ? 'test' : null;
    if (!status) return c.html(<ErrorPage title="Bad request" message="Choose published or test." />, 400);
    try {
      if (!isUuid(id) || !(await setAppStatus(ctx, id, status, actor(c)))) return notFound(c);
    } catch (err) {
      if (err instanceof OwnerUnverifiedError) return forbidden(c, err.message);
      throw err;
    }
    return done(c, backTo(f.back, `${BASE}/apps`), status);
  });
  app.post(`${BASE}/apps/:id/suspend`, async (c) => {
    const f = await form(c);
    if (!f) return csrfRefused(c);
    const id = c.req.param('id');
    if (!isUuid(id) || !(await suspendApp(ctx, id, actor(c)))) return notFound(c);
    return done(c, backTo(f.back, `${BASE}/apps`), 'suspended');
  });
  app.post(`${BASE}/apps/:id/scopes`, async (c) => {
    const f = await form(c);
    if (!f) return csrfRefused(c);
    const id = c.req.param('id');
    const picked = ([] as string[]).concat(f.scope ?? []);
    if (picked.some((s) => !(ALL_SCOPES as readonly string[]).includes(s))) return c.html(<ErrorPage title="Bad request" message="Unknown scope." />, 400);
    const scopes = f.any === '1' ? null : picked;
    if (!isUuid(id) || !(await limitAppScopes(ctx, id, scopes, actor(c)))) return notFound(c);
    return done(c, backTo(f.back, `${BASE}/apps`), 'scopes');
  });
  app.post(`${BASE}/apps/:id/rate-limit`, async (c) => {
    const f = await form(c);
    if (!f) return csrfRefused(c);
    const id = c.req.param('id');
    const v = typeof f.per_s === 'string' ? f.per_s.trim() : '';
    const perS = v === '' ? null : /^\d{1,7}$/.test(v) && Number(v) >= 1 && Number(v) <= 1_000_000 ? Number(v) : undefined;
    if (perS === undefined) return c.html(<ErrorPage title="Bad request" message="The rate limit is a whole number of requests a second, from 1 to 1000000 (empty: the default)." />, 400);
    if (!isUuid(id) || !(await setAppRateLimit(ctx, id, perS, actor(c)))) return notFound(c);
    return done(c, backTo(f.back, `${BASE}/apps`), 'rate-limit');
  });
  app.get(`${BASE}/apps/:id`, async (c) => {
    const id = c.req.param('id');
    const found = isUuid(id) ? await getOAuthApp(ctx, id) : undefined;
    if (!found) return notFound(c);
    return c.html(<AppsPage {...(await chrome(c))} apps={[found]} dynamic={found.dynamic} />);
  });

  // ---- users: search, detail, lock / unlock, revoke a grant or a personal access token
  app.get(`${BASE}/users`, async (c) => {
    const q = (c.req.query('q') ?? '').slice(0, 254);
    return c.html(<UsersPage {...(await chrome(c))} q={q} users={await searchUsers(ctx, q)} />);
  });
  app.get(`${BASE}/users/:id`, async (c) => {
    const id = c.req.param('id');
    const detail = isUuid(id) ? await userDetail(ctx, id) : undefined;
    if (!detail) return notFound(c);
    return c.html(<UserPage {...(await chrome(c))} detail={detail} self={detail.user.id === c.get('operator').id} />);
  });
  const userAction = (path: string, run: (c: Context<Env>, userId: string, f: Record<string, string | string[]>) => Promise<string | null>) =>
    app.post(`${BASE}/users/:id${path}`, async (c) => {
      const f = await form(c);
      if (!f) return csrfRefused(c);
      const id = c.req.param('id');
      const what = isUuid(id) ? await run(c, id, f) : null;
      if (!what) return notFound(c);
      return done(c, backTo(f.back, `${BASE}/users/${id}`), what);
    });
  // An operator cannot lock their own account (and so lose the console).
  userAction('/lock', async (c, id) => (id !== c.get('operator').id && (await lockUser(ctx, id, actor(c))) ? 'locked' : null));
  userAction('/unlock', async (c, id) => ((await unlockUser(ctx, id, actor(c))) ? 'unlocked' : null));
  userAction('/grants/:grant/revoke', async (c, id) => {
    const g = c.req.param('grant') ?? '';
    return isUuid(g) && (await revokeGrant(ctx, id, g, actor(c))) ? 'grant' : null;
  });
  userAction('/apps/:app/revoke-admin-tokens', async (c, id) => {
    const a = c.req.param('app') ?? '';
    return isUuid(a) && (await revokeAppAdminTokens(ctx, id, a, actor(c))) ? 'admin' : null;
  });
  userAction('/tokens/:token/revoke', async (c, id) => {
    const t = c.req.param('token') ?? '';
    return isUuid(t) && (await revokePersonalToken(ctx, id, t, actor(c))) ? 'token' : null;
  });

  // ---- audit trail
  app.get(`${BASE}/audit`, async (c) => {
    const q = (k: string) => (c.req.query(k) ?? '').trim().slice(0, 254);
    const filters: AuditFilters = { user: q('user'), client: q('client'), event: q('event'), since: q('since') };
    const since = filters.since ? parseSince(filters.since, ctx.clock.now()) : undefined;
    const before = /^\d{1,15}$/.test(q('before')) ? Number(q('before')) : undefined;
    const pageSize = 100;
    const rows =
      since === null
        ? []
        : await listEvents(ctx, {
            since,
            user: filters.user || undefined,
            clientId: filters.client || undefined,
            event: filters.event || undefined,
            beforeId: before,
            limit: pageSize,
          });
    const error = since === null ? 'Since must be a duration such as 1h or 7d, or an ISO date.' : undefined;
    const nextBefore = rows.length === pageSize ? rows[rows.length - 1]!.id : undefined;
    return c.html(<AuditPage {...(await chrome(c))} rows={rows} names={await auditNames(ctx, rows)} filters={filters} error={error} nextBefore={nextBefore} />);
  });

  app.all(`${BASE}/*`, (c) => notFound(c));
  return app;
}
