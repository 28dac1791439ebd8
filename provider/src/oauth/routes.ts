import { Hono } from 'hono';
import type { Ctx } from '../context.ts';

/** OAuth 2 / OIDC endpoints (API.md §2). */
export function oauthRoutes(_ctx: Ctx): Hono {
  return new Hono();
}
