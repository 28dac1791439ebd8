/**
 * Which statements may change a row the access-token principal cache holds (domain/accounts/principal-cache.ts,
 * docs/architecture.md §9). That row (store/principals.ts `findAccessTokenPrincipal`) is an access token joined with
 * its user, its grant and its OAuth app, so the tables are `access_tokens`, `users`, `grants`, `oauth_apps`, and
 * `oauth_clients`, whose deletion cascades to its tokens. Every foreign key that cascades into those tables starts
 * from one of them, so a statement that writes none of them changes none of their rows.
 *
 * A write is an `update` or `delete` of one of them, an `insert … on conflict … do update` into one of them, a
 * `merge`, or anything wholesale (truncate, DDL). A plain insert is not: the cache holds only rows that were found,
 * and a new row is not one of them. One update is not either, because the hot paths make it on every refresh and
 * code exchange and the cached row does not read it: `update grants … set last_used_at = …`.
 */
const TABLE = String.raw`(?:public\.)?"?(access_tokens|users|grants|oauth_apps|oauth_clients)\b"?`;
const UPDATE = new RegExp(String.raw`\bupdate\s+(?:only\s+)?${TABLE}(?:\s+(?:as\s+)?(?!set\b)\w+)?\s+set\b`, 'gi');
const OTHER_WRITE = new RegExp(
  [
    String.raw`\bdelete\s+from\s+(?:only\s+)?${TABLE}`,
    String.raw`\binsert\s+into\s+${TABLE}[\s\S]*\bon\s+conflict\b[\s\S]*\bdo\s+update\b`,
    String.raw`\bmerge\s+into\b`,
    String.raw`\b(?:truncate|alter\s+table|drop\s+table|drop\s+schema)\b`,
  ].join('|'),
  'i',
);

/** Columns an update may set without moving the version, per table (columns the cached row does not read). */
const UNREAD_COLUMNS: Record<string, ReadonlySet<string>> = { grants: new Set(['last_used_at']) };

/**
 * The columns an `update … set` list assigns, read from `at` (just past `set`) to the end of the list: a `from`,
 * `where` or `returning`, a `)` or `;` outside parentheses, or the end. Parentheses and quotes are skipped, so a
 * subquery in a value cannot end the list early. A `(a, b) = …` item yields its columns; anything unreadable
 * yields `null` (the caller then assumes the worst).
 */
function assignedColumns(text: string, at: number): string[] | null {
  const items: string[] = [];
  let depth = 0;
  let item = '';
  for (let i = at; i <= text.length; i++) {
    const ch = text[i] ?? ';';
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return null;
      item += text.slice(i, close + 1);
      i = close;
      continue;
    }
    if (depth === 0 && (ch === ';' || ch === ')' || (/\s/.test(ch) && /^\s+(?:from|where|returning)\b/i.test(text.slice(i))))) {
      items.push(item);
      break;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (depth === 0 && ch === ',') {
      items.push(item);
      item = '';
    } else item += ch;
  }
  const columns: string[] = [];
  for (const it of items) {
    const m = /^\s*(?:"?(\w+)"?|\(([\w\s",]+)\))\s*=/.exec(it);
    if (!m) return null;
    if (m[1]) columns.push(m[1].toLowerCase());
    else columns.push(...m[2]!.split(',').map((c) => c.replace(/"/g, '').trim().toLowerCase()));
  }
  return columns.length > 0 ? columns : null;
}

/** Whether the SQL text may change a row the principal cache holds. */
export function writesPrincipalRows(sql: string): boolean {
  const text = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  if (OTHER_WRITE.test(text)) return true;
  for (const m of text.matchAll(UPDATE)) {
    const unread = UNREAD_COLUMNS[m[1]!.toLowerCase()];
    if (!unread) return true;
    const columns = assignedColumns(text, m.index + m[0].length);
    if (columns === null || columns.some((c) => !unread.has(c))) return true;
  }
  return false;
}
