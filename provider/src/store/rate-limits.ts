import type { Db } from './db.ts';

/**
 * The shared state of the rate limiters on Postgres (docs/rate-limits.md): fixed windows (`rate_limits`), failure
 * buckets (`rate_limit_failures`) and each instance's running total of successful client requests
 * (`rate_limit_usage`). The embedded store keeps all of it in process memory (domain/limits/), so these run on
 * Postgres only, except the sweeps.
 */

/** Counts one hit in the window starting at `windowStart`; returns the window's hits so far. One upsert. */
export async function hitWindow(db: Db, bucket: string, windowStart: Date): Promise<number> {
  const row = await db.one<{ hits: number }>(
    `insert into rate_limits (bucket, window_start, hits) values ($1, $2, 1)
     on conflict (bucket, window_start) do update set hits = rate_limits.hits + 1
     returning hits`,
    [bucket, windowStart],
  );
  return row?.hits ?? 1;
}

/** Deletes windows that started before `before`. */
export async function deleteWindowsBefore(db: Db, before: Date): Promise<void> {
  await db.query(`delete from rate_limits where window_start < $1`, [before]);
}

/** A failure bucket as stored, times in epoch milliseconds (`blockedUntil` 0: not blocked). */
export interface FailureRow {
  level: number;
  at: number;
  strikes: number;
  blockedUntil: number;
}

interface FailureColumns {
  level: number;
  updated_at: Date;
  strikes: number;
  blocked_until: Date | null;
}
const failureRow = (r: FailureColumns): FailureRow => ({ level: r.level, at: r.updated_at.getTime(), strikes: r.strikes, blockedUntil: r.blocked_until?.getTime() ?? 0 });

/** The stored states of `buckets` (absent ones are missing from the map). One statement. */
export async function readFailures(db: Db, buckets: string[]): Promise<Map<string, FailureRow>> {
  const rows = await db.query<FailureColumns & { bucket: string }>(`select bucket, level, updated_at, strikes, blocked_until from rate_limit_failures where bucket = any($1)`, [buckets]);
  return new Map(rows.map((r) => [r.bucket, failureRow(r)]));
}

/**
 * The bucket's state, locked until the transaction `db` ends (the row is made, empty, if there is none): the caller
 * computes the next state and writes it with `writeFailure` in the same transaction.
 */
export async function lockFailure(db: Db, bucket: string, now: Date): Promise<FailureRow | undefined> {
  await db.query(`insert into rate_limit_failures (bucket, level, updated_at) values ($1, 0, $2) on conflict (bucket) do nothing`, [bucket, now]);
  const r = await db.one<FailureColumns>(`select level, updated_at, strikes, blocked_until from rate_limit_failures where bucket = $1 for update`, [bucket]);
  return r && failureRow(r);
}

/** Writes a bucket's state (after `lockFailure`). */
export async function writeFailure(db: Db, bucket: string, s: FailureRow): Promise<void> {
  await db.query(`update rate_limit_failures set level = $2, updated_at = $3, strikes = $4, blocked_until = $5 where bucket = $1`, [
    bucket,
    s.level,
    new Date(s.at),
    s.strikes,
    s.blockedUntil ? new Date(s.blockedUntil) : null,
  ]);
}

/** Deletes failure buckets last raised before `before` whose block (if any) ended before `now`. */
export async function deleteSpentFailures(db: Db, before: Date, now: Date): Promise<void> {
  await db.query(`delete from rate_limit_failures where updated_at < $1 and (blocked_until is null or blocked_until < $2)`, [before, now]);
}

/**
 * Adds `counts[i]` to this instance's total of `buckets[i]` and returns, in the same statement, the other instances'
 * totals of those buckets (only buckets some other instance has used).
 */
export async function addUsage(db: Db, instanceId: string, buckets: string[], counts: number[], now: Date): Promise<Array<{ bucket: string; others: number }>> {
  const rows = await db.query<{ bucket: string; others: string }>(
    `with mine as (
       insert into rate_limit_usage (bucket, instance_id, total, updated_at)
       select b, $2, n, $3 from unnest($1::text[], $4::bigint[]) as t(b, n)
       on conflict (bucket, instance_id) do update set total = rate_limit_usage.total + excluded.total, updated_at = excluded.updated_at
     )
     select bucket, sum(total)::text as others from rate_limit_usage where bucket = any($1) and instance_id <> $2 group by bucket`,
    [buckets, instanceId, now, counts],
  );
  return rows.map((r) => ({ bucket: r.bucket, others: Number(r.others) }));
}

/** Deletes the totals of instances not seen since `before` (stopped ones). */
export async function deleteUsageBefore(db: Db, before: Date): Promise<void> {
  await db.query(`delete from rate_limit_usage where updated_at < $1`, [before]);
}
