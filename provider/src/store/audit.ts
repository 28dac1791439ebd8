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

/** Appends rows to the audit trail, in one statement. Pass a transaction as `db` to commit them with their action. */
export async function insertAuditRows(db: Db, rows: AuditValues[]): Promise<void> {
  if (!rows.length) return;
  const p = new SqlParams();
  const values = rows.map((r) => `(${COLUMNS.map((col) => p.add(r[col], COLUMN_TYPES[col])).join(', ')})`);
  await db.query(`${AUDIT_INSERT} values ${values.join(', ')}`, p.values);
}
