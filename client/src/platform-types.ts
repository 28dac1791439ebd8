/**
 * Wire types of the Platform API (docs/api.md §3–§6) and their translation into the result shapes of
 * Instant's Platform SDK (camelCase, `Date`s, schemas as `i.schema` objects, friendly step text).
 *
 * @module
 */
import { DataAttrDef, i, type InstantSchemaDef, type LinkDef, type SchemaLike, type ValueType } from './schema.ts';

/** A triple identity `[id, etype, label]`. */
export type InstantDBIdent = [string, string, string];
/** Checked data types (docs/api.md §6). */
export type InstantDBCheckedDataType = 'string' | 'number' | 'boolean' | 'date';

/** One attr as the server sends it (docs/api.md §6). */
export interface InstantDBAttr {
  id: string;
  'forward-identity': InstantDBIdent;
  'reverse-identity'?: InstantDBIdent | null;
  'value-type': 'blob' | 'ref';
  cardinality: 'one' | 'many';
  'unique?': boolean;
  'index?': boolean;
  'required?'?: boolean;
  'checked-data-type'?: InstantDBCheckedDataType | null;
  'inferred-types'?: unknown;
  catalog?: 'user' | 'system';
  'on-delete'?: 'cascade' | null;
  'on-delete-reverse'?: 'cascade' | null;
}

/** `ApiSchema` (docs/api.md §6): what `GET …/schema` returns. */
export interface InstantAPIPlatformSchema {
  blobs: Record<string, Record<string, InstantDBAttr>>;
  refs: Record<string, InstantDBAttr>;
}

/** Permission rules (docs/api.md §7). */
export type InstantRules = Record<
  string,
  { allow?: Partial<Record<'view' | 'create' | 'update' | 'delete' | 'link' | 'unlink' | '$default', string>> & Record<string, string>; bind?: string[] | Record<string, string> }
>;

/** `App` on the wire (docs/api.md §3). */
export interface WireApp {
  id: string;
  title: string;
  creator_id?: string;
  created_at: string;
  org_id: string | null;
  'admin-token'?: string;
  perms?: InstantRules | null;
  schema?: InstantAPIPlatformSchema;
}

/** A schema step on the wire (docs/api.md §6 Steps). */
export type PlanStep =
  | ['add-attr', InstantDBAttr]
  | ['update-attr', InstantDBAttr]
  | ['delete-attr', string]
  | [
      'index' | 'remove-index' | 'unique' | 'remove-unique' | 'required' | 'remove-required' | 'remove-data-type',
      { 'attr-id': string; 'forward-identity': InstantDBIdent; 'job-id'?: string },
    ]
  | ['check-data-type', { 'attr-id': string; 'forward-identity': InstantDBIdent; 'checked-data-type': InstantDBCheckedDataType; 'job-id'?: string }];

/** A background job on the wire (docs/api.md §6). */
export interface WireJob {
  id: string;
  app_id?: string;
  group_id?: string;
  attr_id?: string;
  job_type: string;
  job_status: 'completed' | 'errored' | 'processing' | 'waiting';
  work_estimate: number | null;
  work_completed: number | null;
  error?: string | null;
  checked_data_type?: InstantDBCheckedDataType | null;
  invalid_unique_value?: unknown;
  invalid_triples_sample?: Array<{ entity_id: string; value: unknown; json_type: string }>;
  created_at: string;
  updated_at: string;
}

/** A background job, as Instant's SDK reports it. */
export interface InstantBackgroundSchemaJob {
  id: string;
  type: string;
  createdAt: Date;
  updatedAt: Date;
  status: 'completed' | 'waiting' | 'processing' | 'errored';
  workEstimate: number | null;
  workCompleted: number | null;
  error?: string | undefined;
  checkedDataType?: InstantDBCheckedDataType | undefined;
  invalidUniqueValue?: unknown;
  invalidTriplesSample?: Array<{ entityId: string; value: unknown; jsonType: string }> | undefined;
}

