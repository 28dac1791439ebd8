import { auditSelect, AUDIT_INSERT, SqlParams, type AuditValues } from './audit.ts';
import { reachableApps } from './apps.ts';
import { CLIENT_FROM, CLIENT_SELECT, type Client } from './clients.ts';
import { CODE_COLUMNS } from './codes.ts';
import type { Db } from './db.ts';
import { liveSessionSql, type LiveSessionRow } from './sessions.ts';

/** A pending authorization request (RFC 6749 §4.1.1), stored while the browser goes through sign-in and consent. */
export interface NewRequest {
  idHash: string;
  browserHash: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  codeChallenge: string | null;
  nonce: string | null;
  resource: string | null;
  /** Space-separated prompt values, or null. */
  prompt: string | null;
  createdAt: Date;
  expiresAt: Date;
}

const REQUEST_COLUMNS = 'id_hash, browser_hash, client_id, redirect_uri, scopes, state, code_challenge, nonce, resource, prompt, created_at, expires_at';

const requestParams = (r: NewRequest): unknown[] => [
  r.idHash,
  r.browserHash,
  r.clientId,
  r.redirectUri,
  [...r.scopes],
  r.state,
  r.codeChallenge,
  r.nonce,
  r.resource,
  r.prompt,
  r.createdAt,
  r.expiresAt,
];

/**
 * One statement for the usual request: the client, and the request stored when the client accepts it as the
 * authorization endpoint would (exactly registered redirect URI, app not suspended, scopes the app may request,
 * PKCE if public). `stored` says whether it was. Undefined: no such client.
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

export async function lookUpClientAndStore(db: Db, r: NewRequest): Promise<(Client & { stored: boolean }) | undefined> {
  return db.one<Client & { stored: boolean }>(LOOK_UP_AND_STORE, requestParams(r));
}

export async function insertRequest(db: Db, r: NewRequest): Promise<void> {
  await db.query(`insert into authorization_requests (${REQUEST_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, requestParams(r));
}

export async function deleteRequest(db: Db, idHash: string): Promise<void> {
  await db.query(`delete from authorization_requests where id_hash = $1`, [idHash]);
}

export async function deleteRequestsOfClient(db: Db, clientId: string): Promise<void> {
  await db.query(`delete from authorization_requests where client_id = $1`, [clientId]);
}

/** The sweep: requests answered, or expired before `now`. */
export async function deleteAnsweredOrExpiredRequests(db: Db, now: Date): Promise<void> {
  await db.query(`delete from authorization_requests where expires_at < $1 or used_at is not null`, [now]);
}

/** The name of the app of a request still pending at `now`, by its id hash alone (for the login page). */
export async function pendingRequestAppName(db: Db, idHash: string, now: Date): Promise<string | undefined> {
  const row = await db.one<{ name: string }>(
    `select a.name from authorization_requests r join ${CLIENT_FROM} on c.client_id = r.client_id
      where r.id_hash = $1 and r.used_at is null and r.expires_at > $2`,
    [idHash, now],
  );
  return row?.name;
}

/** A pending request's own columns (its client comes with it). */
export interface RequestRow {
  redirect_uri: string;
  scopes: string[];
  state: string;
  prompt: string | null;
  resource: string | null;
  created_at: Date;
}

/** How the user's live grant of the app stores which apps it reaches (docs/mcp.md §8). */
export type GrantAppAccessMode = 'all' | 'created' | 'selected';

export type Nullable<T> = { [K in keyof T]: T[K] | null };

/** One row of `findPending`: every column null where its part does not exist. */
export type PendingRow = Nullable<
  Client &
    RequestRow &
    LiveSessionRow & {
      grant_scopes: string[];
      grant_app_access: GrantAppAccessMode;
      grant_created: string[];
      grant_selected: string[];
      user_apps: { id: string; title: string }[];
    }
>;

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

/** The request, session and grant the consent page and its answer need, in one statement (PENDING). */
export async function findPending(db: Db, k: { idHash: string; browserHash: string; now: Date; sessionHash: string | null }): Promise<PendingRow> {
  return (await db.one<PendingRow>(PENDING, [k.idHash, k.browserHash, k.now, k.sessionHash]))!;
}

