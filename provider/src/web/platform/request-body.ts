import type { Context } from 'hono';
import type { Principal } from '../../domain/accounts/principal.ts';
import { readJsonObject } from '../http/body.ts';
import { ApiError } from '../../domain/errors.ts';

/**
 * A JSON body of a Platform API request. With a session cookie only `application/json` is accepted: that forces a
 * CORS preflight, which with SameSite cookies is the CSRF defence of these endpoints (docs/api.md §8).
 */
export async function body(c: Context, p: Principal | null, maxBytes: number): Promise<Record<string, unknown>> {
  if (p?.kind === 'session') {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw ApiError.malformed('Requests made with a session cookie must send Content-Type: application/json');
  }
  return readJsonObject(c, maxBytes);
}

/** `?include=schema,perms` of the app listings. */
export function include(c: Context): { schema: boolean; perms: boolean } {
  const parts = (c.req.query('include') ?? '').split(',').map((s) => s.trim());
  return { schema: parts.includes('schema'), perms: parts.includes('perms') };
}
