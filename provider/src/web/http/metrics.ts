import { Hono, type MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Ctx } from '../../domain/context.ts';
import { healthChecks, healthRoutes, type HealthCheck } from '../health.ts';

/** Latency buckets in seconds (Prometheus `le`). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TOKEN_PATH = '/platform/oauth/token';

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
    .join(',');
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}{${k}} ${v}`);
    return lines;
  }
}

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (value <= b) s.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      BUCKETS.forEach((b, i) => lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum{${k}} ${s.sum}`);
      lines.push(`${this.name}_count{${k}} ${s.count}`);
    }
    return lines;
  }
}

/** This process's counters (each instance is scraped on its own). */
export class Metrics {
  readonly requests = new Counter('instant_http_requests_total', 'HTTP requests by route pattern, method and status.');
  readonly latency = new Histogram('instant_http_request_duration_seconds', 'HTTP request latency by route pattern and method.');
  readonly tokenOutcomes = new Counter('instant_oauth_token_requests_total', 'Token endpoint responses by outcome (success or the RFC 6749 error code).');
  readonly rateLimited = new Counter('instant_rate_limit_hits_total', 'Requests refused with 429 by route pattern.');

  render(): string {
    return [...this.requests.render(), ...this.latency.render(), ...this.tokenOutcomes.render(), ...this.rateLimited.render()].join('\n') + '\n';
  }
}

/** The group commit's counters (docs/architecture.md §7): rows per batch is rows_total / batches_total. */
function groupCommitLines(ctx: Ctx): string {
  const lines: string[] = [];
  const stats = Object.entries(ctx.writes).map(([write, g]) => [write, g.stats] as const);
  const series: Array<[string, string, (s: (typeof stats)[number][1]) => number]> = [
    ['instant_group_commit_batches_total', 'Multi-row statements written by group commit, by write.', (s) => s.batches],
    ['instant_group_commit_rows_total', 'Rows written by group commit, by write.', (s) => s.rows],
    ['instant_group_commit_retried_alone_total', 'Rows retried alone after their batch failed, by write.', (s) => s.retriedAlone],
  ];
  for (const [name, help, value] of series) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...stats.map(([write, s]) => `${name}{write="${write}"} ${value(s)}`));
  }
  return lines.join('\n') + '\n';
}

/** The route pattern that answered (e.g. `/superadmin/apps/:app_id`), never the raw path: bounded label values. */
export function routeLabel(c: Parameters<MiddlewareHandler>[0]): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  const last = routes[routes.length - 1];
  return last ? last.path : 'unmatched';
}

async function tokenOutcome(res: Response): Promise<string> {
  if (res.status < 400) return 'success';
  try {
    const body = (await res.clone().json()) as { error?: unknown };
    return typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : `http_${res.status}`;
  } catch {
    return `http_${res.status}`;
  }
}

export interface Observability {
  /** Counts and times every request (a pass-through when METRICS is off). Mount first. */
  middleware: MiddlewareHandler;
  /** `GET /healthz` always; `GET /metrics` only when METRICS=1. */
  routes: Hono;
  metrics: Metrics;
}

/** Health and Prometheus metrics for one provider. */
export function createObservability(ctx: Ctx, checks: HealthCheck[] = healthChecks()): Observability {
  const metrics = new Metrics();
  const enabled = ctx.config.metrics;

  const middleware: MiddlewareHandler = async (c, next) => {
    if (!enabled) return next();
    const started = performance.now();
    await next();
    const route = routeLabel(c);
    const method = c.req.method;
    const status = String(c.res.status);
    metrics.requests.inc({ route, method, status });
    metrics.latency.observe({ route, method }, (performance.now() - started) / 1000);
    if (c.res.status === 429) metrics.rateLimited.inc({ route });
    if (c.req.path === TOKEN_PATH && method === 'POST') metrics.tokenOutcomes.inc({ outcome: await tokenOutcome(c.res) });
  };

  const routes = new Hono();
  routes.route('/', healthRoutes(ctx, checks));
  if (enabled) {
    routes.get('/metrics', (c) => c.body(metrics.render() + groupCommitLines(ctx), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' }));
  }
  return { middleware, routes, metrics };
}
