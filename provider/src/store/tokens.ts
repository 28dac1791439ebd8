import { auditArrays, auditSelectFrom, AUDIT_INSERT, SqlParams, type AuditValues } from './audit.ts';
import type { Db } from './db.ts';

/** The columns a new token is bound to: its grant, client, user, family (one sign-in), code and resource. */
export interface TokenBinding {
  grantId: string;
  clientId: string;
  userId: string;
  familyId: string;
  codeHash: string | null;
  /** RFC 8707 resource the family was issued for; null: the Platform API (docs/mcp.md §2). */
  resource: string | null;
}

export interface NewToken {
  id: string;
  tokenHash: string;
  scopes: readonly string[];
  createdAt: Date;
  /** Access tokens: `expires_at`; refresh tokens: `idle_expires_at`. */
  expiresAt: Date;
}

export async function insertAccessToken(db: Db, b: TokenBinding, t: NewToken, refreshTokenId: string | null): Promise<void> {
  await db.query(
    `insert into access_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, refresh_token_id, code_hash, created_at, expires_at, resource)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [t.id, t.tokenHash, b.familyId, b.grantId, b.clientId, b.userId, [...t.scopes], refreshTokenId, b.codeHash, t.createdAt, t.expiresAt, b.resource],
  );
}

export async function insertRefreshToken(db: Db, b: TokenBinding, t: NewToken, parentId: string | null): Promise<void> {
  await db.query(
    `insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, code_hash, parent_id, created_at, idle_expires_at, resource)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [t.id, t.tokenHash, b.familyId, b.grantId, b.clientId, b.userId, [...t.scopes], b.codeHash, parentId, t.createdAt, t.expiresAt, b.resource],
  );
}

export interface RefreshRow {
  id: string;
  family_id: string;
  grant_id: string;
  client_id: string;
  user_id: string;
  scopes: string[];
  code_hash: string | null;
  resource: string | null;
  idle_expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
  /** Its grant live and its user not locked. */
  usable: boolean;
}

/** A refresh token by hash, whatever its state, with whether its grant and user are live (to say why a refresh fails). */
export async function findRefreshToken(db: Db, tokenHash: string): Promise<RefreshRow | undefined> {
  return db.one<RefreshRow>(
    `select r.id, r.family_id, r.grant_id, r.client_id, r.user_id, r.scopes, r.code_hash, r.resource, r.idle_expires_at, r.rotated_at, r.revoked_at,
            (g.revoked_at is null and u.locked_at is null) as usable
       from refresh_tokens r join grants g on g.id = r.grant_id join users u on u.id = r.user_id
      where r.token_hash = $1`,
    [tokenHash],
  );
}

/**
 * Keeps a (non-rotating) refresh token: notes its use and extends its idle lifetime. Returns its previous use (read
 * under the row's lock; null: never used), or undefined when it was revoked meanwhile.
 */
export async function extendRefreshToken(db: Db, id: string, now: Date, idleExpiresAt: Date): Promise<{ previousUse: Date | null } | undefined> {
  const row = await db.one<{ previous_use: Date | null }>(
    `update refresh_tokens t set last_used_at = $2, idle_expires_at = $3
       from (select id, last_used_at from refresh_tokens where id = $1 for no key update) was
      where t.id = was.id and t.revoked_at is null
      returning was.last_used_at as previous_use`,
    [id, now, idleExpiresAt],
  );
  return row && { previousUse: row.previous_use };
}

/** Rotation (RFC 9700 §4.14.2): exactly one caller flips rotated_at. True for that caller. */
export async function markRotated(db: Db, id: string, now: Date): Promise<boolean> {
  const won = await db.one(`update refresh_tokens set rotated_at = $2, last_used_at = $2 where id = $1 and rotated_at is null and revoked_at is null returning id`, [id, now]);
  return won !== undefined;
}

