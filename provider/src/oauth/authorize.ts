import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Ctx } from '../context.ts';
import { auditAddress, recordEvent } from '../audit/events.ts';
import { inSeconds, nowDate } from '../context.ts';
import { SESSION_COOKIE, cookieOptions, sessionUser, unseal } from '../accounts/sessions.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { getClient, type Client } from './clients.ts';
import { issueCode, redirectWith } from './codes.ts';
import { ErrorHtml } from './consent.tsx';
import { liveGrantCovering } from './grants.ts';
import { challengeProblem } from './pkce.ts';
import { matchRedirectUri } from './redirect-uris.ts';
import { parseScope } from './scopes.ts';

/** The cookie that binds a pending authorization request to the browser that started it. */
export const BROWSER_COOKIE = 'instant_oauth_browser';
export const REQUEST_TTL_S = 600;
const PROMPTS = ['none', 'login', 'consent', 'select_account'];
const VSCHAR = /^[\x20-\x7e]+$/;

export function consentPath(requestId: string): string {
  return `/platform/oauth/consent?request=${encodeURIComponent(requestId)}`;
}

/** This browser's binding value, created on first use. */
export function browserBinding(ctx: Ctx, c: Context): string {
  let v = getCookie(c, BROWSER_COOKIE);
  if (!v || !/^[A-Za-z0-9_-]{43}$/.test(v)) {
    v = generateToken(ctx.random, 'session');
    setCookie(c, BROWSER_COOKIE, v, { ...cookieOptions(ctx, 86_400), path: '/platform/oauth' });
  }
  return v;
}

/** When the current session signed in (the OIDC `auth_time`), or null without a session. */
export async function sessionAuthTime(ctx: Ctx, c: Context): Promise<Date | null> {
  const data = await unseal<{ sid: string }>(ctx, getCookie(c, SESSION_COOKIE), ctx.config.sessionTtlS);
  if (!data || typeof data.sid !== 'string') return null;
  const row = await ctx.db.one<{ created_at: Date }>(`select created_at from sessions where id_hash = $1`, [hashToken(data.sid)]);
  return row?.created_at ?? null;
}

/** An error page instead of a redirect: the redirect URI cannot be trusted (RFC 6749 §4.1.2.1, SECURITY.md 2). */
export async function errorPage(c: Context, status: 400 | 403 | 404, title: string, message: string): Promise<Response> {
  return c.html(ErrorHtml({ title, message }), status);
}

/**
 * The request's parameters: the query of a GET, or the form body of a POST (OIDC Core §3.1.2.1 requires
 * both), with RFC 6749 §3.1's "MUST NOT be included more than once" detected.
 */
