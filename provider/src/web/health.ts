/**
 * `GET /healthz` (readiness: each check in turn, 503 naming the first that fails). The checks and the store watch
 * are domain/health.ts. docs/operations.md §5.
 *
 * @module
 */
import { Hono } from 'hono';
import type { Ctx } from '../domain/context.ts';
import { healthChecks, type HealthCheck } from '../domain/health.ts';

export { healthChecks, watchStore, type HealthCheck } from '../domain/health.ts';

/** `GET /healthz`: 200 `{"status":"ok"}`, or 503 `{"status":"unavailable","check","reason"}` for the first failing check. */
export function healthRoutes(ctx: Ctx, checks: HealthCheck[] = healthChecks()): Hono {
  const routes = new Hono();
  routes.get('/healthz', async (c) => {
    for (const check of checks) {
      const reason = await check.run(ctx);
      if (reason !== null) {
        const body: Record<string, string> = { status: 'unavailable', check: check.name, reason };
        if (check.name === 'store') body.store = 'unreachable';
        return c.json(body, 503, { 'Cache-Control': 'no-store' });
      }
    }
    return c.json({ status: 'ok' }, 200, { 'Cache-Control': 'no-store' });
  });
  return routes;
}
