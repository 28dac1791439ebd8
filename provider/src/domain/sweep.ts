import type { Ctx } from './context.ts';
import { sweepEmailTokens } from './accounts/email-tokens.ts';
import { pruneAuditEvents } from './audit/events.ts';
import { sweepRateLimits } from './limits/rate-limit.ts';
import { sweepSigningKeys } from './oauth/key-rotation.ts';
import { sweepOAuth } from './oauth/sweep.ts';
import { sweepCliLogins } from './platform/cli-login.ts';
import { sweepProvisionalAdminTokens } from './platform/dash.ts';
import { sweepExpiredApps } from './platform/temporary-apps.ts';
import { analyzeChanged, vacuumEmbedded } from '../store/maintenance.ts';

/** Periodic clean-up: each job deletes what has expired. A failing job is logged and does not stop the others. */
export const SWEEP_JOBS: Array<{ name: string; run: (ctx: Ctx) => Promise<unknown> }> = [
  { name: 'rate-limits', run: sweepRateLimits },
  { name: 'audit-events', run: pruneAuditEvents },
  { name: 'temporary-apps', run: sweepExpiredApps },
  { name: 'oauth', run: sweepOAuth },
  { name: 'provisional-admin-tokens', run: sweepProvisionalAdminTokens },
  { name: 'cli-logins', run: sweepCliLogins },
  { name: 'signing-keys', run: sweepSigningKeys },
  { name: 'email-tokens', run: sweepEmailTokens },
  // Last, after the deletions above: the embedded store's vacuum and statistics (store/maintenance.ts).
  { name: 'embedded-vacuum', run: (ctx) => vacuumEmbedded(ctx.db) },
];

export async function sweepOnce(ctx: Ctx): Promise<void> {
  for (const job of SWEEP_JOBS) {
    try {
      await job.run(ctx);
    } catch (err) {
      ctx.log.error('sweep failed', { job: job.name, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** How often the embedded store looks for tables to analyze (`analyzeChanged`); Postgres' autovacuum_naptime is 60 s. */
export const AUTO_ANALYZE_INTERVAL_MS = 10_000;

/**
 * Runs the sweep now and then every `SWEEP_INTERVAL_S`, and on the embedded store the autoanalyze every
 * AUTO_ANALYZE_INTERVAL_MS (store/maintenance.ts); returns a stop function.
 */
export function startSweeper(ctx: Ctx): () => void {
  let running = Promise.resolve();
  const tick = () => {
    running = running.then(() => sweepOnce(ctx));
  };
  tick();
  const timer = setInterval(tick, ctx.config.sweepIntervalS * 1000);
  timer.unref();
  let analyzing = false;
  let stopped = false;
  const analyzer =
    ctx.db.kind === 'pglite'
      ? setInterval(() => {
          if (analyzing) return;
          analyzing = true;
          analyzeChanged(ctx.db)
            // One in flight when the provider stops meets the closed store: nothing to report then.
            .catch((err: unknown) => stopped || ctx.log.error('autoanalyze failed', { error: err instanceof Error ? err.message : String(err) }))
            .finally(() => (analyzing = false));
        }, AUTO_ANALYZE_INTERVAL_MS)
      : undefined;
  analyzer?.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    clearInterval(analyzer);
  };
}
