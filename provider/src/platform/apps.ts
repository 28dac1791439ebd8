import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../http/errors.ts';
import { requireScope, type Principal } from '../http/auth.ts';
import { isUniqueViolation, type Db } from '../store/index.ts';
import { isUuid } from '../tokens.ts';
import { issueAdminToken } from './admin-tokens.ts';
import { keepGrantApps, recordCreatedApp, requireGrantReaches } from './grant-apps.ts';
import { getPerms, savePerms, validateRules, type Rules } from './perms.ts';
import { toApiSchema } from './schema/api-schema.ts';
import { loadAttrs, saveAttrs } from './schema/attrs.ts';
import { parseDefs, type Defs } from './schema/defs.ts';
import { planSteps } from './schema/plan.ts';
import { runSteps } from './schema/steps.ts';
import type { ApiSchema } from './schema/types.ts';

export const MAX_TITLE_LENGTH = 200;

export interface AppRow {
  id: string;
  title: string;
  creator_id: string | null;
  org_id: string | null;
  created_at: Date;
  expires_at: Date | null;
  temporary: boolean;
  claimed_at: Date | null;
}

/** `App` on the wire (docs/api.md §3). */
export interface AppJson {
  id: string;
  title: string;
  creator_id: string | null;
  created_at: string;
  org_id: string | null;
}

const APP_COLUMNS = 'id, title, creator_id, org_id, created_at, expires_at, temporary, claimed_at';

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

/** Orgs do not exist on this server: any org id is unknown. */
function checkOrg(v: unknown): void {
  if (v === undefined || v === null) return;
  throw ApiError.notFound('org', 'No such org: this server has no orgs yet');
}

export interface CreateAppInput {
  title: unknown;
  schema?: unknown;
  perms?: unknown;
  /** Client-chosen id and admin token (Instant's CLI); must be UUIDs not in use. */
  id?: unknown;
  adminToken?: unknown;
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
 * `creatorId` null with `expiresAt` makes a temporary app (docs/api.md §4). `grantId`: the OAuth grant whose
 * token creates it, which then reaches it whatever apps it is limited to (grant-apps.ts, docs/mcp.md §8).
 */
export async function createApp(ctx: Ctx, creatorId: string | null, input: CreateAppInput, opts: { expiresAt?: Date; grantId?: string | null } = {}): Promise<CreatedApp> {
  const title = parseTitle(input.title);
  checkOrg(input.orgId);
  const id = optionalUuid(input.id, 'id') ?? ctx.random.uuid();
  const chosenToken = optionalUuid(input.adminToken, 'admin_token');
  const defs: Defs | null = input.schema === undefined || input.schema === null ? null : parseDefs(input.schema);
  const rules = input.perms === undefined || input.perms === null ? null : validateRules(input.perms, ['perms']);
  return ctx.db.tx(async (db) => {
    let app: AppRow | undefined;
    try {
      app = await db.one<AppRow>(
        `insert into apps (id, title, creator_id, org_id, created_at, expires_at, temporary) values ($1, $2, $3, null, $4, $5, $6) returning ${APP_COLUMNS}`,
        [id, title, creatorId, nowDate(ctx), opts.expiresAt ?? null, opts.expiresAt !== undefined],
      );
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
 * Apps a user created (including temporary apps they claimed), newest first; with `grantId`, only those that
 * OAuth grant reaches (grant-apps.ts).
 */
export async function listApps(ctx: Ctx, userId: string, grantId: string | null = null): Promise<AppRow[]> {
  const apps = await ctx.db.query<AppRow>(`select ${APP_COLUMNS} from apps where creator_id = $1 order by created_at desc, id`, [userId]);
  return keepGrantApps(ctx.db, grantId, apps);
}

/** `GET /superadmin/apps[?include=schema,perms]`: each App with its schema / perms when asked. */
export async function listAppsJson(ctx: Ctx, userId: string, include: { schema: boolean; perms: boolean }, grantId: string | null = null) {
  const apps = await listApps(ctx, userId, grantId);
  const out = [];
  for (const a of apps) {
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
  return db.one<AppRow>(`select ${APP_COLUMNS} from apps where id = $1`, [appId.toLowerCase()]);
}

/**
 * The app a request may act on (docs/security.md §14): the scope first (403 with `required-scope`), then an admin
 * token must belong to this very app (403), and a user must own it (404 otherwise, as for a missing app), and an OAuth
 * token's grant must reach it (404 too: grant-apps.ts).
 */
export async function authorizeApp(ctx: Ctx, p: Principal, appId: string, scope: 'apps-read' | 'apps-write', opts: { admin: boolean }): Promise<AppRow> {
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
  const app = await getAppRow(ctx.db, appId);
  if (!app || app.creator_id !== p.user.id) throw ApiError.notFound('app', 'App not found');
  await requireGrantReaches(ctx.db, p, app.id);
  return app;
}

/** Renames an app. */
export async function renameApp(ctx: Ctx, appId: string, titleInput: unknown): Promise<AppRow> {
  const title = parseTitle(titleInput);
  const row = await ctx.db.one<AppRow>(`update apps set title = $2 where id = $1 returning ${APP_COLUMNS}`, [appId, title]);
  if (!row) throw ApiError.notFound('app', 'App not found');
  return row;
}

/** Deletes an app; its admin tokens, attrs, rules and jobs go with it (foreign-key cascades). */
export async function deleteApp(ctx: Ctx, appId: string): Promise<AppRow> {
  const row = await ctx.db.one<AppRow>(`delete from apps where id = $1 returning ${APP_COLUMNS}`, [appId]);
  if (!row) throw ApiError.notFound('app', 'App not found');
  return row;
}
