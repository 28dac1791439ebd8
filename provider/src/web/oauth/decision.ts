import type { Context } from 'hono';
import { clientAddress } from '../http/client-address.ts';
import type { Ctx } from '../../domain/context.ts';
import { sessionIdHash } from '../http/session-cookie.ts';
import { sessionUserOf } from '../../domain/accounts/sessions.ts';
import type { LiveSessionRow } from '../../store/sessions.ts';
import { MAX_OAUTH_BODY_BYTES, readBytes } from '../http/body.ts';
import { CSRF_FIELD, csrfToken, csrfValid } from '../http/csrf.ts';
import type { OAuthErrorCode } from '../../domain/errors.ts';
import { hashToken } from '../../domain/tokens.ts';
import { browserBindingCookie, consentPath, errorPage, suspendedPage } from './authorize.ts';
import type { Client } from '../../domain/oauth/clients.ts';
import { redirectWith } from '../../domain/oauth/codes.ts';
import { allow, allowAtOnce, answer, answerOf, deny, pending, type Answer, type RequestRow } from '../../domain/oauth/consent.ts';
import { ConsentPage } from './consent.tsx';
import { audienceOf } from '../mcp/audience.ts';
import { scopesCover } from '../../domain/oauth/scopes.ts';
import { PageError } from './page-error.tsx';
import { listApps } from '../../domain/platform/apps.ts';
import { appAccessFromForm, scopesReachApps, type AppAccess } from '../../domain/platform/grant-apps.ts';

/** The login page names the app of the sign-in it continues (web/dashboard). */
export { askingApp } from '../../domain/oauth/authorization.ts';

const EXPIRED = 'This sign-in request has expired, was already answered, or was started in another browser. Go back to the app and start again.';

function loginRedirect(c: Context, requestId: string): Response {
  return c.redirect(`/dash/login?next=${encodeURIComponent(consentPath(requestId))}`, 303);
}

function browserHash(ctx: Ctx, c: Context): string | null {
  const v = browserBindingCookie(ctx, c);
  return v === null ? null : hashToken(v);
}

// Also in SQL in the one-statement Allow (store/authorization-requests.ts allowAtOnce): change both.
function testModeBlock(client: Client, userId: string): string | undefined {
  // docs/security.md §12: an app in test mode can only be authorized by its owner.
  if (client.app_status === 'test' && client.app_owner_id !== userId) {
    return `${client.app_name} is in test mode: only its developer can authorize it. Use the account that owns the app, or ask its developer to publish it.`;
  }
  return undefined;
}

// Also in SQL in the one-statement Allow (store/authorization-requests.ts allowAtOnce): change both.
function needsReauthentication(row: RequestRow, authTime: Date | null): boolean {
  // OIDC Core §3.1.2.1 prompt=login: the session must be newer than the request.
  return (row.prompt ?? '').split(' ').includes('login') && (!authTime || authTime <= row.created_at);
}

/** `GET /platform/oauth/consent?request=…`: the consent page for a pending request of this browser. */
export async function consentPage(ctx: Ctx, c: Context): Promise<Response> {
  const id = c.req.query('request');
  const bh = browserHash(ctx, c);
  if (!id || id.length > 100 || !bh) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  const sid = await sessionIdHash(ctx, c);
  const { request: row, session, grantScopes, appAccess } = await pending(ctx, id, bh, sid);
  if (!row) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  const client = row.client;
  if (client.app_status === 'suspended') return suspendedPage(c, client);
  if (!session) return loginRedirect(c, id);
  const user = sessionUserOf(ctx, session);
  const blocked = testModeBlock(client, user.id);
  // The user already allowed this app these scopes (a live grant covers them): no second question, unless the
  // app asks for one (prompt=consent, OIDC Core §3.1.2.1) or the user must sign in again first (docs/pages.md §3).
  const remembered = grantScopes !== null && scopesCover(grantScopes, row.scopes) && !(row.prompt ?? '').split(' ').includes('consent');
  if (!blocked && remembered && !needsReauthentication(row, session.auth_time)) {
    return allowAndRedirect(ctx, c, answerOf(ctx, id, bh, user.id, sid), row, session, { remembered: true });
  }
  const page = ConsentPage({
    requestId: id,
    csrf: await csrfToken(ctx, c),
    userEmail: user.email,
    appName: client.app_name,
    homePage: client.app_home_page,
    logo: client.app_logo,
    redirectUri: row.redirect_uri,
    scopes: row.scopes,
    unverified: client.app_dynamic,
    testMode: client.app_status === 'test',
    agent: audienceOf(ctx.config.issuer, row.resource) === 'mcp',
    blocked,
    reauthenticate: !blocked && needsReauthentication(row, session.auth_time),
    returnTo: consentPath(id),
    appAccess,
  });
  return c.html(page, blocked ? 403 : 200);
}

