import type { Ctx } from '../context.ts';
import { auditValues, type AuditInput } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { hashToken } from '../tokens.ts';
import type { LiveSessionRow } from '../../store/sessions.ts';
import { setGrantAppAccess, type AppAccess, type AppAccessMode, type StoredAppAccess } from '../platform/grant-apps.ts';
import type { Client } from './clients.ts';
import { mintCode } from './codes.ts';
import { allowAtOnce as allowAtOnceRow, allowRequest, answerRequest, denyRequest, findPending, type AllowedRequest, type Answer, type RequestRow } from '../../store/authorization-requests.ts';

export type { Answer, RequestRow } from '../../store/authorization-requests.ts';

/** An app the user may pick on the consent page (docs/mcp.md §8). */
export interface AppChoice {
  id: string;
  title: string;
}

/**
 * A pending request of this browser with its client, and the signed-in user: either may be missing; with both,
 * `grantScopes` are the scopes of the user's live grant of the app (null without one).
 */
export type Pending = {
  request: (RequestRow & { client: Client }) | null;
  session: LiveSessionRow | null;
  grantScopes: string[] | null;
  /** The live grant's choice of apps, and the user's apps to choose from when the request's scopes reach apps (docs/mcp.md §8). */
  appAccess: { current: StoredAppAccess; apps: AppChoice[] } | undefined;
};

/** The pending request `id` of the browser bound by `browserHash`, the session `sessionHash` and the grant, in one statement. */
export async function pending(ctx: Pick<Ctx, 'db' | 'clock'>, id: string, browserHash: string, sessionHash: string | null): Promise<Pending> {
  const row = await findPending(ctx.db, { idHash: hashToken(id), browserHash, now: nowDate(ctx), sessionHash });
  const { redirect_uri, scopes, state, prompt, resource, created_at, user_id, email, is_operator, user_created_at, email_verified_at, auth_time, grant_scopes, grant_app_access, grant_created, grant_selected, user_apps, ...client } =
    row;
  return {
    grantScopes: grant_scopes,
    appAccess: user_apps ? { apps: user_apps, current: { mode: (grant_app_access as AppAccessMode | null) ?? 'all', created: grant_created ?? [], selected: grant_selected ?? [] } } : undefined,
    request: client.client_id === null ? null : { redirect_uri: redirect_uri!, scopes: scopes!, state: state!, prompt, resource, created_at: created_at!, client: client as Client },
    session: user_id === null ? null : { user_id, email: email!, is_operator: is_operator!, user_created_at: user_created_at!, email_verified_at: email_verified_at ?? null, auth_time: auth_time! },
  };
}

/** Who answers request `id` of this browser, now: the key of every answer below. */
export function answerOf(ctx: Pick<Ctx, 'clock'>, id: string, browserHash: string, userId: string, sessionHash: string | null): Answer {
  return { idHash: hashToken(id), browserHash, now: nowDate(ctx), userId, sessionHash };
}

/** Answers the request without a code (single use). False when it was not pending any more. */
export async function answer(ctx: Pick<Ctx, 'db'>, a: Answer): Promise<boolean> {
  return answerRequest(ctx.db, a);
}

type Who = Pick<AuditInput, 'actor' | 'userId' | 'clientId' | 'oauthAppId' | 'address'>;

/** Deny: the answer and its `consent.denied` event, both or neither. False when it was not pending any more. */
export async function deny(ctx: Ctx, a: Answer, who: Who, scopes: readonly string[]): Promise<boolean> {
  return denyRequest(ctx.db, a, auditValues(ctx, { event: 'consent.denied', ...who, details: { scopes } }));
}

/**
 * Allow: on the user's click, or `remembered` from a live grant that already covers the request (consent.granted
 * then says so). With a `choice` of apps, the grant's app access is stored in the same transaction as the grant
 * (grant-apps.ts). The code, or null when the request was not pending any more.
 */
export async function allow(
  ctx: Ctx,
  a: Answer,
  row: RequestRow & { client: Client },
  session: Pick<LiveSessionRow, 'user_id' | 'auth_time'>,
  address: string | null,
  how: { remembered?: true } = {},
  choice?: AppAccess,
): Promise<string | null> {
  const client = row.client;
  const who = { actor: session.user_id, userId: session.user_id, clientId: client.client_id, oauthAppId: client.oauth_app_id, address };
  const code = mintCode(ctx);
  const chosen = choice ? { app_access: choice.mode, ...(choice.mode === 'selected' ? { app_ids: choice.appIds } : {}) } : {};
  const input = {
    oauthAppId: client.oauth_app_id,
    newGrantId: ctx.random.uuid(),
    code: { hash: code.hash, authTime: session.auth_time, createdAt: code.createdAt, expiresAt: code.expiresAt },
    granted: auditValues(ctx, { event: 'consent.granted', ...who, details: { scopes: row.scopes, ...how, ...chosen } }),
    issued: auditValues(ctx, { event: 'code.issued', ...who, details: { scopes: row.scopes } }),
  };
  const granted = choice
    ? await ctx.db.tx(async (db) => {
        const g = await allowRequest(db, a, input);
        if (g) await setGrantAppAccess(db, g.grant_id, choice, code.createdAt);
        return g;
      })
    : await allowRequest(ctx.db, a, input);
  return granted ? code.code : null;
}

/**
 * The usual Allow (no choice of apps) in one statement, without reading the request first (store
 * `allowAtOnce`): the code and what the redirect needs, or null when anything stands in the way (not pending, no live
 * session, app suspended or in test mode for someone else, a fresh sign-in asked for). Null writes nothing: the
 * caller then takes the general path, which reads the request and tells which.
 */
export async function allowAtOnce(
  ctx: Ctx,
  id: string,
  browserHash: string,
  sessionHash: string,
  address: string | null,
): Promise<(AllowedRequest & { code: string }) | null> {
  const code = mintCode(ctx);
  // The user, client and app of these rows, and their details, come from the request inside the statement.
  const known = { actor: null, address };
  const row = await allowAtOnceRow(ctx.db, {
    idHash: hashToken(id),
    browserHash,
    sessionHash,
    now: nowDate(ctx),
    newGrantId: ctx.random.uuid(),
    code: { hash: code.hash, createdAt: code.createdAt, expiresAt: code.expiresAt },
    granted: auditValues(ctx, { event: 'consent.granted', ...known }),
    issued: auditValues(ctx, { event: 'code.issued', ...known }),
  });
  return row ? { ...row, code: code.code } : null;
}
