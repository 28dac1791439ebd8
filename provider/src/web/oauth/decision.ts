import type { Context } from 'hono';
import { clientAddress } from '../http/client-address.ts';
import type { Ctx } from '../../domain/context.ts';
import {AUDIT_COLUMNS, eventValues } from '../../domain/audit/events.ts';
import { nowDate } from '../../domain/context.ts';
import { sessionIdHash } from '../http/session-cookie.ts';
import { sessionUserOf, type LiveSessionRow } from '../../domain/accounts/sessions.ts';
import { liveSessionSql } from '../../store/sessions.ts';
import { MAX_OAUTH_BODY_BYTES, readBytes } from '../http/body.ts';
import { CSRF_FIELD, csrfToken, csrfValid } from '../http/csrf.ts';
import type { OAuthErrorCode } from '../../domain/errors.ts';
import { hashToken } from '../../domain/tokens.ts';
import { auditParams, browserBindingCookie, consentPath, errorPage, suspendedPage } from './authorize.ts';
import { CLIENT_FROM, CLIENT_SELECT, type Client } from '../../domain/oauth/clients.ts';
import { CODE_COLUMNS, mintCode, redirectWith } from '../../domain/oauth/codes.ts';
import { ConsentPage } from './consent.tsx';
import { audienceOf } from '../mcp/audience.ts';
import { scopesCover } from '../../domain/oauth/scopes.ts';
import { PageError } from './page-error.tsx';
import { listApps } from '../../domain/platform/apps.ts';
import { appAccessFromForm, scopesReachApps, setGrantAppAccess, type AppAccess, type AppAccessMode, type StoredAppAccess } from '../../domain/platform/grant-apps.ts';
import type { AppChoice } from '../dashboard/app-access.tsx';
import { reachableApps } from '../../store/apps.ts';

interface RequestRow {
  redirect_uri: string;
  scopes: string[];
  state: string;
  prompt: string | null;
  resource: string | null;
  created_at: Date;
}

/**
 * A pending request of this browser with its client, and the signed-in user: either may be missing; with both,
 * `grantScopes` are the scopes of the user's live grant of the app (null without one).
 */
type Pending = {
  request: (RequestRow & { client: Client }) | null;
  session: LiveSessionRow | null;
  grantScopes: string[] | null;
  /** The live grant's choice of apps, and the user's apps to choose from when the request's scopes reach apps (docs/mcp.md §8). */
  appAccess: { current: StoredAppAccess; apps: AppChoice[] } | undefined;
};

const EXPIRED = 'This sign-in request has expired, was already answered, or was started in another browser. Go back to the app and start again.';

function loginRedirect(c: Context, requestId: string): Response {
  return c.redirect(`/dash/login?next=${encodeURIComponent(consentPath(requestId))}`, 303);
}

function browserHash(ctx: Ctx, c: Context): string | null {
  const v = browserBindingCookie(ctx, c);
  return v === null ? null : hashToken(v);
}

function testModeBlock(client: Client, userId: string): string | undefined {
  // docs/security.md §12: an app in test mode can only be authorized by its owner.
  if (client.app_status === 'test' && client.app_owner_id !== userId) {
    return `${client.app_name} is in test mode: only its developer can authorize it. Use the account that owns the app, or ask its developer to publish it.`;
  }
  return undefined;
}

function needsReauthentication(row: RequestRow, authTime: Date | null): boolean {
  // OIDC Core §3.1.2.1 prompt=login: the session must be newer than the request.
  return (row.prompt ?? '').split(' ').includes('login') && (!authTime || authTime <= row.created_at);
}

/**
 * The pending request ($1 id hash) of this browser ($2 binding hash): unanswered and unexpired at $3, with its
 * client; the live session ($4 id hash) with its user; and that user's live grant of the app. One row whichever exists.
 */