/** One step of a schema plan, with a sentence a person can read. */
export type InstantAPISchemaPlanStep =
  | { type: 'add-attr' | 'update-attr'; friendlyDescription: string; attr: InstantDBAttr }
  | { type: 'delete-attr'; friendlyDescription: string; attrId: string }
  | {
      type: 'index' | 'remove-index' | 'unique' | 'remove-unique' | 'required' | 'remove-required' | 'remove-data-type';
      friendlyDescription: string;
      attrId: string;
      forwardIdentity: InstantDBIdent;
    }
  | { type: 'check-data-type'; friendlyDescription: string; attrId: string; forwardIdentity: InstantDBIdent; checkedDataType: InstantDBCheckedDataType };

/** A step of an applied push; background steps carry their job. */
export type InstantAPISchemaPushStep = InstantAPISchemaPlanStep & { backgroundJob?: InstantBackgroundSchemaJob };

/** Progress of a schema push (the `next` value of `schemaPush(...).subscribe`). */
export interface InProgressStepsSummary {
  friendlyDescription: string;
  totalCount: number;
  inProgressCount: number;
  completedCount: number;
  errorCount: number;
  steps: InstantAPISchemaPushStep[];
  inProgressSteps: InstantAPISchemaPushStep[];
  completedSteps: InstantAPISchemaPushStep[];
  erroredSteps: InstantAPISchemaPushStep[];
}

/** An app as Instant's SDK returns it. */
export interface InstantAPIAppDetails {
  id: string;
  title: string;
  createdAt: Date;
  orgId: string | null;
  adminToken?: string;
  perms?: InstantRules | null;
  schema?: InstantSchemaDef;
}

const name = (ident: InstantDBIdent) => `${ident[1]}.${ident[2]}`;
const sorted = <T>(o: Record<string, T>) => Object.entries(o).sort(([a], [b]) => a.localeCompare(b));

// [forward has, reverse has] by `${cardinality}-${unique}` (docs/api.md §6: cardinality is forward `has`, unique when reverse `has` is one).
const HAS: Record<string, ['one' | 'many', 'one' | 'many']> = {
  'many-false': ['many', 'many'],
  'one-true': ['one', 'one'],
  'many-true': ['many', 'one'],
  'one-false': ['one', 'many'],
};

function attrDef(attr: InstantDBAttr): DataAttrDef {
  const checked = attr['checked-data-type'];
  const type: ValueType = checked ?? 'any';
  let def: DataAttrDef = type === 'any' ? i.any() : new DataAttrDef(type, true, false);
  if (attr['unique?']) def = def.unique();
  if (attr['index?']) def = def.indexed();
  if (!attr['required?']) def = def.optional();
  def.metadata.derivedType = checked ? { type: checked, origin: 'checked' } : { type: 'any', origin: 'unknown' };
  return def;
}

/** Builds an `i.schema` object from an `ApiSchema`, as Instant's SDK does (links named `<etype><Label>`). */
export function apiSchemaToInstantSchemaDef(api: InstantAPIPlatformSchema): InstantSchemaDef {
  const entities: Record<string, ReturnType<typeof i.entity>> = {};
  for (const [etype, attrs] of sorted(api.blobs ?? {})) {
    const defs: Record<string, DataAttrDef> = {};
    for (const [label, attr] of sorted(attrs)) if (label !== 'id') defs[label] = attrDef(attr);
    entities[etype] = i.entity(defs);
  }
  const links: Record<string, LinkDef> = {};
  for (const [, attr] of sorted(api.refs ?? {})) {
    const [, fe, fl] = attr['forward-identity'];
    const rev = attr['reverse-identity'];
    if (!rev) continue;
    const [fhas, rhas] = HAS[`${attr.cardinality}-${attr['unique?']}`] ?? ['many', 'many'];
    const forward: LinkDef['forward'] = { on: fe, has: fhas, label: fl };
    if (attr['required?']) forward.required = true;
    if (attr['on-delete'] === 'cascade') forward.onDelete = 'cascade';
    const reverse: LinkDef['reverse'] = { on: rev[1], has: rhas, label: rev[2] };
    if (attr['on-delete-reverse'] === 'cascade') reverse.onDelete = 'cascade';
    links[`${fe}${fl.charAt(0).toUpperCase()}${fl.slice(1)}`] = { forward, reverse };
  }
  return i.schema({ entities, links });
}

