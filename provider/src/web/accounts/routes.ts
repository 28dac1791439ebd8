import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { authenticate } from '../http/auth.ts';
import { requireUser, type Principal } from '../../domain/accounts/principal.ts';
import { readJsonObject } from '../http/body.ts';
import { clientAddress } from '../http/client-address.ts';
import { ApiError } from '../../domain/errors.ts';
import { authorizedAppJson, listAuthorizedApps, revokeAuthorizedApp } from '../../domain/accounts/authorized-apps.ts';
import {
  addRedirectUri,
  clientJson,
  createClient,
  createOAuthApp,
  deleteClient,
  deleteOAuthApp,
  getClient,
  getOAuthApp,
  listOAuthApps,
  oauthAppJson,
  removeRedirectUri,
  revokeClientSecret,
  rotateClientSecret,
  updateOAuthApp,
} from '../../domain/accounts/oauth-apps.ts';
import { createPersonalToken, listPersonalTokens, personalTokenJson, revokePersonalToken } from '../../domain/accounts/personal-tokens.ts';
import { endSession, startSession } from '../http/session-cookie.ts';
import { logIn, SIGNUP_SENT, signUp } from '../../domain/accounts/sign-in.ts';
import { userJson, type User } from '../../domain/accounts/users.ts';
import {
  ACCOUNT_BODY_BYTES,
  clientInput,
  credentialsInput,
  oauthAppInput,
  oauthAppPatch,
  parseInput,
  personalTokenInput,
  redirectUriInput,
} from '../../domain/accounts/validation.ts';

type Env = { Variables: { user: User; principal: Principal } };

/** The media type of a request body, lower-cased, without parameters. */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Account JSON endpoints (docs/api.md §8), usable with the dashboard session cookie or a `per_` token.
 * With a session they take only `application/json` bodies and send no CORS headers: a cross-site
 * form cannot send that content type without a preflight we never answer, so together with
 * SameSite=Lax cookies that is their CSRF defence. The HTML forms (dashboard/) carry CSRF tokens.
 *
 * POST /dash/signup, /dash/login and /dash/logout are shared with the HTML forms: a JSON body is
 * answered here, any other body falls through to the form handler in web/dashboard/routes.tsx.
 */
