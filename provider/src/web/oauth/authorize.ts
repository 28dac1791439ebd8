import type { Context } from 'hono';
import { clientAddress } from '../http/client-address.ts';
import { getCookie, setCookie } from 'hono/cookie';
import type { Ctx } from '../../domain/context.ts';
import { cookieName, cookieOptions, sessionIdHash } from '../http/session-cookie.ts';
import type { LiveSessionRow } from '../../store/sessions.ts';
import { issueBinding, isIssuedBinding } from '../http/csrf.ts';
import { MAX_OAUTH_BODY_BYTES, readBytes } from '../http/body.ts';
import type { OAuthErrorCode } from '../../domain/errors.ts';
import { generateToken } from '../../domain/tokens.ts';
import { CLIENT_ID, getClient, type Client } from '../../domain/oauth/clients.ts';
import { checkParams, forgetRequest, issueSilentCode, liveSession, lookUpAndStore, newRequest, storeRequest, type PendingRequest } from '../../domain/oauth/authorization.ts';
import { isMetadataClientId, resolveMetadataClient } from '../../domain/oauth/client-metadata.ts';
import { redirectWith } from '../../domain/oauth/codes.ts';
import { ErrorHtml, safeHomePage } from './consent.tsx';
import { TO_DASHBOARD, type NextStep } from '../dashboard/layout.tsx';
import { liveGrantCovering } from '../../domain/oauth/grants.ts';
import { PageError } from './page-error.tsx';
import { matchRedirectUri, redirectUriProblem } from '../../domain/oauth/redirect-uris.ts';
import { audienceOf, mcpResource } from '../mcp/audience.ts';

/** The cookie that binds a pending authorization request to the browser that started it. */
export const BROWSER_COOKIE = 'instant_oauth_browser';

export function consentPath(requestId: string): string {
  return `/platform/oauth/consent?request=${encodeURIComponent(requestId)}`;
}

/** This browser's binding value, and whether it is new (then `setBrowserBinding` must send it). */
function browserBinding(ctx: Ctx, c: Context): { value: string; fresh: boolean } {
  const v = browserBindingCookie(ctx, c);
  return v !== null ? { value: v, fresh: false } : { value: issueBinding(ctx, 'browser'), fresh: true };
}

/** This browser's binding cookie when the server issued it (a value an attacker made up is ignored), else null. */
export function browserBindingCookie(ctx: Ctx, c: Context): string | null {
  const v = getCookie(c, cookieName(ctx, BROWSER_COOKIE));
  return isIssuedBinding(ctx, 'browser', v) ? v : null;
}

function setBrowserBinding(ctx: Ctx, c: Context, value: string): void {
  // `__Host-` cookies must have Path=/ (RFC 6265bis §4.1.3.2); on http the narrower path is kept.
  const path = ctx.config.issuer.startsWith('https:') ? '/' : '/platform/oauth';
  setCookie(c, cookieName(ctx, BROWSER_COOKIE), value, { ...cookieOptions(ctx, 86_400), path });
}

/** The live session of this request and its user (with `auth_time`, the OIDC sign-in time), or null. */
export async function signedIn(ctx: Ctx, c: Context): Promise<LiveSessionRow | null> {
  const sid = await sessionIdHash(ctx, c);
  if (sid === null) return null;
  return liveSession(ctx, sid);
}

/** An error page instead of a redirect: the redirect URI cannot be trusted (RFC 6749 §4.1.2.1, docs/security.md §2). */
export async function errorPage(c: Context, status: 400 | 403 | 404, title: string, message: string, next?: NextStep[]): Promise<Response> {
  return c.html(ErrorHtml({ title, message, next }), status);
}

/** Suspended: the way on is the app's own home page when it has a safe one, else the dashboard. */
export function suspendedPage(c: Context, client: Client): Promise<Response> {
  const home = safeHomePage(client.app_home_page);
  const next = home ? [{ href: home, label: `Go to ${client.app_name}'s home page` }, TO_DASHBOARD] : [TO_DASHBOARD];
  return errorPage(c, 403, 'App suspended', `${client.app_name} is suspended by this server's operator, so you cannot sign in to it with Instant now.`, next);
}

