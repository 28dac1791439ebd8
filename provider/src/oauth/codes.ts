import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import type { Db } from '../store/index.ts';
import { generateToken, hashToken } from '../tokens.ts';

export interface CodeInput {
  grantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: readonly string[];
  codeChallenge: string | null;
  nonce: string | null;
  resource: string | null;
  authTime: Date;
}

/**
 * A new authorization code: 256 random bits, stored only as its hash, bound to client, redirect URI,
 * PKCE challenge, scopes and nonce, valid once for at most AUTH_CODE_TTL_S ≤ 600 s (RFC 6749 §4.1.2, SECURITY.md 4).
 */
export async function issueCode(db: Db, ctx: Ctx, i: CodeInput): Promise<string> {
  const code = generateToken(ctx.random, 'code');
  await db.query(
    `insert into authorization_codes (code_hash, grant_id, client_id, user_id, redirect_uri, scopes, code_challenge, nonce, resource, auth_time, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [hashToken(code), i.grantId, i.clientId, i.userId, i.redirectUri, [...i.scopes], i.codeChallenge, i.nonce, i.resource, i.authTime, nowDate(ctx), inSeconds(ctx, Math.min(ctx.config.authCodeTtlS, 600))],
  );
  return code;
}

/** An authorization response or error redirect (RFC 6749 §4.1.2, §4.1.2.1) with `iss` (RFC 9207 §2). */
export function redirectWith(ctx: Ctx, redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  url.searchParams.set('iss', ctx.config.issuer);
  return new Response(null, { status: 303, headers: { Location: url.toString(), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } });
}