export function accountRoutes(ctx: Ctx): Hono<Env> {
  const app = new Hono<Env>();
  const address = (c: Context) => clientAddress(c);

  app.post('/dash/signup', async (c, next) => {
    if (mediaType(c) !== 'application/json') return next();
    const body = parseInput(credentialsInput, await readJsonObject(c, ACCOUNT_BODY_BYTES));
    await signUp(ctx, address(c), body.email, body.password);
    // The same answer for a new and a registered address, and no session (docs/security-accounts.md §2).
    return c.json({ ok: true, message: SIGNUP_SENT });
  });

  app.post('/dash/login', async (c, next) => {
    if (mediaType(c) !== 'application/json') return next();
    const body = parseInput(credentialsInput, await readJsonObject(c, ACCOUNT_BODY_BYTES));
    const user = await logIn(ctx, address(c), body.email, body.password);
    await startSession(ctx, c, user.id);
    return c.json({ user: userJson(user) });
  });

  app.post('/dash/logout', async (c, next) => {
    if (mediaType(c) !== 'application/json') return next();
    await endSession(ctx, c);
    return c.json({ ok: true });
  });

  // Instant's CLI calls this with any user token, OAuth access tokens included (docs/api.md §5).
  app.get('/dash/me', async (c) => {
    const user = requireUser(await authenticate(ctx, c));
    return c.json({ user: userJson(user) });
  });

  // Everything below manages the account itself: a session or a personal access token, never an
  // OAuth access token (an app the user signed in to must not mint tokens or register clients).
  const accountOnly: MiddlewareHandler<Env> = async (c, next) => {
    const principal = await authenticate(ctx, c);
    if (principal.kind === 'access') {
      throw ApiError.forbidden('OAuth access tokens cannot manage account settings; use a personal access token or the dashboard', {
        'token-type': 'access',
      });
    }
    const user = requireUser(principal);
    const m = c.req.method;
    if (principal.kind === 'session' && m !== 'GET' && m !== 'HEAD' && m !== 'DELETE' && mediaType(c) !== 'application/json') {
      throw new ApiError(415, 'param-malformed', 'Send the body as application/json', { 'content-type': 'application/json' });
    }
    c.set('principal', principal);
    c.set('user', user);
    await next();
  };
  for (const p of ['/dash/personal_access_tokens', '/dash/oauth_apps', '/dash/authorized_apps']) {
    app.use(p, accountOnly);
    app.use(`${p}/*`, accountOnly);
  }
  const body = (c: Context) => readJsonObject(c, ACCOUNT_BODY_BYTES);

  // Personal access tokens.
  app.post('/dash/personal_access_tokens', async (c) => {
    const input = parseInput(personalTokenInput, await body(c));
    const { token, record } = await createPersonalToken(ctx, c.var.user.id, input);
    return c.json({ token, id: record.id, personal_access_token: personalTokenJson(record) }, 200, { 'Cache-Control': 'no-store' });
  });
  app.get('/dash/personal_access_tokens', async (c) => {
    const tokens = await listPersonalTokens(ctx, c.var.user.id);
    return c.json({ personal_access_tokens: tokens.map(personalTokenJson) });
  });
  app.delete('/dash/personal_access_tokens/:id', async (c) => {
    await revokePersonalToken(ctx, c.var.user.id, c.req.param('id'));
    return c.json({ ok: true });
  });

  // OAuth apps.
  app.post('/dash/oauth_apps', async (c) => {
    const input = parseInput(oauthAppInput, await body(c));
    return c.json({ oauthApp: oauthAppJson(await createOAuthApp(ctx, c.var.user.id, input)) });
  });
  app.get('/dash/oauth_apps', async (c) => {
    const apps = await listOAuthApps(ctx, c.var.user.id);
    return c.json({ oauthApps: apps.map(oauthAppJson) });
  });
  app.get('/dash/oauth_apps/:id', async (c) => {
    return c.json({ oauthApp: oauthAppJson(await getOAuthApp(ctx, c.var.user.id, c.req.param('id'))) });
  });
  const update = async (c: Context<Env>) => {
    const patch = parseInput(oauthAppPatch, await body(c));
    return c.json({ oauthApp: oauthAppJson(await updateOAuthApp(ctx, c.var.user.id, c.req.param('id')!, patch)) });
  };
  app.patch('/dash/oauth_apps/:id', update);
  app.post('/dash/oauth_apps/:id', update);
  app.delete('/dash/oauth_apps/:id', async (c) => {
    await deleteOAuthApp(ctx, c.var.user.id, c.req.param('id'));
    return c.json({ ok: true });
  });

  // Clients of an app.
  app.post('/dash/oauth_apps/:id/clients', async (c) => {
    const input = parseInput(clientInput, await body(c));
    const { client, clientSecret } = await createClient(ctx, c.var.user.id, c.req.param('id'), input);
    return c.json({ client: clientJson(client), ...(clientSecret ? { client_secret: clientSecret } : {}) }, 200, { 'Cache-Control': 'no-store' });
  });
  app.get('/dash/oauth_apps/:id/clients/:client_id', async (c) => {
    return c.json({ client: clientJson(await getClient(ctx, c.var.user.id, c.req.param('id'), c.req.param('client_id'))) });
  });
  app.delete('/dash/oauth_apps/:id/clients/:client_id', async (c) => {
    await deleteClient(ctx, c.var.user.id, c.req.param('id'), c.req.param('client_id'));
    return c.json({ ok: true });
  });
  app.post('/dash/oauth_apps/:id/clients/:client_id/redirect_uris', async (c) => {
    const { redirect_uri } = parseInput(redirectUriInput, await body(c));
    const client = await addRedirectUri(ctx, c.var.user.id, c.req.param('id'), c.req.param('client_id'), redirect_uri);
    return c.json({ client: clientJson(client) });
  });
  // The URI to remove comes in `?redirect_uri=` or a JSON body `{"redirect_uri"}`.
  app.delete('/dash/oauth_apps/:id/clients/:client_id/redirect_uris', async (c) => {
    const fromQuery = c.req.query('redirect_uri');
    const { redirect_uri } = parseInput(redirectUriInput, fromQuery !== undefined ? { redirect_uri: fromQuery } : await body(c));
    const client = await removeRedirectUri(ctx, c.var.user.id, c.req.param('id'), c.req.param('client_id'), redirect_uri);
    return c.json({ client: clientJson(client) });
  });
  app.post('/dash/oauth_apps/:id/clients/:client_id/secrets', async (c) => {
    const [appId, clientId] = [c.req.param('id'), c.req.param('client_id')];
    const { clientSecret, secretId } = await rotateClientSecret(ctx, c.var.user.id, appId, clientId);
    const client = await getClient(ctx, c.var.user.id, appId, clientId);
    return c.json({ client: clientJson(client), client_secret: clientSecret, secret_id: secretId }, 200, { 'Cache-Control': 'no-store' });
  });
  app.delete('/dash/oauth_apps/:id/clients/:client_id/secrets/:secret_id', async (c) => {
    const client = await revokeClientSecret(ctx, c.var.user.id, c.req.param('id'), c.req.param('client_id'), c.req.param('secret_id'));
    return c.json({ client: clientJson(client) });
  });

  // Apps the user has authorized.
  app.get('/dash/authorized_apps', async (c) => {
    const apps = await listAuthorizedApps(ctx, c.var.user.id);
    return c.json({ authorized_apps: apps.map(authorizedAppJson) });
  });
  app.delete('/dash/authorized_apps/:oauth_app_id', async (c) => {
    await revokeAuthorizedApp(ctx, c.var.user.id, c.req.param('oauth_app_id'));
    return c.json({ ok: true });
  });

  return app;
}