/** Who answers which request: ANSWER's $1 request id hash, $2 browser hash, $3 now, $4 user id, $5 session id hash. */
export interface Answer {
  idHash: string;
  browserHash: string;
  now: Date;
  userId: string;
  sessionHash: string | null;
}

const answerParams = (a: Answer) => [a.idHash, a.browserHash, a.now, a.userId, a.sessionHash];

/**
 * Answers the request (single use): only while it is still pending for this browser and the session that
 * answers is still live.
 */
const ANSWER = `
  update authorization_requests set used_at = $3, user_id = $4
   where id_hash = $1 and browser_hash = $2 and used_at is null and expires_at > $3
     and exists (select 1 from (${liveSessionSql('$5', '$3')}) s where s.user_id = $4)`;

/** Answers the request without issuing anything (a refusal). False when it was not pending any more. */
export async function answerRequest(db: Db, a: Answer): Promise<boolean> {
  return (await db.query(`${ANSWER} returning 1`, answerParams(a))).length > 0;
}

/** Deny: the answer and its `consent.denied` row in one statement, both or neither. False when not pending any more. */
export async function denyRequest(db: Db, a: Answer, audit: AuditValues): Promise<boolean> {
  const p = new SqlParams();
  for (const v of answerParams(a)) p.add(v);
  const rows = await db.query(`with r as (${ANSWER} returning 1) ${AUDIT_INSERT} select ${auditSelect(p, audit)} from r returning 1`, p.values);
  return rows.length > 0;
}

export interface AllowInput {
  oauthAppId: string;
  /** The id of the grant, should a new one be created. */
  newGrantId: string;
  code: { hash: string; authTime: Date; createdAt: Date; expiresAt: Date };
  /** `consent.granted` and `code.issued`; the grant's id is added to their details. */
  granted: AuditValues;
  issued: AuditValues;
}

/**
 * What follows the answer `r` (a CTE returning the request's client_id, redirect_uri, scopes, code_challenge, nonce
 * and resource) in both Allow statements, as SQL expressions `w`: create the user's live grant of the app (`w.grantId`
 * its id) or widen it to the requested scopes, in one upsert on the index that keeps one live grant per user and app,
 * so Allows at the same moment in two tabs share one grant (migration 005); issue the code; record consent.granted
 * then code.issued (`granted`, `issued`: their select lists, which may name `code.grant_id` and the columns of `r`).
 */
function grantCodeAndEvents(
  w: { now: string; userId: string; appId: string; grantId: string; codeHash: string; authTime: string; createdAt: string; expiresAt: string },
  granted: string,
  issued: string,
): string {
  return `granted as (
    insert into grants (id, user_id, oauth_app_id, scopes, created_at)
    select ${w.grantId}, ${w.userId}, ${w.appId}, r.scopes, ${w.now} from r
    on conflict (user_id, oauth_app_id) where revoked_at is null
    do update set scopes = grants.scopes || array(select s from unnest(excluded.scopes) with ordinality t(s, i) where s <> all(grants.scopes) order by i)
    returning id
  ),
  code as (
    insert into authorization_codes (${CODE_COLUMNS})
    select ${w.codeHash}, g.id, r.client_id, ${w.userId}, r.redirect_uri, r.scopes, r.code_challenge, r.nonce, r.resource, ${w.authTime}, ${w.createdAt}, ${w.expiresAt}
      from r, granted g
    returning grant_id
  ),
  events as (
    -- consent.granted, then code.issued (an Append runs its branches in order, so their ids keep that order)
    ${AUDIT_INSERT} select ${granted} from code, r union all select ${issued} from code, r
  )`;
}

/**
 * Allow, in one statement (atomic, so it replaces a transaction; it starts from the request, so it lives here
 * though it also writes grants, codes and audit rows): answer the request, if the app is still authorizable by
 * this user ($6 its OAuth app); then the grant ($7 its id, should a new one be made), the code ($8 hash, $9
 * auth_time, $10 created, $11 expires) and the audit rows (grantCodeAndEvents). The grant's id, or undefined when
 * the request was not pending any more.
 */
