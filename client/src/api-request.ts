import { InstantAPIError, type InstantAPIErrorBody } from './errors.ts';

/**
 * One Platform API request with an optional bearer token: the parsed JSON of a 2xx answer, else an
 * {@link InstantAPIError} carrying the server's `{type, message, hint}` (for the OAuth endpoints' RFC 6749 §5.2
 * bodies, `error_description` is the message); an unreachable server is status 0. Shared by `PlatformApi` and the
 * MCP tools' {@link ./mcp/platform-call.ts}.
 */
export async function apiRequest(f: typeof fetch, apiURI: string, path: string, init: RequestInit, token: string | null): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await f(`${apiURI}${path}`, { ...init, headers });
  } catch (e) {
    throw new InstantAPIError({ status: 0, body: { type: 'network-error', message: `Could not reach ${apiURI}: ${e instanceof Error ? e.message : String(e)}` } });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (res.ok && json !== undefined) return json;
  let body: InstantAPIErrorBody = { message: text.slice(0, 200) || `HTTP ${res.status}` };
  if (json && typeof json === 'object') {
    body = json as InstantAPIErrorBody;
    const description = (json as { error_description?: unknown }).error_description;
    if (body.message === undefined && typeof description === 'string') body = { ...body, message: description };
  }
  throw new InstantAPIError({ status: res.status, body });
}
