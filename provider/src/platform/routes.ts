import { Hono } from 'hono';
import type { Ctx } from '../context.ts';

/** Platform API (API.md §3–§5). */
export function platformRoutes(_ctx: Ctx): Hono {
  return new Hono();
}
