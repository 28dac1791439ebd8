import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Ctx } from '../../domain/context.ts';
import { cookieName, cookieOptions, sessionIdHash } from './session-cookie.ts';
import { openingSecrets } from '../../domain/secret.ts';
import { generateToken, safeEqual } from '../../domain/tokens.ts';
import { ApiError } from '../../domain/errors.ts';

/** The pre-login binding cookie: a random value and its HMAC, so only values this server issued count. */
const CSRF_COOKIE = 'instant_csrf';
export const CSRF_FIELD = '_csrf';
const ISSUED = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

function mac(ctx: Ctx, purpose: string, value: string, secret = ctx.config.secret): string {
  return createHmac('sha256', secret).update(`${purpose}:${value}`).digest('base64url');
}

/** True when `tag` is the MAC of `value` under SECRET or a SECRET_PREVIOUS (docs/security-lifecycle.md §2): rotating SECRET breaks no open form. */
function macValid(ctx: Ctx, purpose: string, value: string, tag: string): boolean {
  return openingSecrets(ctx.config).some((secret) => safeEqual(mac(ctx, purpose, value, secret), tag));
}

/** A new server-issued binding value: `random.HMAC(random)` (a value the server never issued is refused). */
export function issueBinding(ctx: Ctx, purpose: string): string {
  const value = generateToken(ctx.random, 'session');
  return `${value}.${mac(ctx, `issued:${purpose}`, value)}`;
}

/** True when `value` is a binding this server issued for `purpose` (see issueBinding). */
export function isIssuedBinding(ctx: Ctx, purpose: string, value: string | undefined): value is string {
  const m = value ? ISSUED.exec(value) : null;
  return m !== null && macValid(ctx, `issued:${purpose}`, m[1]!, m[2]!);
}

/**
 * What this request's CSRF token is bound to (docs/security-accounts.md §1): the session cookie's session
 * id when there is one, else the pre-login cookie (server-issued only), or null when neither exists.
 * A token is therefore useless in any other browser and after sign-in or sign-out, and planting a
 * cookie the attacker obtained does not help: the session id is never known to anyone but its browser.
 */
async function binding(ctx: Ctx, c: Context): Promise<string | null> {
  const sid = await sessionIdHash(ctx, c);
  if (sid !== null) return `session:${sid}`;
  const pre = getCookie(c, cookieName(ctx, CSRF_COOKIE));
  return isIssuedBinding(ctx, 'csrf', pre) ? `pre:${pre}` : null;
}

/** The CSRF token to put in a form, bound as `binding` says; issues the pre-login cookie when needed. Call while rendering. */
export async function csrfToken(ctx: Ctx, c: Context): Promise<string> {
  let bound = await binding(ctx, c);
  if (bound === null) {
    const value = issueBinding(ctx, 'csrf');
    setCookie(c, cookieName(ctx, CSRF_COOKIE), value, cookieOptions(ctx, 86_400));
    bound = `pre:${value}`;
  }
  return mac(ctx, 'csrf', bound);
}

/**
 * True when the request may be a form post of this site. Browsers that send Fetch Metadata (Chromium,
 * Firefox, Safari 16.4+) say exactly where a request comes from in `Sec-Fetch-Site`, and only
 * `same-origin` passes: a same-site page on another port or a sibling subdomain (`same-site`) is refused
 * even when it could plant cookies. That header is also what holds under our `Referrer-Policy:
 * no-referrer` (docs/security.md §8), where browsers send `Origin: null` even for a same-origin form post.
 * Without it: the `Origin` (or, without one, the `Referer`) must be the issuer's origin or absent; `null`
 * (an opaque origin: sandboxed frame, data: URL) is refused. Clients without a browser send none of them.
 */
export function sameOrigin(ctx: Ctx, c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const issuer = new URL(ctx.config.issuer).origin;
  const origin = c.req.header('origin');
  if (origin !== undefined) return origin === issuer;
  const referer = c.req.header('referer');
  if (referer === undefined) return true;
  try {
    return new URL(referer).origin === issuer;
  } catch {
    return false;
  }
}

/** True when the submitted token matches this browser's binding and the post comes from the issuer's origin. */
export async function csrfValid(ctx: Ctx, c: Context, submitted: unknown): Promise<boolean> {
  if (typeof submitted !== 'string' || !sameOrigin(ctx, c)) return false;
  const bound = await binding(ctx, c);
  return bound !== null && macValid(ctx, 'csrf', bound, submitted);
}

/** Throws a 403 unless the submitted token is valid. */
export async function requireCsrf(ctx: Ctx, c: Context, submitted: unknown): Promise<void> {
  if (!(await csrfValid(ctx, c, submitted))) {
    throw ApiError.forbidden('The form has expired or did not come from this site; reload the page and try again', { reason: 'csrf' });
  }
}
