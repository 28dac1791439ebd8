/** @jsxImportSource hono/jsx */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { changeAuthorizedAppAccess, listAuthorizedApps, revokeAuthorizedApp } from '../../domain/accounts/authorized-apps.ts';
import { listApps } from '../../domain/platform/apps.ts';
import {
  addRedirectUri,
  createClient,
  createOAuthApp,
  deleteClient,
  deleteOAuthApp,
  getOAuthApp,
  listOAuthApps,
  removeRedirectUri,
  revokeClientSecret,
  rotateClientSecret,
  updateOAuthApp,
} from '../../domain/accounts/oauth-apps.ts';
import { createPersonalToken, listPersonalTokens, revokePersonalToken } from '../../domain/accounts/personal-tokens.ts';
import { mediaType } from '../accounts/routes.ts';
import { endSession, sessionUser, startSession } from '../http/session-cookie.ts';
import { logIn } from '../../domain/accounts/sign-in.ts';
import type { User } from '../../domain/accounts/users.ts';
import { clientInput, oauthAppInput, oauthAppPatch, parseInput, personalTokenInput, redirectUriInput } from '../../domain/accounts/validation.ts';
import type { Ctx } from '../../domain/context.ts';
import { nowDate } from '../../domain/context.ts';
import { clientAddress } from '../http/client-address.ts';
import { csrfToken, requireCsrf } from '../http/csrf.ts';
import { ApiError } from '../../domain/errors.ts';
import { askingApp } from '../oauth/decision.ts';
import { HomePage, LoginPage, SignupPage } from './auth-pages.tsx';
import { registerEmailRoutes } from './email-routes.tsx';
import { formFile, readForm, safeNext, seeOther, setFlash, takeFlash, type Flash } from './forms.ts';
import { logoDataUrl } from './logo-upload.ts';
import { ErrorPage } from './layout.tsx';
import { OAuthAppPage, OAuthAppsPage } from './settings-oauth-apps.tsx';
import { accountSettingsRoutes } from './settings-account.tsx';
import { AuthorizedAppsPage, TokensPage } from './settings-tokens.tsx';

const ERROR_TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
  415: 'Unsupported form',
  429: 'Too many attempts',
};

const loginPath = (next: string | undefined) => (next ? `/dash/login?next=${encodeURIComponent(next)}` : '/dash/login');

type FormHandler = (c: Context, user: User, form: Record<string, string>) => Promise<Response>;

/**
 * Server-rendered dashboard pages (hono/jsx, no scripts). Every form carries a CSRF token and every
 * processed post answers 303 (post/redirect/get): form errors and secrets shown once travel in a sealed,
 * short-lived flash cookie. Security headers for HTML are applied globally (web/http/security-headers.ts).
 */
