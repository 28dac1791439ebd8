import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import {recordEvent } from '../../domain/audit/events.ts';
import { nowDate } from '../../domain/context.ts';
import { readOAuthParams } from '../http/body.ts';
import { OAuthError } from '../../domain/errors.ts';
import { hashToken, recogniseBearer } from '../../domain/tokens.ts';
import { authenticateClient, presentedClientId, presentsClientCredentials } from '../../domain/oauth/clients.ts';
import { clientAddress } from '../http/client-address.ts';
import { limitingFailures } from '../../domain/limits/failure-limit.ts';
import { endGrantIfIdle } from '../../domain/oauth/grants.ts';
import { revokeFamily } from '../../domain/oauth/refresh.ts';

/**
 * `POST /platform/oauth/revoke` (RFC 7009). Credentials, when presented, must be valid, and then only
 * that client's tokens are revoked (RFC 7009 §2.1). Without credentials the token itself is the proof
 * (Instant's server accepts `?token=` alone); revoking is the only thing it can do.
 * Always 200 for unknown tokens (RFC 7009 §2.2).
 */
export async function revokeEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const params = await readOAuthParams(c);
  const fromQuery = c.req.queries('token');
  if (fromQuery && fromQuery.length > 1) throw new OAuthError('invalid_request', 'parameter token is repeated');
  const q = fromQuery?.[0];
  if (params.token !== undefined && q !== undefined && params.token !== q) throw new OAuthError('invalid_request', 'token given twice with different values');
  const token = params.token ?? q;
  if (!token) throw new OAuthError('invalid_request', 'token is required');
  const client = presentsClientCredentials(c, params)
    ? await limitingFailures(ctx, clientAddress(c), presentedClientId(c, params), () => authenticateClient(ctx, c, params))
    : null;
  const now = nowDate(ctx);
  const hash = hashToken(token);
  switch (recogniseBearer(token)) {
    case 'access': {
      const row = await ctx.db.one<{ user_id: string; client_id: string }>(
        `update access_tokens set revoked_at = $2 where token_hash = $1 and revoked_at is null and ($3::text is null or client_id = $3) returning user_id, client_id`,
        [hash, now, client?.client_id ?? null],
      );
      if (row) await recordEvent(ctx, { event: 'token.revoked', actor: client ? `client:${client.client_id}` : null, userId: row.user_id, clientId: row.client_id, address: clientAddress(c), details: { token_type: 'access_token' } });
      break;
    }
    case 'refresh': {
      // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of the same grant (its family).
      const row = await ctx.db.one<{ family_id: string; client_id: string; grant_id: string; user_id: string; revoked_at: Date | null }>(
        `select family_id, client_id, grant_id, user_id, revoked_at from refresh_tokens where token_hash = $1`,
        [hash],
      );
      if (row && (!client || client.client_id === row.client_id)) {
        await revokeFamily(ctx, row.family_id);
        await endGrantIfIdle(ctx, row.grant_id);
        if (!row.revoked_at) {
          await recordEvent(ctx, {
            event: 'token.revoked',
            actor: client ? `client:${client.client_id}` : null,
            userId: row.user_id,
            clientId: row.client_id,
            address: clientAddress(c),
            details: { token_type: 'refresh_token', grant_id: row.grant_id, family_id: row.family_id },
          });
        }
      }
      break;
    }
    default:
      break;
  }
  // RFC 7009 §2.2 leaves the body open; Instant answers `{}`, which its SDK parses as JSON.
  return c.json({}, 200, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}
