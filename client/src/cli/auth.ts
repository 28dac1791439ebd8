/**
 * Which credentials a CLI command uses: `--token` (or `INSTANT_CLI_AUTH_TOKEN`), else the
 * tokens saved by `instant-kit login`, refreshed (and their rotation saved) as needed.
 *
 * @module
 */
import { InstantAPIError } from '../errors.ts';
import { PlatformApi } from '../platform-api.ts';
import type { ParsedArgs } from './args.ts';
import { readConfig, updateProvider } from './config.ts';
import type { CliIO } from './io.ts';

/** Kinds of bearer tokens (docs/api.md §1), told apart by shape. */
export type TokenKind = 'personal' | 'access' | 'admin' | 'unknown';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tells a `per_`, `pat_` or admin (UUID) token apart. */
export function tokenKind(token: string): TokenKind {
  if (/^per_[0-9a-f]{64}$/.test(token)) return 'personal';
  if (/^pat_[0-9a-f]{64}$/.test(token)) return 'access';
  if (UUID.test(token)) return 'admin';
  return 'unknown';
}

/** A failure that needs no stack trace: its message is the one-line reason. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** A PlatformApi for the command, plus where its credentials came from. */
export function platformApi(args: ParsedArgs, io: CliIO): { api: PlatformApi; kind: TokenKind | 'login' } {
  if (args.token) {
    const kind = tokenKind(args.token);
    if (kind === 'unknown') throw new CliError('--token must be a per_ or pat_ token or an app admin token (UUID)');
    return { api: new PlatformApi({ apiURI: args.apiUri, fetch: io.fetch, auth: { token: args.token } }), kind };
  }
  const entry = readConfig(io.env).providers[args.apiUri];
  const t = entry?.tokens;
  if (!t || !entry.clientId) throw new CliError(`Not logged in to ${args.apiUri}: run "instant-kit login" or pass --token`);
  const api = new PlatformApi({
    apiURI: args.apiUri,
    fetch: io.fetch,
    auth: {
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      clientId: entry.clientId,
      expiresAt: new Date(t.expiresAt),
      onRefresh: (n) => {
        updateProvider(io.env, args.apiUri, (e) => ({ ...e, tokens: { ...t, accessToken: n.accessToken, refreshToken: n.refreshToken, expiresAt: n.expiresAt.getTime() } }));
      },
    },
  });
  return { api, kind: 'login' };
}

/**
 * One authenticated JSON request outside the PlatformApi surface (the `/dash` endpoints of
 * docs/api.md §4–§5); a 401 refreshes saved login tokens once and retries.
 */
export async function dashRequest<T>(args: ParsedArgs, io: CliIO, api: PlatformApi, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = { Authorization: `Bearer ${api.token()}`, Accept: 'application/json' };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const f = io.fetch ?? globalThis.fetch;
    try {
      return await f(`${args.apiUri}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    } catch (e) {
      throw new InstantAPIError({ status: 0, body: { type: 'network-error', message: `Could not reach ${args.apiUri}: ${e instanceof Error ? e.message : String(e)}` } });
    }
  };
  let res = await send();
  if (res.status === 401 && api.canRefreshToken()) {
    await api.refreshToken();
    res = await send();
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = { message: text.slice(0, 200) || `HTTP ${res.status}` };
  }
  if (!res.ok) throw new InstantAPIError({ status: res.status, body: json as Record<string, unknown> });
  return json as T;
}
