import type { Context } from 'hono';
import { ApiError, OAuthError, type OAuthErrorCode } from './errors.ts';

/** Largest body any endpoint reads (schema pushes included). Route groups may set lower limits. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest body of an OAuth endpoint (parameters only). */
export const MAX_OAUTH_BODY_BYTES = 64 * 1024;

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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.malformed('The request body is not valid JSON');
  }
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
    let value: unknown;
    try {
      value = JSON.parse(text || '{}');
    } catch {
      throw new OAuthError('invalid_request', 'request body is not valid JSON');
    }
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
