import { auditSelect, AUDIT_INSERT, SqlParams, type AuditValues } from './audit.ts';
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

/** Keeps a (non-rotating) refresh token: notes its use and extends its idle lifetime. False when it was revoked meanwhile. */
export async function extendRefreshToken(db: Db, id: string, now: Date, idleExpiresAt: Date): Promise<boolean> {
  const live = await db.one(`update refresh_tokens set last_used_at = $2, idle_expires_at = $3 where id = $1 and revoked_at is null returning id`, [id, now, idleExpiresAt]);
  return live !== undefined;
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
}

/**
 * A refresh that succeeds, in one atomic statement: the token is live (not revoked, not rotated, not idle-expired,
 * its grant and user live) and bound to this client; it is kept (its idle lifetime extended) or rotated into a
 * successor, an access token is inserted, the grant's last use noted and the audit event written (so the statement
 * spans tokens, grants and audit_events; it starts from the refresh token). Undefined when any condition fails
 * (nothing changed). Two concurrent rotations of one token: the second waits on the row and then finds it rotated.
 */
export async function refreshInOneStatement(db: Db, v: RefreshInput): Promise<{ scopes: string[] } | undefined> {
  const p = new SqlParams();
  for (const value of [v.tokenHash, v.clientId, v.now, v.idleExpiresAt, v.access.id, v.access.tokenHash, v.access.expiresAt, v.touchBefore]) p.add(value);
  for (const value of [v.successor?.id ?? null, v.successor?.tokenHash ?? null, v.resource]) p.add(value);
  // $1 token hash, $2 client, $3 now, $4 idle expiry, $5 access id, $6 access hash, $7 access expiry,
  // $8 touch the grant if last used before this, $9 successor id, $10 successor hash, $11 resource, then the audit row.
  const audit = auditSelect(p, v.audit, {
    at: '$3',
    user_id: 'user_id',
    details: `jsonb_build_object('grant_id', grant_id, 'family_id', family_id, 'scopes', to_jsonb(scopes))`,
  });
  return db.one<{ scopes: string[] }>(
    `with r as (
       update refresh_tokens r set ${v.successor ? 'rotated_at = $3, last_used_at = $3' : 'last_used_at = $3, idle_expires_at = $4'}
        where r.token_hash = $1 and r.client_id = $2 and r.revoked_at is null and r.rotated_at is null and r.idle_expires_at > $3
          and ($11::text is null or r.resource = $11::text)
          and exists (select 1 from grants g join users u on u.id = g.user_id
                       where g.id = r.grant_id and g.revoked_at is null and u.locked_at is null)
       returning r.id, r.family_id, r.grant_id, r.user_id, r.scopes, r.code_hash, r.resource
     ), successor as (
       insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, code_hash, parent_id, created_at, idle_expires_at, resource)
       select $9, $10, family_id, grant_id, $2, user_id, scopes, code_hash, id, $3, $4, resource from r where $9::uuid is not null
     ), access as (
       insert into access_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, refresh_token_id, code_hash, created_at, expires_at, resource)
       select $5, $6, family_id, grant_id, $2, user_id, scopes, coalesce($9::uuid, id), code_hash, $3, $7, resource from r
     ), touched as (
       update grants set last_used_at = $3 where id = (select grant_id from r) and (last_used_at is null or last_used_at < $8)
     ), audit as (
       ${AUDIT_INSERT} select ${audit} from r
     )
     select scopes from r`,
    p.values,
  );
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
