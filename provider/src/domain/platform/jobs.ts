import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import type { Db } from '../../store/index.ts';
import { completeJobs, findJob, insertWaitingJob, listGroupJobs, type JobRow } from '../../store/jobs.ts';
import { JOB_STEP_TYPES, type Attr, type Step } from './schema/types.ts';

/**
 * An indexing job in the shape Instant's clients read (docs/instant-compat.md §3). An app here holds no entity
 * data, so a job never finds an invalid value, and has no stages to go through: `job_stage`, `error`,
 * `invalid_unique_value`, `invalid_triples_sample` and `error_data` stay null, as upstream reports them for a
 * job that found nothing wrong.
 */
export interface Job extends Omit<JobRow, 'created_at' | 'updated_at' | 'done_at'> {
  job_stage: null;
  error_data: null;
  invalid_unique_value: null;
  invalid_triples_sample: null;
  created_at: string;
  updated_at: string;
  done_at: string | null;
}

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
 * completes it (store/jobs.ts `completeJobs`), so clients see the same waiting → completed sequence as upstream.
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
    const row = await insertWaitingJob(db, {
      id,
      appId,
      groupId,
      position: jobs.length,
      attrId: params['attr-id'],
      attrName: attrName(attrs.get(params['attr-id'])),
      jobType: step[0],
      checkedDataType: params['checked-data-type'] ?? null,
      now,
    });
    jobs.push(jobJson(row));
  }
  return { 'group-id': groupId, jobs };
}

/** The jobs of one group of an app, oldest first. */
export async function listJobGroup(ctx: Ctx, appId: string, groupId: string): Promise<Job[]> {
  // Nothing to backfill (see createJobsForSteps): reading a job settles it.
  await completeJobs(ctx.db, appId, 'group_id', groupId, nowDate(ctx));
  return (await listGroupJobs(ctx.db, appId, groupId)).map(jobJson);
}

/** One job of an app (`GET /dash/apps/:id/indexing-jobs/:job_id`), or undefined. */
export async function getJob(ctx: Ctx, appId: string, jobId: string): Promise<Job | undefined> {
  await completeJobs(ctx.db, appId, 'id', jobId, nowDate(ctx));
  const row = await findJob(ctx.db, appId, jobId);
  return row ? jobJson(row) : undefined;
}
