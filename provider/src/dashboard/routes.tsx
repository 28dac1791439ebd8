/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { Ctx } from '../context.ts';

/** Server-rendered dashboard pages. */
export function dashboardRoutes(_ctx: Ctx): Hono {
  return new Hono();
}
