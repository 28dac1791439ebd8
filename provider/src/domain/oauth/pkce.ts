import { createHash } from 'node:crypto';
import { safeEqual } from '../tokens.ts';

// RFC 7636 §4.1: code_verifier = 43*128unreserved; unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
// RFC 7636 §4.2: an S256 challenge is BASE64URL(SHA256(verifier)) without padding: always 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** Why a `code_challenge` + `code_challenge_method` pair is refused, or null. Only S256 (RFC 9700 §2.1.1). */
export function challengeProblem(challenge: string | undefined, method: string | undefined): string | null {
  if (challenge === undefined) return method === undefined ? null : 'code_challenge_method without code_challenge';
  // RFC 7636 §4.3: an absent method means "plain", which this server does not support.
  if (method !== 'S256') return 'code_challenge_method must be S256 (plain is not supported)';
  if (!S256_CHALLENGE.test(challenge)) return 'code_challenge must be 43 base64url characters (S256)';
  return null;
}

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/** RFC 7636 §4.2: the S256 challenge of a verifier, BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!isValidVerifier(verifier)) return false;
  return safeEqual(s256(verifier), challenge);
}

/**
 * The PKCE check at the token endpoint. A challenge without a verifier, or a verifier without a
 * challenge, fails: the downgrade defence of RFC 9700 §4.8.2. Returns a problem or null.
 */
export function pkceProblem(challenge: string | null, verifier: string | undefined): string | null {
  if (challenge === null) return verifier === undefined ? null : 'code_verifier sent but the authorization request had no code_challenge';
  if (verifier === undefined) return 'code_verifier is required';
  if (!verifierMatches(verifier, challenge)) return 'code_verifier does not match the code_challenge';
  return null;
}
