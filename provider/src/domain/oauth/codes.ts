import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import { generateToken, hashToken } from '../tokens.ts';

/** The columns of an `authorization_codes` row. */
export const CODE_COLUMNS = 'code_hash, grant_id, client_id, user_id, redirect_uri, scopes, code_challenge, nonce, resource, auth_time, created_at, expires_at';

/**
 * A new authorization code: 256 random bits, stored only as its hash (`hash`), valid once for at most
 * AUTH_CODE_TTL_S ≤ 600 s from `createdAt` (RFC 6749 §4.1.2, docs/security.md §4). The statement that inserts it
 * binds it to client, redirect URI, PKCE challenge, scopes, nonce and grant (authorize.ts, decision.ts).
 */
export function mintCode(ctx: Ctx): { code: string; hash: string; createdAt: Date; expiresAt: Date } {
  const code = generateToken(ctx.random, 'code');
  return { code, hash: hashToken(code), createdAt: nowDate(ctx), expiresAt: inSeconds(ctx, Math.min(ctx.config.authCodeTtlS, 600)) };
}

/** An authorization response or error redirect (RFC 6749 §4.1.2, §4.1.2.1) with `iss` (RFC 9207 §2). */
export function redirectWith(ctx: Ctx, redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  url.searchParams.set('iss', ctx.config.issuer);
  return new Response(null, { status: 303, headers: { Location: url.toString(), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } });
}
