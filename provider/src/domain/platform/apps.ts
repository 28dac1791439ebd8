import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import { requireScope, type Principal } from '../accounts/principal.ts';
import { isUniqueViolation, type Db } from '../../store/index.ts';
import * as apps from '../../store/apps.ts';
import type { AppRow, AppsScope } from '../../store/apps.ts';
import { isUuid } from '../tokens.ts';
import { issueAdminToken } from './admin-tokens.ts';
import { recordCreatedApp, requireGrantReaches } from './grant-apps.ts';
import { getPerms, savePerms, validateRules, type Rules } from './perms.ts';
import { toApiSchema } from './schema/api-schema.ts';
import { loadAttrs, saveAttrs } from './schema/attrs.ts';
import { parseDefs, type Defs } from './schema/defs.ts';
import { planSteps } from './schema/plan.ts';
import { runSteps } from './schema/steps.ts';
import type { ApiSchema } from './schema/types.ts';
import { orgForUser } from './orgs/membership.ts';
import { requireRole, type Role } from './orgs/roles.ts';

export const MAX_TITLE_LENGTH = 200;

export type { AppRow, AppsScope } from '../../store/apps.ts';

/** `App` on the wire (docs/api.md §3). */
export interface AppJson {
  id: string;
  title: string;
  creator_id: string | null;
  created_at: string;
  org_id: string | null;
}

export function appJson(a: AppRow): AppJson {
  return { id: a.id, title: a.title, creator_id: a.creator_id, created_at: a.created_at.toISOString(), org_id: a.org_id };
}

/** A valid title: a non-blank string of at most 200 characters, trimmed. */
export function parseTitle(v: unknown): string {
  if (v === undefined || v === null) throw ApiError.paramMissing('title');
  if (typeof v !== 'string') throw ApiError.validation('title must be a string', [{ path: ['title'], message: 'must be a string' }]);
  const title = v.trim();
  if (!title) throw ApiError.validation('title must not be blank', [{ path: ['title'], message: 'must not be blank' }]);
  // eslint-disable-next-line no-control-regex -- control characters (NUL above all: Postgres text cannot hold it) are refused
  if (/[\u0000-\u001f\u007f]/.test(title)) throw ApiError.validation('title must not contain control characters', [{ path: ['title'], message: 'contains control characters' }]);
  if (title.length > MAX_TITLE_LENGTH) throw ApiError.validation(`title must be at most ${MAX_TITLE_LENGTH} characters`, [{ path: ['title'], message: 'too long' }]);
  return title;
}

function optionalUuid(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !isUuid(v)) throw ApiError.validation(`${name} must be a UUID`, [{ path: [name], message: 'must be a UUID' }]);
  return v.toLowerCase();
}

export interface CreateAppInput {
  title: unknown;
  schema?: unknown;
  perms?: unknown;
  /** Client-chosen id and admin token (Instant's CLI); must be UUIDs not in use. */
  id?: unknown;
  adminToken?: unknown;
  /** Put the app in this org instead of the user's own apps (the creator must hold `orgRole` there). */
  orgId?: unknown;
}

export interface CreatedApp {
  app: AppRow;
  adminToken: string;
  schema: ApiSchema;
  perms: Rules | null;
}

/**
 * Creates an app with its admin token, and its schema and rules when given, in one transaction.
 * `creatorId` null with `expiresAt` makes a temporary app (docs/api.md §4). With `orgId` the app belongs to the org
 * (creator_id null, as upstream) and the creator needs `orgRole` in it: upstream asks admin on `/superadmin/apps`,
 * collaborator on the CLI's `/dash/apps` (docs/security.md "Orgs"). `grantId`: the OAuth grant whose token creates
 * it, which then reaches it whatever apps it is limited to (grant-apps.ts, docs/mcp.md §8).
 */
export async function createApp(ctx: Ctx, creatorId: string | null, input: CreateAppInput, opts: { expiresAt?: Date; orgRole?: Role; grantId?: string | null } = {}): Promise<CreatedApp> {
  const title = parseTitle(input.title);
  const org = input.orgId === undefined || input.orgId === null || creatorId === null ? null : await orgForUser(ctx.db, input.orgId, creatorId, opts.orgRole ?? 'admin', 'Creating an app in this org');
  const id = optionalUuid(input.id, 'id') ?? ctx.random.uuid();
  const chosenToken = optionalUuid(input.adminToken, 'admin_token');
  const defs: Defs | null = input.schema === undefined || input.schema === null ? null : parseDefs(input.schema);
  const rules = input.perms === undefined || input.perms === null ? null : validateRules(input.perms, ['perms']);
  return ctx.db.tx(async (db) => {
    let app: AppRow | undefined;
    try {
      app = await apps.insertApp(db, { id, title, creatorId: org ? null : creatorId, orgId: org?.id ?? null, createdAt: nowDate(ctx), expiresAt: opts.expiresAt ?? null, temporary: opts.expiresAt !== undefined });
    } catch (err) {
      if (isUniqueViolation(err)) throw ApiError.validation('id is already in use; choose another UUID', [{ path: ['id'], message: 'already in use' }]);
      throw err;
    }
    await recordCreatedApp(db, opts.grantId ?? null, id, nowDate(ctx));
    const adminToken = await issueAdminToken(ctx, db, id, chosenToken);
    let schema: ApiSchema = { blobs: {}, refs: {} };
    if (defs) {
      const steps = planSteps([], defs, { checkTypes: true, supportsBackgroundUpdates: false }, () => ctx.random.uuid());
      const { attrs } = runSteps([], steps);
      await saveAttrs(db, id, [], attrs);
      schema = toApiSchema(attrs.values());
    }
    if (rules) await savePerms(ctx, db, id, rules);
    return { app: app!, adminToken, schema, perms: rules };
  });
}

