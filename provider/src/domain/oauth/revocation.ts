import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { hashToken, recogniseBearer } from '../tokens.ts';
import type { Client } from './clients.ts';
import { endGrantIfIdle } from './grants.ts';
import { revokeFamily } from './refresh.ts';
import { findRefreshFamily, revokeAccessToken } from '../../store/tokens.ts';

/**
 * RFC 7009 §2.1: revokes `token` — only when it is `client`'s, if a client authenticated (null: the token itself is
 * the proof). Unknown tokens are ignored (§2.2). A refresh token takes its family with it, and its grant when that
 * gives no lasting access any more.
 */
export async function revokeToken(ctx: Ctx, token: string, client: Client | null, address: string | null): Promise<void> {
  const now = nowDate(ctx);
  const hash = hashToken(token);
  switch (recogniseBearer(token)) {
    case 'access': {
      const row = await revokeAccessToken(ctx.db, hash, now, client?.client_id ?? null);
      if (row) await recordEvent(ctx, { event: 'token.revoked', actor: client ? `client:${client.client_id}` : null, userId: row.user_id, clientId: row.client_id, address, details: { token_type: 'access_token' } });
      break;
    }
    case 'refresh': {
      // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of the same grant (its family).
      const row = await findRefreshFamily(ctx.db, hash);
      if (row && (!client || client.client_id === row.client_id)) {
        await revokeFamily(ctx, row.family_id);
        await endGrantIfIdle(ctx, row.grant_id);
        if (!row.revoked_at) {
          await recordEvent(ctx, {
            event: 'token.revoked',
            actor: client ? `client:${client.client_id}` : null,
            userId: row.user_id,
            clientId: row.client_id,
            address,
            details: { token_type: 'refresh_token', grant_id: row.grant_id, family_id: row.family_id },
          });
        }
      }
      break;
    }
    default:
      break;
  }
}