/** All attrs of an `ApiSchema`. */
export function apiSchemaToAttrs(api: InstantAPIPlatformSchema): InstantDBAttr[] {
  const out: InstantDBAttr[] = [];
  for (const [, attrs] of sorted(api.blobs ?? {})) out.push(...Object.values(attrs));
  for (const [, attr] of sorted(api.refs ?? {})) out.push(attr);
  return out;
}

/** Wire app → SDK app. */
export function coerceApp(app: WireApp): InstantAPIAppDetails {
  const out: InstantAPIAppDetails = { id: app.id, title: app.title, createdAt: new Date(app.created_at), orgId: app.org_id ?? null };
  if (app['admin-token']) out.adminToken = app['admin-token'];
  if ('perms' in app) out.perms = app.perms ?? null;
  if (app.schema) out.schema = apiSchemaToInstantSchemaDef(app.schema);
  return out;
}

/** Wire step → SDK plan step with a friendly description. */
export function translatePlanStep(step: PlanStep, currentAttrs: InstantDBAttr[]): InstantAPISchemaPlanStep {
  switch (step[0]) {
    case 'add-attr': {
      const a = step[1];
      const n = name(a['forward-identity']);
      const rev = a['reverse-identity'];
      const friendlyDescription =
        a['value-type'] === 'blob' ? (a['forward-identity'][2] === 'id' ? `Create new entity ${n}.` : `Add attribute ${n}.`) : `Link ${n} to ${rev ? name(rev) : '?'}.`;
      return { type: 'add-attr', friendlyDescription, attr: a };
    }
    case 'update-attr':
      return { type: 'update-attr', friendlyDescription: `Update attribute ${name(step[1]['forward-identity'])}.`, attr: step[1] };
    case 'delete-attr': {
      const found = currentAttrs.find((a) => a.id === step[1]);
      return { type: 'delete-attr', attrId: step[1], friendlyDescription: `Delete attribute ${found ? name(found['forward-identity']) : step[1]}.` };
    }
    case 'check-data-type': {
      const p = step[1];
      return {
        type: 'check-data-type',
        friendlyDescription: `Enforce data type of ${name(p['forward-identity'])} as type ${p['checked-data-type']}.`,
        attrId: p['attr-id'],
        forwardIdentity: p['forward-identity'],
        checkedDataType: p['checked-data-type'],
      };
    }
    default: {
      const [type, p] = step;
      const n = name(p['forward-identity']);
      const text: Record<typeof type, string> = {
        index: `Add index to ${n}.`,
        'remove-index': `Remove index from ${n}.`,
        unique: `Ensure that ${n} is unique.`,
        'remove-unique': `Remove uniqueness constraint from ${n}.`,
        required: `Make ${n} a required attribute.`,
        'remove-required': `Allow ${n} to be missing or null.`,
        'remove-data-type': `Stop enforcing data type of ${n}.`,
      };
      return { type, friendlyDescription: text[type], attrId: p['attr-id'], forwardIdentity: p['forward-identity'] };
    }
  }
}

/** Wire steps → SDK plan steps. */
export function translatePlanSteps(steps: PlanStep[], currentAttrs: InstantDBAttr[]): InstantAPISchemaPlanStep[] {
  return steps.map((s) => translatePlanStep(s, currentAttrs));
}

/** Wire job → SDK job. */
export function formatJob(job: WireJob): InstantBackgroundSchemaJob {
  const out: InstantBackgroundSchemaJob = {
    id: job.id,
    type: job.job_type,
    createdAt: new Date(job.created_at),
    updatedAt: new Date(job.updated_at),
    status: job.job_status,
    workEstimate: job.work_estimate,
    workCompleted: job.work_completed,
    error: job.error ?? undefined,
    invalidTriplesSample: job.invalid_triples_sample?.map((s) => ({ entityId: s.entity_id, value: s.value, jsonType: s.json_type })),
  };
  if (job.job_type === 'check-data-type') out.checkedDataType = job.checked_data_type ?? undefined;
  if (job.job_type === 'unique') out.invalidUniqueValue = job.invalid_unique_value;
  return out;
}