/**
 * Apps a user can reach (docs/security.md "Orgs"), with their role on each, newest first; with `grantId`, only those
 * that OAuth grant reaches too (grant-apps.ts, docs/mcp.md §8). One statement: both rules are SQL (store/apps.ts).
 */
export async function listApps(ctx: Ctx, userId: string, scope: AppsScope = { all: true }, grantId: string | null = null): Promise<Array<AppRow & { role: Role }>> {
  return apps.listReachableApps(ctx.db, userId, scope, grantId);
}

/**
 * `GET /superadmin/apps[?include=schema,perms]` (the user's own apps) and `GET /superadmin/orgs/:id/apps`. `listed`:
 * the same listing, already read with the bearer token (domain/accounts/principal.ts `authenticateTokenWithOwnApps`).
 */
export async function listAppsJson(
  ctx: Ctx,
  userId: string,
  include: { schema: boolean; perms: boolean },
  scope: AppsScope = { personal: true },
  grantId: string | null = null,
  listed: Array<AppRow & { role: Role }> | null = null,
) {
  listed ??= await listApps(ctx, userId, scope, grantId);
  const out = [];
  for (const a of listed) {
    out.push({
      ...appJson(a),
      ...(include.schema ? { schema: toApiSchema(await loadAttrs(ctx.db, a.id)) } : {}),
      ...(include.perms ? { perms: await getPerms(ctx, a.id) } : {}),
    });
  }
  return out;
}

export async function getAppRow(db: Db, appId: string): Promise<AppRow | undefined> {
  if (!isUuid(appId)) return undefined;
  return apps.findApp(db, appId.toLowerCase());
}

/**
 * The app a request may act on (docs/security.md §14): the scope first (403 with `required-scope`), then an admin
 * token must belong to this very app (403), and a user must reach it (404 otherwise, as for a missing app) with at
 * least `opts.role` (default collaborator; 403 naming the role), and an OAuth token's grant must reach it (404 too:
 * grant-apps.ts). Reach and role: store/apps.ts `reachableApps` (docs/security.md "Orgs").
 */
export async function authorizeApp(ctx: Ctx, p: Principal, appId: string, scope: 'apps-read' | 'apps-write', opts: { admin: boolean; role?: Role }): Promise<AppRow & { role?: Role }> {
  requireScope(p, scope);
  if (p.kind === 'admin') {
    if (!opts.admin) throw ApiError.forbidden('App admin tokens cannot be used on this endpoint; use a personal or OAuth access token', { 'token-type': 'admin' });
    if (!isUuid(appId) || p.appId !== appId.toLowerCase()) {
      await recordEvent(ctx, { event: 'admin_token.other_app', actor: `admin-token:${p.tokenId}`, details: { admin_token_id: p.tokenId, token_app_id: p.appId, requested_app_id: isUuid(appId) ? appId.toLowerCase() : null } });
      throw ApiError.forbidden('Admin tokens are bound to one app: this token belongs to a different app', { 'token-type': 'admin' });
    }
    const app = await getAppRow(ctx.db, appId);
    if (!app) throw ApiError.notFound('app', 'App not found');
    return app;
  }
  const app = isUuid(appId) ? await apps.findReachableApp(ctx.db, appId.toLowerCase(), p.user.id) : undefined;
  if (!app) throw ApiError.notFound('app', 'App not found');
  await requireGrantReaches(ctx.db, p, app.id);
  requireRole(app.role, opts.role ?? 'collaborator', 'This action on the app');
  return app;
}

/** Renames an app. */
export async function renameApp(ctx: Ctx, appId: string, titleInput: unknown): Promise<AppRow> {
  const title = parseTitle(titleInput);
  const row = await apps.renameApp(ctx.db, appId, title);
  if (!row) throw ApiError.notFound('app', 'App not found');
  return row;
}

/** Deletes an app; its admin tokens, attrs, rules and jobs go with it (foreign-key cascades). */
export async function deleteApp(ctx: Ctx, appId: string): Promise<AppRow> {
  const row = await apps.deleteApp(ctx.db, appId);
  if (!row) throw ApiError.notFound('app', 'App not found');
  return row;
}
