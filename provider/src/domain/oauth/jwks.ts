import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { openingSecrets } from '../secret.ts';
import type { Db } from '../../store/index.ts';
import { findCurrentKey, insertKey, publishedKeys, publishedPublicJwks } from '../../store/signing-keys.ts';

export const ID_TOKEN_ALG = 'ES256';

export interface SigningKey {
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

/**
 * Opens a stored private key with SECRET, else with each SECRET_PREVIOUS (docs/security-lifecycle.md §2): the JWK
 * and whether SECRET itself sealed it (false: `secret reseal` has work to do), or null when none opens it.
 */
export function openJwk(ctx: Ctx, sealed: string): { jwk: JWK; current: boolean } | null {
  for (const [i, secret] of openingSecrets(ctx.config).entries()) {
    try {
      return { jwk: decryptJwk(secret, sealed), current: i === 0 };
    } catch {
      // not this secret: try the next
    }
  }
  return null;
}

/**
 * How long an instance signs with the key it loaded before asking the store again which key signs: the bound on
 * how stale a rotation made by another instance (or the CLI) can be here (docs/security-lifecycle.md §1).
 */
export const SIGNING_KEY_CACHE_MS = 30_000;

/** This provider's current signing key, checked against the store at most every SIGNING_KEY_CACHE_MS. */
export interface SigningKeyCache {
  held?: { checkedAt: number; key: Promise<SigningKey> };
}

/** Made by createProvider, carried as `ctx.signingKeys`: per provider, never module state. */
export function createSigningKeyCache(): SigningKeyCache {
  return {};
}

/** Forgets the held key, so the next id_token asks the store (after this instance rotated). */
export function forgetSigningKey(ctx: Ctx): void {
  ctx.signingKeys.held = undefined;
}

/**
 * The current id_token signing key: the oldest stored key not rotated out. Created on first use and stored (private
 * part encrypted) in `signing_keys`; when several instances race, all of them settle on the oldest. Re-read from the
 * store once the held copy is SIGNING_KEY_CACHE_MS old, so every instance follows a rotation within that bound.
 */
export function signingKey(ctx: Ctx): Promise<SigningKey> {
  const cache = ctx.signingKeys;
  const now = ctx.clock.now();
  const held = cache.held;
  if (held && now >= held.checkedAt && now - held.checkedAt < SIGNING_KEY_CACHE_MS) return held.key;
  const p = loadCurrent(ctx, held?.key);
  cache.held = { checkedAt: now, key: p };
  p.catch(() => {
    if (cache.held?.key === p) cache.held = undefined;
  });
  return p;
}

function currentRow(ctx: Ctx) {
  return findCurrentKey(ctx.db, ID_TOKEN_ALG);
}

/** Generates a key pair and stores it (private JWK sealed with SECRET); returns its kid (the RFC 7638 thumbprint). */
export async function insertSigningKey(ctx: Ctx, db: Db = ctx.db): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(ID_TOKEN_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  await insertKey(db, {
    kid,
    alg: ID_TOKEN_ALG,
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg: ID_TOKEN_ALG, use: 'sig' }),
    sealedPrivateJwk: encryptJwk(ctx.config.secret, privateJwk, ctx.random.bytes(12)),
    createdAt: nowDate(ctx),
  });
  return kid;
}

async function loadCurrent(ctx: Ctx, previous: Promise<SigningKey> | undefined): Promise<SigningKey> {
  let row = await currentRow(ctx);
  if (!row) {
    await insertSigningKey(ctx);
    row = await currentRow(ctx);
    if (!row) throw new Error('signing key could not be stored');
  }
  const before = await previous?.catch(() => undefined);
  if (before?.kid === row.kid) return before; // no rotation since: keep the imported key
  const opened = openJwk(ctx, row.private_jwk_encrypted);
  if (!opened) throw new Error(`neither SECRET nor SECRET_PREVIOUS opens signing key ${row.kid}`);
  const privateKey = (await importJWK(opened.jwk, ID_TOKEN_ALG)) as CryptoKey;
  return { kid: row.kid, privateKey };
}

/**
 * Null when SECRET or a SECRET_PREVIOUS opens every published signing key (or none is stored yet); else why not, for
 * `/healthz` and the start-up check (docs/operations.md §5, docs/security-lifecycle.md §2). A provider started with
 * another SECRET than the one that sealed its keys would otherwise look healthy and then fail every id_token it
 * signs. The reason names key ids, never a secret.
 */
export async function signingKeysProblem(ctx: Ctx): Promise<string | null> {
  const rows = await publishedKeys(ctx.db, nowDate(ctx));
  const unopened = rows.filter((r) => openJwk(ctx, r.private_jwk_encrypted) === null);
  if (unopened.length === 0) return null;
  const which = ctx.config.secretPrevious.length ? 'neither SECRET nor SECRET_PREVIOUS opens' : 'SECRET does not open';
  return `${which} ${unopened.length} of ${rows.length} stored signing key(s) (${unopened.map((r) => r.kid).join(', ')}): the provider runs with another SECRET than the one that sealed them; set SECRET to that secret, or keep it in SECRET_PREVIOUS (docs/security-lifecycle.md §2)`;
}

/** The public keys for `/.well-known/jwks.json` (RFC 7517 §5): the signing key and rotated keys not yet retired. */
export async function publicJwks(ctx: Ctx): Promise<{ keys: JWK[] }> {
  await signingKey(ctx);
  const rows = await publishedPublicJwks(ctx.db, nowDate(ctx));
  return { keys: rows.map((r) => (typeof r.public_jwk === 'string' ? JSON.parse(r.public_jwk) : r.public_jwk) as JWK) };
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
