import type { Db } from './db.ts';

/**
 * An app's schema attrs (`attrs`): each stored as its JSON, with its forward identity's etype and label in columns
 * (the unique index on them), in the order they were added (`seq`). The attr's own type is the domain's
 * (domain/platform/schema/types.ts `Attr`); this module needs only its id and forward identity.
 */
export interface StoredAttr {
  id: string;
  'forward-identity': readonly [id: string, etype: string, label: string];
}

/** An app's attrs in the order they were added. */
export async function loadAttrs<A extends StoredAttr>(db: Db, appId: string): Promise<A[]> {
  const rows = await db.query<{ attr: A | string }>(`select attr from attrs where app_id = $1 order by seq`, [appId]);
  return rows.map((r) => (typeof r.attr === 'string' ? (JSON.parse(r.attr) as A) : r.attr));
}

/**
 * Writes the difference between `before` and `after` (inside the caller's transaction):
 * deletes what is gone, updates what changed, inserts what is new, keeping the order of addition.
 */
export async function saveAttrs<A extends StoredAttr>(db: Db, appId: string, before: readonly A[], after: Map<string, A>): Promise<void> {
  const old = new Map(before.map((a) => [a.id, a]));
  for (const a of before) {
    if (!after.has(a.id)) await db.query(`delete from attrs where app_id = $1 and id = $2`, [appId, a.id]);
  }
  // Moves that swap labels between attrs would trip the unique index mid-way; park updated rows first.
  const changed = [...after.values()].filter((a) => old.has(a.id) && old.get(a.id) !== a);
  for (const a of changed) {
    await db.query(`update attrs set fwd_etype = $3, fwd_label = $4 where app_id = $1 and id = $2`, [appId, a.id, '', `~parked~${a.id}`]);
  }
  for (const a of changed) {
    await db.query(`update attrs set attr = $3, fwd_etype = $4, fwd_label = $5 where app_id = $1 and id = $2`, [
      appId,
      a.id,
      JSON.stringify(a),
      a['forward-identity'][1],
      a['forward-identity'][2],
    ]);
  }
  const row = await db.one<{ seq: number | null }>(`select max(seq)::int as seq from attrs where app_id = $1`, [appId]);
  let seq = row?.seq ?? 0;
  for (const a of after.values()) {
    if (old.has(a.id)) continue;
    seq++;
    await db.query(`insert into attrs (id, app_id, seq, attr, fwd_etype, fwd_label) values ($1, $2, $3, $4, $5, $6)`, [
      a.id,
      appId,
      seq,
      JSON.stringify(a),
      a['forward-identity'][1],
      a['forward-identity'][2],
    ]);
  }
}
