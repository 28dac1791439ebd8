import { redirectUriProblem as authorizeTimeProblem } from '../oauth/redirect-uris.ts';
import { LIMITS } from './validation.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

// Schemes that must never be a redirect target, even where custom schemes are allowed.
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:', 'mailto:', 'ftp:', 'ws:', 'wss:']);

/**
 * Why a redirect URI may not be registered, or null when it may. Registered URIs are matched by exact
 * string at the authorization endpoint, so they are stored exactly as given.
 *
 * - absolute, no fragment (RFC 6749 §3.1.2), no credentials, no whitespace;
 * - `https`, or `http` only for loopback (127.0.0.1, [::1]) and `localhost` (docs/security.md §1, RFC 8252 §7.3);
 * - a public (native) client may also use a private-use scheme in reverse-domain form,
 *   like `com.example.app:/callback` (RFC 8252 §7.1).
 *
 * These rules are at least as strict as the authorization endpoint's (domain/oauth/redirect-uris.ts), which
 * is also consulted, so every URI registered here can match there.
 */
export function redirectUriProblem(uri: string, isPublic: boolean): string | null {
  return registrationProblem(uri, isPublic) ?? authorizeTimeProblem(uri);
}

function registrationProblem(uri: string, isPublic: boolean): string | null {
  if (uri.length === 0) return 'Enter a redirect URI';
  if (uri.length > LIMITS.url) return `A redirect URI is at most ${LIMITS.url} characters`;
  if (/[\s\p{Cc}]/u.test(uri)) return 'A redirect URI cannot contain spaces or control characters';
  if (uri.includes('#')) return 'A redirect URI cannot contain a fragment (#…) (RFC 6749 §3.1.2)';
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'A redirect URI must be an absolute URI, like https://example.com/callback';
  }
  if (u.username || u.password) return 'A redirect URI cannot contain a user name or password';
  if (u.protocol === 'https:') return u.hostname ? null : 'An https redirect URI needs a host';
  if (u.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(u.hostname) ? null : 'Plain http is allowed only for 127.0.0.1, [::1] and localhost; use https';
  }
  if (!isPublic) return 'A confidential client redirects to an https URI (or http on 127.0.0.1, [::1] or localhost)';
  if (FORBIDDEN_SCHEMES.has(u.protocol)) return `The ${u.protocol} scheme cannot be a redirect URI`;
  // RFC 8252 §7.1: private-use schemes are reverse domain names, e.g. com.example.app.
  if (!/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(u.protocol)) {
    return 'A custom scheme must be a reverse domain name you control, like com.example.app:/callback (RFC 8252 §7.1)';
  }
  return null;
}
