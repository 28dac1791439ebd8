import type { Db } from '../../../store/index.ts';
import * as store from '../../../store/schema.ts';
import type { Attr } from './types.ts';

/** An app's attrs in the order they were added. */
export async function loadAttrs(db: Db, appId: string): Promise<Attr[]> {
  return store.loadAttrs<Attr>(db, appId);
}

/** Writes the difference between `before` and `after` (inside the caller's transaction): store/schema.ts `saveAttrs`. */
export async function saveAttrs(db: Db, appId: string, before: readonly Attr[], after: Map<string, Attr>): Promise<void> {
  await store.saveAttrs(db, appId, before, after);
}