/** Wire steps of an applied push + their jobs → SDK push steps. */
export function translatePushSteps(steps: PlanStep[], jobs: WireJob[], currentAttrs: InstantDBAttr[]): InstantAPISchemaPushStep[] {
  return steps.map((step) => {
    const plan: InstantAPISchemaPushStep = translatePlanStep(step, currentAttrs);
    const params = step[1];
    const jobId = typeof params === 'object' && 'job-id' in params ? params['job-id'] : undefined;
    const job = jobId ? jobs.find((j) => j.id === jobId) : undefined;
    if (job) plan.backgroundJob = formatJob(job);
    return plan;
  });
}

/** Counts a push's steps by state, with a one-line description. */
export function stepSummary(steps: InstantAPISchemaPushStep[]): InProgressStepsSummary {
  const running = (s: InstantAPISchemaPushStep) => s.backgroundJob?.status === 'processing' || s.backgroundJob?.status === 'waiting';
  const inProgressSteps = steps.filter(running);
  const completedSteps = steps.filter((s) => !s.backgroundJob || s.backgroundJob.status === 'completed');
  const erroredSteps = steps.filter((s) => s.backgroundJob?.status === 'errored');
  const e = erroredSteps.length;
  const friendlyDescription = inProgressSteps.length
    ? `Completing ${inProgressSteps.length} of ${steps.length} schema operations.`
    : `Finished ${steps.length} schema operation${steps.length === 1 ? '' : 's'}${e ? `, with ${e} error${e > 1 ? 's' : ''}` : '.'}`;
  return {
    friendlyDescription,
    totalCount: steps.length,
    inProgressCount: inProgressSteps.length,
    completedCount: completedSteps.length,
    errorCount: e,
    steps,
    inProgressSteps,
    completedSteps,
    erroredSteps,
  };
}

/** Body of {@link PlatformApi.createApp}. */
export interface InstantAPICreateAppBody {
  title: string;
  schema?: SchemaLike | null | undefined;
  perms?: InstantRules | null | undefined;
  orgId?: string | null | undefined;
}

/** Body of {@link PlatformApi.createTemporaryApp}. */
export interface InstantAPICreateTemporaryAppBody {
  title: string;
  schema?: SchemaLike | null | undefined;
  rules?: { code: InstantRules } | null | undefined;
  /** Shorthand for `rules: { code: perms }`. */
  perms?: InstantRules | null | undefined;
}

/** Body of {@link PlatformApi.planSchemaPush} and {@link PlatformApi.schemaPush}. `overwrite` (deleting attrs) is not supported: a push never deletes (docs/api.md §6). */
export interface InstantAPISchemaPushBody {
  schema: SchemaLike;
  overwrite?: false;
}

/** Result of {@link PlatformApi.planSchemaPush}. */
export interface InstantAPIPlanSchemaPushResponse {
  newSchema: InstantSchemaDef;
  currentSchema: InstantSchemaDef;
  steps: InstantAPISchemaPlanStep[];
}

/** Result of {@link PlatformApi.schemaPush}. */
export interface InstantAPISchemaPushResponse {
  newSchema: InstantSchemaDef;
  steps: InstantAPISchemaPushStep[];
  summary: InProgressStepsSummary;
}

/** Result of {@link PlatformApi.tokenInfo}. */
export interface InstantAPITokenInfoResponse {
  expiresAt: Date;
  scopes: string;
  tokenType: 'Bearer';
}

/** An org (docs/api.md §3 `GET /superadmin/orgs`). */
export interface InstantAPIOrgDetails {
  id: string;
  title: string;
  createdAt: Date;
}
