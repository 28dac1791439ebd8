import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import type { Db } from '../store/index.ts';
import { JOB_STEP_TYPES, type Step } from './schema/types.ts';

/** An indexing job (docs/api.md §6). */
export interface Job {
  id: string;
  app_id: string;
  group_id: string;
  attr_id: string;
  job_type: string;
  job_status: 'completed' | 'errored' | 'processing' | 'waiting';
  work_estimate: number | null;
  work_completed: number | null;
  error: string | null;
  checked_data_type: string | null;
  created_at: string;
  updated_at: string;
}

interface JobRow extends Omit<Job, 'created_at' | 'updated_at'> {
  created_at: Date;
  updated_at: Date;
}

function jobJson(r: JobRow): Job {
  return { ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() };
}

/**
 * Gives every background-style step a job (and its `job-id`). An app here holds no entity data, so
 * there is nothing to backfill: each job completes at once. Returns null when no step needs one.
 */
export async function createJobsForSteps(ctx: Ctx, db: Db, appId: string, steps: Step[]): Promise<{ 'group-id': string; jobs: Job[] } | null> {
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
      `insert into indexing_jobs (id, app_id, group_id, position, attr_id, job_type, job_status, checked_data_type, work_estimate, work_completed, error, created_at, updated_at)
       values ($1, $2, $3, $8, $4, $5, 'completed', $6, 0, 0, null, $7, $7)
       returning id, app_id, group_id, attr_id, job_type, job_status, checked_data_type, work_estimate, work_completed, error, created_at, updated_at`,
      [id, appId, groupId, params['attr-id'], step[0], params['checked-data-type'] ?? null, now, jobs.length],
    );
    jobs.push(jobJson(row!));
  }
  return { 'group-id': groupId, jobs };
}

/** The jobs of one group of an app, oldest first. */
export async function listJobGroup(ctx: Ctx, appId: string, groupId: string): Promise<Job[]> {
  const rows = await ctx.db.query<JobRow>(
    `select id, app_id, group_id, attr_id, job_type, job_status, checked_data_type, work_estimate, work_completed, error, created_at, updated_at
       from indexing_jobs where app_id = $1 and group_id = $2 order by created_at, position`,
    [appId, groupId],
  );
  return rows.map(jobJson);
}
