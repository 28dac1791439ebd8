import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { readOAuthParams } from '../http/body.ts';
import { OAuthError } from '../../domain/errors.ts';
import { clientAddress } from '../http/client-address.ts';
import { limitingFailures } from '../../domain/limits/failure-limit.ts';
import { revokeToken } from '../../domain/oauth/revocation.ts';
import { presentedClientId, presentsClientCredentials, requestClient } from './client-auth.ts';

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
    ? await limitingFailures(ctx, clientAddress(c), presentedClientId(c, params), () => requestClient(ctx, c, params))
    : null;
  await revokeToken(ctx, token, client, clientAddress(c));
  // RFC 7009 §2.2 leaves the body open; Instant answers `{}`, which its SDK parses as JSON.
  return c.json({}, 200, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}
