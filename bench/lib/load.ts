// autocannon runs: a warm-up (discarded), then the measured run. Two kinds:
//   - requestLoad: one request, repeated (static, or built per request by `next()`); rate = answers per second;
//   - flowLoad: a multi-step Flow (provider/src/reliability/flow.ts) per connection; rate = complete flows per second,
//     latency = one whole flow.
import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import { machineCpuMs, processCpuMs } from './machine.ts';
import type { Flow, HttpRequest, HttpResponse } from '../../provider/src/reliability/flow.ts';

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** Stop after this many requests (flows: steps) instead of after durationS (pre-minted inputs). */
  amount?: number;
  warmupAmount?: number;
  /** Hold the offered load at this many requests a second in all (autocannon's overallRate) instead of as fast as answered. */
  overallRate?: number;
  /** The server's process: its CPU time over the measured part is reported per successful answer. */
  serverPid?: number;
}

export interface LoadResult {
  /** Successful answers (or complete flows) per second. */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Connection errors, timeouts, unexpected statuses and failed flow checks. */
  errors: number;
  /** Successful answers (or flows) counted. */
  ok: number;
  durationS: number;
  /** Up to 5 distinct error descriptions. */
  samples: string[];
  /**
   * The server's CPU time per successful answer (or flow) over the measured part, in ms: its main thread and all its
   * threads (with `serverPid`, on Linux). Unlike req/s, it hardly moves with what else the machine runs.
   */
  cpu_ms?: { main: number; all: number };
  /**
   * The whole machine over the measured part (Linux): CPU time of every process per successful answer (or flow), in
   * ms, and the share of all cores that was busy. Two cores give at most 2,000 ms a second, so `busy` near 1 means
   * the rate is what the machine's CPU allows at that cost per answer.
   */
  machine?: { cpu_ms: number; busy: number };
}

interface Recorder {
  ok: number;
  errors: number;
  latencies: number[];
  samples: Set<string>;
}

const newRecorder = (): Recorder => ({ ok: 0, errors: 0, latencies: [], samples: new Set() });
const note = (r: Recorder, msg: string) => {
  r.errors++;
  if (r.samples.size < 5) r.samples.add(msg.slice(0, 300));
};

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarise(r: Recorder, durationS: number, autocannonErrors: number, cpu?: { main: number; all: number }, machine?: { busy: number; total: number }): LoadResult {
  const sorted = r.latencies.sort((a, b) => a - b);
  return {
    ...(cpu && r.ok > 0 ? { cpu_ms: { main: round((cpu.main / r.ok) * 100) / 100, all: round((cpu.all / r.ok) * 100) / 100 } } : {}),
    ...(machine && r.ok > 0 && machine.total > 0 ? { machine: { cpu_ms: round((machine.busy / r.ok) * 100) / 100, busy: round(machine.busy / machine.total) } } : {}),
    rps: r.ok / durationS,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    errors: r.errors + autocannonErrors,
    ok: r.ok,
    durationS,
    samples: [...r.samples],
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

type AutocannonRequest = {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown> | null | undefined;
  onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => void;
};

async function cannon(opts: LoadOptions, requests: AutocannonRequest[], measured: boolean, onResponseTime?: (ms: number, status: number) => void) {
  const durationS = measured ? opts.durationS : opts.warmupS;
  const amount = measured ? opts.amount : opts.warmupAmount;
  if (!amount && durationS <= 0) return { errors: 0, timeouts: 0, elapsedS: 0 };
  const t0 = performance.now();
  const before = measured ? counters(opts.serverPid) : undefined;
  const instance = autocannon({
    url: opts.url,
    // autocannon refuses fewer requests than connections.
    connections: amount ? Math.min(opts.connections, amount) : opts.connections,
    ...(amount ? { amount } : { duration: durationS }),
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests,
    timeout: 10,
  });
  if (onResponseTime) instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => onResponseTime(ms, status));
  const result = await instance;
  const elapsedS = (performance.now() - t0) / 1000;
  const after = before ? counters(opts.serverPid) : undefined;
  return {
    errors: result.errors,
    timeouts: result.timeouts,
    elapsedS: amount ? elapsedS : result.duration,
    cpu: minus(after?.cpu, before?.cpu),
    machine: minus(after?.machine, before?.machine),
  };
}

/** CPU counters, read before and after a measured part: the server's threads (with its pid) and the whole machine. */
const counters = (serverPid: number | undefined) => ({ cpu: serverPid ? processCpuMs(serverPid) : undefined, machine: machineCpuMs() });

/** Each counter's growth from `before` to `after`; undefined when either reading is missing. */
function minus<T extends Record<string, number>>(after: T | undefined, before: T | undefined): T | undefined {
  if (!after || !before) return undefined;
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]!])) as T;
}

/**
 * One request repeated at `connections` concurrency. `request` is static, or a function called per request
 * (e.g. to take the next pre-minted code). `expect` lists the statuses counted as success.
 */
