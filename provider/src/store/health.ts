import type { Db } from './db.ts';
import { listMigrations } from './migrate.ts';

/** The store answers a statement (readiness, and the store watch). */
export async function ping(db: Db): Promise<void> {
  await db.query('select 1');
}

/** The migrations recorded as applied; throws when the store has none (no `schema_migrations` table). */
export async function appliedMigrations(db: Db): Promise<Set<string>> {
  const rows = await db.query<{ version: string }>('select version from schema_migrations');
  return new Set(rows.map((r) => r.version));
}

/** The migrations this build ships. */
export const shippedMigrations = (): string[] => listMigrations().map((m) => m.version);