export async function allowRequest(db: Db, a: Answer, v: AllowInput): Promise<{ grant_id: string } | undefined> {
  const p = new SqlParams();
  for (const x of [...answerParams(a), v.oauthAppId, v.newGrantId, v.code.hash, v.code.authTime, v.code.createdAt, v.code.expiresAt]) p.add(x);
  const withGrant = (row: AuditValues) => auditSelect(p, row, { details: `${p.add(row.details, 'jsonb')} || jsonb_build_object('grant_id', code.grant_id)` });
  const rest = grantCodeAndEvents(
    { now: '$3', userId: '$4', appId: '$6', grantId: '$7', codeHash: '$8', authTime: '$9', createdAt: '$10', expiresAt: '$11' },
    withGrant(v.granted),
    withGrant(v.issued),
  );
  return db.one<{ grant_id: string }>(
    `with r as (
    ${ANSWER}
       and exists (select 1 from oauth_apps a where a.id = $6 and a.status <> 'suspended' and (a.status <> 'test' or a.owner_id = $4))
    returning client_id, redirect_uri, scopes, code_challenge, nonce, resource
  ),
  ${rest}
  select grant_id from code`,
    p.values,
  );
}

/** What `allowAtOnce` needs besides the request: who answers, the new grant's id, the code and the audit rows' own values. */
export interface AllowAtOnceInput {
  idHash: string;
  browserHash: string;
  sessionHash: string;
  now: Date;
  newGrantId: string;
  code: { hash: string; createdAt: Date; expiresAt: Date };
  /** `consent.granted` and `code.issued` with what is known before the request is read (the event, when, the address). */
  granted: AuditValues;
  issued: AuditValues;
}

/** The request `allowAtOnce` answered, for the redirect to the client. */
export interface AllowedRequest {
  redirect_uri: string;
  state: string;
  scopes: string[];
}

/**
 * The usual Allow in one statement, without reading the request first: the request ($1 id hash) pending for this
 * browser ($2) at $3, answered by the live session ($4 id hash) and its user, when its app is neither suspended nor
 * in test mode for someone else and the request asks for no fresh sign-in the session does not have (prompt=login,
 * OIDC Core §3.1.2.1) — the rules of web/oauth/decision.ts testModeBlock and needsReauthentication, in SQL; then the grant ($5 its id, should a new one be made), the code ($6 hash, $7 created, $8
 * expires; auth_time the session's) and the audit rows, whose user, client, app and details come from the request.
 * Undefined when any condition fails: nothing was written, and the caller's general path says which.
 */
export async function allowAtOnce(db: Db, v: AllowAtOnceInput): Promise<AllowedRequest | undefined> {
  const p = new SqlParams();
  for (const x of [v.idHash, v.browserHash, v.now, v.sessionHash, v.newGrantId, v.code.hash, v.code.createdAt, v.code.expiresAt]) p.add(x);
  const fromRequest = (row: AuditValues) =>
    auditSelect(p, row, {
      actor: 'r.user_id::text',
      user_id: 'r.user_id',
      client_id: 'r.client_id',
      oauth_app_id: 'r.oauth_app_id',
      details: `jsonb_build_object('scopes', to_jsonb(r.scopes), 'grant_id', code.grant_id)`,
    });
  const rest = grantCodeAndEvents(
    { now: '$3', userId: 'r.user_id', appId: 'r.oauth_app_id', grantId: '$5', codeHash: '$6', authTime: 'r.auth_time', createdAt: '$7', expiresAt: '$8' },
    fromRequest(v.granted),
    fromRequest(v.issued),
  );
  return db.one<AllowedRequest>(
    `with sess as (${liveSessionSql('$4', '$3')}),
  r as (
    update authorization_requests q set used_at = $3, user_id = sess.user_id
      from sess, ${CLIENT_FROM}
     where q.id_hash = $1 and q.browser_hash = $2 and q.used_at is null and q.expires_at > $3
       and c.client_id = q.client_id and a.status <> 'suspended' and (a.status <> 'test' or a.owner_id = sess.user_id)
       and not ('login' = any(string_to_array(coalesce(q.prompt, ''), ' ')) and sess.auth_time <= q.created_at)
    returning q.client_id, q.redirect_uri, q.scopes, q.code_challenge, q.nonce, q.resource, q.state, sess.user_id, sess.auth_time, c.oauth_app_id
  ),
  ${rest}
  select r.redirect_uri, r.state, r.scopes from r, code`,
    p.values,
  );
}
