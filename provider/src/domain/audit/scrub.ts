/**
 * Keeps secrets out of the audit trail (docs/security.md §7: tokens are never logged). Two nets:
 * keys that name a secret are dropped whatever their value, and values shaped like one of our
 * secrets are replaced, whatever their key.
 */

/** Keys whose value is a secret: passwords, tokens, codes, verifiers, cookies, credentials. */
const SECRET_KEY = /pass(word|wd)?|pwd|secret|token|code|verifier|cookie|authorization|credential|session|nonce|state/i;
/** …unless the key names an id, kind or count of such a thing (`token_id`, `token_type_hint`, `codeCount`). */
const SAFE_KEY = /(^|_|-)(id|ids|kind|type|hint|count|family|family_id)$|(Id|Ids|Kind|Type|Hint|Count)$/;
/** Keys of values that are secret even as a number. */
const PASSWORD_KEY = /pass|pwd|secret|pin/i;
/** Our bearer and client secrets: `pat_`, `prt_`, `per_`, `pcs_` + hex (tokens.ts). */
const PREFIXED_SECRET = /\b(?:pat|prt|per|pcs)_[A-Za-z0-9]{8,}/g;
/** Authorization codes, request ids and session ids: 32 random bytes in base64url (tokens.ts). */
const OPAQUE_SECRET = /^[A-Za-z0-9_-]{43}$/;
/** Client ids are public and may share that shape; so are signing key ids (RFC 7638 thumbprints, published in JWKS). */
const CLIENT_ID_KEY = /^(client_?id|kid|kids|rotated_kids)$/i;

export const REDACTED = '[redacted]';

const MAX_DEPTH = 4;
const MAX_STRING = 500;
const MAX_KEYS = 50;

/** Postgres text and jsonb cannot hold NUL, and jsonb no lone surrogate: each becomes U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const clean = (v: string) => v.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');

/** A top-level text field (actor, client id, address): prefixed secrets replaced, length bounded. */
export function scrubText(v: string | null | undefined, max: number): string | null {
  if (v === null || v === undefined || v === '') return null;
  return clean(v).replace(PREFIXED_SECRET, REDACTED).slice(0, max);
}

/** A copy of `details` with secret-named keys removed and secret-shaped values replaced; `removed` lists their paths. */
export function scrubDetails(details: Record<string, unknown>): { value: Record<string, unknown>; removed: string[] } {
  const removed: string[] = [];
  const value = scrubObject(details, '', 0, removed);
  return { value, removed };
}

function scrubObject(obj: Record<string, unknown>, path: string, depth: number, removed: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(obj).slice(0, MAX_KEYS)) {
    const k = clean(rawKey).slice(0, 100);
    const at = path ? `${path}.${k}` : k;
    const countOrFlag = (typeof v === 'number' || typeof v === 'boolean') && !PASSWORD_KEY.test(k); // tokens_revoked: 2
    if (SECRET_KEY.test(k) && !SAFE_KEY.test(k) && !countOrFlag) {
      removed.push(at);
      continue;
    }
    out[k] = scrubValue(v, at, depth + 1, removed, CLIENT_ID_KEY.test(k));
  }
  return out;
}

function scrubValue(v: unknown, path: string, depth: number, removed: string[], clientId: boolean): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (!clientId && OPAQUE_SECRET.test(v)) {
      removed.push(path);
      return REDACTED;
    }
    const replaced = clean(v).replace(PREFIXED_SECRET, REDACTED);
    if (replaced !== v) removed.push(path);
    return replaced.slice(0, MAX_STRING);
  }
  if (v instanceof Date) return v.toISOString();
  if (depth > MAX_DEPTH) return '[nested]';
  if (Array.isArray(v)) return v.slice(0, MAX_KEYS).map((x, i) => scrubValue(x, `${path}[${i}]`, depth + 1, removed, clientId));
  if (typeof v === 'object') return scrubObject(v as Record<string, unknown>, path, depth, removed);
  return String(v).slice(0, MAX_STRING);
}