/**
 * The request's parameters: the query of a GET, or the form body of a POST (OIDC Core §3.1.2.1 requires
 * both), with RFC 6749 §3.1's "MUST NOT be included more than once" detected.
 */
async function requestParams(c: Context): Promise<{ params: Record<string, string>; repeated: string | null }> {
  let source = new URL(c.req.url).searchParams;
  if (c.req.method === 'POST') {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    // Only a form body is read; any body over the limit is a 413 page (PageError renders itself).
    if (Number(c.req.header('content-length') ?? 0) > MAX_OAUTH_BODY_BYTES) throw PageError.tooLarge(MAX_OAUTH_BODY_BYTES);
    const bytes = type === 'application/x-www-form-urlencoded' ? await readBytes(c, MAX_OAUTH_BODY_BYTES, PageError.tooLarge) : new ArrayBuffer(0);
    source = new URLSearchParams(new TextDecoder().decode(bytes));
  }
  const params: Record<string, string> = {};
  let repeated: string | null = null;
  for (const [k, v] of source) {
    if (k in params) repeated ??= k;
    params[k] = v;
  }
  return { params, repeated };
}

/**
 * `GET|POST /platform/oauth/start`: the authorization endpoint (RFC 6749 §4.1.1, docs/api.md §2).
 * Every interactive request goes to the consent page, which answers at once when a live grant already covers
 * the scopes (unless `prompt=consent`); `prompt=none` answers from an existing grant here, without UI.
 */
export async function startEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const { params: p, repeated } = await requestParams(c);
  if (repeated === 'client_id' || repeated === 'redirect_uri') {
    return errorPage(c, 400, 'Invalid sign-in request', `This sign-in link names its ${repeated} twice, so it is unclear where it comes from. Go back to the app and start again; if it keeps happening, tell the app's developer.`);
  }
  if (repeated !== 'client_id' && isMetadataClientId(p.client_id)) {
    const problem = await resolveMetadataClient(ctx, p.client_id);
    if (problem) return errorPage(c, 400, 'Unknown app', `This sign-in link names an app by a metadata document that could not be used: ${problem}.`);
  }
  const id = generateToken(ctx.random, 'request');
  const binding = browserBinding(ctx, c);
  // A request that is valid whatever its client (the usual case) is looked up and stored in one statement.
  const draft = checkParams(p, repeated, null);
  const oneStatement =
    draft.ok && !draft.prompts.includes('none') && p.max_age === undefined && CLIENT_ID.test(p.client_id ?? '') && p.redirect_uri !== undefined && redirectUriProblem(p.redirect_uri) === null;
  const draftRow = oneStatement && draft.ok ? newRequest(ctx, id, binding.value, p, draft) : null;
  const { client, stored } = draftRow ? await lookUpAndStore(ctx, draftRow) : { client: await getClient(ctx, p.client_id), stored: false };
  const answer = await authorizationAnswer(ctx, c, p, repeated, client);
  if (answer instanceof Response) {
    // Not expected (the statement's conditions are the checks'), but a refused request must not stay stored.
    if (stored && draftRow) await forgetRequest(ctx, draftRow);
    return answer;
  }
  if (answer.prompts.includes('none')) return silentAuthorization(ctx, c, answer.request);
  if (!stored) await storeRequest(ctx, newRequest(ctx, id, binding.value, p, answer));
  if (binding.fresh) setBrowserBinding(ctx, c, binding.value);
  return c.redirect(consentPath(id), 303);
}

