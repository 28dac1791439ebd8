/** Redirect URI rules (docs/security.md §1): exact match; loopback IP literals may vary their port only. */

const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/** RFC 8252 §7.3: the loopback IP literals. `localhost` is allowed over http but keeps an exact match. */
export function isLoopbackIp(u: URL): boolean {
  return LOOPBACK_IPS.has(u.hostname);
}

/**
 * Why a redirect URI may not be registered, or null. Absolute, no fragment (RFC 6749 §3.1.2), no
 * credentials, `https`, or `http` only for loopback and `localhost` (RFC 9700 §2.6, RFC 8252 §8.3).
 * Private-use schemes (`com.example.app:/cb`) are allowed for native apps (RFC 8252 §7.1) when they contain a dot.
 */
export function redirectUriProblem(uri: string): string | null {
  if (typeof uri !== 'string' || uri.length === 0) return 'redirect URI must be a non-empty string';
  if (uri.length > 2000) return 'redirect URI is too long';
  // RFC 3986 §2: a URI is printable ASCII; anything else must already be percent-encoded.
  if (!/^[\x21-\x7e]+$/.test(uri)) return 'redirect URI must be printable ASCII without spaces';
  const u = parse(uri);
  if (!u) return 'redirect URI must be an absolute URI';
  if (uri.includes('#')) return 'redirect URI must not contain a fragment';
  if (u.username || u.password) return 'redirect URI must not contain credentials';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:') {
    return isLoopbackIp(u) || u.hostname === 'localhost' ? null : 'http redirect URIs are allowed only for 127.0.0.1, [::1] and localhost';
  }
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(u.protocol) && !['javascript:', 'data:', 'file:', 'vbscript:'].includes(u.protocol)) return null;
  return 'redirect URI must use https (or http on a loopback address)';
}

/**
 * Why a redirect URI may not be registered by anonymous dynamic registration, or null: the general rules,
 * and only https or http on loopback (docs/api.md §2 "with loopback or https redirect URIs"; finding F9,
 * docs/security-accounts.md §6). A private-use scheme proves nothing about who registers it: any native
 * app can claim `com.example.app:`, so only a signed-in developer may register one, in the dashboard.
 */
export function dynamicRedirectUriProblem(uri: string): string | null {
  const problem = redirectUriProblem(uri);
  if (problem) return problem;
  return /^https?:/i.test(uri) ? null : 'dynamically registered redirect URIs must use https, or http on a loopback address';
}

/**
 * The registered URI that `requested` matches, or null. Exact string comparison (RFC 9700 §4.1.3),
 * except that for a loopback IP literal over http the port may differ (RFC 8252 §7.3).
 */
export function matchRedirectUri(registered: readonly string[], requested: string): string | null {
  if (redirectUriProblem(requested) !== null) return null;
  for (const r of registered) if (r === requested) return r;
  const q = parse(requested);
  if (!q || q.protocol !== 'http:' || !isLoopbackIp(q)) return null;
  for (const r of registered) {
    const u = parse(r);
    if (!u || u.protocol !== 'http:' || u.hostname !== q.hostname) continue;
    if (u.pathname === q.pathname && u.search === q.search && r.replace(/^http:\/\/[^/]+/, '') === requested.replace(/^http:\/\/[^/]+/, '')) return r;
  }
  return null;
}
