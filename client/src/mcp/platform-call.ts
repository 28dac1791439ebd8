import { apiRequest } from '../api-request.ts';

/** One Platform API request: method, path (from the API's root) and an optional JSON body; the parsed JSON answer. */
export type PlatformCall = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, opts?: { anonymous?: boolean }) => Promise<unknown>;

/**
 * A {@link PlatformCall} over HTTP with one bearer token (a `per_`, `pat_` or app admin token). Non-2xx answers
 * throw `InstantAPIError` carrying the Platform API's own message, which the MCP tools hand to the model.
 * `anonymous` leaves the token out (temporary apps need none).
 */
export function platformCall(opts: { apiURI: string; token: string | null; fetch?: typeof fetch }): PlatformCall {
  const f = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = opts.apiURI.replace(/\/+$/, '');
  return (method, path, body, o) => apiRequest(f, base, path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, o?.anonymous ? null : opts.token);
}