async function requestParams(c: Context): Promise<{ params: Record<string, string>; repeated: string | null }> {
  let source = new URL(c.req.url).searchParams;
  if (c.req.method === 'POST') {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const text = type === 'application/x-www-form-urlencoded' && Number(c.req.header('content-length') ?? 0) <= 64 * 1024 ? await c.req.text().catch(() => '') : '';
    source = new URLSearchParams(text.length <= 64 * 1024 ? text : '');
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
 * `GET|POST /platform/oauth/start`: the authorization endpoint (RFC 6749 §4.1.1, API.md §2).
 * Consent is shown on every interactive request, even when a live grant already covers the scopes:
 * simplest and safe. Only `prompt=none` answers from an existing grant without UI.
 */
export async function startEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const { params: p, repeated } = await requestParams(c);
  if (repeated === 'client_id' || repeated === 'redirect_uri') return errorPage(c, 400, 'Invalid sign-in request', `The ${repeated} parameter is repeated.`);
  const client = await getClient(ctx, p.client_id);
  if (!client) return errorPage(c, 400, 'Unknown app', 'This sign-in link names an app that does not exist. Go back to the app and try again.');
  const redirectUri = p.redirect_uri ? matchRedirectUri(client.redirect_uris, p.redirect_uri) : null;
  if (!redirectUri || !p.redirect_uri) {
    return errorPage(c, 400, 'Invalid redirect', 'This sign-in link sends you to an address the app has not registered, so it was stopped.');
  }
  if (client.app_status === 'suspended') return errorPage(c, 403, 'App suspended', `${client.app_name} is suspended and cannot be signed in to.`);
  // From here on, errors go back to the (now validated) redirect URI, exactly as requested.
  const back = p.redirect_uri;
  const state = p.state;
  const fail = (error: string, description: string) => redirectWith(ctx, back, { error, error_description: description, state });
  if (repeated) return fail('invalid_request', `parameter ${repeated} is repeated`);
  if (p.request !== undefined) return fail('request_not_supported', 'request objects are not supported'); // OIDC Core §6.1
  if (p.request_uri !== undefined) return fail('request_uri_not_supported', 'request_uri is not supported'); // OIDC Core §6.2
  if (p.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  if (p.response_mode !== undefined && p.response_mode !== 'query') return fail('invalid_request', 'response_mode must be query');
  if (!state) return fail('invalid_request', 'state is required');
  // RFC 6749 Appendix A.5: state = 1*VSCHAR; OIDC nonce likewise printable ASCII here.
  if (state.length > 2048 || !VSCHAR.test(state)) return fail('invalid_request', 'state must be 1 to 2048 printable ASCII characters');
  const scope = parseScope(p.scope, client.app_allowed_scopes);
  if (!scope.ok) return fail('invalid_scope', scope.description);
  const pkce = challengeProblem(p.code_challenge, p.code_challenge_method);
  if (pkce) return fail('invalid_request', pkce);
  // OAuth 2.1 §4.1.1, RFC 9700 §2.1.1: public clients must use PKCE.
  if (client.is_public && !p.code_challenge) return fail('invalid_request', 'code_challenge is required for public clients');
  if (p.nonce !== undefined && (p.nonce.length > 512 || !VSCHAR.test(p.nonce))) return fail('invalid_request', 'nonce must be 1 to 512 printable ASCII characters');
  if (p.resource !== undefined && resourceProblem(p.resource)) return fail('invalid_target', resourceProblem(p.resource)!); // RFC 8707 §2
  const prompts = (p.prompt ?? '').split(' ').filter(Boolean);
  if (prompts.some((x) => !PROMPTS.includes(x))) return fail('invalid_request', 'unsupported prompt value');
  if (prompts.includes('none') && prompts.length > 1) return fail('invalid_request', 'prompt=none cannot be combined with other values'); // OIDC Core §3.1.2.1
  if (p.max_age !== undefined) {
    if (!/^\d{1,9}$/.test(p.max_age)) return fail('invalid_request', 'max_age must be a non-negative integer');
    // OIDC Core §3.1.2.1: a session older than max_age must sign in again, as with prompt=login.
    const authTime = await sessionAuthTime(ctx, c);
    if (authTime && ctx.clock.now() - authTime.getTime() > Number(p.max_age) * 1000 && !prompts.includes('login')) {
      if (prompts.includes('none')) return fail('login_required', 'the session is older than max_age');
      prompts.push('login');
    }
  }

  const request = {
    client,
    redirectUri: back,
    scopes: scope.scopes,
    state,
    codeChallenge: p.code_challenge ?? null,
    nonce: p.nonce ?? null,
    resource: p.resource ?? null,
  };
  if (prompts.includes('none')) return silentAuthorization(ctx, c, request);

  const id = generateToken(ctx.random, 'request');
  await ctx.db.query(
    `insert into authorization_requests (id_hash, browser_hash, client_id, redirect_uri, scopes, state, code_challenge, nonce, resource, prompt, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [hashToken(id), hashToken(browserBinding(ctx, c)), client.client_id, back, scope.scopes, state, request.codeChallenge, request.nonce, request.resource, prompts.join(' ') || null, nowDate(ctx), inSeconds(ctx, REQUEST_TTL_S)],
  );
  return c.redirect(consentPath(id), 303);
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
  const user = await sessionUser(ctx, c);
  const authTime = await sessionAuthTime(ctx, c);
  const fail = (error: string, description: string) => redirectWith(ctx, r.redirectUri, { error, error_description: description, state: r.state });
  if (!user || !authTime) return fail('login_required', 'the user is not signed in');
  if (r.client.app_status === 'test' && r.client.app_owner_id !== user.id) return fail('access_denied', 'this app is in test mode; only its owner may authorize it');
  const grant = await liveGrantCovering(ctx, user.id, r.client.oauth_app_id, r.scopes);
  if (!grant) return fail('consent_required', 'the user has not yet allowed this app these scopes');
  const code = await issueCode(ctx.db, ctx, { ...r, grantId: grant.id, clientId: r.client.client_id, userId: user.id, authTime });
  await recordEvent(ctx, {
    event: 'code.issued',
    actor: user.id,
    userId: user.id,
    clientId: r.client.client_id,
    oauthAppId: r.client.oauth_app_id,
    address: auditAddress(ctx, c),
    details: { scopes: r.scopes, grant_id: grant.id, prompt: 'none' },
  });
  return redirectWith(ctx, r.redirectUri, { code, state: r.state, scope: r.scopes.join(' ') });
}
