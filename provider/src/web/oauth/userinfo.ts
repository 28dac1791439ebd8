import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { bearerToken } from '../http/auth.ts';
import { findAccessPrincipal } from '../../domain/accounts/principal.ts';
import { OAuthError } from '../../domain/errors.ts';
import { recogniseBearer } from '../../domain/tokens.ts';
import { invalidToken } from './introspect.ts';

/** `GET|POST /platform/oauth/userinfo` (OIDC Core §5.3): needs an access token with `openid`. */
export async function userinfoEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  const token = bearerToken(c);
  const kind = token ? recogniseBearer(token) : null;
  // RFC 6750 §3.1: a personal or admin token is a token of the wrong kind here, not an unknown one.
  if (kind === 'personal' || kind === 'admin') throw invalidToken('only OAuth access tokens are accepted here');
  const principal = token && kind === 'access' ? await findAccessPrincipal(ctx, token) : 'unknown';
  if (typeof principal === 'string') throw invalidToken('the access token is unknown, expired or revoked');
  if (!principal.scopes.includes('openid')) {
    // RFC 6750 §3.1
    throw new OAuthError('insufficient_scope', 'the access token lacks the openid scope', 403, { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="openid"' });
  }
  const body: Record<string, unknown> = { sub: principal.user.id };
  if (principal.scopes.includes('email')) {
    body.email = principal.user.email;
    body.email_verified = principal.user.email_verified_at !== null; // docs/security-accounts.md §9
  }
  return c.json(body, 200, { 'Cache-Control': 'no-store' });
}
