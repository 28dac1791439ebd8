/**
 * `PlatformApi`: a typed client of the Platform API (docs/api.md §3–§5) with the method names and
 * result shapes of Instant's Platform SDK, plus what that SDK gets wrong fixed: one shared
 * refresh for concurrent 401s, rotated refresh tokens kept, expiry computed from now, and the
 * refresh response's status checked. Browser-safe (no Node-only imports).
 *
 * @module
 */
import { InstantAPIError, PlatformApiMissingAuthError } from './errors.ts';
import { apiRequest } from './api-request.ts';
import { refreshTokenGrant, staticAuthorizationServer, type TokenSet } from './oauth-core.ts';
import {
  apiSchemaToAttrs,
  apiSchemaToInstantSchemaDef,
  coerceApp,
  stepSummary,
  translatePlanSteps,
  translatePushSteps,
  type InProgressStepsSummary,
  type InstantAPIAppDetails,
  type InstantAPICreateAppBody,
  type InstantAPICreateTemporaryAppBody,
  type InstantAPIOrgDetails,
  type InstantAPIPlanSchemaPushResponse,
  type InstantAPISchemaPushBody,
  type InstantAPISchemaPushResponse,
  type InstantAPITokenInfoResponse,
  type InstantAPIPlatformSchema,
  type InstantDBAttr,
  type InstantRules,
  type PlanStep,
  type WireApp,
  type WireJob,
} from './platform-types.ts';
import { ProgressPromise } from './progress.ts';
import { schemaToDefs, type InstantSchemaDef } from './schema.ts';

export type {
  InstantAPICreateAppBody,
  InstantAPICreateTemporaryAppBody,
  InstantAPIOrgDetails,
  InstantAPIPlanSchemaPushResponse,
  InstantAPISchemaPushBody,
  InstantAPISchemaPushResponse,
  InstantAPITokenInfoResponse,
};

/** What `onRefresh` receives after every successful refresh: store all three. */
export interface RefreshedTokens {
  accessToken: string;
  /** The refresh token to use next time (the rotated one when the server rotated it). */
  refreshToken: string;
  expiresAt: Date;
}

/** `{ token }` (a `per_`, `pat_` or admin token), or OAuth tokens that refresh themselves. */
export type PlatformApiAuth =
  | { token: string }
  | {
      accessToken: string;
      refreshToken: string;
      clientId: string;
      /** Omit for a public client (PKCE, RFC 7636). */
      clientSecret?: string | undefined;
      /** When the access token expires, if known: it is then refreshed before use instead of after a 401. */
      expiresAt?: Date | undefined;
      /** Called after each refresh with the new tokens, so you can persist them. */
      onRefresh?: ((tokens: RefreshedTokens) => void | Promise<void>) | undefined;
    };

/** Options of {@link PlatformApi}. */
export interface PlatformApiConfig {
  auth?: PlatformApiAuth;
  /** Base URL of the provider (default `http://localhost:8787`). */
  apiURI?: string;
  /** A `fetch` to use instead of the global one (tests pass the provider's in-process fetch). */
  fetch?: typeof fetch;
}

/** `includeSchema` / `includePerms` flags of {@link PlatformApi.getApp} and {@link PlatformApi.getApps}. */
export interface AppDataOpts {
  includePerms?: boolean | null | undefined;
  includeSchema?: boolean | null | undefined;
}

/** An app; with `perms` / `schema` when they were asked for. */
export type InstantAPIAppWith<Opts extends AppDataOpts | undefined> = Omit<InstantAPIAppDetails, 'perms' | 'schema' | 'adminToken'> &
  (NonNullable<Opts>['includePerms'] extends true ? { perms: InstantRules | null } : unknown) &
  (NonNullable<Opts>['includeSchema'] extends true ? { schema: InstantSchemaDef } : unknown);

type RefreshableAuth = Extract<PlatformApiAuth, { refreshToken: string }>;

const JOB_POLL_MAX_MS = 10_000;

/** The global fetch, late-bound (one function, so instances without a custom fetch share refreshes). */
const globalFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

/**
 * How long the result of refreshing a given refresh token is reused by other instances in the
 * same process. Apps that rebuild a `PlatformApi` per request from a cookie see concurrent (or
 * just-late) requests carrying the same old refresh token: they must share one refresh, or a
 * rotating refresh token would be presented twice and its family revoked (RFC 9700 §4.14.2).
 */
const REUSE_REFRESH_MS = 30_000;

/** Refreshes in flight or just done, per fetch function, by `apiURI clientId refreshToken`. */
const recentRefreshes = new WeakMap<typeof fetch, Map<string, { promise: Promise<TokenSet>; at: number }>>();

