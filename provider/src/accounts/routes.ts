import { Hono } from 'hono';
import type { Ctx } from '../context.ts';

/** Account JSON endpoints (API.md §8). */
export function accountRoutes(_ctx: Ctx): Hono {
  return new Hono();
}