export async function refreshTokenState(db: Db, id: string): Promise<{ rotated_at: Date | null; revoked_at: Date | null } | undefined> {
  return db.one<{ rotated_at: Date | null; revoked_at: Date | null }>(`select rotated_at, revoked_at from refresh_tokens where id = $1`, [id]);
}

export interface RefreshInput {
  tokenHash: string;
  clientId: string;
  now: Date;
  /** The kept token's new idle expiry, or the successor's. */
  idleExpiresAt: Date;
  access: { id: string; tokenHash: string; expiresAt: Date };
  /** The successor when the client rotates refresh tokens, else null (the token is kept). */
  successor: { id: string; tokenHash: string } | null;
  /** The grant's last use is noted when older than this (store/grants.ts touchGrant). */
  touchBefore: Date;
  /** RFC 8707 resource asked for, if any: must be the family's. */
  resource: string | null;
  /** `token.rotated` or `token.refreshed`; at is `now`, user_id and details come from the token. */
  audit: AuditValues;
  /** The audit row is written only if the token's previous use was before this, or it was never used; null: always. */
  auditIfUsedBefore: Date | null;
}

/** What a refresh that succeeded answers: the scopes of the token (and so of the new access token). */
export interface RefreshOutcome {
  scopes: string[];
}

/**
 * Refreshes that succeed, any number in one atomic statement (written by group commit, store/group-commit.ts): for
 * each row whose token is live (not revoked, not rotated, not idle-expired, its grant and user live) and bound to
 * the row's client, the token is kept (its idle lifetime extended) or rotated into the row's successor, an access
 * token is inserted, the grant's last use noted and the audit event written when the row asks for it: always, or
 * when the token's previous use (its `last_used_at`, read under the row's lock) was before `auditIfUsedBefore`
 * (docs/architecture.md §11). So the statement spans tokens, grants and audit_events; it starts from the refresh
 * tokens. One outcome per row, in order: undefined when that row's conditions fail (nothing of it changed; the
 * caller's general path says why).
 *
 * Two rows rotating one token: the token is updated once, so exactly one row wins, whether the two share a statement
 * (an UPDATE … FROM updates a row at most once) or not (the second statement waits on the row, then finds it rotated).
 */
