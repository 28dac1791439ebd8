import type { Context } from 'hono';
import { clientAddress } from '../http/client-address.ts';
import { getCookie, setCookie } from 'hono/cookie';
import type { Ctx } from '../../domain/context.ts';
import {AUDIT_COLUMNS, eventValues } from '../../domain/audit/events.ts';
import { inSeconds, nowDate } from '../../domain/context.ts';
import { cookieName, cookieOptions, sessionIdHash } from '../http/session-cookie.ts';
import { liveSession, type LiveSessionRow } from '../../domain/accounts/sessions.ts';
import { issueBinding, isIssuedBinding } from '../http/csrf.ts';
import { MAX_OAUTH_BODY_BYTES, readBytes } from '../http/body.ts';
import type { OAuthErrorCode } from '../../domain/errors.ts';
import { generateToken, hashToken } from '../../domain/tokens.ts';
import { CLIENT_FROM, CLIENT_ID, CLIENT_SELECT, getClient, type Client } from '../../domain/oauth/clients.ts';
import { isMetadataClientId, resolveMetadataClient } from '../../domain/oauth/client-metadata.ts';
import { CODE_COLUMNS, mintCode, redirectWith } from '../../domain/oauth/codes.ts';
import { ErrorHtml, safeHomePage } from './consent.tsx';
import { TO_DASHBOARD, type NextStep } from '../dashboard/layout.tsx';
import { liveGrantCovering } from '../../domain/oauth/grants.ts';
import { PageError } from './page-error.tsx';
import { challengeProblem } from '../../domain/oauth/pkce.ts';
import { matchRedirectUri, redirectUriProblem } from '../../domain/oauth/redirect-uris.ts';
import { parseScope } from '../../domain/oauth/scopes.ts';
import { audienceOf, mcpResource } from '../mcp/audience.ts';

/** The cookie that binds a pending authorization request to the browser that started it. */
export const BROWSER_COOKIE = 'instant_oauth_browser';
export const REQUEST_TTL_S = 600;
const PROMPTS = ['none', 'login', 'consent', 'select_account'];
const VSCHAR = /^[\x20-\x7e]+$/;


/** SQL types of AUDIT_COLUMNS (domain/audit/events.ts), for event rows passed as parameters of an `insert … select`. */
const AUDIT_TYPES: Record<string, string> = {
  at: 'timestamptz',
  event: 'text',
  outcome: 'text',
  actor: 'text',
  user_id: 'uuid',
  client_id: 'text',
  oauth_app_id: 'uuid',
  address: 'text',
  details: 'jsonb',
};

/** `$n::type, …` for one event's values (eventValues) starting at parameter `first`. */
export function auditParams(first: number): string {
  return AUDIT_COLUMNS.split(',')
    .map((col, i) => `$${first + i}::${AUDIT_TYPES[col.trim()]}`)
    .join(', ');
}

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

type Checked = { ok: true; scopes: string[]; prompts: string[] } | { ok: false; error: OAuthErrorCode; description: string };

/**
 * The parameter checks of RFC 6749 §4.1.1 / OIDC Core §3.1.2.1 after the client and redirect URI are known
 * good, in order; the first problem is the answer. With `client` null, the checks that need it (scopes the
 * app may request, PKCE for public clients) are skipped: "valid whatever the client".
 */
function checkParams(p: Record<string, string>, repeated: string | null, client: Client | null): Checked {
  const no = (error: OAuthErrorCode, description: string): Checked => ({ ok: false, error, description });
  if (repeated) return no('invalid_request', `parameter ${repeated} is repeated`);
  if (p.request !== undefined) return no('request_not_supported', 'request objects are not supported'); // OIDC Core §6.1
  if (p.request_uri !== undefined) return no('request_uri_not_supported', 'request_uri is not supported'); // OIDC Core §6.2
  if (p.response_type !== 'code') return no('unsupported_response_type', 'response_type must be code');
  if (p.response_mode !== undefined && p.response_mode !== 'query') return no('invalid_request', 'response_mode must be query');
  const state = p.state;
  if (!state) return no('invalid_request', 'state is required');
  // RFC 6749 Appendix A.5: state = 1*VSCHAR; OIDC nonce likewise printable ASCII here.
  if (state.length > 2048 || !VSCHAR.test(state)) return no('invalid_request', 'state must be 1 to 2048 printable ASCII characters');
  const scope = parseScope(p.scope, client?.app_allowed_scopes ?? null);
  if (!scope.ok) return no('invalid_scope', scope.description);
  const pkce = challengeProblem(p.code_challenge, p.code_challenge_method);
  if (pkce) return no('invalid_request', pkce);
  // OAuth 2.1 §4.1.1, RFC 9700 §2.1.1: public clients must use PKCE.
  if (client?.is_public && !p.code_challenge) return no('invalid_request', 'code_challenge is required for public clients');
  if (p.nonce !== undefined && (p.nonce.length > 512 || !VSCHAR.test(p.nonce))) return no('invalid_request', 'nonce must be 1 to 512 printable ASCII characters');
  if (p.resource !== undefined && resourceProblem(p.resource)) return no('invalid_target', resourceProblem(p.resource)!); // RFC 8707 §2
  const prompts = (p.prompt ?? '').split(' ').filter(Boolean);
  if (prompts.some((x) => !PROMPTS.includes(x))) return no('invalid_request', 'unsupported prompt value');
  if (prompts.includes('none') && prompts.length > 1) return no('invalid_request', 'prompt=none cannot be combined with other values'); // OIDC Core §3.1.2.1
  if (p.max_age !== undefined && !/^\d{1,9}$/.test(p.max_age)) return no('invalid_request', 'max_age must be a non-negative integer');
  return { ok: true, scopes: scope.scopes, prompts };
}

