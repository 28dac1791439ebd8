import { createHash, timingSafeEqual } from 'node:crypto';
import type { Random } from './clock.ts';

/**
 * Secrets the provider hands out. Each is 256 bits of randomness (RFC 9700 §4.x, docs/security.md §4 and §7),
 * stored only as its SHA-256 hash and looked up by that hash.
 */
export type TokenKind = 'access' | 'refresh' | 'personal' | 'code' | 'client_secret' | 'request' | 'session';

const PREFIX: Record<TokenKind, string> = {
  access: 'pat_',
  refresh: 'prt_',
  personal: 'per_',
  code: '',
  client_secret: 'pcs_',
  request: '',
  session: '',
};

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A new secret of the given kind: prefix + 64 hex characters (codes and request ids: 43 base64url characters). */
export function generateToken(random: Random, kind: TokenKind): string {
  const bytes = random.bytes(32);
  if (kind === 'code' || kind === 'request' || kind === 'session') return toBase64Url(bytes);
  return PREFIX[kind] + toHex(bytes);
}

/** SHA-256 of a secret, hex-encoded: the only form in which a secret is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Which kind of bearer token a string is, by its shape alone (docs/api.md §1). */
export function recogniseBearer(token: string): 'access' | 'refresh' | 'personal' | 'admin' | null {
  if (token.startsWith('pat_') && HEX64.test(token.slice(4))) return 'access';
  if (token.startsWith('prt_') && HEX64.test(token.slice(4))) return 'refresh';
  if (token.startsWith('per_') && HEX64.test(token.slice(4))) return 'personal';
  if (UUID.test(token)) return 'admin';
  return null;
}

export function isUuid(v: string): boolean {
  return UUID.test(v);
}

/** Constant-time string comparison (lengths are compared first; length is not secret here). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
