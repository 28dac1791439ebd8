import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { AUDIT_COLUMNS, eventValues, recordEvent } from '../../domain/audit/events.ts';
import { inSeconds, nowDate } from '../../domain/context.ts';
import { clientAddress } from '../http/client-address.ts';
import { OAuthError } from '../../domain/errors.ts';
import { readOAuthParams } from '../http/body.ts';
import { limitingFailures } from '../../domain/limits/failure-limit.ts';
import { takeQuota } from '../../domain/limits/quota.ts';
import { hit, type RateLimitRule } from '../../domain/limits/rate-limit.ts';
import { generateToken, hashToken } from '../../domain/tokens.ts';
import { authenticateClient, presentedClientId, type Client } from '../../domain/oauth/clients.ts';
import { GRANT_TOUCH_RESOLUTION_MS, MAX_REFRESH_FAMILIES, tokenResponse, type TokenResponse } from '../../domain/oauth/issue.ts';
import { signIdToken, signingKey } from '../../domain/oauth/jwks.ts';
import { isValidVerifier, pkceProblem, s256 } from '../../domain/oauth/pkce.ts';
import { refreshTokenGrant } from '../../domain/oauth/refresh.ts';

interface CodeRow {
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

export async function rateLimit(ctx: Ctx, bucket: string, rule: RateLimitRule): Promise<void> {
  const r = await hit(ctx, bucket, rule);
  if (!r.ok) throw new OAuthError('slow_down', `too many requests; retry in ${r.retryAfterS}s`, 429, { 'Retry-After': String(r.retryAfterS) });
}

/**
 * `POST /platform/oauth/token` (RFC 6749 §3.2). Failures are limited per address and per client; an authenticated
 * client's successful traffic only by its app's quota (docs/rate-limits.md).
 */
export async function tokenEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const address = clientAddress(c);
  const params = await readOAuthParams(c);
  const { body, quota } = await limitingFailures(ctx, address, presentedClientId(c, params), async () => {
    const client = await authenticateClient(ctx, c, params);
    // A suspended app's clients get no tokens (web/http/auth.ts also refuses the ones it holds).
    if (client.app_status === 'suspended') throw new OAuthError('unauthorized_client', 'this OAuth app is suspended');
    const quota = takeQuota(ctx, client);
    switch (params.grant_type) {
      case 'authorization_code':
        return { body: await authorizationCodeGrant(ctx, client, params, address), quota };
      case 'refresh_token':
        return { body: await refreshTokenGrant(ctx, client, params, address), quota };
      case undefined:
        throw new OAuthError('invalid_request', 'grant_type is required');
      default:
        throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    }
  });
  return c.json(body, 200, { ...quota, 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

function invalidGrant(description: string): OAuthError {
  return new OAuthError('invalid_grant', description);
}

/** RFC 6749 §4.1.3: exchange an authorization code. */
async function authorizationCodeGrant(ctx: Ctx, client: Client, params: Record<string, string>, address: string): Promise<TokenResponse> {
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  if (!redirectUri) throw new OAuthError('invalid_request', 'redirect_uri is required');
  const codeHash = hashToken(code);
  // The usual exchange is one statement; when it does not succeed, the general path below says why.
  if (verifier === undefined || isValidVerifier(verifier)) {
    const fast = await exchangeInOneStatement(ctx, client, codeHash, redirectUri, verifier === undefined ? null : s256(verifier), address, params.resource ?? null);
    if (fast) return fast;
  }
  const row = await ctx.db.one<CodeRow>(`select * from authorization_codes where code_hash = $1`, [codeHash]);
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
  const spent = await ctx.db.one(`update authorization_codes set used_at = $2 where code_hash = $1 and used_at is null and expires_at > $2 returning 1`, [codeHash, now]);
  if (spent) throw invalidGrant('the authorization was revoked');
  // Unused when read and past its expiry: nobody can have exchanged it since.
  if (row.expires_at <= now) throw invalidGrant('the authorization code has expired');
  // Lost the race to a concurrent exchange of the same code: that is a replay too.
  return replayed(ctx, codeHash, client, row, address);
}

/**
 * An exchange that succeeds, in one atomic statement: the code is this client's, unused, unexpired, for this
 * redirect_uri, its PKCE challenge is the presented verifier's (or both absent), and its grant and user are live.
 * The code is consumed; a refresh token (a new family) and an access token are inserted; the client's oldest
 * families past MAX_REFRESH_FAMILIES are revoked; the grant's last use is noted; `code.redeemed` and
 * `token.issued` are written. Null when any condition fails (nothing is changed then).
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
  const familyId = ctx.random.uuid();
  const who = { actor: `client:${client.client_id}`, clientId: client.client_id, oauthAppId: client.oauth_app_id, address };
  const redeemed = eventValues(ctx, { event: 'code.redeemed', ...who });
  const issued = eventValues(ctx, { event: 'token.issued', ...who });
  const row = await ctx.db.one<{ grant_id: string; user_id: string; scopes: string[]; nonce: string | null; auth_time: Date; email: string; email_verified_at: Date | null }>(
    `with c as (
       update authorization_codes c set used_at = $3
        where c.code_hash = $1 and c.client_id = $2 and c.used_at is null and c.expires_at > $3 and c.redirect_uri = $4
          and (case when $5::text is null then c.code_challenge is null else c.code_challenge = $5::text end)
          and ($23::text is null or c.resource = $23::text)
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
       -- the new family is not visible to this statement's snapshot: keep the newest MAX - 1 others
       update refresh_tokens set revoked_at = $3
        where client_id = $2 and user_id = (select user_id from c) and revoked_at is null and family_id in (
          select family_id from refresh_tokens
           where client_id = $2 and user_id = (select user_id from c) and revoked_at is null and rotated_at is null and idle_expires_at > $3
           group by family_id order by max(created_at) desc, family_id offset $13)
     ), touched as (
       update grants set last_used_at = $3 where id = (select grant_id from c) and (last_used_at is null or last_used_at < $14)
     ), audit as (
       insert into audit_events (${AUDIT_COLUMNS})
       select $3, e.event, e.outcome, $17, c.user_id, $18, $19, $20,
              case when e.n = 1 then jsonb_build_object('grant_id', c.grant_id)
                   else jsonb_build_object('grant_id', c.grant_id, 'scopes', to_jsonb(c.scopes), 'family_id', $8::uuid) end
         from c cross join (values (1, $15::text, $16::text), (2, $21::text, $22::text)) as e(n, event, outcome)
        order by e.n
     )
     select c.grant_id, c.user_id, c.scopes, c.nonce, c.auth_time, u.email, u.email_verified_at from c join users u on u.id = c.user_id`,
    [
      codeHash,
      client.client_id,
      now,
      redirectUri,
      challenge,
      refresh.id,
      hashToken(refresh.token),
      familyId,
      inSeconds(ctx, ctx.config.refreshTokenIdleTtlS),
      ctx.random.uuid(),
      hashToken(access),
      inSeconds(ctx, ctx.config.accessTokenTtlS),
      MAX_REFRESH_FAMILIES - 1,
      new Date(now.getTime() - GRANT_TOUCH_RESOLUTION_MS),
      redeemed[1], // event
      redeemed[2], // outcome
      redeemed[3], // actor
      redeemed[5], // client_id
      redeemed[6], // oauth_app_id
      redeemed[7], // address
      issued[1],
      issued[2],
      resource,
    ],
  );
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
    const a = await db.query(`update access_tokens set revoked_at = $2 where code_hash = $1 and revoked_at is null returning 1`, [codeHash, now]);
    const r = await db.query(`update refresh_tokens set revoked_at = $2 where code_hash = $1 and revoked_at is null returning 1`, [codeHash, now]);
    await recordEvent({ db, clock: ctx.clock, log: ctx.log }, {
      event: 'code.replay',
      actor: `client:${client.client_id}`,
      userId: code.user_id,
      clientId: client.client_id,
      oauthAppId: client.oauth_app_id,
      address,
      details: { grant_id: code.grant_id, tokens_revoked: a.length + r.length },
    });
  });
  ctx.log.info('authorization code replayed; its tokens were revoked', {});
  throw invalidGrant('the authorization code was already used');
}