/** The values of an `authorization_requests` row ($1…$12 of STORE_REQUEST's insert). */
function requestRow(ctx: Ctx, idHash: string, browserHash: string, p: Record<string, string>, checked: { scopes: string[]; prompts: string[] }): unknown[] {
  return [
    idHash,
    browserHash,
    p.client_id,
    p.redirect_uri,
    checked.scopes,
    p.state,
    p.code_challenge ?? null,
    p.nonce ?? null,
    p.resource ?? null,
    checked.prompts.join(' ') || null,
    nowDate(ctx),
    inSeconds(ctx, REQUEST_TTL_S),
  ];
}

const REQUEST_COLUMNS = 'id_hash, browser_hash, client_id, redirect_uri, scopes, state, code_challenge, nonce, resource, prompt, created_at, expires_at';

/**
 * One statement for the usual request: the client, and the request stored when the client accepts it
 * as `startEndpoint` would (exactly registered redirect URI, app not suspended, scopes the app may request,
 * PKCE if public). `stored` says whether it was. The checks in code still decide: a request they refuse
 * is deleted again (its random id was never shown, so it could not have been used), one they accept that
 * the statement did not store (a loopback redirect on another port) is inserted.
 */
const LOOK_UP_AND_STORE = `
  with c as (select ${CLIENT_SELECT} from ${CLIENT_FROM} where c.client_id = $3),
  stored as (
    insert into authorization_requests (${REQUEST_COLUMNS})
    select $1, $2, c.client_id, $4, $5, $6, $7, $8, $9, $10, $11, $12 from c
     where $4 = any(c.redirect_uris) and c.app_status <> 'suspended'
       and (c.app_allowed_scopes is null or $5::text[] <@ c.app_allowed_scopes)
       and (not c.is_public or $7::text is not null)
    returning 1
  )
  select c.*, exists (select 1 from stored) as stored from c`;

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
  let client: Client | null;
  let stored = false;
  if (oneStatement) {
    const row = await ctx.db.one<Client & { stored: boolean }>(LOOK_UP_AND_STORE, requestRow(ctx, hashToken(id), hashToken(binding.value), p, draft));
    if (row) ({ stored, ...client } = row);
    else client = null;
  } else {
    client = await getClient(ctx, p.client_id);
  }
  const answer = await authorizationAnswer(ctx, c, p, repeated, client);
  if (answer instanceof Response) {
    // Not expected (the statement's conditions are the checks'), but a refused request must not stay stored.
    if (stored) await ctx.db.query(`delete from authorization_requests where id_hash = $1`, [hashToken(id)]);
    return answer;
  }
  if (answer.prompts.includes('none')) return silentAuthorization(ctx, c, answer.request);
  if (!stored) {
    await ctx.db.query(`insert into authorization_requests (${REQUEST_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, requestRow(ctx, hashToken(id), hashToken(binding.value), p, answer));
  }
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

function resourceProblem(resource: string): string | null {
  if (!VSCHAR.test(resource)) return 'resource must be an absolute URI';
  try {
    const u = new URL(resource);
    if (resource.includes('#')) return 'resource must not contain a fragment';
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'resource must be an http(s) URI';
    return resource.length > 2000 ? 'resource is too long' : null;
  } catch {
    return 'resource must be an absolute URI';
  }
}

interface PendingRequest {
  client: Client;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string | null;
  nonce: string | null;
  resource: string | null;
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
  const m = mintCode(ctx);
  const event = eventValues(ctx, {
    event: 'code.issued',
    actor: userId,
    userId,
    clientId: r.client.client_id,
    oauthAppId: r.client.oauth_app_id,
    address: clientAddress(c),
    details: { scopes: r.scopes, grant_id: grant.id, prompt: 'none' },
  });
  // The code and its audit event in one statement: both or neither.
  await ctx.db.query(
    `with code as (
       insert into authorization_codes (${CODE_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning 1
     )
     insert into audit_events (${AUDIT_COLUMNS}) select ${auditParams(13)} from code`,
    [m.hash, grant.id, r.client.client_id, userId, r.redirectUri, r.scopes, r.codeChallenge, r.nonce, r.resource, session.auth_time, m.createdAt, m.expiresAt, ...event],
  );
  return redirectWith(ctx, r.redirectUri, { code: m.code, state: r.state, scope: r.scopes.join(' ') });
}
