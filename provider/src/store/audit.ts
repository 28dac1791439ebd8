import type { Db } from './db.ts';

/**
 * One row of `audit_events`, by column name. The domain (domain/audit/events.ts `auditValues`) checks and scrubs
 * the values; this module only writes them. Statements name each column they fill: no positional slices.
 */
export interface AuditValues {
  at: Date;
  event: string;
  outcome: string;
  actor: string | null;
  user_id: string | null;
  client_id: string | null;
  oauth_app_id: string | null;
  address: string | null;
  /** JSON text of the details object. */
  details: string;
}

export type AuditColumn = keyof AuditValues;

/** The columns and their SQL types, in one order used by every statement here. */
const COLUMN_TYPES: Record<AuditColumn, string> = {
  at: 'timestamptz',
  event: 'text',
  outcome: 'text',
  actor: 'text',
  user_id: 'uuid',
  client_id: 'text',
  oauth_app_id: 'uuid',
  address: 'text',
  details: 'jsonb',
};
const COLUMNS = Object.keys(COLUMN_TYPES) as AuditColumn[];

/** `insert into audit_events (at, event, …)`: the head of every audit insert. */
export const AUDIT_INSERT = `insert into audit_events (${COLUMNS.join(', ')})`;

/** Collects query parameters: `add(v, 'uuid')` → `$n::uuid`. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, type?: string): string {
    this.values.push(value);
    return type ? `$${this.values.length}::${type}` : `$${this.values.length}`;
  }
}

/**
 * The select list of one audit row for `${AUDIT_INSERT} select ${auditSelect(p, row, …)} from …`: each column is a
 * parameter holding `row`'s value, or the SQL expression `from[column]` (a column of the statement's own CTE, such
 * as the user of the token a statement just rotated).
 */
export function auditSelect(p: SqlParams, row: AuditValues, from: Partial<Record<AuditColumn, string>> = {}): string {
  return COLUMNS.map((col) => from[col] ?? p.add(row[col], COLUMN_TYPES[col])).join(', ');
}

/** The select list of audit rows whose every column is an SQL expression (`from[column]`), in the insert's order. */
export function auditSelectFrom(from: Record<AuditColumn, string>): string {
  return COLUMNS.map((col) => from[col]).join(', ');
}

/**
 * Multi-row statements (group commit): one array parameter per column of `columns`, a value per row, for `unnest`
 * (`$n::text[]`); the rest of the row comes from the statement itself (auditSelectFrom).
 */
export function auditArrays(p: SqlParams, rows: readonly AuditValues[], columns: readonly AuditColumn[]): string[] {
  return columns.map((col) => p.add(rows.map((r) => r[col]), `${COLUMN_TYPES[col]}[]`));
}

/** Appends rows to the audit trail, in one statement. Pass a transaction as `db` to commit them with their action. */
export async function insertAuditRows(db: Db, rows: AuditValues[]): Promise<void> {
  if (!rows.length) return;
  const p = new SqlParams();
  const values = rows.map((r) => `(${COLUMNS.map((col) => p.add(r[col], COLUMN_TYPES[col])).join(', ')})`);
  await db.query(`${AUDIT_INSERT} values ${values.join(', ')}`, p.values);
}

/** Filters of `selectAuditRows`, all optional; each given one must match. Values are taken as they are. */
export interface AuditFilter {
  since?: Date;
  until?: Date;
  userId?: string;
  /** The account with this (lower-case) email, or failed logins naming it (`details.email`). */
  userEmail?: string;
  clientId?: string;
  /** An exact kind, `token.rotated`. */
  event?: string;
  /** A group of kinds, `token` (every `token.*`). */
  eventGroup?: string;
  /** Paging: only rows with a smaller id. */
  beforeId?: number;
  limit: number;
}

/** A stored row as read back: the written values, with its id and the details parsed. */
export interface AuditRowOut extends Omit<AuditValues, 'details'> {
  id: number;
  details: Record<string, unknown>;
}

/** Audit rows matching every filter, newest first (by id), at most `limit`. One statement. */
export async function selectAuditRows(db: Db, f: AuditFilter): Promise<AuditRowOut[]> {
  const where: string[] = [];
  const p = new SqlParams();
  if (f.since) where.push(`at >= ${p.add(f.since)}`);
  if (f.until) where.push(`at < ${p.add(f.until)}`);
  if (f.userId !== undefined) where.push(`user_id = ${p.add(f.userId)}`);
  if (f.userEmail !== undefined) {
    const e = p.add(f.userEmail);
    where.push(`(user_id in (select id from users where email = ${e}) or details->>'email' = ${e})`);
  }
  if (f.clientId !== undefined) where.push(`client_id = ${p.add(f.clientId)}`);
  if (f.event !== undefined) where.push(`event = ${p.add(f.event)}`);
  if (f.eventGroup !== undefined) where.push(`event like ${p.add(f.eventGroup.replace(/[%_\\]/g, '\\$&') + '.%')}`);
  if (f.beforeId !== undefined) where.push(`id < ${p.add(f.beforeId)}`);
  const rows = await db.query<AuditRowOut & { id: number | string }>(
    `select id, at, event, outcome, actor, user_id, client_id, oauth_app_id, address, details
       from audit_events ${where.length ? 'where ' + where.join(' and ') : ''}
      order by id desc limit ${Math.trunc(f.limit)}`,
    p.values,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * Deletes the events before `cutoff`, returning how many: the table's trigger refuses deletions unless the
 * transaction sets `instant.audit_prune` (store/migrations/004_audit.sql), so retention is the only way rows leave.
 */
export async function deleteAuditRowsBefore(db: Db, cutoff: Date): Promise<number> {
  return db.tx(async (tx) => {
    await tx.query(`select set_config('instant.audit_prune', 'on', true)`);
    const row = await tx.one<{ n: number }>(`with d as (delete from audit_events where at < $1 returning 1) select count(*)::int as n from d`, [cutoff]);
    return row?.n ?? 0;
  });
}
