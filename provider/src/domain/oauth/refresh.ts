import type { Ctx } from '../context.ts';
import { AUDIT_COLUMNS, eventValues, recordEvent } from '../audit/events.ts';
import { inSeconds, nowDate } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { rotatesRefreshTokens, type Client } from './clients.ts';
import { GRANT_TOUCH_RESOLUTION_MS, insertAccessToken, insertRefreshToken, tokenResponse, touchGrant, type TokenBinding, type TokenResponse } from './issue.ts';
import { parseScope, scopesCover } from './scopes.ts';

interface RefreshRow {
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
  usable: boolean;
}

function invalidGrant(description: string): OAuthError {
  return new OAuthError('invalid_grant', description);
}

/** RFC 6749 §6: refresh an access token. */
export async function refreshTokenGrant(ctx: Ctx, client: Client, params: Record<string, string>, address: string | null = null): Promise<TokenResponse> {
  const token = params.refresh_token;
  if (!token) throw new OAuthError('invalid_request', 'refresh_token is required');
  const tokenHash = hashToken(token);
  // The usual request (no narrower scope asked for) is answered by one statement; anything else, or any
  // failure of it, takes the general path below, which re-reads the token and says what is wrong.
  if (params.scope === undefined) {
    const fast = await refreshInOneStatement(ctx, client, tokenHash, address, params.resource ?? null);
    if (fast) return fast;
  }
  const now = nowDate(ctx);
  const row = await ctx.db.one<RefreshRow>(
    `select r.id, r.family_id, r.grant_id, r.client_id, r.user_id, r.scopes, r.code_hash, r.resource, r.idle_expires_at, r.rotated_at, r.revoked_at,
            (g.revoked_at is null and u.locked_at is null) as usable
       from refresh_tokens r join grants g on g.id = r.grant_id join users u on u.id = r.user_id
      where r.token_hash = $1`,
    [tokenHash],
  );
  // RFC 6749 §10.4: refresh tokens are bound to the client they were issued to.
  if (!row || row.client_id !== client.client_id) throw invalidGrant('the refresh token is invalid');
  if (row.revoked_at || !row.usable) throw invalidGrant('the refresh token was revoked');
  if (row.idle_expires_at <= now) throw invalidGrant('the refresh token has expired');
  // RFC 8707 §2.2: a refresh keeps the resource the family was issued for (docs/mcp.md §2).
  if (params.resource !== undefined && params.resource !== row.resource) throw new OAuthError('invalid_target', 'resource must be the one the refresh token was issued for');

  // RFC 6749 §6: a narrower scope may be requested, never a wider one.
  let scopes = row.scopes;
  if (params.scope !== undefined) {
    const parsed = parseScope(params.scope);
    if (!parsed.ok) throw new OAuthError('invalid_scope', parsed.description);
    if (!scopesCover(row.scopes, parsed.scopes)) {
      throw new OAuthError('invalid_scope', 'scope may only narrow the scope of the refresh token');
    }
    scopes = parsed.scopes;
  }
  const binding: TokenBinding = { grantId: row.grant_id, clientId: client.client_id, userId: row.user_id, familyId: row.family_id, codeHash: row.code_hash, resource: row.resource };
  const who = { actor: `client:${client.client_id}`, userId: row.user_id, clientId: client.client_id, oauthAppId: client.oauth_app_id, address };

  if (!rotatesRefreshTokens(client)) {
    // A confidential, non-rotating client keeps its refresh token; using it extends its idle lifetime.
    return ctx.db.tx(async (db) => {
      const live = await db.one(
        `update refresh_tokens set last_used_at = $2, idle_expires_at = $3 where id = $1 and revoked_at is null returning id`,
        [row.id, now, inSeconds(ctx, ctx.config.refreshTokenIdleTtlS)],
      );
      if (!live) throw invalidGrant('the refresh token was revoked');
      const access = await insertAccessToken(db, ctx, binding, scopes, row.id);
      await touchGrant(db, ctx, row.grant_id);
      await recordEvent({ db, clock: ctx.clock, log: ctx.log }, { event: 'token.refreshed', ...who, details: { grant_id: row.grant_id, family_id: row.family_id, scopes } });
      return tokenResponse(ctx, access, scopes, undefined, undefined);
    });
  }

  const result = await ctx.db.tx(async (db) => {
    // Rotation (RFC 9700 §4.14.2): exactly one caller flips rotated_at and gets the successor.
    const won = await db.one(
      `update refresh_tokens set rotated_at = $2, last_used_at = $2 where id = $1 and rotated_at is null and revoked_at is null returning id`,
      [row.id, now],
    );
    if (!won) {
      const again = await db.one<{ rotated_at: Date | null; revoked_at: Date | null }>(`select rotated_at, revoked_at from refresh_tokens where id = $1`, [row.id]);
      const graceEnds = again?.rotated_at ? again.rotated_at.getTime() + ctx.config.refreshTokenReuseGraceS * 1000 : 0;
      // A concurrent duplicate inside the grace window is served, not punished (docs/api.md §2).
      if (!again || again.revoked_at || ctx.clock.now() >= graceEnds) return 'reused' as const;
    }
    const successor = await insertRefreshToken(db, ctx, binding, row.scopes, row.id);
    const access = await insertAccessToken(db, ctx, binding, scopes, successor.id);
    // No family limit to enforce: the successor replaces its parent within the same family.
    await touchGrant(db, ctx, row.grant_id);
    await recordEvent({ db, clock: ctx.clock, log: ctx.log }, {
      event: 'token.rotated',
      ...who,
      details: { grant_id: row.grant_id, family_id: row.family_id, scopes, ...(won ? {} : { concurrent_duplicate: true }) },
    });
    return tokenResponse(ctx, access, scopes, successor.token, undefined);
  });
  if (result !== 'reused') return result;
  await revokeFamily(ctx, row.family_id);
  await recordEvent(ctx, { event: 'token.reuse_detected', ...who, details: { grant_id: row.grant_id, family_id: row.family_id } });
  ctx.log.info('rotated refresh token reused; its family was revoked', { client_id: client.client_id });
  throw invalidGrant('the refresh token was already used');
}

