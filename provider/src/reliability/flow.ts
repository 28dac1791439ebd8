import { createHash, randomBytes } from 'node:crypto';
import { CookieJar } from '../testing/cookie-jar.ts';

/**
 * A multi-request HTTP flow (e.g. authorize → consent → token) written once as a list of steps, and run
 * either with `fetch` (reliability tests, set-up) or by autocannon (bench/lib/load.ts), so the benchmark
 * and the tests exercise the very same requests.
 */

export interface HttpRequest {
  method: string;
  /** Path with query, relative to the server's origin. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names; `set-cookie` may be several. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FlowStep<S> {
  name: string;
  request(state: S): HttpRequest;
  /** Checks the answer and moves the state on; throws a FlowError when the answer is not the expected one. */
  response(state: S, res: HttpResponse): void;
}

export interface Flow<S> {
  name: string;
  /** A fresh state for one run of the flow. */
  init(): S;
  steps: FlowStep<S>[];
}

export class FlowError extends Error {
  override name = 'FlowError';
  constructor(
    readonly step: string,
    readonly status: number,
    message: string,
    readonly body = '',
  ) {
    super(`${step}: ${message} (HTTP ${status})${body ? `: ${body.slice(0, 300)}` : ''}`);
  }
}

/** Fails the step unless the status is one of `expected`. */
export function expectStatus(step: string, res: HttpResponse, ...expected: number[]): void {
  if (!expected.includes(res.status)) throw new FlowError(step, res.status, `expected ${expected.join(' or ')}`, res.body);
}

/** The Location header of a redirect, resolved against `base` and returned as a URL. */
export function location(step: string, res: HttpResponse, base = 'http://flow.invalid'): URL {
  const loc = header(res, 'location');
  if (!loc) throw new FlowError(step, res.status, 'no Location header', res.body);
  return new URL(loc, base);
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function json<T = Record<string, unknown>>(step: string, res: HttpResponse): T {
  try {
    return JSON.parse(res.body) as T;
  } catch {
    throw new FlowError(step, res.status, 'body is not JSON', res.body);
  }
}

// The load flows share the tests' cookie jar (bench/ imports it from here).
export { CookieJar };

/** A PKCE pair (RFC 7636 §4.1–4.2, S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function basicAuth(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: each part form-urlencoded before base64.
  return 'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
}

export function form(fields: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) p.set(k, v);
  return p.toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
export const JSON_BODY = { 'content-type': 'application/json' };

/** Sends one request with `fetch` (no redirects followed) and reads the whole answer. */
export async function send(fetchFn: typeof fetch, base: string, req: HttpRequest): Promise<HttpResponse> {
  const res = await fetchFn(new URL(req.path, base), { method: req.method, headers: req.headers, body: req.body, redirect: 'manual' });
  const headers: HttpResponse['headers'] = {};
  res.headers.forEach((v, k) => {
    if (k !== 'set-cookie') headers[k] = v;
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  return { status: res.status, headers, body: await res.text() };
}

/** Runs every step of a flow once with `fetch`; returns the final state or throws the first FlowError. */
export async function runFlow<S>(fetchFn: typeof fetch, base: string, flow: Flow<S>, state: S = flow.init()): Promise<S> {
  for (const step of flow.steps) step.response(state, await send(fetchFn, base, step.request(state)));
  return state;
}