export function dashboardRoutes(ctx: Ctx): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      const title = ERROR_TITLES[err.status] ?? 'Something went wrong';
      return c.html(<ErrorPage title={title} message={err.message} />, err.status as ContentfulStatusCode, err.headers);
    }
    ctx.log.error('dashboard error', { path: c.req.path, method: c.req.method, error: err instanceof Error ? err.message : String(err) });
    return c.html(<ErrorPage title="Something went wrong" message="The server could not complete the request. Try again in a moment." />, 500);
  });

  /** Renders a page for the signed-in user, or sends a signed-out visitor to log in and come back. */
  const page = (render: (c: Context, user: User, csrf: string, flash: Flash) => Promise<Response>) => async (c: Context) => {
    const user = await sessionUser(ctx, c);
    if (!user) return seeOther(c, loginPath(c.req.path));
    return render(c, user, await csrfToken(ctx, c), await takeFlash(ctx, c));
  };

  /**
   * A settings form post: CSRF first, then the session. A refused input (400) goes back to `back`
   * with its message; any other error renders an error page.
   */
  const post = (back: (c: Context) => string, handler: FormHandler) => async (c: Context) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    const user = await sessionUser(ctx, c);
    if (!user) return seeOther(c, loginPath(back(c)));
    try {
      return await handler(c, user, form);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        await setFlash(ctx, c, { error: err.message });
        return seeOther(c, back(c));
      }
      throw err;
    }
  };

  app.get('/dash', page(async (c, user, csrf, flash) => {
    const [tokens, apps, authorized] = await Promise.all([listPersonalTokens(ctx, user.id), listOAuthApps(ctx, user.id), listAuthorizedApps(ctx, user.id)]);
    const now = nowDate(ctx);
    const live = tokens.filter((t) => !t.expires_at || t.expires_at > now).length;
    return c.html(<HomePage user={user} csrf={csrf} flash={flash} counts={{ tokens: live, oauthApps: apps.length, authorizedApps: authorized.length }} />);
  }));

  // Sign-in, sign-up and sign-out. A JSON body to the same paths is answered by web/accounts/routes.ts.
  const authPage = (Page: typeof LoginPage) => async (c: Context) => {
    const next = safeNext(ctx.config.issuer, c.req.query('next'));
    const signedIn = await sessionUser(ctx, c);
    return c.html(<Page csrf={await csrfToken(ctx, c)} next={next} flash={await takeFlash(ctx, c)} signedIn={signedIn} asking={await askingApp(ctx, next)} />);
  };
  app.get('/dash/login', authPage(LoginPage));
  app.get('/dash/signup', authPage(SignupPage));

  const authPost = (attempt: typeof logIn, retry: (next: string | undefined) => string) => async (c: Context) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    const next = safeNext(ctx.config.issuer, form.next ?? c.req.query('next'));
    const email = form.email ?? '';
    try {
      const user = await attempt(ctx, clientAddress(c), email, form.password ?? '');
      await startSession(ctx, c, user.id);
      return seeOther(c, next ?? '/dash');
    } catch (err) {
      // Wrong credentials or a refused sign-up: back to the form with the message (rate limits: an error page with Retry-After).
      if (err instanceof ApiError && (err.status === 400 || err.status === 401)) {
        await setFlash(ctx, c, { error: err.message, email: email.trim().slice(0, 254) });
        return seeOther(c, retry(next));
      }
      throw err;
    }
  };
  app.post('/dash/login', authPost(logIn, loginPath));
  // Sign-up (it never signs in), verifying an address, forgot / reset password: email-routes.tsx.
  registerEmailRoutes(app, ctx);

  app.post('/dash/logout', async (c) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    await endSession(ctx, c);
    return seeOther(c, loginPath(safeNext(ctx.config.issuer, form.next)));
  });

  // Settings: personal access tokens.
  app.get('/dash/settings', (c) => seeOther(c, '/dash/settings/tokens'));
  app.get('/dash/settings/tokens', page(async (c, user, csrf, flash) => {
    const tokens = await listPersonalTokens(ctx, user.id);
    return c.html(<TokensPage user={user} csrf={csrf} flash={flash} now={nowDate(ctx)} tokens={tokens} />);
  }));
  const toTokens = () => '/dash/settings/tokens';
  app.post('/dash/settings/tokens', post(toTokens, async (c, user, form) => {
    const input = parseInput(personalTokenInput, { name: form.name, expires_in_days: form.expires_in_days });
    const { token, record } = await createPersonalToken(ctx, user.id, input);
    await setFlash(ctx, c, { secret: { label: `Your new token "${record.name}":`, value: token } });
    return seeOther(c, toTokens());
  }));
  app.post('/dash/settings/tokens/:id/revoke', post(toTokens, async (c, user) => {
    await revokePersonalToken(ctx, user.id, c.req.param('id')!);
    await setFlash(ctx, c, { notice: 'Token revoked. Anything using it has lost access.' });
    return seeOther(c, toTokens());
  }));

  // Settings: OAuth apps and their clients.
  app.get('/dash/settings/oauth-apps', page(async (c, user, csrf, flash) => {
    return c.html(<OAuthAppsPage user={user} csrf={csrf} flash={flash} apps={await listOAuthApps(ctx, user.id)} />);
  }));
  app.post('/dash/settings/oauth-apps', post(() => '/dash/settings/oauth-apps', async (c, user, form) => {
    const file = formFile(c, 'logo');
    const input = parseInput(oauthAppInput, { name: form.name, home_page: form.home_page, logo: file ? await logoDataUrl(file) : form.logo, support_email: form.support_email });
    const created = await createOAuthApp(ctx, user.id, input);
    await setFlash(ctx, c, { notice: `Registered ${created.name}. Add a client to get a client ID.` /* the page says it is in test mode */ });
    return seeOther(c, `/dash/settings/oauth-apps/${created.id}`);
  }));
  app.get('/dash/settings/oauth-apps/:id', page(async (c, user, csrf, flash) => {
    const oauthApp = await getOAuthApp(ctx, user.id, c.req.param('id')!);
    return c.html(<OAuthAppPage user={user} csrf={csrf} flash={flash} app={oauthApp} />);
  }));
  const toApp = (c: Context) => `/dash/settings/oauth-apps/${encodeURIComponent(c.req.param('id')!)}`;
  app.post('/dash/settings/oauth-apps/:id', post(toApp, async (c, user, form) => {
    // A chosen file replaces the logo, "Remove the logo" clears it, neither keeps it (a file input cannot show the current one).
    const file = formFile(c, 'logo');
    const logo = file ? await logoDataUrl(file) : form.remove_logo ? '' : mediaType(c) === 'multipart/form-data' ? undefined : (form.logo ?? '');
    const patch = parseInput(oauthAppPatch, { name: form.name, home_page: form.home_page ?? '', logo, support_email: form.support_email ?? '' });
    await updateOAuthApp(ctx, user.id, c.req.param('id')!, patch);
    await setFlash(ctx, c, { notice: 'Saved.' });
    return seeOther(c, toApp(c));
  }));
  app.post('/dash/settings/oauth-apps/:id/delete', post(toApp, async (c, user) => {
    await deleteOAuthApp(ctx, user.id, c.req.param('id')!);
    await setFlash(ctx, c, { notice: 'App deleted; every token it issued has ended.' });
    return seeOther(c, '/dash/settings/oauth-apps');
  }));
  app.post('/dash/settings/oauth-apps/:id/clients', post(toApp, async (c, user, form) => {
    const uris = (form.redirect_uris ?? '').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    const input = parseInput(clientInput, { name: form.name, redirect_uris: uris, public: form.public === '1' });
    const { client, clientSecret } = await createClient(ctx, user.id, c.req.param('id')!, input);
    await setFlash(ctx, c, {
      notice: `Client "${client.name}" added. Its client ID is ${client.client_id}.`,
      ...(clientSecret ? { secret: { label: `Client secret of "${client.name}":`, value: clientSecret } } : {}),
    });
    return seeOther(c, toApp(c));
  }));
  const clientOf = (c: Context) => [c.req.param('id')!, c.req.param('client_id')!] as const;
  app.post('/dash/settings/oauth-apps/:id/clients/:client_id/redirect-uris', post(toApp, async (c, user, form) => {
    const { redirect_uri } = parseInput(redirectUriInput, { redirect_uri: form.redirect_uri });
    await addRedirectUri(ctx, user.id, ...clientOf(c), redirect_uri.trim());
    await setFlash(ctx, c, { notice: 'Redirect URI added.' });
    return seeOther(c, toApp(c));
  }));
  app.post('/dash/settings/oauth-apps/:id/clients/:client_id/redirect-uris/remove', post(toApp, async (c, user, form) => {
    const { redirect_uri } = parseInput(redirectUriInput, { redirect_uri: form.redirect_uri });
    await removeRedirectUri(ctx, user.id, ...clientOf(c), redirect_uri);
    await setFlash(ctx, c, { notice: 'Redirect URI removed.' });
    return seeOther(c, toApp(c));
  }));
  app.post('/dash/settings/oauth-apps/:id/clients/:client_id/secrets', post(toApp, async (c, user) => {
    const { clientSecret } = await rotateClientSecret(ctx, user.id, ...clientOf(c));
    await setFlash(ctx, c, {
      notice: 'New secret made. Both secrets work until you revoke the older one.',
      secret: { label: 'New client secret:', value: clientSecret },
    });
    return seeOther(c, toApp(c));
  }));
  app.post('/dash/settings/oauth-apps/:id/clients/:client_id/secrets/:secret_id/revoke', post(toApp, async (c, user) => {
    await revokeClientSecret(ctx, user.id, ...clientOf(c), c.req.param('secret_id')!);
    await setFlash(ctx, c, { notice: 'Secret revoked.' });
    return seeOther(c, toApp(c));
  }));
  app.post('/dash/settings/oauth-apps/:id/clients/:client_id/delete', post(toApp, async (c, user) => {
    await deleteClient(ctx, user.id, ...clientOf(c));
    await setFlash(ctx, c, { notice: 'Client deleted; every token it held has ended.' });
    return seeOther(c, toApp(c));
  }));

  // Settings: apps the user has authorized.
  app.get('/dash/settings/authorized-apps', page(async (c, user, csrf, flash) => {
    const apps = await listAuthorizedApps(ctx, user.id);
    const myApps = (await listApps(ctx, user.id)).map((a) => ({ id: a.id, title: a.title }));
    return c.html(<AuthorizedAppsPage user={user} csrf={csrf} flash={flash} now={nowDate(ctx)} apps={apps} myApps={myApps} />);
  }));
  app.post('/dash/settings/authorized-apps/:oauth_app_id/app-access', post(() => '/dash/settings/authorized-apps', async (c, user, form) => {
    await changeAuthorizedAppAccess(ctx, user.id, c.req.param('oauth_app_id')!, form);
    await setFlash(ctx, c, { notice: 'Saved. It applies from its next request.' });
    return seeOther(c, '/dash/settings/authorized-apps');
  }));
  app.post('/dash/settings/authorized-apps/:oauth_app_id/revoke', post(() => '/dash/settings/authorized-apps', async (c, user) => {
    await revokeAuthorizedApp(ctx, user.id, c.req.param('oauth_app_id')!);
    await setFlash(ctx, c, { notice: 'Access revoked; the app must ask you again.' });
    return seeOther(c, '/dash/settings/authorized-apps');
  }));

  // Settings: change password, delete account.
  accountSettingsRoutes(app, ctx, { page, post });

  return app;
}