function recentFor(f: typeof fetch): Map<string, { promise: Promise<TokenSet>; at: number }> {
  let m = recentRefreshes.get(f);
  if (!m) recentRefreshes.set(f, (m = new Map()));
  return m;
}

/**
 * A client of the Platform API.
 *
 * ```ts
 * const api = new PlatformApi({
 *   apiURI: 'https://instant.example.com',
 *   auth: { accessToken, refreshToken, clientId, clientSecret, onRefresh: (t) => db.saveTokens(t) },
 * });
 * const { apps } = await api.getApps({ includeSchema: true });
 * ```
 */
export class PlatformApi {
  readonly #auth: PlatformApiAuth | undefined;
  readonly #apiURI: string;
  readonly #fetch: typeof fetch;
  #refreshing: Promise<TokenSet> | null = null;

  /** @param config `auth`, `apiURI` and an optional `fetch`. */
  constructor(config: PlatformApiConfig = {}) {
    this.#auth = config.auth ? { ...config.auth } : undefined;
    this.#apiURI = (config.apiURI ?? 'http://localhost:8787').replace(/\/+$/, '');
    this.#fetch = config.fetch ?? globalFetch;
  }

  /** The current bearer token (the latest access token after refreshes). */
  token(): string {
    const auth = this.#requireAuth();
    return 'token' in auth ? auth.token : auth.accessToken;
  }

  /** The current refresh token, if this instance refreshes (rotated ones included). */
  currentRefreshToken(): string | undefined {
    const auth = this.#auth;
    return auth && 'refreshToken' in auth ? auth.refreshToken : undefined;
  }

  /** Whether this instance holds a refresh token and client id. */
  canRefreshToken(): boolean {
    const auth = this.#requireAuth();
    return 'refreshToken' in auth && Boolean(auth.refreshToken) && Boolean(auth.clientId);
  }