const PENDING = `
  select rc.*, su.*, gr.*, ua.*
    from (select 1) one
    left join lateral (
      select ${CLIENT_SELECT}, r.redirect_uri, r.scopes, r.state, r.prompt, r.resource, r.created_at
        from authorization_requests r join ${CLIENT_FROM} on c.client_id = r.client_id
       where r.id_hash = $1 and r.browser_hash = $2 and r.used_at is null and r.expires_at > $3
    ) rc on true
    left join lateral (${liveSessionSql('$4', '$3')}) su on true
    left join lateral (
      select g.scopes as grant_scopes, g.app_access as grant_app_access,
             array(select ga.app_id::text from grant_apps ga where ga.grant_id = g.id and ga.reason = 'created' order by ga.created_at, ga.app_id) as grant_created,
             array(select ga.app_id::text from grant_apps ga where ga.grant_id = g.id and ga.reason = 'selected' order by ga.created_at, ga.app_id) as grant_selected
        from grants g where g.user_id = su.user_id and g.oauth_app_id = rc.oauth_app_id and g.revoked_at is null
    ) gr on true
    left join lateral (
      -- The apps the user reaches (their own and their orgs': the one rule, reachableApps), as domain/platform/apps.ts listApps
      -- lists them, only when the scopes reach apps.
      select coalesce(json_agg(json_build_object('id', ra.id, 'title', ra.title) order by ra.created_at desc, ra.id), '[]'::json) as user_apps
        from ${reachableApps('su.user_id')}
      having rc.scopes && array['apps-read', 'apps-write']::text[]
    ) ua on true`;

async function pending(ctx: Ctx, id: string, browser: string, sessionHash: string | null): Promise<Pending> {
  type Extra = { grant_scopes: string[]; grant_app_access: AppAccessMode; grant_created: string[]; grant_selected: string[]; user_apps: AppChoice[] };
  const row = await ctx.db.one<Nullable<Client & RequestRow & LiveSessionRow & Extra>>(PENDING, [hashToken(id), browser, nowDate(ctx), sessionHash]);
  const { redirect_uri, scopes, state, prompt, resource, created_at, user_id, email, is_operator, user_created_at, email_verified_at, auth_time, grant_scopes, grant_app_access, grant_created, grant_selected, user_apps, ...client } =
    row!;
  return {
    grantScopes: grant_scopes,
    appAccess: user_apps ? { apps: user_apps, current: { mode: grant_app_access ?? 'all', created: grant_created ?? [], selected: grant_selected ?? [] } } : undefined,
    request: client.client_id === null ? null : { redirect_uri: redirect_uri!, scopes: scopes!, state: state!, prompt, resource, created_at: created_at!, client: client as Client },
    session: user_id === null ? null : { user_id, email: email!, is_operator: is_operator!, user_created_at: user_created_at!, email_verified_at: email_verified_at ?? null, auth_time: auth_time! },
  };
}

/**
 * The app whose pending sign-in `next` (a consent path) continues, for the login page to say who is asking.
 * By request id alone (the binding cookie is not sent to /dash): the id is random and was only ever in this
 * browser's address bar, and the name shown is that request's true app, so nothing can be spoofed by it.
 */
