import { InstantAPIError, type InstantAPIErrorBody } from '../errors.ts';

/** One Platform API request: method, path (from the API's root) and an optional JSON body; the parsed JSON answer. */
export type PlatformCall = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, opts?: { anonymous?: boolean }) => Promise<unknown>;

/**
 * A {@link PlatformCall} over HTTP with one bearer token (a `per_`, `pat_` or app admin token). Non-2xx answers
 * throw {@link InstantAPIError} carrying the Platform API's own message, which the MCP tools hand to the model.
 * `anonymous` leaves the token out (temporary apps need none).
 */
export function platformCall(opts: { apiURI: string; token: string | null; fetch?: typeof fetch }): PlatformCall {
  const f = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = opts.apiURI.replace(/\/+$/, '');
  return async (method, path, body, o) => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.token && !o?.anonymous) headers.Authorization = `Bearer ${opts.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await f(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (e) {
      throw new InstantAPIError({ status: 0, body: { type: 'network-error', message: `Could not reach ${base}: ${e instanceof Error ? e.message : String(e)}` } });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    if (res.ok && json !== undefined) return json;
    const err: InstantAPIErrorBody =
      json && typeof json === 'object'
        ? // OAuth endpoints (token-info) answer RFC 6749 §5.2 bodies: their description is the message.
          { ...(json as InstantAPIErrorBody), message: (json as InstantAPIErrorBody).message ?? (json as { error_description?: string }).error_description }
        : { message: text.slice(0, 200) || `HTTP ${res.status}` };
    throw new InstantAPIError({ status: res.status, body: err });
  };
}
