import type { Ctx } from '../context.ts';
import { auditValues, recordEvent } from '../audit/events.ts';
import { inSeconds, nowDate } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { generateToken, hashToken } from '../tokens.ts';
import { rotatesRefreshTokens, type Client } from './clients.ts';
import { insertAccessToken, insertRefreshToken, tokenResponse, touchBefore, touchGrant, type TokenBinding, type TokenResponse } from './issue.ts';
import { parseScope, scopesCover } from './scopes.ts';
import { extendRefreshToken, findRefreshToken, markRotated, refreshTokenState, revokeFamily as revokeFamilyTokens } from '../../store/tokens.ts';

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
  const row = await findRefreshToken(ctx.db, tokenHash);
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
      const kept = await extendRefreshToken(db, row.id, now, inSeconds(ctx, ctx.config.refreshTokenIdleTtlS));
      if (!kept) throw invalidGrant('the refresh token was revoked');
      const access = await insertAccessToken(db, ctx, binding, scopes, row.id);
      await touchGrant(db, ctx, row.grant_id);
      const since = refreshAuditedIfUsedBefore(ctx, now);
      if (since === null || kept.previousUse === null || kept.previousUse < since) {
        await recordEvent({ db, clock: ctx.clock, log: ctx.log }, { event: 'token.refreshed', ...who, details: { grant_id: row.grant_id, family_id: row.family_id, scopes } });
      }
      return tokenResponse(ctx, access, scopes, undefined, undefined);
    });
  }

  const result = await ctx.db.tx(async (db) => {
    // Rotation (RFC 9700 §4.14.2): exactly one caller flips rotated_at and gets the successor.
    const won = await markRotated(db, row.id, now);
    if (!won) {
      const again = await refreshTokenState(db, row.id);
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
 * A refresh that succeeds, in one atomic statement (store/tokens.ts `refreshRows`, shared with the concurrent
 * refreshes of other callers by group commit): the token is kept or rotated, an access token inserted, the grant's
 * last use noted and the audit event written. Null when any condition fails (the caller's general path then tells
 * which), else the response.
 */
async function refreshInOneStatement(ctx: Ctx, client: Client, tokenHash: string, address: string | null, resource: string | null): Promise<TokenResponse | null> {
  const now = nowDate(ctx);
  const rotate = rotatesRefreshTokens(client);
  const access = generateToken(ctx.random, 'access');
  const successor = rotate ? { id: ctx.random.uuid(), token: generateToken(ctx.random, 'refresh') } : null;
  const row = await ctx.writes.refresh.submit({
    tokenHash,
    clientId: client.client_id,
    now,
    idleExpiresAt: inSeconds(ctx, ctx.config.refreshTokenIdleTtlS),
    access: { id: ctx.random.uuid(), tokenHash: hashToken(access), expiresAt: inSeconds(ctx, ctx.config.accessTokenTtlS) },
    successor: successor ? { id: successor.id, tokenHash: hashToken(successor.token) } : null,
    touchBefore: touchBefore(now),
    resource,
    auditIfUsedBefore: rotate ? null : refreshAuditedIfUsedBefore(ctx, now),
    audit: auditValues(ctx, {
      event: rotate ? 'token.rotated' : 'token.refreshed',
      actor: `client:${client.client_id}`,
      clientId: client.client_id,
      oauthAppId: client.oauth_app_id,
      address,
    }),
  });
  if (!row) return null;
  return tokenResponse(ctx, access, row.scopes, successor?.token, undefined);
}

/**
 * A kept refresh token's refresh is audited (`token.refreshed`) only if the token's previous use was before this
 * instant, the start of the current UTC day: the first refresh of each token in a day, with `AUDIT_REFRESHES=daily`
 * (the default). Null (always) with `AUDIT_REFRESHES=each`. A rotation mints a new refresh token and is audited every
 * time, whatever the setting (docs/architecture.md §11).
 */
export function refreshAuditedIfUsedBefore(ctx: Ctx, now: Date): Date | null {
  if (ctx.config.auditRefreshes === 'each') return null;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Revokes every refresh and access token of one family (one sign-in). */
export async function revokeFamily(ctx: Ctx, familyId: string): Promise<void> {
  const now = nowDate(ctx);
  await ctx.db.tx((db) => revokeFamilyTokens(db, familyId, now));
}