export async function requestLoad(
  opts: LoadOptions,
  request: HttpRequest | HttpRequest[] | (() => HttpRequest | undefined),
  expect: number[] = [200],
): Promise<LoadResult> {
  const statics = Array.isArray(request) ? request : typeof request === 'function' ? undefined : [request];
  const requests: AutocannonRequest[] = statics
    ? statics.map((r) => ({ method: r.method, path: r.path, headers: r.headers, body: r.body }))
    : [
        {
          setupRequest: (req) => {
            const r = (request as () => HttpRequest | undefined)();
            return r ? { ...req, ...r } : null;
          },
        },
      ];
  let rec = newRecorder();
  const onTime = (ms: number, status: number) => {
    if (expect.includes(status)) {
      rec.ok++;
      rec.latencies.push(ms);
    } else note(rec, `HTTP ${status}`);
  };
  await cannon(opts, requests, false, onTime);
  rec = newRecorder();
  const run = await cannon(opts, requests, true, onTime);
  return summarise(rec, run.elapsedS, run.errors, run.cpu, run.machine);
}

/**
 * Open-loop traffic with Poisson arrivals, as many independent callers make it (a backend refreshing each of its
 * users' tokens when that user's expires): requests are sent at exponentially spaced moments averaging `rate` a
 * second over `durationS`, each on a free keep-alive connection of at most `connections` (a new arrival waits for
 * one when all are busy), and each latency counts from the moment the request was due, not from when a connection
 * took it, so a server that stalls is not hidden by the load generator waiting with it (coordinated omission).
 * autocannon's `overallRate` is not this: every connection sends its share of the second back to back at the
 * second's start, then waits, so its traffic is one burst a second. `requests` are taken in turn; `seed` makes the
 * arrivals repeatable.
 */
export async function poissonLoad(
  opts: Pick<LoadOptions, 'url' | 'connections' | 'durationS' | 'serverPid'> & { rate: number; seed?: number },
  requests: HttpRequest[],
  expect: number[] = [200],
): Promise<LoadResult> {
  const origin = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const rec = newRecorder();
  // xorshift32: the same arrivals for the same seed.
  let x = (opts.seed ?? 0x9e3779b9) >>> 0 || 1;
  const uniform = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x + 0.5) / 2 ** 32;
  };
  const arrivals: number[] = [];
  for (let t = -Math.log(uniform()) / opts.rate; t < opts.durationS; t += -Math.log(uniform()) / opts.rate) arrivals.push(t * 1000);
  // From when it was due, or when it was sent if the timer fired up to a millisecond early.
  const send = (r: HttpRequest, dueAt: number, from = Math.min(dueAt, performance.now())) =>
    new Promise<void>((resolve) => {
      const req = httpRequest(
        { host: origin.hostname, port: origin.port, method: r.method, path: r.path, headers: r.headers, agent, timeout: 10_000 },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (expect.includes(status)) {
              rec.ok++;
              rec.latencies.push(performance.now() - from);
            } else note(rec, `HTTP ${status}`);
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
      req.on('error', (err) => {
        note(rec, err.message);
        resolve();
      });
      req.end(r.body);
    });
  const before = counters(opts.serverPid);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let k = 0; k < arrivals.length; k++) {
    const dueAt = t0 + arrivals[k]!;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(requests[k % requests.length]!, dueAt));
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - t0) / 1000;
  const after = counters(opts.serverPid);
  agent.destroy();
  return summarise(rec, elapsedS, 0, minus(after.cpu, before.cpu), minus(after.machine, before.machine));
}

/**
 * Complete flows per second: every connection runs the flow's steps in order, over and over.
 * `onComplete` sees the final state of every successful flow (e.g. to collect minted codes).
 */
export async function flowLoad<S>(opts: LoadOptions, flow: Flow<S>, onComplete?: (state: S) => void): Promise<LoadResult> {
  let rec = newRecorder();
  type FlowCtx = { state?: S; t0?: number; failed?: boolean };
  const steps: AutocannonRequest[] = flow.steps.map((step, i) => ({
    setupRequest: (req, context) => {
      const c = context as FlowCtx;
      if (i === 0) {
        c.state = flow.init();
        c.t0 = performance.now();
        c.failed = false;
      }
      if (c.failed || !c.state) return null; // back to step 0
      return { ...req, ...step.request(c.state) };
    },
    onResponse: (status, body, context, headers) => {
      const c = context as FlowCtx;
      if (c.failed || !c.state) return;
      const res: HttpResponse = { status, body, headers: lowerCase(headers) };
      try {
        step.response(c.state, res);
      } catch (err) {
        c.failed = true;
        note(rec, err instanceof Error ? err.message : String(err));
        return;
      }
      if (i === flow.steps.length - 1) {
        onComplete?.(c.state);
        rec.ok++;
        rec.latencies.push(performance.now() - c.t0!);
      }
    },
  }));
  await cannon(opts, steps, false);
  rec = newRecorder();
  const run = await cannon(opts, steps, true);
  return summarise(rec, run.elapsedS, run.errors, run.cpu, run.machine);
}

function lowerCase(h: Record<string, string | string[]>): HttpResponse['headers'] {
  const out: HttpResponse['headers'] = {};
  for (const [k, v] of Object.entries(h)) {
    const key = k.toLowerCase();
    const prev = out[key];
    out[key] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  return out;
}