  /**
   * Refreshes the access token now (RFC 6749 §6). Concurrent callers share one request, and so do
   * other instances in this process holding the same refresh token (for 30 s after it was used).
   * Stores the new tokens, calls `onRefresh`, and returns them; `null` when this instance cannot refresh.
   */
  async refreshToken(): Promise<RefreshedTokens | null> {
    if (!this.canRefreshToken()) return null;
    const t = await this.#sharedRefresh();
    return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.expiresAt };
  }

  #requireAuth(): PlatformApiAuth {
    if (!this.#auth) throw new PlatformApiMissingAuthError();
    return this.#auth;
  }

  #sharedRefresh(): Promise<TokenSet> {
    if (this.#refreshing) return this.#refreshing;
    const auth = this.#auth as RefreshableAuth;
    const recent = recentFor(this.#fetch);
    const key = `${this.#apiURI} ${auth.clientId} ${auth.refreshToken}`;
    const now = Date.now();
    for (const [k, v] of recent) if (now - v.at > REUSE_REFRESH_MS) recent.delete(k);
    let shared = recent.get(key)?.promise;
    if (!shared) {
      shared = refreshTokenGrant({
        as: staticAuthorizationServer(this.#apiURI),
        clientId: auth.clientId,
        clientSecret: auth.clientSecret,
        refreshToken: auth.refreshToken,
        fetch: this.#fetch,
      });
      const entry = { promise: shared, at: now };
      recent.set(key, entry);
      shared.then(
        () => void (entry.at = Date.now()),
        () => void recent.delete(key),
      );
    }
    this.#refreshing = (async () => {
      const tokens = await shared;
      auth.accessToken = tokens.accessToken;
      auth.refreshToken = tokens.refreshToken;
      auth.expiresAt = tokens.expiresAt;
      await auth.onRefresh?.({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt });
      return tokens;
    })().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  #raw(path: string, init: RequestInit, token: string | null): Promise<unknown> {
    return apiRequest(this.#fetch, this.#apiURI, path, init, token);
  }

  /** One authenticated request; a 401 triggers one (shared) refresh and one retry. */
  async #call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const auth = this.#requireAuth();
    if ('refreshToken' in auth && auth.expiresAt && auth.expiresAt.getTime() <= Date.now() && this.canRefreshToken()) await this.#sharedRefresh();
    const used = this.token();
    try {
      return (await this.#raw(path, init, used)) as T;
    } catch (e) {
      if (!(e instanceof InstantAPIError) || e.status !== 401 || !this.canRefreshToken()) throw e;
      // Someone else already refreshed since we sent `used`: retry with the new token, else refresh once.
      if (this.token() === used) await this.#sharedRefresh();
      return (await this.#raw(path, init, this.token())) as T;
    }
  }

  #post<T>(path: string, body: unknown): Promise<T> {
    return this.#call<T>(path, { method: 'POST', body: JSON.stringify(body) });
  }

  /** Lists the apps of the token's user (`GET /superadmin/apps`). */
  async getApps<Opts extends AppDataOpts>(opts?: Opts): Promise<{ apps: InstantAPIAppWith<Opts>[] }> {
    const include = [opts?.includePerms && 'perms', opts?.includeSchema && 'schema'].filter(Boolean).join(',');
    const res = await this.#call<{ apps: WireApp[] }>(`/superadmin/apps${include ? `?include=${include}` : ''}`);
    return { apps: res.apps.map((a) => coerceApp(a) as InstantAPIAppWith<Opts>) };
  }

  /** Fetches one app, with its perms and schema when asked (`GET /superadmin/apps/:id`). */
  async getApp<Opts extends AppDataOpts>(appId: string, opts?: Opts): Promise<{ app: InstantAPIAppWith<Opts> }> {
    const id = encodeURIComponent(appId);
    const [res, perms, schema] = await Promise.all([
      this.#call<{ app: WireApp }>(`/superadmin/apps/${id}`),
      opts?.includePerms ? this.getPerms(appId) : null,
      opts?.includeSchema ? this.getSchema(appId) : null,
    ]);
    const app: InstantAPIAppDetails = coerceApp(res.app);
    if (perms) app.perms = perms.perms;
    if (schema) app.schema = schema.schema;
    return { app: app as InstantAPIAppWith<Opts> };
  }

  /** Lists the orgs of the token's user (`GET /superadmin/orgs`). */
  async getOrgs(): Promise<{ orgs: InstantAPIOrgDetails[] }> {
    const res = await this.#call<{ orgs: Array<{ id: string; title: string; created_at: string }> }>('/superadmin/orgs');
    return { orgs: res.orgs.map((org) => ({ id: org.id, title: org.title, createdAt: new Date(org.created_at) })) };
  }

  async #apiSchema(appId: string): Promise<InstantAPIPlatformSchema> {
    return (await this.#call<{ schema: InstantAPIPlatformSchema }>(`/superadmin/apps/${encodeURIComponent(appId)}/schema`)).schema;
  }

  /** An app's schema as an `i.schema` object (`GET /superadmin/apps/:id/schema`). */
  async getSchema(appId: string): Promise<{ schema: InstantSchemaDef }> {
    return { schema: apiSchemaToInstantSchemaDef(await this.#apiSchema(appId)) };
  }

  /** An app's permission rules, or `null` (`GET /superadmin/apps/:id/perms`). */
  async getPerms(appId: string): Promise<{ perms: InstantRules | null }> {
    return this.#call<{ perms: InstantRules | null }>(`/superadmin/apps/${encodeURIComponent(appId)}/perms`);
  }

  /** Creates an app owned by the token's user, optionally with schema and perms (`POST /superadmin/apps`). */
  async createApp(fields: InstantAPICreateAppBody): Promise<{ app: InstantAPIAppDetails & { adminToken: string } }> {
    const body: Record<string, unknown> = { title: fields.title };
    if (fields.schema) body.schema = schemaToDefs(fields.schema);
    if (fields.perms) body.perms = fields.perms;
    if (fields.orgId) body.org_id = fields.orgId;
    const { app } = await this.#post<{ app: WireApp }>('/superadmin/apps', body);
    return { app: { ...coerceApp(app), adminToken: app['admin-token'] ?? '' } };
  }

  /** Creates a temporary app that deletes itself after 14 days; needs no auth (`POST /dash/apps/ephemeral`). */
  async createTemporaryApp(fields: InstantAPICreateTemporaryAppBody): Promise<{ app: InstantAPIAppDetails & { adminToken: string }; expiresMs: number }> {
    const body: Record<string, unknown> = { title: fields.title };
    if (fields.schema) body.schema = schemaToDefs(fields.schema);
    const rules = fields.rules ?? (fields.perms ? { code: fields.perms } : null);
    if (rules) body.rules = rules;
    const res = (await this.#raw('/dash/apps/ephemeral', { method: 'POST', body: JSON.stringify(body) }, null)) as { app: WireApp; expires_ms: number };
    return { app: { ...coerceApp(res.app), adminToken: res.app['admin-token'] ?? '' }, expiresMs: res.expires_ms };
  }

  /** Renames an app (`POST /superadmin/apps/:id`). */
  async updateApp(appId: string, fields: { title: string }): Promise<{ app: InstantAPIAppDetails }> {
    const { app } = await this.#post<{ app: WireApp }>(`/superadmin/apps/${encodeURIComponent(appId)}`, { title: fields.title });
    return { app: coerceApp(app) };
  }

  /** Deletes an app (`DELETE /superadmin/apps/:id`). */
  async deleteApp(appId: string): Promise<{ app: InstantAPIAppDetails }> {
    const { app } = await this.#call<{ app: WireApp }>(`/superadmin/apps/${encodeURIComponent(appId)}`, { method: 'DELETE' });
    return { app: coerceApp(app) };
  }

  /** Replaces an app's permission rules (`POST /superadmin/apps/:id/perms`). */
  async pushPerms(appId: string, body: { perms: InstantRules }): Promise<{ perms: InstantRules }> {
    const res = await this.#post<{ rules: { code: InstantRules } }>(`/superadmin/apps/${encodeURIComponent(appId)}/perms`, { code: body.perms });
    return { perms: res.rules.code };
  }

  #pushBody(body: InstantAPISchemaPushBody) {
    if ((body as { overwrite?: boolean }).overwrite) throw new TypeError('overwrite: true is not supported: a schema push never deletes attributes (docs/api.md §6)');
    return { schema: schemaToDefs(body.schema), check_types: true, supports_background_updates: true };
  }

  /** Dry-runs a schema push: the steps the server would apply (`POST …/schema/push/plan`). */
  async planSchemaPush(appId: string, body: InstantAPISchemaPushBody): Promise<InstantAPIPlanSchemaPushResponse> {
    const res = await this.#post<{ 'current-schema': InstantAPIPlatformSchema; 'new-schema': InstantAPIPlatformSchema; 'current-attrs': InstantDBAttr[]; steps: PlanStep[] }>(
      `/superadmin/apps/${encodeURIComponent(appId)}/schema/push/plan`,
      this.#pushBody(body),
    );
    return {
      newSchema: apiSchemaToInstantSchemaDef(res['new-schema']),
      currentSchema: apiSchemaToInstantSchemaDef(res['current-schema']),
      steps: translatePlanSteps(res.steps, res['current-attrs'] ?? []),
    };
  }

  /**
   * Applies a schema push (`POST …/schema/push/apply`) and follows its background jobs. Await it,
   * or `subscribe({ next })` for a progress summary after the apply and after every job poll.
   * Every request (job polls included) refreshes the token if needed.
   */
  schemaPush(appId: string, body: InstantAPISchemaPushBody): ProgressPromise<InProgressStepsSummary, InstantAPISchemaPushResponse> {
    this.#requireAuth();
    const id = encodeURIComponent(appId);
    const payload = this.#pushBody(body);
    return new ProgressPromise(async (progress) => {
      const currentAttrs = apiSchemaToAttrs(await this.#apiSchema(appId));
      const res = await this.#post<{ steps: PlanStep[]; 'indexing-jobs'?: { 'group-id': string; jobs: WireJob[] } | null }>(`/superadmin/apps/${id}/schema/push/apply`, payload);
      const group = res['indexing-jobs'];
      let jobs: WireJob[] = group?.jobs ?? [];
      progress(stepSummary(translatePushSteps(res.steps, jobs, currentAttrs)));
      let wait = 100;
      let failures = 0;
      while (group && jobs.some((j) => j.job_status === 'waiting' || j.job_status === 'processing')) {
        await new Promise((r) => setTimeout(r, wait));
        try {
          jobs = (await this.#call<{ jobs: WireJob[] }>(`/dash/apps/${id}/indexing-jobs/group/${encodeURIComponent(group['group-id'])}`)).jobs;
          failures = 0;
          progress(stepSummary(translatePushSteps(res.steps, jobs, currentAttrs)));
        } catch (e) {
          if (++failures > 3) throw e;
        }
        wait = Math.min(wait * 2, JOB_POLL_MAX_MS);
      }
      const { schema } = await this.getSchema(appId);
      const steps = translatePushSteps(res.steps, jobs, currentAttrs);
      return { newSchema: schema, steps, summary: stepSummary(steps) };
    });
  }

  /**
   * Describes the current access token (`GET /platform/oauth/token-info`, token in the
   * `Authorization` header, never in the URL). `expiresAt` is computed from now.
   */
  async tokenInfo(): Promise<InstantAPITokenInfoResponse> {
    const res = await this.#call<{ expires_in: number; token_type: 'Bearer'; scopes?: string; scope?: string }>('/platform/oauth/token-info');
    return { tokenType: res.token_type, scopes: res.scopes ?? res.scope ?? '', expiresAt: new Date(Date.now() + res.expires_in * 1000) };
  }
}
