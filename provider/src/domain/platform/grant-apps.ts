import type { Principal } from '../accounts/principal.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../../store/index.ts';
import { appIdsGrantReaches, grantAppRows, insertCreatedGrantApp, replaceGrantAppAccess } from '../../store/apps.ts';
import { isUuid } from '../tokens.ts';

/**
 * Grants limited to chosen apps (docs/mcp.md §8): which of the user's apps an OAuth grant's tokens reach. The user
 * chooses on the consent page, and may change it in Settings → Authorized apps:
 * - `all`: every app the user can reach (every grant made before migration 010);
 * - `created`: only the apps created (or claimed) through the grant's own tokens;
 * - `selected`: the apps the user picked, and those created through the grant.
 * This is a further limit on top of the user's own reach (apps.ts `authorizeApp`/`listApps`): an app outside it
 * is a 404, exactly like another user's app. Personal tokens, sessions and admin tokens have no grant.
 */
export const APP_ACCESS_MODES = ['all', 'created', 'selected'] as const;
export type AppAccessMode = (typeof APP_ACCESS_MODES)[number];

/** A choice: the mode, and for `selected` the picked app ids. */
export interface AppAccess {
  mode: AppAccessMode;
  appIds: string[];
}

/** The grant limiting what a principal reaches: only OAuth access tokens have one. */
export function grantOf(p: Principal): string | null {
  return p.kind === 'access' ? p.grantId : null;
}

/** The apps of `apps` that grant `grantId` reaches, in their order; all of them without a grant. */
export async function keepGrantApps<T extends { id: string }>(db: Db, grantId: string | null, apps: T[]): Promise<T[]> {
  if (grantId === null || apps.length === 0) return apps;
  // The rule itself is SQL (store/apps.ts `grantReachesSql`), the same predicate the listings apply.
  const reached = new Set(await appIdsGrantReaches(db, grantId, apps.map((a) => a.id)));
  return apps.filter((a) => reached.has(a.id));
}

/** 404 `App not found` (as for another user's app) when the principal's grant does not reach the app. */
export async function requireGrantReaches(db: Db, p: Principal, appId: string): Promise<void> {
  const grantId = grantOf(p);
  if (grantId === null) return;
  if ((await keepGrantApps(db, grantId, [{ id: appId }])).length === 0) throw ApiError.notFound('app', 'App not found');
}

/** Records an app created through a token of grant `grantId` (in the transaction `db` that inserts the app). */
export async function recordCreatedApp(db: Db, grantId: string | null, appId: string, now: Date): Promise<void> {
  if (grantId === null) return;
  await insertCreatedGrantApp(db, grantId, appId, now);
}

/** A grant's stored choice, and the apps it names: `created` through it, `selected` by the user. */
export interface StoredAppAccess {
  mode: AppAccessMode;
  created: string[];
  selected: string[];
}

export async function grantAppAccess(db: Db, grantId: string): Promise<StoredAppAccess> {
  const rows = await grantAppRows(db, grantId);
  const out: StoredAppAccess = { mode: rows[0]?.mode ?? 'all', created: [], selected: [] };
  for (const r of rows) if (r.app_id && r.reason) out[r.reason].push(r.app_id);
  return out;
}

/**
 * Stores a choice on a grant (run it in the caller's transaction): the mode, and the `selected` rows replaced by
 * `appIds` when the mode is `selected` (none otherwise, so a stale pick never counts). The caller keeps `appIds`
 * to apps the user reaches. Apps created through the grant stay recorded whatever the mode.
 */
export async function setGrantAppAccess(db: Db, grantId: string, access: AppAccess, now: Date): Promise<void> {
  await replaceGrantAppAccess(db, grantId, access.mode, access.mode === 'selected' ? access.appIds : [], now);
}

/** The checkbox of app `id` in a choice form (one field per app, so every form parser keeps them all). */
export const appField = (id: string) => `app:${id}`;

/**
 * The choice posted by the consent page or Settings (`app_access`, and an `app:<id>` field per picked app), with
 * the picked ids kept to `reachable` (what the user may reach; anything else is ignored). Undefined when the form
 * had no choice (scopes without apps, or an older page): the stored choice is kept. A mode this server does not
 * know is a 400.
 */
export function appAccessFromForm(fields: Record<string, string>, reachable: readonly string[]): AppAccess | undefined {
  const mode = fields.app_access;
  if (mode === undefined) return undefined;
  if (!(APP_ACCESS_MODES as readonly string[]).includes(mode)) {
    throw ApiError.validation('app_access must be all, created or selected', [{ path: ['app_access'], message: 'must be all, created or selected' }]);
  }
  const appIds = mode === 'selected' ? reachable.filter((id) => isUuid(id) && fields[appField(id)] !== undefined) : [];
  return { mode: mode as AppAccessMode, appIds };
}

/** True when the scopes reach apps at all (the choice is only asked then). */
export function scopesReachApps(scopes: readonly string[]): boolean {
  return scopes.includes('apps-read') || scopes.includes('apps-write');
}
