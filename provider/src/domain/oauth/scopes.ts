/** The scopes this server knows (docs/api.md §2), each with the words the consent page shows. */
export const SCOPE_DESCRIPTIONS = {
  'apps-read': 'See your Instant apps, their schema and permissions',
  'apps-write': 'Create, change and delete your Instant apps, their schema and permissions',
  'data-read': 'Read the data stored in your apps',
  'data-write': 'Create, change and delete the data stored in your apps',
  'storage-read': 'Read the files stored in your apps',
  'storage-write': 'Upload, change and delete the files stored in your apps',
  openid: 'Know who you are (your Instant account id)',
  email: 'See your email address',
} as const satisfies Record<string, string>;

export type Scope = keyof typeof SCOPE_DESCRIPTIONS;
export const SUPPORTED_SCOPES = Object.keys(SCOPE_DESCRIPTIONS) as Scope[];

export function isScope(s: string): s is Scope {
  return Object.hasOwn(SCOPE_DESCRIPTIONS, s);
}

export type ScopeParse = { ok: true; scopes: Scope[] } | { ok: false; description: string };

/**
 * A `scope` parameter: space-delimited, case-sensitive tokens (RFC 6749 §3.3). Duplicates are dropped,
 * order kept. Empty, malformed or unknown scopes are refused (docs/api.md §2).
 */
export function parseScope(raw: string | undefined, allowed: readonly string[] | null = null): ScopeParse {
  if (raw === undefined || raw.trim() === '') return { ok: false, description: 'scope is required' };
  if (raw.length > 1000) return { ok: false, description: 'scope is too long' };
  const out: Scope[] = [];
  for (const s of raw.split(' ')) {
    if (s === '') continue;
    if (!isScope(s)) return { ok: false, description: `unknown scope ${JSON.stringify(s.slice(0, 40))}` };
    if (allowed && !allowed.includes(s)) return { ok: false, description: `this app may not request the scope ${s}` };
    if (!out.includes(s)) out.push(s);
  }
  return { ok: true, scopes: out };
}

/** True when `granted` covers every scope in `wanted` (a `-write` scope implies its `-read`, docs/api.md §2). */
export function scopesCover(granted: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((s) => granted.includes(s) || (s.endsWith('-read') && granted.includes(s.replace(/-read$/, '-write'))));
}

export function scopeString(scopes: readonly string[]): string {
  return scopes.join(' ');
}
