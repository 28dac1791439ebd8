import type { Context } from 'hono';
import { ApiError, OAuthError, type OAuthErrorCode } from '../../domain/errors.ts';

/** Largest body any endpoint reads (schema pushes included). Route groups may set lower limits. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest body of an OAuth endpoint (parameters only). */
export const MAX_OAUTH_BODY_BYTES = 64 * 1024;

/**
 * Deepest nesting of arrays and objects a JSON body may have (finding F5, docs/security-accounts.md §3).
 * Everything that walks a body (rule validation, schema planning, serialisation) recurses, so a body
 * nested thousands deep would overflow the stack; real rules and schemas are a handful of levels deep.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of JSON text, counted in one pass before it is parsed: brackets inside strings do
 * not count. Stops counting (returns the depth reached) as soon as it passes `limit`.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return deepest;
}

/** JSON.parse after the depth check; `fail` makes the error of the caller's protocol. */
function parseJson(text: string, fail: (message: string) => Error): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw fail(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  try {
    return JSON.parse(text);
  } catch {
    throw fail('The request body is not valid JSON');
  }
}

/** The errors a body reader throws, in the style of the surface that reads it. */
export interface BodyErrors {
  tooLarge(maxBytes: number): Error;
  malformed(message: string): Error;
}

/** Platform API and account endpoints: 413 `payload-too-large`, 400 `param-malformed`. */
export const API_BODY_ERRORS: BodyErrors = { tooLarge: (n) => ApiError.tooLarge(n), malformed: (m) => ApiError.malformed(m) };

/** OAuth endpoints: 413 / 400 with the given code for bad content (RFC 6749 §5.2 `invalid_request` by default). */
export function oauthBodyErrors(code: OAuthErrorCode = 'invalid_request'): BodyErrors {
  return { tooLarge: (n) => new OAuthError('invalid_request', `request body larger than ${n} bytes`, 413), malformed: (m) => new OAuthError(code, m) };
}
const OAUTH_BODY_ERRORS = oauthBodyErrors();

/** The body's bytes, at most `maxBytes` (declared or actual), else `tooLarge`. */
export async function readBytes(c: Context, maxBytes: number, tooLarge: (maxBytes: number) => Error): Promise<ArrayBuffer> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const buf = await c.req.arrayBuffer();
  if (buf.byteLength > maxBytes) throw tooLarge(maxBytes);
  return buf;
}

/** The body as UTF-8 text, at most `maxBytes`. */
async function readText(c: Context, maxBytes: number, errors: BodyErrors): Promise<string> {
  const buf = await readBytes(c, maxBytes, errors.tooLarge);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw errors.malformed('The request body is not valid UTF-8');
  }
}

/** A JSON object body; malformed JSON or a non-object → `errors.malformed` (400 `param-malformed` by default). */
export async function readJsonObject(c: Context, maxBytes = MAX_BODY_BYTES, errors = API_BODY_ERRORS): Promise<Record<string, unknown>> {
  const text = await readText(c, maxBytes, errors);
  if (text.trim() === '') return {};
  const value = parseJson(text, (m) => errors.malformed(m));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.malformed('The request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Parameters of an OAuth endpoint: `application/x-www-form-urlencoded` (RFC 6749 §3.2) or JSON.
 * Repeated parameters are refused (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once").
 */
export async function readOAuthParams(c: Context, maxBytes = MAX_OAUTH_BODY_BYTES): Promise<Record<string, string>> {
  const text = await readText(c, maxBytes, OAUTH_BODY_ERRORS);
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const out: Record<string, string> = {};
  if (type === 'application/json') {
    const value = parseJson(text || '{}', (m) => new OAuthError('invalid_request', m.replace('The request body', 'request body')));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OAuthError('invalid_request', 'request body must be a JSON object');
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new OAuthError('invalid_request', `parameter ${k} must be a string`);
      out[k] = String(v);
    }
    return out;
  }
  if (type && type !== 'application/x-www-form-urlencoded' && text.trim() !== '') {
    throw new OAuthError('invalid_request', 'content type must be application/x-www-form-urlencoded or application/json');
  }
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in out) throw new OAuthError('invalid_request', `parameter ${k} is repeated`);
    out[k] = v;
  }
  return out;
}
