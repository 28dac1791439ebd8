import type { Ctx } from '../context.ts';
import { auditValues, recordEvent } from '../audit/events.ts';
import { inSeconds, nowDate } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { generateToken, hashToken } from '../tokens.ts';
import type { Client } from './clients.ts';
import { MAX_REFRESH_FAMILIES, tokenResponse, touchBefore, type TokenResponse } from './issue.ts';
import { signIdToken, signingKey } from './jwks.ts';
import { isValidVerifier, pkceProblem, s256 } from './pkce.ts';
import { findCode, redeemCode, spendCode, type CodeRow } from '../../store/codes.ts';
import { revokeTokensOfCode } from '../../store/tokens.ts';

function invalidGrant(description: string): OAuthError {
  return new OAuthError('invalid_grant', description);
}

/** RFC 6749 §4.1.3: exchange an authorization code. */
export async function authorizationCodeGrant(ctx: Ctx, client: Client, params: Record<string, string>, address: string): Promise<TokenResponse> {
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  if (!redirectUri) throw new OAuthError('invalid_request', 'redirect_uri is required');
  const codeHash = hashToken(code);
  // The usual exchange is one statement; when it does not succeed, the general path below says why.
  if (verifier === undefined || isValidVerifier(verifier)) {
    const fast = await exchangeInOneStatement(ctx, client, codeHash, redirectUri, verifier === undefined ? null : s256(verifier), address, params.resource ?? null);
    if (fast) return fast;
  }
  const row = await findCode(ctx.db, codeHash);
  if (!row) throw invalidGrant('the authorization code is invalid');
  // A code bound to another client: as if client authentication failed, so no revocation (docs/security.md §4).
  if (row.client_id !== client.client_id) throw invalidGrant('the authorization code was issued to another client');
  // RFC 7636 §4.6 and RFC 9700 §4.8.2; a failed PKCE check neither consumes the code nor revokes its tokens.
  const pkce = pkceProblem(row.code_challenge, verifier);
  if (pkce) throw invalidGrant(pkce);
  // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code (by its own, authenticated client) revokes every token issued from it.
  if (row.used_at !== null) return replayed(ctx, codeHash, client, row, address);
  // RFC 6749 §4.1.3: redirect_uri must be identical to the one of the authorization request.
  if (row.redirect_uri !== redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
  // RFC 8707 §2.2: the token is for the resource of the authorization request (docs/mcp.md §2).
  if (params.resource !== undefined && params.resource !== row.resource) throw new OAuthError('invalid_target', 'resource must be the one of the authorization request');

  // Everything the one-statement exchange checks about the code itself holds, so it refused because the grant was
  // revoked or the user locked: the code is spent all the same (single use) and nothing is issued.
  const now = nowDate(ctx);
  if (await spendCode(ctx.db, codeHash, now)) throw invalidGrant('the authorization was revoked');
  // Unused when read and past its expiry: nobody can have exchanged it since.
  if (row.expires_at <= now) throw invalidGrant('the authorization code has expired');
  // Lost the race to a concurrent exchange of the same code: that is a replay too.
  return replayed(ctx, codeHash, client, row, address);
}

/**
 * An exchange that succeeds, in one atomic statement (store/codes.ts `redeemCode`): the code is consumed, a new
 * refresh token family and an access token issued, the client's oldest families past MAX_REFRESH_FAMILIES revoked,
 * the grant's last use noted, `code.redeemed` and `token.issued` written. Null when any condition fails.
 */
async function exchangeInOneStatement(
  ctx: Ctx,
  client: Client,
  codeHash: string,
  redirectUri: string,
  challenge: string | null,
  address: string,
  resource: string | null,
): Promise<TokenResponse | null> {
  await signingKey(ctx); // loaded (and cached) before the code is spent, so signing an id_token cannot fail after
  const now = nowDate(ctx);
  const access = generateToken(ctx.random, 'access');
  const refresh = { id: ctx.random.uuid(), token: generateToken(ctx.random, 'refresh') };
  const who = { actor: `client:${client.client_id}`, clientId: client.client_id, oauthAppId: client.oauth_app_id, address };
  const row = await redeemCode(ctx.db, {
    codeHash,
    clientId: client.client_id,
    now,
    redirectUri,
    challenge,
    resource,
    refresh: { id: refresh.id, tokenHash: hashToken(refresh.token), familyId: ctx.random.uuid(), idleExpiresAt: inSeconds(ctx, ctx.config.refreshTokenIdleTtlS) },
    access: { id: ctx.random.uuid(), tokenHash: hashToken(access), expiresAt: inSeconds(ctx, ctx.config.accessTokenTtlS) },
    // The new family is not visible to the statement's snapshot: keep the newest MAX - 1 others.
    keepFamilies: MAX_REFRESH_FAMILIES - 1,
    touchBefore: touchBefore(now),
    redeemed: auditValues(ctx, { event: 'code.redeemed', ...who }),
    issued: auditValues(ctx, { event: 'token.issued', ...who }),
  });
  if (!row) return null;
  const idToken = row.scopes.includes('openid')
    ? await signIdToken(ctx, {
        sub: row.user_id,
        aud: client.client_id,
        authTime: row.auth_time,
        nonce: row.nonce,
        email: row.scopes.includes('email') ? row.email : undefined,
        // OIDC Core §5.1: true only once the owner of the address proved it (docs/security-accounts.md §9).
        emailVerified: row.email_verified_at !== null,
        lifetimeS: ctx.config.accessTokenTtlS,
      })
    : undefined;
  return tokenResponse(ctx, access, row.scopes, refresh.token, idToken);
}

async function replayed(ctx: Ctx, codeHash: string, client: Client, code: CodeRow, address: string): Promise<never> {
  const now = nowDate(ctx);
  await ctx.db.tx(async (db) => {
    const revoked = await revokeTokensOfCode(db, codeHash, now);
    await recordEvent({ db, clock: ctx.clock, log: ctx.log }, {
      event: 'code.replay',
      actor: `client:${client.client_id}`,
      userId: code.user_id,
      clientId: client.client_id,
      oauthAppId: client.oauth_app_id,
      address,
      details: { grant_id: code.grant_id, tokens_revoked: revoked },
    });
  });
  ctx.log.info('authorization code replayed; its tokens were revoked', {});
  throw invalidGrant('the authorization code was already used');
}
