import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import type { Db } from '../../store/index.ts';
import { JOB_STEP_TYPES, type Attr, type Step } from './schema/types.ts';

/**
 * An indexing job in the shape Instant's clients read (docs/instant-compat.md §3). An app here holds no entity
 * data, so a job never finds an invalid value, and has no stages to go through: `job_stage`, `error`,
 * `invalid_unique_value`, `invalid_triples_sample` and `error_data` stay null, as upstream reports them for a
 * job that found nothing wrong.
 */
export interface Job {
  id: string;
  app_id: string;
  group_id: string;
  attr_id: string;
  /** `etype.label` of the attribute, as Instant's CLI prints it. */
  attr_name: string;
  job_type: string;
  job_status: 'completed' | 'errored' | 'processing' | 'waiting';
  job_stage: null;
  work_estimate: number | null;
  work_completed: number | null;
  error: string | null;
  error_data: null;
  invalid_unique_value: null;
  invalid_triples_sample: null;
  checked_data_type: string | null;
  created_at: string;
  updated_at: string;
  done_at: string | null;
}

interface JobRow {
  id: string;
  app_id: string;
  group_id: string;
  attr_id: string;
  attr_name: string;
  job_type: string;
  job_status: Job['job_status'];
  work_estimate: number | null;
  work_completed: number | null;
  error: string | null;
  checked_data_type: string | null;
  created_at: Date;
  updated_at: Date;
  done_at: Date | null;
}

const JOB_COLUMNS = 'id, app_id, group_id, attr_id, attr_name, job_type, job_status, checked_data_type, work_estimate, work_completed, error, created_at, updated_at, done_at';

function jobJson(r: JobRow): Job {
  return {
    ...r,
    job_stage: null,
    error_data: null,
    invalid_unique_value: null,
    invalid_triples_sample: null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    done_at: r.done_at ? r.done_at.toISOString() : null,
  };
}

/** `etype.label` of an attr, the name Instant's clients show for a job. */
function attrName(a: Attr | undefined): string {
  if (!a) return '';
  const [, etype, label] = a['forward-identity'];
  return `${etype}.${label}`;
}

/**
 * Gives every background-style step a job (and its `job-id`), `waiting` as Instant's server reports a job it
 * has just queued. With no entity data to backfill, a job has nothing left to do: the next read of it
 * completes it (`settleJobs`), so clients see the same waiting → completed sequence as upstream.
 * `attrs` resolves the attr ids of the steps. Returns null when no step needs a job.
 */
export async function createJobsForSteps(ctx: Ctx, db: Db, appId: string, steps: Step[], attrs: ReadonlyMap<string, Attr>): Promise<{ 'group-id': string; jobs: Job[] } | null> {
  const needing = steps.filter((s) => JOB_STEP_TYPES.has(s[0]));
  if (needing.length === 0) return null;
  const groupId = ctx.random.uuid();
  const now = nowDate(ctx);
  const jobs: Job[] = [];
  for (const step of needing) {
    const params = step[1] as { 'attr-id': string; 'checked-data-type'?: string; 'job-id'?: string };
    const id = ctx.random.uuid();
    params['job-id'] = id;
    const row = await db.one<JobRow>(
      `insert into indexing_jobs (id, app_id, group_id, position, attr_id, attr_name, job_type, job_status, checked_data_type, work_estimate, work_completed, error, created_at, updated_at)
       values ($1, $2, $3, $8, $4, $9, $5, 'waiting', $6, 0, 0, null, $7, $7)
       returning ${JOB_COLUMNS}`,
      [id, appId, groupId, params['attr-id'], step[0], params['checked-data-type'] ?? null, now, jobs.length, attrName(attrs.get(params['attr-id']))],
    );
    jobs.push(jobJson(row!));
  }
  return { 'group-id': groupId, jobs };
}

/** Completes the waiting jobs of an app matched by `where` (nothing to backfill here, see createJobsForSteps). */
async function settleJobs(ctx: Ctx, appId: string, where: string, param: string): Promise<void> {
  await ctx.db.query(
    `update indexing_jobs set job_status = 'completed', updated_at = $3, done_at = $3
      where app_id = $1 and ${where} = $2 and job_status in ('waiting', 'processing')`,
    [appId, param, nowDate(ctx)],
  );
}

/** The jobs of one group of an app, oldest first. */
export async function listJobGroup(ctx: Ctx, appId: string, groupId: string): Promise<Job[]> {
  await settleJobs(ctx, appId, 'group_id', groupId);
  const rows = await ctx.db.query<JobRow>(`select ${JOB_COLUMNS} from indexing_jobs where app_id = $1 and group_id = $2 order by created_at, position`, [appId, groupId]);
  return rows.map(jobJson);
}

/** One job of an app (`GET /dash/apps/:id/indexing-jobs/:job_id`), or undefined. */
export async function getJob(ctx: Ctx, appId: string, jobId: string): Promise<Job | undefined> {
  await settleJobs(ctx, appId, 'id', jobId);
  const row = await ctx.db.one<JobRow>(`select ${JOB_COLUMNS} from indexing_jobs where app_id = $1 and id = $2`, [appId, jobId]);
  return row ? jobJson(row) : undefined;
}
