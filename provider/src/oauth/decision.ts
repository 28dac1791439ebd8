import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Ctx } from '../context.ts';
import { auditAddress, recordEvent } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { sessionUser } from '../accounts/sessions.ts';
import { CSRF_FIELD, csrfToken, csrfValid } from '../http/csrf.ts';
import { hashToken } from '../tokens.ts';
import { BROWSER_COOKIE, consentPath, errorPage, sessionAuthTime } from './authorize.ts';
import { getClient, type Client } from './clients.ts';
import { issueCode, redirectWith } from './codes.ts';
import { ConsentPage } from './consent.tsx';
import { grantScopes } from './grants.ts';

interface RequestRow {
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  state: string;
  code_challenge: string | null;
  nonce: string | null;
  resource: string | null;
  prompt: string | null;
  created_at: Date;
}

const EXPIRED = 'This sign-in request has expired, was already answered, or was started in another browser. Go back to the app and start again.';

function loginRedirect(c: Context, requestId: string): Response {
  return c.redirect(`/dash/login?next=${encodeURIComponent(consentPath(requestId))}`, 303);
}

function browserHash(c: Context): string | null {
  const v = getCookie(c, BROWSER_COOKIE);
  return v && /^[A-Za-z0-9_-]{43}$/.test(v) ? hashToken(v) : null;
}

function testModeBlock(client: Client, userId: string): string | undefined {
  // SECURITY.md 12: an app in test mode can only be authorized by its owner.
  if (client.app_status === 'test' && client.app_owner_id !== userId) {
    return `${client.app_name} is in test mode: only its developer can authorize it. Use the account that owns the app, or ask its developer to publish it.`;
  }
  return undefined;
}

function needsReauthentication(row: RequestRow, authTime: Date | null): boolean {
  // OIDC Core §3.1.2.1 prompt=login: the session must be newer than the request.
  return (row.prompt ?? '').split(' ').includes('login') && (!authTime || authTime <= row.created_at);
}

/** `GET /platform/oauth/consent?request=…`: the consent page for a pending request of this browser. */
export async function consentPage(ctx: Ctx, c: Context): Promise<Response> {
  const id = c.req.query('request');
  const bh = browserHash(c);
  if (!id || id.length > 100 || !bh) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  const row = await ctx.db.one<RequestRow>(
    `select * from authorization_requests where id_hash = $1 and browser_hash = $2 and used_at is null and expires_at > $3`,
    [hashToken(id), bh, nowDate(ctx)],
  );
  if (!row) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  const client = await getClient(ctx, row.client_id);
  if (!client) return errorPage(c, 400, 'Unknown app', EXPIRED);
  if (client.app_status === 'suspended') return errorPage(c, 403, 'App suspended', `${client.app_name} is suspended and cannot be signed in to.`);
  const user = await sessionUser(ctx, c);
  if (!user) return loginRedirect(c, id);
  const blocked = testModeBlock(client, user.id);
  const page = ConsentPage({
    requestId: id,
    csrf: csrfToken(ctx, c),
    userEmail: user.email,
    appName: client.app_name,
    homePage: client.app_home_page,
    logo: client.app_logo,
    redirectUri: row.redirect_uri,
    scopes: row.scopes,
    unverified: client.app_dynamic,
    testMode: client.app_status === 'test',
    blocked,
    reauthenticate: !blocked && needsReauthentication(row, await sessionAuthTime(ctx, c)),
    returnTo: consentPath(id),
  });
  return c.html(page, blocked ? 403 : 200);
}

async function formFields(c: Context): Promise<Record<string, string>> {
  try {
    const body = await c.req.parseBody();
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** `POST /platform/oauth/consent`: Allow or Deny, answered with a 303 to the client (RFC 6749 §4.1.2). */
export async function consentDecision(ctx: Ctx, c: Context): Promise<Response> {
  const f = await formFields(c);
  if (!csrfValid(ctx, c, f[CSRF_FIELD])) {
    return errorPage(c, 403, 'Form expired', 'The form has expired or did not come from this site. Go back, reload the page and try again.');
  }
  const id = f.request;
  const bh = browserHash(c);
  if (!id || id.length > 100 || !bh) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  if (f.decision !== 'allow' && f.decision !== 'deny') return errorPage(c, 400, 'Invalid answer', 'Choose Allow or Deny.');
  const user = await sessionUser(ctx, c);
  if (!user) return loginRedirect(c, id);
  const now = nowDate(ctx);
  // Single use: only one answer to a request counts.
  const row = await ctx.db.one<RequestRow>(
    `update authorization_requests set used_at = $3, user_id = $4
      where id_hash = $1 and browser_hash = $2 and used_at is null and expires_at > $3 returning *`,
    [hashToken(id), bh, now, user.id],
  );
  if (!row) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  const client = await getClient(ctx, row.client_id);
  if (!client) return errorPage(c, 400, 'Unknown app', EXPIRED);
  if (client.app_status === 'suspended') return errorPage(c, 403, 'App suspended', `${client.app_name} is suspended and cannot be signed in to.`);
  const fail = (error: string, description: string) => redirectWith(ctx, row.redirect_uri, { error, error_description: description, state: row.state });
  const who = { actor: user.id, userId: user.id, clientId: client.client_id, oauthAppId: client.oauth_app_id, address: auditAddress(ctx, c) };
  if (f.decision === 'deny') {
    await recordEvent(ctx, { event: 'consent.denied', ...who, details: { scopes: row.scopes } });
    return fail('access_denied', 'the user denied the request');
  }
  const blocked = testModeBlock(client, user.id);
  if (blocked) return fail('access_denied', 'this app is in test mode; only its owner may authorize it');
  const authTime = await sessionAuthTime(ctx, c);
  if (!authTime || needsReauthentication(row, authTime)) return fail('login_required', 'the user did not sign in again');
  const code = await ctx.db.tx(async (db) => {
    const grant = await grantScopes(db, ctx, user.id, client.oauth_app_id, row.scopes);
    const audit = { db, clock: ctx.clock, log: ctx.log };
    await recordEvent(audit, { event: 'consent.granted', ...who, details: { scopes: row.scopes, grant_id: grant.id } });
    await recordEvent(audit, { event: 'code.issued', ...who, details: { scopes: row.scopes, grant_id: grant.id } });
    return issueCode(db, ctx, {
      grantId: grant.id,
      clientId: client.client_id,
      userId: user.id,
      redirectUri: row.redirect_uri,
      scopes: row.scopes,
      codeChallenge: row.code_challenge,
      nonce: row.nonce,
      resource: row.resource,
      authTime,
    });
  });
  return redirectWith(ctx, row.redirect_uri, { code, state: row.state, scope: row.scopes.join(' ') });
}
