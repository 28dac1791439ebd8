/**
 * Readiness checks (`GET /healthz`, web/health.ts) and the store watch (a warning in the log when the store stops
 * answering, and a line when it answers again). docs/operations.md §5.
 *
 * @module
 */
import type { Ctx } from './context.ts';
import { appliedMigrations, ping, shippedMigrations } from '../store/health.ts';

/** One readiness check: resolves to null when healthy, else a short reason for the operator (never a secret). */
export interface HealthCheck {
  name: string;
  run(ctx: Ctx): Promise<string | null>;
}

const TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);

/** The store answers a query. */
const storeReachable: HealthCheck = {
  name: 'store',
  async run(ctx) {
    try {
      await withTimeout(ping(ctx.db), 'the store');
      return null;
    } catch (err) {
      return `the store is unreachable: ${message(err)}`;
    }
  },
};

/** Every migration this build ships is recorded as applied (a database with no tables, or an older one, fails). */
function migrationsApplied(): HealthCheck {
  const expected = shippedMigrations();
  return {
    name: 'migrations',
    async run(ctx) {
      let applied: Set<string>;
      try {
        applied = await withTimeout(appliedMigrations(ctx.db), 'the store');
      } catch (err) {
        return `migrations are not applied (${message(err)})`;
      }
      const missing = expected.filter((v) => !applied.has(v));
      return missing.length ? `migrations are not applied: ${missing.join(', ')}` : null;
    },
  };
}

/**
 * The checks `/healthz` runs, in order: the store answers, migrations are applied, then the checks the composition
 * root adds (`app.ts`: that SECRET opens the stored signing keys).
 */
export function healthChecks(extra: HealthCheck[] = []): HealthCheck[] {
  return [storeReachable, migrationsApplied(), ...extra];
}

/**
 * Probes the store every `intervalMs` and logs each change: a `warn` line when it stops answering (with the
 * reason), an `info` line when it answers again (with how long it was down). Returns a function that stops it.
 */
export function watchStore(ctx: Ctx, intervalMs = 5000): () => void {
  let downSince: number | null = null;
  let running = false;
  const probe = async () => {
    if (running) return;
    running = true;
    try {
      const reason = await storeReachable.run(ctx);
      if (reason !== null && downSince === null) {
        downSince = Date.now();
        ctx.log.warn('store unreachable', { reason });
      } else if (reason === null && downSince !== null) {
        ctx.log.warn('store reachable again', { down_ms: Date.now() - downSince });
        downSince = null;
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void probe(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
