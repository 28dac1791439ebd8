import { auditSelect, AUDIT_INSERT, SqlParams, type AuditValues } from './audit.ts';
import type { Db } from './db.ts';

/** The columns of an `authorization_codes` row (also for store/authorization-requests.ts, whose Allow issues a code). */
export const CODE_COLUMNS = 'code_hash, grant_id, client_id, user_id, redirect_uri, scopes, code_challenge, nonce, resource, auth_time, created_at, expires_at';

export interface CodeRow {
  code_hash: string;
  grant_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: string[];
  code_challenge: string | null;
  nonce: string | null;
  resource: string | null;
  auth_time: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface NewCode {
  codeHash: string;
  grantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: readonly string[];
  codeChallenge: string | null;
  nonce: string | null;
  resource: string | null;
  authTime: Date;
  createdAt: Date;
  expiresAt: Date;
}

/** Inserts a code and its `code.issued` audit row in one statement: both or neither. */
export async function insertCode(db: Db, c: NewCode, audit: AuditValues): Promise<void> {
  const p = new SqlParams();
  for (const v of [c.codeHash, c.grantId, c.clientId, c.userId, c.redirectUri, [...c.scopes], c.codeChallenge, c.nonce, c.resource, c.authTime, c.createdAt, c.expiresAt]) p.add(v);
  await db.query(
    `with code as (
       insert into authorization_codes (${CODE_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning 1
     )
     ${AUDIT_INSERT} select ${auditSelect(p, audit)} from code`,
    p.values,
  );
}

export async function findCode(db: Db, codeHash: string): Promise<CodeRow | undefined> {
  return db.one<CodeRow>(`select * from authorization_codes where code_hash = $1`, [codeHash]);
}

/** Spends an unused, unexpired code without issuing anything. True when this call spent it. */
export async function spendCode(db: Db, codeHash: string, now: Date): Promise<boolean> {
  const spent = await db.one(`update authorization_codes set used_at = $2 where code_hash = $1 and used_at is null and expires_at > $2 returning 1`, [codeHash, now]);
  return spent !== undefined;
}

/** Ends the codes of a grant (used or not): they can no longer be exchanged. */
export async function endCodesOfGrant(db: Db, grantId: string, now: Date): Promise<void> {
  await db.query(`update authorization_codes set used_at = coalesce(used_at, $2), expires_at = least(expires_at, $2) where grant_id = $1`, [grantId, now]);
}

/** Ends the codes of a client. */
export async function endCodesOfClient(db: Db, clientId: string, now: Date): Promise<void> {
  await db.query(`update authorization_codes set used_at = coalesce(used_at, $2), expires_at = least(expires_at, $2) where client_id = $1`, [clientId, now]);
}

/** The sweep: codes expired before `cutoff`. */
export async function deleteExpiredCodes(db: Db, cutoff: Date): Promise<void> {
  await db.query(`delete from authorization_codes where expires_at < $1`, [cutoff]);
}

export interface RedeemInput {
  codeHash: string;
  clientId: string;
  now: Date;
  redirectUri: string;
  /** S256 of the presented verifier, or null when none was presented (then the code must have no challenge). */
  challenge: string | null;
  /** RFC 8707 resource asked for, if any: must be the code's. */
  resource: string | null;
  refresh: { id: string; tokenHash: string; familyId: string; idleExpiresAt: Date };
  access: { id: string; tokenHash: string; expiresAt: Date };
  /** Live families of this user and client kept besides the new one; older ones are revoked. */
  keepFamilies: number;
  /** The grant's last use is noted when older than this. */
  touchBefore: Date;
  /** `code.redeemed` and `token.issued`: at is `now`; user_id and details (the grant, scopes, family) come from the code. */
  redeemed: AuditValues;
  issued: AuditValues;
}

export interface Redeemed {
  grant_id: string;
  user_id: string;
  scopes: string[];
  nonce: string | null;
  auth_time: Date;
  email: string;
  email_verified_at: Date | null;
}

/**
 * An exchange that succeeds, in one atomic statement: the code is this client's, unused, unexpired, for this
 * redirect_uri, its PKCE challenge is the presented verifier's (or both absent), and its grant and user are live.
 * The code is consumed; a refresh token (a new family) and an access token are inserted; the client's oldest
 * families past `keepFamilies` are revoked; the grant's last use is noted; `code.redeemed` and `token.issued` are
 * written. The statement spans codes, tokens, grants and audit_events; it lives here because it starts from the
 * code. Undefined when any condition fails (nothing is changed then).
 */
export async function redeemCode(db: Db, v: RedeemInput): Promise<Redeemed | undefined> {
  const p = new SqlParams();
  for (const value of [
    v.codeHash,
    v.clientId,
    v.now,
    v.redirectUri,
    v.challenge,
    v.refresh.id,
    v.refresh.tokenHash,
    v.refresh.familyId,
    v.refresh.idleExpiresAt,
    v.access.id,
    v.access.tokenHash,
    v.access.expiresAt,
    v.keepFamilies,
    v.touchBefore,
    v.resource,
  ]) {
    p.add(value);
  }
  const redeemed = auditSelect(p, v.redeemed, { at: '$3', user_id: 'c.user_id', details: `jsonb_build_object('grant_id', c.grant_id)` });
  const issued = auditSelect(p, v.issued, {
    at: '$3',
    user_id: 'c.user_id',
    details: `jsonb_build_object('grant_id', c.grant_id, 'scopes', to_jsonb(c.scopes), 'family_id', $8::uuid)`,
  });
  return db.one<Redeemed>(
    `with c as (
       update authorization_codes c set used_at = $3
        where c.code_hash = $1 and c.client_id = $2 and c.used_at is null and c.expires_at > $3 and c.redirect_uri = $4
          and (case when $5::text is null then c.code_challenge is null else c.code_challenge = $5::text end)
          and ($15::text is null or c.resource = $15::text)
          and exists (select 1 from grants g join users u on u.id = g.user_id
                       where g.id = c.grant_id and g.revoked_at is null and u.locked_at is null)
       returning c.grant_id, c.user_id, c.scopes, c.nonce, c.auth_time, c.resource
     ), refresh as (
       insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, code_hash, parent_id, created_at, idle_expires_at, resource)
       select $6, $7, $8, grant_id, $2, user_id, scopes, $1, null, $3, $9, resource from c
     ), access as (
       insert into access_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, refresh_token_id, code_hash, created_at, expires_at, resource)
       select $10, $11, $8, grant_id, $2, user_id, scopes, $6, $1, $3, $12, resource from c
     ), evicted as (
       -- the new family is not visible to this statement's snapshot: keep the newest $13 others
       update refresh_tokens set revoked_at = $3
        where client_id = $2 and user_id = (select user_id from c) and revoked_at is null and family_id in (
          select family_id from refresh_tokens
           where client_id = $2 and user_id = (select user_id from c) and revoked_at is null and rotated_at is null and idle_expires_at > $3
           group by family_id order by max(created_at) desc, family_id offset $13)
     ), touched as (
       update grants set last_used_at = $3 where id = (select grant_id from c) and (last_used_at is null or last_used_at < $14)
     ), audit as (
       -- code.redeemed, then token.issued (an Append runs its branches in order, so their ids keep that order)
       ${AUDIT_INSERT} select ${redeemed} from c union all select ${issued} from c
     )
     select c.grant_id, c.user_id, c.scopes, c.nonce, c.auth_time, u.email, u.email_verified_at from c join users u on u.id = c.user_id`,
    p.values,
  );
}
