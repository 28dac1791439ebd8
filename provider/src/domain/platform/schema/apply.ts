import type { Ctx } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { createJobsForSteps, type Job } from '../jobs.ts';
import { lockApp } from '../../../store/apps.ts';
import { toApiSchema } from './api-schema.ts';
import { loadAttrs, saveAttrs } from './attrs.ts';
import { parseDefs } from './defs.ts';
import { planSteps } from './plan.ts';
import { runSteps } from './steps.ts';
import type { ApiSchema, Attr, Step } from './types.ts';

export interface PlanResult {
  'current-schema': ApiSchema;
  'new-schema': ApiSchema;
  'current-attrs': Attr[];
  steps: Step[];
}

/** Attrs by id, the applied state over the one before (a job's attr may be one the steps removed). */
function attrsById(before: readonly Attr[], after: ReadonlyMap<string, Attr>): Map<string, Attr> {
  return new Map([...before.map((a) => [a.id, a] as const), ...after]);
}

export type IndexingJobs = { 'group-id': string; jobs: Job[] } | null;

function flag(body: Record<string, unknown>, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw ApiError.validation(`${key} must be true or false`, [{ path: [key], message: 'must be true or false' }]);
  return v;
}

/** `POST …/schema/push/plan` body → the plan (docs/api.md §3, §6). Reads only. */
export async function planSchemaPush(ctx: Ctx, appId: string, body: Record<string, unknown>): Promise<PlanResult> {
  if (body.schema === undefined) throw ApiError.paramMissing('schema');
  const defs = parseDefs(body.schema);
  const opts = { checkTypes: flag(body, 'check_types'), supportsBackgroundUpdates: flag(body, 'supports_background_updates') };
  const current = await loadAttrs(ctx.db, appId);
  const steps = planSteps(current, defs, opts, () => ctx.random.uuid());
  const { attrs } = runSteps(current, steps);
  return { 'current-schema': toApiSchema(current), 'new-schema': toApiSchema(attrs.values()), 'current-attrs': current, steps };
}

/** `POST …/schema/push/apply`: plans and applies in one transaction; the plan fields plus `indexing-jobs`. */
export async function applySchemaPush(ctx: Ctx, appId: string, body: Record<string, unknown>): Promise<PlanResult & { 'indexing-jobs': IndexingJobs }> {
  if (body.schema === undefined) throw ApiError.paramMissing('schema');
  const defs = parseDefs(body.schema);
  const opts = { checkTypes: flag(body, 'check_types'), supportsBackgroundUpdates: flag(body, 'supports_background_updates') };
  return ctx.db.tx(async (db) => {
    await lockApp(db, appId);
    const current = await loadAttrs(db, appId);
    const planned = planSteps(current, defs, opts, () => ctx.random.uuid());
    const { attrs, steps } = runSteps(current, planned);
    await saveAttrs(db, appId, current, attrs);
    const jobs = await createJobsForSteps(ctx, db, appId, steps, attrsById(current, attrs));
    return { 'current-schema': toApiSchema(current), 'new-schema': toApiSchema(attrs.values()), 'current-attrs': current, steps, 'indexing-jobs': jobs };
  });
}

/**
 * `POST /dash/apps/:id/schema/steps/apply`: client-computed steps (Instant's CLI), applied in order and
 * atomically: one invalid step and nothing changes (docs/security.md §16).
 */
export async function applySchemaSteps(ctx: Ctx, appId: string, input: unknown): Promise<{ steps: Step[]; 'indexing-jobs': IndexingJobs }> {
  if (input === undefined) throw ApiError.paramMissing('steps');
  return ctx.db.tx(async (db) => {
    await lockApp(db, appId);
    const current = await loadAttrs(db, appId);
    const { attrs, steps } = runSteps(current, input);
    await saveAttrs(db, appId, current, attrs);
    const jobs = await createJobsForSteps(ctx, db, appId, steps, attrsById(current, attrs));
    return { steps, 'indexing-jobs': jobs };
  });
}

/** An app's ApiSchema. */
export async function getApiSchema(ctx: Ctx, appId: string): Promise<ApiSchema> {
  return toApiSchema(await loadAttrs(ctx.db, appId));
}
