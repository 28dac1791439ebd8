import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { dynamicRedirectUriProblem } from './redirect-uris.ts';
import { insertDynamicClient } from '../../store/clients.ts';

/** RFC 7591 §2 client metadata we act on; also the fields read from a Client ID Metadata Document (client-metadata.ts). */
export const clientMetadata = z.object({
  redirect_uris: z.array(z.string()).min(1).max(10),
  token_endpoint_auth_method: z.string().optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  client_name: z.string().trim().min(1).max(100).regex(/^[^\p{Cc}]+$/u, 'must not contain control characters').optional(),
  client_uri: z.string().max(2000).optional(),
});

function badMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description); // RFC 7591 §3.2.2
}

/** The registered client (RFC 7591 §3.2.1). */
export interface RegisteredClient {
  client_id: string;
  client_id_issued_at: number;
  client_name: string;
  client_uri?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: 'none';
  grant_types: string[];
  response_types: string[];
}

/**
 * RFC 7591 §3: registers a public client (`none`) whose redirect URIs are https or loopback http, from its
 * metadata `raw` (a JSON object). It gets its own OAuth app, marked `dynamic` (shown as unverified) and
 * published, since it has no owner who could authorize it in test mode.
 */
export async function registerClient(ctx: Ctx, raw: Record<string, unknown>): Promise<RegisteredClient> {
  const parsed = clientMetadata.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.path[0] === 'redirect_uris') throw new OAuthError('invalid_redirect_uri', 'redirect_uris must be a list of 1 to 10 URIs');
    throw badMetadata(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const m = parsed.data;
  const method = m.token_endpoint_auth_method ?? 'none';
  if (method !== 'none') throw badMetadata('only public clients may register: token_endpoint_auth_method must be none');
  const grantTypes = m.grant_types ?? ['authorization_code'];
  if (grantTypes.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) throw badMetadata('grant_types may only hold authorization_code and refresh_token');
  const responseTypes = m.response_types ?? ['code'];
  if (responseTypes.some((r) => r !== 'code')) throw badMetadata('response_types may only hold code');
  for (const uri of m.redirect_uris) {
    const problem = dynamicRedirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', `${problem}: ${uri.slice(0, 200)}`);
  }
  let homePage: string | null = null;
  if (m.client_uri !== undefined) {
    let u: URL | null = null;
    try {
      u = new URL(m.client_uri);
    } catch {
      /* refused below */
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw badMetadata('client_uri must be an http(s) URL');
    homePage = u.toString();
  }
  const now = nowDate(ctx);
  const appId = ctx.random.uuid();
  const clientId = ctx.random.uuid();
  const name = m.client_name ?? 'Unnamed app';
  await ctx.db.tx((db) => insertDynamicClient(db, { appId, clientId, name, homePage, redirectUris: m.redirect_uris, now }));
  return {
    client_id: clientId,
    client_id_issued_at: Math.floor(now.getTime() / 1000),
    client_name: name,
    ...(homePage ? { client_uri: homePage } : {}),
    redirect_uris: m.redirect_uris,
    token_endpoint_auth_method: 'none',
    grant_types: grantTypes,
    response_types: responseTypes,
  };
}
