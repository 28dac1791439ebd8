import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { mediaType } from '../accounts/routes.ts';
import { seal, unseal } from '../../domain/accounts/sessions.ts';
import { cookieName, cookieOptions } from '../http/session-cookie.ts';
import { ACCOUNT_BODY_BYTES } from '../../domain/accounts/validation.ts';
import type { Ctx } from '../../domain/context.ts';
import { ApiError } from '../../domain/errors.ts';

/**
 * The fields of an HTML form post (`application/x-www-form-urlencoded`, bounded). A repeated field
 * keeps its first value; anything that is not a form is a 415.
 */
export async function readForm(c: Context, maxBytes = ACCOUNT_BODY_BYTES): Promise<Record<string, string>> {
  const type = mediaType(c);
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new ApiError(415, 'param-malformed', 'Send this form as application/x-www-form-urlencoded');
  }
  if (Number(c.req.header('content-length') ?? '0') > maxBytes) throw ApiError.tooLarge(maxBytes);
  const buf = await c.req.arrayBuffer();
  if (buf.byteLength > maxBytes) throw ApiError.tooLarge(maxBytes);
  if (type === 'multipart/form-data') return readMultipart(c, buf);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw ApiError.malformed('The form is not valid UTF-8');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = v;
  return out;
}

// Files of a multipart form post, by request: the fields stay a plain record for every handler and CSRF check.
const uploads = new WeakMap<Context, Map<string, File>>();

/** A multipart form (a form with a file, docs/pages.md §9): text fields as readForm returns them, files kept for formFile. */
async function readMultipart(c: Context, buf: ArrayBuffer): Promise<Record<string, string>> {
  let data: FormData;
  try {
    data = await new Response(buf, { headers: { 'content-type': c.req.header('content-type')! } }).formData();
  } catch {
    throw ApiError.malformed('The form is not valid multipart/form-data');
  }
  const out: Record<string, string> = {};
  const files = new Map<string, File>();
  for (const [k, v] of data) {
    if (typeof v === 'string') {
      if (!(k in out)) out[k] = v;
    } else if (!files.has(k) && (v.size > 0 || v.name)) files.set(k, v);
  }
  uploads.set(c, files);
  return out;
}

/** The file posted in field `name` of this request's multipart form, if one was chosen. */
export function formFile(c: Context, name: string): File | undefined {
  return uploads.get(c)?.get(name);
}

/**
 * `next` if it is a path on this site, else undefined: it must start with exactly one `/`, contain no
 * backslash or control character, and resolve to the issuer's own origin (no open redirect).
 */
export function safeNext(issuer: string, next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2000) return undefined;
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\p{Cc}\s]/u.test(next)) return undefined;
  try {
    const base = new URL(issuer);
    const u = new URL(next, base);
    return u.origin === base.origin ? next : undefined;
  } catch {
    return undefined;
  }
}

/** One-shot data carried across a 303 (post/redirect/get): a notice, an error, or a secret shown once. */
export interface Flash extends Record<string, unknown> {
  notice?: string;
  error?: string;
  /** What the user typed, to refill the form after an error (never a password). */
  email?: string;
  /** A secret to show once: a new personal access token or client secret. */
  secret?: { label: string; value: string; for?: string };
}

const FLASH_COOKIE = 'instant_flash';
const FLASH_TTL_S = 300;

/** Seals the flash (iron-session: encrypted and authenticated) into a short-lived HttpOnly cookie. */
export async function setFlash(ctx: Ctx, c: Context, flash: Flash): Promise<void> {
  setCookie(c, cookieName(ctx, FLASH_COOKIE), await seal(ctx, flash, FLASH_TTL_S), cookieOptions(ctx, FLASH_TTL_S));
}

/** Reads and clears the flash, so a secret in it is shown exactly once. */
export async function takeFlash(ctx: Ctx, c: Context): Promise<Flash> {
  const raw = getCookie(c, cookieName(ctx, FLASH_COOKIE));
  if (!raw) return {};
  deleteCookie(c, cookieName(ctx, FLASH_COOKIE), { path: '/', secure: ctx.config.issuer.startsWith('https:') });
  return (await unseal<Flash>(ctx, raw, FLASH_TTL_S)) ?? {};
}

/** 303 See Other: the answer to every processed form post (docs/security.md §8). */
export function seeOther(c: Context, location: string): Response {
  return c.redirect(location, 303);
}