/** The checks of the authorization endpoint once the client is known: an error response, or the request to remember. */
async function authorizationAnswer(
  ctx: Ctx,
  c: Context,
  p: Record<string, string>,
  repeated: string | null,
  client: Client | null,
): Promise<Response | { request: PendingRequest; scopes: string[]; prompts: string[] }> {
  const retry = "Go back to the app and start the sign-in again; if it keeps happening, tell the app's developer.";
  if (!client) {
    return p.client_id
      ? errorPage(c, 400, 'Unknown app', `This sign-in link names an app (client_id "${p.client_id.slice(0, 100)}") that this server does not know. ${retry}`)
      : errorPage(c, 400, 'Incomplete sign-in link', `This sign-in link has no client_id, so it does not say which app is asking. ${retry}`);
  }
  const redirectUri = p.redirect_uri ? matchRedirectUri(client.redirect_uris, p.redirect_uri) : null;
  if (!redirectUri || !p.redirect_uri) {
    // Never a link back: an unregistered redirect URI is exactly the address that must not be trusted.
    return p.redirect_uri
      ? errorPage(c, 400, 'Invalid redirect', `This sign-in link for ${client.app_name} would send you on to an address the app has not registered (${p.redirect_uri.slice(0, 200)}), so it was stopped. ${retry}`)
      : errorPage(c, 400, 'Incomplete sign-in link', `This sign-in link for ${client.app_name} has no redirect_uri, so there is nowhere to send you afterwards. ${retry}`);
  }
  if (client.app_status === 'suspended') return suspendedPage(c, client);
  // From here on, errors go back to the (now validated) redirect URI, exactly as requested.
  const back = p.redirect_uri;
  const fail = (error: OAuthErrorCode, description: string) => redirectWith(ctx, back, { error, error_description: description, state: p.state });
  const checked = checkParams(p, repeated, client);
  if (!checked.ok) return fail(checked.error, checked.description);
  // RFC 8707 §2: only resources this server is (docs/mcp.md §2).
  if (p.resource !== undefined && audienceOf(ctx.config.issuer, p.resource) === null) {
    return fail('invalid_target', `resource must be ${ctx.config.issuer} (the Platform API) or ${mcpResource(ctx.config.issuer)} (the MCP server)`);
  }
  const prompts = checked.prompts;
  if (p.max_age !== undefined) {
    // OIDC Core §3.1.2.1: a session older than max_age must sign in again, as with prompt=login.
    const authTime = (await signedIn(ctx, c))?.auth_time;
    if (authTime && ctx.clock.now() - authTime.getTime() > Number(p.max_age) * 1000 && !prompts.includes('login')) {
      if (prompts.includes('none')) return fail('login_required', 'the session is older than max_age');
      prompts.push('login');
    }
  }
  const request = {
    client,
    redirectUri: back,
    scopes: checked.scopes,
    state: p.state!,
    codeChallenge: p.code_challenge ?? null,
    nonce: p.nonce ?? null,
    resource: p.resource ?? null,
  };
  return { request, scopes: checked.scopes, prompts };
}

/** `prompt=none` (OIDC Core §3.1.2.6): answer without any UI, or say why UI would be needed. */
async function silentAuthorization(ctx: Ctx, c: Context, r: PendingRequest): Promise<Response> {
  const session = await signedIn(ctx, c);
  const fail = (error: OAuthErrorCode, description: string) => redirectWith(ctx, r.redirectUri, { error, error_description: description, state: r.state });
  if (!session) return fail('login_required', 'the user is not signed in');
  const userId = session.user_id;
  if (r.client.app_status === 'test' && r.client.app_owner_id !== userId) return fail('access_denied', 'this app is in test mode; only its owner may authorize it');
  const grant = await liveGrantCovering(ctx, userId, r.client.oauth_app_id, r.scopes);
  if (!grant) return fail('consent_required', 'the user has not yet allowed this app these scopes');
  const code = await issueSilentCode(ctx, r, { id: userId, authTime: session.auth_time }, grant.id, clientAddress(c));
  return redirectWith(ctx, r.redirectUri, { code, state: r.state, scope: r.scopes.join(' ') });
}
