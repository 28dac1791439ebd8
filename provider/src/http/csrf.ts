import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Ctx } from '../context.ts';
import { cookieOptions } from '../accounts/sessions.ts';
import { generateToken, safeEqual } from '../tokens.ts';
import { ApiError } from './errors.ts';

const CSRF_COOKIE = 'instant_csrf';
export const CSRF_FIELD = '_csrf';

function mac(ctx: Ctx, value: string): string {
  return createHmac('sha256', ctx.config.secret).update('csrf:' + value).digest('base64url');
}

/**
 * The CSRF token to put in a form (signed double-submit): the HttpOnly cookie holds a random value,
 * the form carries its HMAC under SECRET. Call while rendering the form.
 */
export function csrfToken(ctx: Ctx, c: Context): string {
  let value = getCookie(c, CSRF_COOKIE);
  if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
    value = generateToken(ctx.random, 'session');
    setCookie(c, CSRF_COOKIE, value, cookieOptions(ctx, 86_400));
  }
  return mac(ctx, value);
}

/** True when the submitted token matches this browser's cookie. */
export function csrfValid(ctx: Ctx, c: Context, submitted: unknown): boolean {
  const value = getCookie(c, CSRF_COOKIE);
  if (!value || typeof submitted !== 'string') return false;
  return safeEqual(mac(ctx, value), submitted);
}

/** Throws a 403 unless the submitted token is valid. */
export function requireCsrf(ctx: Ctx, c: Context, submitted: unknown): void {
  if (!csrfValid(ctx, c, submitted)) {
    throw ApiError.forbidden('The form has expired or did not come from this site; reload the page and try again', { reason: 'csrf' });
  }
}