/**
 * A refresh that succeeds, in one atomic statement: the token is live (not revoked, not rotated, not idle-expired,
 * its grant and user live) and bound to this client; it is kept (its idle lifetime extended) or rotated into a
 * successor, an access token is inserted, the grant's last use noted and the audit event written.
 * Returns null when any condition fails (the caller's general path then tells which), else the response.
 * Two concurrent rotations of one token: the second waits on the row and then finds it rotated (null).
 */
async function refreshInOneStatement(ctx: Ctx, client: Client, tokenHash: string, address: string | null, resource: string | null): Promise<TokenResponse | null> {
  const now = nowDate(ctx);
  const rotate = rotatesRefreshTokens(client);
  const access = generateToken(ctx.random, 'access');
  const successor = rotate ? { id: ctx.random.uuid(), token: generateToken(ctx.random, 'refresh') } : null;
  const event = eventValues(ctx, {
    event: rotate ? 'token.rotated' : 'token.refreshed',
    actor: `client:${client.client_id}`,
    clientId: client.client_id,
    oauthAppId: client.oauth_app_id,
    address,
  });
  // $1 token hash, $2 client, $3 now, $4 idle expiry, $5 access id, $6 access hash, $7 access expiry,
  // $8 touch the grant if last used before this, $9 successor id, $10 successor hash, $11… the event's columns.
  const params = [
    tokenHash,
    client.client_id,
    now,
    inSeconds(ctx, ctx.config.refreshTokenIdleTtlS),
    ctx.random.uuid(),
    hashToken(access),
    inSeconds(ctx, ctx.config.accessTokenTtlS),
    new Date(now.getTime() - GRANT_TOUCH_RESOLUTION_MS),
    successor?.id ?? null,
    successor ? hashToken(successor.token) : null,
    ...event.slice(1, 4), // event, outcome, actor
    ...event.slice(5, 8), // client_id, oauth_app_id, address
    resource, // $17: the resource asked for, if any
  ];
  const row = await ctx.db.one<{ scopes: string[] }>(
    `with r as (
       update refresh_tokens r set ${rotate ? 'rotated_at = $3, last_used_at = $3' : 'last_used_at = $3, idle_expires_at = $4'}
        where r.token_hash = $1 and r.client_id = $2 and r.revoked_at is null and r.rotated_at is null and r.idle_expires_at > $3
          and ($17::text is null or r.resource = $17::text)
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
       insert into audit_events (${AUDIT_COLUMNS})
       select $3, $11, $12, $13, user_id, $14, $15, $16, jsonb_build_object('grant_id', grant_id, 'family_id', family_id, 'scopes', to_jsonb(scopes)) from r
     )
     select scopes from r`,
    params,
  );
  if (!row) return null;
  return tokenResponse(ctx, access, row.scopes, successor?.token, undefined);
}

/** Revokes every refresh and access token of one family (one sign-in). */
export async function revokeFamily(ctx: Ctx, familyId: string): Promise<void> {
  const now = nowDate(ctx);
  await ctx.db.tx(async (db) => {
    await db.query(`update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [familyId, now]);
    await db.query(`update access_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`, [familyId, now]);
  });
}
