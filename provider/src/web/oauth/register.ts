import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { oauthBodyErrors, readJsonObject } from '../http/body.ts';
import { clientAddress } from '../http/client-address.ts';
import { RATE_LIMITS } from '../../domain/limits/rate-limit.ts';
import { registerClient } from '../../domain/oauth/registration.ts';
import { rateLimit } from './token.ts';

/** `POST /platform/oauth/register` (RFC 7591 §3): domain/oauth/registration.ts decides; limited per address. */
export async function registerEndpoint(ctx: Ctx, c: Context): Promise<Response> {
  await rateLimit(ctx, `register:addr:${clientAddress(c)}`, RATE_LIMITS.registerPerAddress);
  // Unreadable metadata is invalid_client_metadata (RFC 7591 §3.2.2); an oversized body a 413.
  const raw = await readJsonObject(c, 16 * 1024, oauthBodyErrors('invalid_client_metadata'));
  const registered = await registerClient(ctx, raw);
  return c.json(registered, 201, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}