export async function refreshRows(db: Db, rows: readonly RefreshInput[]): Promise<(RefreshOutcome | undefined)[]> {
  const p = new SqlParams();
  const column = (type: string, value: (v: RefreshInput, k: number) => unknown) => p.add(rows.map(value), `${type}[]`);
  const input = [
    column('int', (_, k) => k),
    column('text', (v) => v.tokenHash),
    column('text', (v) => v.clientId),
    column('timestamptz', (v) => v.now),
    column('timestamptz', (v) => v.idleExpiresAt),
    column('uuid', (v) => v.access.id),
    column('text', (v) => v.access.tokenHash),
    column('timestamptz', (v) => v.access.expiresAt),
    column('timestamptz', (v) => v.touchBefore),
    column('uuid', (v) => v.successor?.id ?? null),
    column('text', (v) => v.successor?.tokenHash ?? null),
    column('text', (v) => v.resource),
    column('timestamptz', (v) => v.auditIfUsedBefore),
    ...auditArrays(p, rows.map((v) => v.audit), ['event', 'outcome', 'actor', 'client_id', 'oauth_app_id', 'address']),
  ];
  const audit = auditSelectFrom({
    at: 'now',
    event: 'a_event',
    outcome: 'a_outcome',
    actor: 'a_actor',
    user_id: 'user_id',
    client_id: 'a_client_id',
    oauth_app_id: 'a_oauth_app_id',
    address: 'a_address',
    details: `jsonb_build_object('grant_id', grant_id, 'family_id', family_id, 'scopes', to_jsonb(scopes))`,
  });
  // Concurrent batches (a Postgres pool runs several) must not deadlock: the tokens are locked first, in one order
  // (by id), and a grant another batch is touching is skipped (it is being noted as used anyway). The plan must not
  // turn on statistics, which a new or restored database lacks until autovacuum's first ANALYZE: the tokens are
  // found by `token_hash = any(…)`, and their grant and user are checked by a scalar subquery of each updated row
  // (primary keys), never a semi-join the planner may start from (without statistics Postgres 15 joined every live
  // grant to every user first: 30 ms for 16 rows on 1,000 users, against 3 ms; bench/RESULTS.md round 14).
  const done = await db.query<{ n: number; scopes: string[] }>(
    `with i as (
       select * from unnest(${input.join(', ')})
         as i(n, token_hash, client_id, now, idle_expires_at, access_id, access_hash, access_expires_at, touch_before, successor_id, successor_hash, resource,
              a_used_before, a_event, a_outcome, a_actor, a_client_id, a_oauth_app_id, a_address)
     ), locked as (
       select id, last_used_at from refresh_tokens where token_hash = any(${input[1]}) order by id for no key update
     ), r as (
       update refresh_tokens r
          set rotated_at = case when i.successor_id is null then null else i.now end,
              last_used_at = i.now,
              idle_expires_at = case when i.successor_id is null then i.idle_expires_at else r.idle_expires_at end
         from i
        where r.id = any(array(select id from locked)) and r.token_hash = i.token_hash and r.client_id = i.client_id and r.revoked_at is null and r.rotated_at is null and r.idle_expires_at > i.now
          and (i.resource is null or r.resource = i.resource)
          and (select g.revoked_at is null and u.locked_at is null from grants g join users u on u.id = g.user_id where g.id = r.grant_id)
       returning i.n, i.client_id, i.now, i.idle_expires_at as next_idle_expires_at, i.access_id, i.access_hash, i.access_expires_at, i.touch_before,
                 i.successor_id, i.successor_hash, i.a_used_before, i.a_event, i.a_outcome, i.a_actor, i.a_client_id, i.a_oauth_app_id, i.a_address,
                 r.id, r.family_id, r.grant_id, r.user_id, r.scopes, r.code_hash, r.resource
     ), successor as (
       insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, code_hash, parent_id, created_at, idle_expires_at, resource)
       select successor_id, successor_hash, family_id, grant_id, client_id, user_id, scopes, code_hash, id, now, next_idle_expires_at, resource
         from r where successor_id is not null
     ), access as (
       insert into access_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, refresh_token_id, code_hash, created_at, expires_at, resource)
       select access_id, access_hash, family_id, grant_id, client_id, user_id, scopes, coalesce(successor_id, id), code_hash, now, access_expires_at, resource from r
     ), touched as (
       update grants g set last_used_at = t.now
         from (select grant_id, max(now) as now, max(touch_before) as touch_before from r group by grant_id) t
        where g.id = t.grant_id and (g.last_used_at is null or g.last_used_at < t.touch_before)
          and g.id = any(array(select id from grants where id in (select grant_id from r) for no key update skip locked))
     ), audit as (
       ${AUDIT_INSERT} select ${audit} from r join locked l on l.id = r.id
        where r.a_used_before is null or l.last_used_at is null or l.last_used_at < r.a_used_before
     )
     select n, scopes from r`,
    p.values,
  );
  const outcomes: (RefreshOutcome | undefined)[] = rows.map(() => undefined);
  for (const row of done) outcomes[row.n] = { scopes: row.scopes };
  return outcomes;
}

/** Revokes every refresh and access token of one family (one sign-in); pass a transaction to make it atomic. */
export async function revokeFamily(db: Db, familyId: string, now: Date): Promise<void> {
  await db.query(`update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [familyId, now]);
  await db.query(`update access_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [familyId, now]);
}

/** RFC 9700 §4.5: revokes every token issued from one authorization code; returns how many. */
export async function revokeTokensOfCode(db: Db, codeHash: string, now: Date): Promise<number> {
  const a = await db.query(`update access_tokens set revoked_at = $2 where code_hash = $1 and revoked_at is null returning 1`, [codeHash, now]);
  const r = await db.query(`update refresh_tokens set revoked_at = $2 where code_hash = $1 and revoked_at is null returning 1`, [codeHash, now]);
  return a.length + r.length;
}

