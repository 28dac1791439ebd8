import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';

export const ID_TOKEN_ALG = 'ES256';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/** The AES-256-GCM key that encrypts private JWKs at rest, derived from SECRET with HKDF-SHA-256. */
function wrappingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'instant-provider', 'signing-keys/v1', 32));
}

export function encryptJwk(secret: string, jwk: JWK, iv: Uint8Array): string {
  const cipher = createCipheriv('aes-256-gcm', wrappingKey(secret), iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return ['v1', Buffer.from(iv).toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function decryptJwk(secret: string, sealed: string): JWK {
  const [v, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct || !tag) throw new Error('unknown signing key encoding');
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey(secret), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')) as JWK;
}

const cache = new WeakMap<Ctx, Promise<SigningKey>>();

/**
 * The current id_token signing key. Created on first use and stored (private part encrypted) in
 * `signing_keys`; when several instances race, all of them settle on the oldest live key.
 */
export function signingKey(ctx: Ctx): Promise<SigningKey> {
  let p = cache.get(ctx);
  if (!p) {
    p = loadOrCreate(ctx);
    p.catch(() => cache.delete(ctx));
    cache.set(ctx, p);
  }
  return p;
}

async function oldestLive(ctx: Ctx) {
  return ctx.db.one<{ kid: string; private_jwk_encrypted: string }>(
    `select kid, private_jwk_encrypted from signing_keys where retired_at is null and alg = $1 order by created_at, kid limit 1`,
    [ID_TOKEN_ALG],
  );
}

async function loadOrCreate(ctx: Ctx): Promise<SigningKey> {
  let row = await oldestLive(ctx);
  if (!row) {
    const { publicKey, privateKey } = await generateKeyPair(ID_TOKEN_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    await ctx.db.query(
      `insert into signing_keys (kid, alg, public_jwk, private_jwk_encrypted, created_at) values ($1, $2, $3, $4, $5) on conflict (kid) do nothing`,
      [kid, ID_TOKEN_ALG, JSON.stringify({ ...publicJwk, kid, alg: ID_TOKEN_ALG, use: 'sig' }), encryptJwk(ctx.config.secret, privateJwk, ctx.random.bytes(12)), nowDate(ctx)],
    );
    row = await oldestLive(ctx);
    if (!row) throw new Error('signing key could not be stored');
  }
  const jwk = decryptJwk(ctx.config.secret, row.private_jwk_encrypted);
  const privateKey = (await importJWK(jwk, ID_TOKEN_ALG)) as CryptoKey;
  return { kid: row.kid, privateKey };
}

/**
 * Null when `SECRET` opens every live signing key (or none is stored yet); else why not, for `/healthz`
 * (docs/operations.md §5). A provider started with another `SECRET` than the one that sealed its keys would
 * otherwise look healthy and then fail every id_token it signs. The reason names key ids, never a secret.
 */
export async function signingKeysProblem(ctx: Ctx): Promise<string | null> {
  const rows = await ctx.db.query<{ kid: string; private_jwk_encrypted: string }>(`select kid, private_jwk_encrypted from signing_keys where retired_at is null`);
  const unopened = rows.filter((r) => {
    try {
      decryptJwk(ctx.config.secret, r.private_jwk_encrypted);
      return false;
    } catch {
      return true;
    }
  });
  if (unopened.length === 0) return null;
  return `SECRET does not open ${unopened.length} of ${rows.length} stored signing key(s) (${unopened.map((r) => r.kid).join(', ')}): the provider runs with another SECRET than the one that sealed them`;
}

/** The public keys for `/.well-known/jwks.json` (RFC 7517 §5), including retired ones still verifying old tokens. */
export async function publicJwks(ctx: Ctx): Promise<{ keys: JWK[] }> {
  await signingKey(ctx);
  const rows = await ctx.db.query<{ public_jwk: JWK | string }>(`select public_jwk from signing_keys order by created_at, kid`);
  return { keys: rows.map((r) => (typeof r.public_jwk === 'string' ? (JSON.parse(r.public_jwk) as JWK) : r.public_jwk)) };
}

export interface IdTokenClaims {
  sub: string;
  aud: string;
  authTime: Date;
  nonce: string | null;
  email?: string;
  emailVerified?: boolean;
  lifetimeS: number;
}

/** An OpenID Connect id_token (OIDC Core §2), signed with ES256. */
export async function signIdToken(ctx: Ctx, c: IdTokenClaims): Promise<string> {
  const key = await signingKey(ctx);
  const now = Math.floor(ctx.clock.now() / 1000);
  const payload: Record<string, unknown> = { auth_time: Math.floor(c.authTime.getTime() / 1000) };
  if (c.nonce !== null) payload.nonce = c.nonce;
  if (c.email !== undefined) {
    payload.email = c.email;
    payload.email_verified = c.emailVerified ?? false;
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ID_TOKEN_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(ctx.config.issuer)
    .setSubject(c.sub)
    .setAudience(c.aud)
    .setIssuedAt(now)
    .setExpirationTime(now + c.lifetimeS)
    .sign(key.privateKey);
}
