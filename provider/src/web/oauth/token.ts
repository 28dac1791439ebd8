import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { clientAddress } from '../http/client-address.ts';
import { OAuthError } from '../../domain/errors.ts';
import { readOAuthParams } from '../http/body.ts';
import { limitingFailures } from '../../domain/limits/failure-limit.ts';
import { takeQuota } from '../../domain/limits/quota.ts';
import { hit, type RateLimitRule } from '../../domain/limits/rate-limit.ts';
import { authorizationCodeGrant } from '../../domain/oauth/code-exchange.ts';
import { refreshTokenGrant } from '../../domain/oauth/refresh.ts';
import { presentedClientId, requestClient } from './client-auth.ts';

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
    const client = await requestClient(ctx, c, params);
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