/** Revokes the access and refresh tokens of a grant (store/grants.ts revokeGrantRow ends the grant itself). */
export async function revokeTokensOfGrant(db: Db, grantId: string, now: Date): Promise<void> {
  await db.query(`update access_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
  await db.query(`update refresh_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`, [grantId, now]);
}

/** Revokes the access and refresh tokens of a client. */
export async function revokeTokensOfClient(db: Db, clientId: string, now: Date): Promise<void> {
  await db.query(`update access_tokens set revoked_at = $2 where client_id = $1 and revoked_at is null`, [clientId, now]);
  await db.query(`update refresh_tokens set revoked_at = $2 where client_id = $1 and revoked_at is null`, [clientId, now]);
}

/** RFC 7009: revokes one live access token (of `clientId` when given); its user and client, or undefined. */
export async function revokeAccessToken(db: Db, tokenHash: string, now: Date, clientId: string | null): Promise<{ user_id: string; client_id: string } | undefined> {
  return db.one<{ user_id: string; client_id: string }>(
    `update access_tokens set revoked_at = $2 where token_hash = $1 and revoked_at is null and ($3::text is null or client_id = $3) returning user_id, client_id`,
    [tokenHash, now, clientId],
  );
}

/** A refresh token's family, client, grant and user by hash (RFC 7009 revocation), whatever its state. */
export async function findRefreshFamily(db: Db, tokenHash: string) {
  return db.one<{ family_id: string; client_id: string; grant_id: string; user_id: string; revoked_at: Date | null }>(
    `select family_id, client_id, grant_id, user_id, revoked_at from refresh_tokens where token_hash = $1`,
    [tokenHash],
  );
}

export interface LiveToken {
  user_id: string;
  grant_id: string;
  client_id: string;
  oauth_app_id: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date;
  /** RFC 8707 resource the token was issued for; null: the Platform API (docs/mcp.md §2). */
  resource: string | null;
}

/** An access token that is usable at `now`: not revoked, not expired, its grant live, its app not suspended, its user not locked. */
export async function findLiveAccessToken(db: Db, tokenHash: string, now: Date): Promise<LiveToken | undefined> {
  return db.one<LiveToken>(
    `select t.user_id, t.grant_id, t.client_id, g.oauth_app_id, t.scopes, t.created_at, t.expires_at, t.resource
       from access_tokens t join grants g on g.id = t.grant_id join oauth_apps a on a.id = g.oauth_app_id join users u on u.id = t.user_id
      where t.token_hash = $1 and t.revoked_at is null and g.revoked_at is null and a.status <> 'suspended' and u.locked_at is null and t.expires_at > $2`,
    [tokenHash, now],
  );
}

/** A refresh token that is usable at `now` (also unrotated), as a LiveToken (`expires_at` is its idle expiry). */
export async function findLiveRefreshToken(db: Db, tokenHash: string, now: Date): Promise<LiveToken | undefined> {
  return db.one<LiveToken>(
    `select r.user_id, r.grant_id, r.client_id, g.oauth_app_id, r.scopes, r.created_at, r.idle_expires_at as expires_at, r.resource
       from refresh_tokens r join grants g on g.id = r.grant_id join oauth_apps a on a.id = g.oauth_app_id join users u on u.id = r.user_id
      where r.token_hash = $1 and r.revoked_at is null and r.rotated_at is null and g.revoked_at is null
        and a.status <> 'suspended' and u.locked_at is null and r.idle_expires_at > $2`,
    [tokenHash, now],
  );
}

/** The sweep: access tokens expired before `cutoff`, refresh tokens idle-expired before it. */
export async function deleteExpiredTokens(db: Db, cutoff: Date): Promise<void> {
  await db.query(`delete from access_tokens where expires_at < $1`, [cutoff]);
  await db.query(`delete from refresh_tokens where idle_expires_at < $1`, [cutoff]);
}
