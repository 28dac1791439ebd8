import type { Ctx } from '../context.ts';
import { auditValues } from '../audit/events.ts';
import { inSeconds, nowDate } from '../context.ts';
import type { OAuthErrorCode } from '../errors.ts';
import { hashToken } from '../tokens.ts';
import type { Client } from './clients.ts';
import { mintCode } from './codes.ts';
import { challengeProblem } from './pkce.ts';
import { parseScope } from './scopes.ts';
import { deleteRequest, insertRequest, lookUpClientAndStore, pendingRequestAppName, type NewRequest } from '../../store/authorization-requests.ts';
import { insertCode } from '../../store/codes.ts';
import { findLiveSession, type LiveSessionRow } from '../../store/sessions.ts';

/** How long a pending authorization request waits for its answer. */
export const REQUEST_TTL_S = 600;
const PROMPTS = ['none', 'login', 'consent', 'select_account'];
const VSCHAR = /^[\x20-\x7e]+$/;

export type Checked = { ok: true; scopes: string[]; prompts: string[] } | { ok: false; error: OAuthErrorCode; description: string };

/**
 * The parameter checks of RFC 6749 §4.1.1 / OIDC Core §3.1.2.1 after the client and redirect URI are known
 * good, in order; the first problem is the answer. With `client` null, the checks that need it (scopes the
 * app may request, PKCE for public clients) are skipped: "valid whatever the client".
 */
export function checkParams(p: Record<string, string>, repeated: string | null, client: Client | null): Checked {
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

export interface PendingRequest {
  client: Client;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string | null;
  nonce: string | null;
  resource: string | null;
}

/** The `authorization_requests` row of a request (its id and this browser's binding stored as hashes). */
export function newRequest(ctx: Ctx, id: string, binding: string, p: Record<string, string>, checked: { scopes: string[]; prompts: string[] }): NewRequest {
  return {
    idHash: hashToken(id),
    browserHash: hashToken(binding),
    clientId: p.client_id!,
    redirectUri: p.redirect_uri!,
    scopes: checked.scopes,
    state: p.state!,
    codeChallenge: p.code_challenge ?? null,
    nonce: p.nonce ?? null,
    resource: p.resource ?? null,
    prompt: checked.prompts.join(' ') || null,
    createdAt: nowDate(ctx),
    expiresAt: inSeconds(ctx, REQUEST_TTL_S),
  };
}

/**
 * The client of a request, and the request stored in the same statement when the client accepts it as the checks
 * would (store/authorization-requests.ts). The checks in code still decide: a request they refuse is forgotten
 * again (its random id was never shown, so it could not have been used), one they accept that the statement did
 * not store (a loopback redirect on another port) is stored then.
 */
export async function lookUpAndStore(ctx: Pick<Ctx, 'db'>, r: NewRequest): Promise<{ client: Client | null; stored: boolean }> {
  const row = await lookUpClientAndStore(ctx.db, r);
  if (!row) return { client: null, stored: false };
  const { stored, ...client } = row;
  return { client, stored };
}

export async function storeRequest(ctx: Pick<Ctx, 'db'>, r: NewRequest): Promise<void> {
  await insertRequest(ctx.db, r);
}

export async function forgetRequest(ctx: Pick<Ctx, 'db'>, r: NewRequest): Promise<void> {
  await deleteRequest(ctx.db, r.idHash);
}

/**
 * `prompt=none` answered from a live grant (OIDC Core §3.1.2.6): a code for the request, and its `code.issued`
 * event, in one statement. Returns the code.
 */
export async function issueSilentCode(
  ctx: Ctx,
  r: PendingRequest,
  user: { id: string; authTime: Date },
  grantId: string,
  address: string | null,
): Promise<string> {
  const m = mintCode(ctx);
  const audit = auditValues(ctx, {
    event: 'code.issued',
    actor: user.id,
    userId: user.id,
    clientId: r.client.client_id,
    oauthAppId: r.client.oauth_app_id,
    address,
    details: { scopes: r.scopes, grant_id: grantId, prompt: 'none' },
  });
  await insertCode(
    ctx.db,
    {
      codeHash: m.hash,
      grantId,
      clientId: r.client.client_id,
      userId: user.id,
      redirectUri: r.redirectUri,
      scopes: r.scopes,
      codeChallenge: r.codeChallenge,
      nonce: r.nonce,
      resource: r.resource,
      authTime: user.authTime,
      createdAt: m.createdAt,
      expiresAt: m.expiresAt,
    },
    audit,
  );
  return m.code;
}

/**
 * The app whose pending sign-in `next` (a consent path) continues, for the login page to say who is asking.
 * By request id alone (the binding cookie is not sent to /dash): the id is random and was only ever in this
 * browser's address bar, and the name shown is that request's true app, so nothing can be spoofed by it.
 */
export async function askingApp(ctx: Pick<Ctx, 'db' | 'clock'>, next: string | undefined): Promise<string | null> {
  const m = next ? /^\/platform\/oauth\/consent\?request=([A-Za-z0-9_%-]{1,100})$/.exec(next) : null;
  if (!m) return null;
  return (await pendingRequestAppName(ctx.db, hashToken(decodeURIComponent(m[1]!)), nowDate(ctx))) ?? null;
}

/** The live session with this id hash and its user (with `auth_time`, the OIDC sign-in time), or null. */
export async function liveSession(ctx: Pick<Ctx, 'db' | 'clock'>, sessionHash: string): Promise<LiveSessionRow | null> {
  return (await findLiveSession(ctx.db, sessionHash, nowDate(ctx))) ?? null;
}