/** The consent form's fields (the last of a repeated one); a body over the limit is a 413 page. */
async function formFields(c: Context): Promise<Record<string, string>> {
  const bytes = await readBytes(c, MAX_OAUTH_BODY_BYTES, PageError.tooLarge);
  try {
    const form = await new Response(bytes, { headers: { 'Content-Type': c.req.header('content-type') ?? '' } }).formData();
    const out: Record<string, string> = {};
    for (const [k, v] of form) if (typeof v === 'string' && !k.endsWith('[]')) out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** `POST /platform/oauth/consent`: Allow or Deny, answered with a 303 to the client (RFC 6749 §4.1.2). */
export async function consentDecision(ctx: Ctx, c: Context): Promise<Response> {
  const f = await formFields(c);
  if (!(await csrfValid(ctx, c, f[CSRF_FIELD]))) {
    return errorPage(c, 403, 'Form expired', 'The form has expired or did not come from this site. Go back, reload the page and try again.');
  }
  const id = f.request;
  const bh = browserHash(ctx, c);
  if (!id || id.length > 100 || !bh) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  if (f.decision !== 'allow' && f.decision !== 'deny') return errorPage(c, 400, 'Invalid answer', 'Choose Allow or Deny.');
  const sid = await sessionIdHash(ctx, c);
  if (sid !== null && f.decision === 'allow' && f.app_access === undefined) {
    // The usual click: one statement answers, grants and issues the code. When anything stands in the way it writes
    // nothing, and the general path below reads the request and answers as it should.
    const done = await allowAtOnce(ctx, id, bh, sid, clientAddress(c));
    if (done) return codeRedirect(ctx, done, done.code);
  }
  const { request: row, session } = await pending(ctx, id, bh, sid);
  if (!session) return loginRedirect(c, id);
  const expired = () => errorPage(c, 400, 'Sign-in expired', EXPIRED);
  if (!row) return expired();
  const client = row.client;
  const userId = session.user_id;
  // Single use: only one answer to a request counts; every outcome below answers it first.
  const a = answerOf(ctx, id, bh, userId, sid);
  const answered = () => answer(ctx, a);
  if (client.app_status === 'suspended') {
    return (await answered()) ? suspendedPage(c, client) : expired();
  }
  const fail = (error: OAuthErrorCode, description: string) => redirectWith(ctx, row.redirect_uri, { error, error_description: description, state: row.state });
  const who = { actor: userId, userId, clientId: client.client_id, oauthAppId: client.oauth_app_id, address: clientAddress(c) };
  if (f.decision === 'deny') {
    // The answer and its audit event in one statement: both or neither.
    return (await deny(ctx, a, who, row.scopes)) ? fail('access_denied', 'the user denied the request') : expired();
  }
  if (testModeBlock(client, userId)) {
    return (await answered()) ? fail('access_denied', 'this app is in test mode; only its owner may authorize it') : expired();
  }
  if (needsReauthentication(row, session.auth_time)) {
    return (await answered()) ? fail('login_required', 'the user did not sign in again') : expired();
  }
  // Which apps the grant reaches, when the page asked (absent: the stored choice stays). Picks are kept to the user's apps.
  let choice: AppAccess | undefined;
  if (scopesReachApps(row.scopes) && f.app_access !== undefined) {
    const reachable = f.app_access === 'selected' ? (await listApps(ctx, userId)).map((a) => a.id) : [];
    try {
      choice = appAccessFromForm(f, reachable);
    } catch {
      return errorPage(c, 400, 'Invalid answer', 'Choose which of your apps it may reach: all, only the ones it creates, or the ones you pick.');
    }
  }
  return allowAndRedirect(ctx, c, a, row, session, {}, choice);
}

/** Allow (domain/oauth/consent.ts `allow`), answered with a 303 carrying the code (RFC 6749 §4.1.2). */
async function allowAndRedirect(
  ctx: Ctx,
  c: Context,
  a: Answer,
  row: RequestRow & { client: Client },
  session: LiveSessionRow,
  how: { remembered?: true } = {},
  choice?: AppAccess,
): Promise<Response> {
  const code = await allow(ctx, a, row, session, clientAddress(c), how, choice);
  if (code === null) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  return codeRedirect(ctx, row, code);
}

/** The 303 back to the client with the code (RFC 6749 §4.1.2). */
function codeRedirect(ctx: Ctx, row: Pick<RequestRow, 'redirect_uri' | 'state' | 'scopes'>, code: string): Response {
  return redirectWith(ctx, row.redirect_uri, { code, state: row.state, scope: row.scopes.join(' ') });
}