export async function askingApp(ctx: Ctx, next: string | undefined): Promise<string | null> {
  const m = next ? /^\/platform\/oauth\/consent\?request=([A-Za-z0-9_%-]{1,100})$/.exec(next) : null;
  if (!m) return null;
  const row = await ctx.db.one<{ name: string }>(
    `select a.name from authorization_requests r join ${CLIENT_FROM} on c.client_id = r.client_id
      where r.id_hash = $1 and r.used_at is null and r.expires_at > $2`,
    [hashToken(decodeURIComponent(m[1]!)), nowDate(ctx)],
  );
  return row?.name ?? null;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

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
    return allow(ctx, c, [hashToken(id), bh, nowDate(ctx), user.id, sid], row, session, { remembered: true });
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

/**
 * Answers the request (single use): only while it is still pending for this browser and the session that
 * answers is still live. Parameters: $1 request id hash, $2 browser hash, $3 now, $4 user id, $5 session id hash.
 */
const ANSWER = `
  update authorization_requests set used_at = $3, user_id = $4
   where id_hash = $1 and browser_hash = $2 and used_at is null and expires_at > $3
     and exists (select 1 from (${liveSessionSql('$5', '$3')}) s where s.user_id = $4)`;

/**
 * Allow, in one statement (atomic, so it replaces a transaction): answer the request, if the app is still
 * authorizable by this user ($6 its OAuth app); create the user's live grant of the app ($7 its id) or widen it
 * to the requested scopes, in one upsert on the index that keeps one live grant per user and app, so Allows at
 * the same moment in two tabs share one grant (migration 005); issue the code ($8 hash, $9 auth_time,
 * $10 created, $11 expires); record consent.granted and code.issued ($12…, the values of `eventValues`, with
 * the grant's id added to `details`). Returns the grant's id, or no row when the request was not pending any more.
 */
const ALLOW = `
  with r as (
    ${ANSWER}
       and exists (select 1 from oauth_apps a where a.id = $6 and a.status <> 'suspended' and (a.status <> 'test' or a.owner_id = $4))
    returning client_id, redirect_uri, scopes, code_challenge, nonce, resource
  ),
  granted as (
    insert into grants (id, user_id, oauth_app_id, scopes, created_at)
    select $7, $4, $6, r.scopes, $3 from r
    on conflict (user_id, oauth_app_id) where revoked_at is null
    do update set scopes = grants.scopes || array(select s from unnest(excluded.scopes) with ordinality t(s, i) where s <> all(grants.scopes) order by i)
    returning id
  ),
  code as (
    insert into authorization_codes (${CODE_COLUMNS})
    select $8, g.id, r.client_id, $4, r.redirect_uri, r.scopes, r.code_challenge, r.nonce, r.resource, $9, $10, $11 from r, granted g
    returning grant_id
  ),
  events as (
    insert into audit_events (${AUDIT_COLUMNS})
    select ${AUDIT_COLUMNS.split(',')
      .map((col) => (col.trim() === 'details' ? `e.details || jsonb_build_object('grant_id', code.grant_id)` : `e.${col.trim()}`))
      .join(', ')}
      from code, (values (1, ${auditParams(12)}), (2, ${auditParams(21)})) as e(n, ${AUDIT_COLUMNS})
     order by e.n
  )
  select grant_id from code`;

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
  const { request: row, session } = await pending(ctx, id, bh, sid);
  if (!session) return loginRedirect(c, id);
  const expired = () => errorPage(c, 400, 'Sign-in expired', EXPIRED);
  if (!row) return expired();
  const client = row.client;
  const userId = session.user_id;
  const now = nowDate(ctx);
  // Single use: only one answer to a request counts; every outcome below answers it first.
  const answer = [hashToken(id), bh, now, userId, sid];
  const answered = async (sql = `${ANSWER} returning 1`, extra: unknown[] = []) => (await ctx.db.query(sql, [...answer, ...extra])).length > 0;
  if (client.app_status === 'suspended') {
    return (await answered()) ? suspendedPage(c, client) : expired();
  }
  const fail = (error: OAuthErrorCode, description: string) => redirectWith(ctx, row.redirect_uri, { error, error_description: description, state: row.state });
  const who = { actor: userId, userId, clientId: client.client_id, oauthAppId: client.oauth_app_id, address: clientAddress(c) };
  if (f.decision === 'deny') {
    // The answer and its audit event in one statement: both or neither.
    const denied = eventValues(ctx, { event: 'consent.denied', ...who, details: { scopes: row.scopes } });
    const ok = await answered(`with r as (${ANSWER} returning 1) insert into audit_events (${AUDIT_COLUMNS}) select ${auditParams(6)} from r returning 1`, denied);
    return ok ? fail('access_denied', 'the user denied the request') : expired();
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
  return allow(ctx, c, answer, row, session, {}, choice);
}

/**
 * Allow (the ALLOW statement): on the user's click, or `remembered` from a live grant that already covers the
 * request (consent.granted then says so). `answer` is ANSWER's $1…$5.
 */
async function allow(
  ctx: Ctx,
  c: Context,
  answer: unknown[],
  row: RequestRow & { client: Client },
  session: LiveSessionRow,
  how: { remembered?: true } = {},
  choice?: AppAccess,
): Promise<Response> {
  const client = row.client;
  const who = { actor: session.user_id, userId: session.user_id, clientId: client.client_id, oauthAppId: client.oauth_app_id, address: clientAddress(c) };
  const code = mintCode(ctx);
  const chosen = choice ? { app_access: choice.mode, ...(choice.mode === 'selected' ? { app_ids: choice.appIds } : {}) } : {};
  const params = [
    ...answer,
    client.oauth_app_id,
    ctx.random.uuid(),
    code.hash,
    session.auth_time,
    code.createdAt,
    code.expiresAt,
    ...eventValues(ctx, { event: 'consent.granted', ...who, details: { scopes: row.scopes, ...how, ...chosen } }),
    ...eventValues(ctx, { event: 'code.issued', ...who, details: { scopes: row.scopes } }),
  ];
  // With a choice, the grant's app access is stored in the same transaction as the grant (grant-apps.ts).
  const granted = choice
    ? await ctx.db.tx(async (db) => {
        const g = await db.one<{ grant_id: string }>(ALLOW, params);
        if (g) await setGrantAppAccess(db, g.grant_id, choice, code.createdAt);
        return g;
      })
    : await ctx.db.one<{ grant_id: string }>(ALLOW, params);
  if (!granted) return errorPage(c, 400, 'Sign-in expired', EXPIRED);
  return redirectWith(ctx, row.redirect_uri, { code: code.code, state: row.state, scope: row.scopes.join(' ') });
}
