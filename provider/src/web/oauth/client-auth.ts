import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { OAuthError } from '../../domain/errors.ts';
import { authenticateClient, unauthorizedClient, type Client, type PresentedCredentials } from '../../domain/oauth/clients.ts';

/** RFC 6749 §2.3.1: client_secret_basic credentials are form-urlencoded before base64. */
function formDecode(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The client credentials of a request: the Basic header, or `client_id` / `client_secret` of the form (RFC 6749 §2.3.1). */
export function presentedCredentials(c: Context, params: Record<string, string>): PresentedCredentials {
  const header = c.req.header('authorization');
  const basic = header ? /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (header && /^Basic\b/i.test(header) && !basic) throw unauthorizedClient('malformed Basic authorization header', true);
  if (basic) {
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
    if (params.client_secret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method, not both Basic and client_secret');
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw unauthorizedClient('malformed Basic authorization header', true);
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (id === null || secret === null) throw unauthorizedClient('malformed Basic authorization header', true);
    if (params.client_id !== undefined && params.client_id !== id) throw new OAuthError('invalid_request', 'client_id does not match the Basic credentials');
    return { method: 'client_secret_basic', clientId: id, secret };
  }
  if (params.client_secret !== undefined) return { method: 'client_secret_post', clientId: params.client_id, secret: params.client_secret };
  return { method: 'none', clientId: params.client_id };
}

/** The client a request claims to be, before it is authenticated (for failure limits): undefined when unclear. */
export function presentedClientId(c: Context, params: Record<string, string>): string | undefined {
  try {
    return presentedCredentials(c, params).clientId;
  } catch {
    return undefined;
  }
}

/** The authenticated client of a token, revocation or introspection request (domain/oauth/clients.ts decides). */
export async function requestClient(ctx: Ctx, c: Context, params: Record<string, string>): Promise<Client> {
  return authenticateClient(ctx, presentedCredentials(c, params));
}

/** True when the request presents any client credentials (so they must be checked). */
export function presentsClientCredentials(c: Context, params: Record<string, string>): boolean {
  return c.req.header('authorization')?.match(/^Basic\b/i) != null || params.client_secret !== undefined || params.client_id !== undefined;
}
