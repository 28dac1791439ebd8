import type { Context } from 'hono';
import type { Ctx } from '../context.ts';
import { authenticate } from '../http/auth.ts';
import { ApiError, OAuthError } from '../http/errors.ts';
import { invalidToken } from './introspect.ts';

/** `GET|POST /platform/oauth/userinfo` (OIDC Core §5.3): needs an access token with `openid`. */
export async function userinfoEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  let principal;
  try {
    principal = await authenticate(ctx, c, { session: false });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw invalidToken('the access token is unknown, expired or revoked');
    if (err instanceof ApiError) throw invalidToken('only OAuth access tokens are accepted here');
    throw err;
  }
  if (principal.kind !== 'access') throw invalidToken('only OAuth access tokens are accepted here');
  if (!principal.scopes.includes('openid')) {
    // RFC 6750 §3.1
    throw new OAuthError('insufficient_scope', 'the access token lacks the openid scope', 403, { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="openid"' });
  }
  const body: Record<string, unknown> = { sub: principal.user.id };
  if (principal.scopes.includes('email')) {
    body.email = principal.user.email;
    body.email_verified = false;
  }
  return c.json(body, 200, { 'Cache-Control': 'no-store' });
}
