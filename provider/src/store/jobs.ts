import type { Db } from './db.ts';

/** Indexing jobs (`indexing_jobs`) of schema steps, in the columns Instant's clients read (domain/platform/jobs.ts). */

export type JobStatus = 'completed' | 'errored' | 'processing' | 'waiting';

export interface JobRow {
  id: string;
  app_id: string;
  group_id: string;
  attr_id: string;
  /** `etype.label` of the attribute, as Instant's CLI prints it. */
  attr_name: string;
  job_type: string;
  job_status: JobStatus;
  work_estimate: number | null;
  work_completed: number | null;
  error: string | null;
  checked_data_type: string | null;
  created_at: Date;
  updated_at: Date;
  done_at: Date | null;
}

const JOB_COLUMNS = 'id, app_id, group_id, attr_id, attr_name, job_type, job_status, checked_data_type, work_estimate, work_completed, error, created_at, updated_at, done_at';

/** A new `waiting` job at `position` in its group. */
export async function insertWaitingJob(
  db: Db,
  job: { id: string; appId: string; groupId: string; position: number; attrId: string; attrName: string; jobType: string; checkedDataType: string | null; now: Date },
): Promise<JobRow> {
  return (await db.one<JobRow>(
    `insert into indexing_jobs (id, app_id, group_id, position, attr_id, attr_name, job_type, job_status, checked_data_type, work_estimate, work_completed, error, created_at, updated_at)
     values ($1, $2, $3, $8, $4, $9, $5, 'waiting', $6, 0, 0, null, $7, $7)
     returning ${JOB_COLUMNS}`,
    [job.id, job.appId, job.groupId, job.attrId, job.jobType, job.checkedDataType, job.now, job.position, job.attrName],
  ))!;
}

/** Completes the waiting (or processing) jobs of an app whose `by` column is `value`. */
export async function completeJobs(db: Db, appId: string, by: 'group_id' | 'id', value: string, now: Date): Promise<void> {
  await db.query(
    `update indexing_jobs set job_status = 'completed', updated_at = $3, done_at = $3
      where app_id = $1 and ${by} = $2 and job_status in ('waiting', 'processing')`,
    [appId, value, now],
  );
}

/** The jobs of one group of an app, oldest first. */
export async function listGroupJobs(db: Db, appId: string, groupId: string): Promise<JobRow[]> {
  return db.query<JobRow>(`select ${JOB_COLUMNS} from indexing_jobs where app_id = $1 and group_id = $2 order by created_at, position`, [appId, groupId]);
}

export async function findJob(db: Db, appId: string, jobId: string): Promise<JobRow | undefined> {
  return db.one<JobRow>(`select ${JOB_COLUMNS} from indexing_jobs where app_id = $1 and id = $2`, [appId, jobId]);
}
