import { ApiError } from '../../errors.ts';

/** Field checks of the app auth settings: each failure is a 400 `validation-failed` naming the field's path. */

type Path = (string | number)[];

export function invalid(path: Path, message: string): ApiError {
  return ApiError.validation(`${path.join('.')} ${message}`, [{ path, message }]);
}

// eslint-disable-next-line no-control-regex -- control characters are refused in every stored string
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- the same, but tabs and line breaks are allowed in a multi-line text (an email body)
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A required string: trimmed, non-blank, at most `max` characters, no control characters. */
export function requiredText(v: unknown, path: Path, max: number): string {
  if (v === undefined || v === null || v === '') throw ApiError.paramMissing(path.join('.'));
  return optionalText(v, path, max)!;
}

export function optionalText(v: unknown, path: Path, max: number, opts: { multiline?: boolean } = {}): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalid(path, 'must be a string');
  const s = opts.multiline ? v : v.trim();
  if (!s.trim()) throw invalid(path, 'must not be blank');
  if (s.length > max) throw invalid(path, `must be at most ${max} characters`);
  if ((opts.multiline ? CONTROL_MULTILINE : CONTROL).test(s)) throw invalid(path, 'must not contain control characters');
  return s;
}

/** An absolute http(s) URL (an OAuth endpoint or redirect). */
export function optionalUrl(v: unknown, path: Path): string | null {
  const s = optionalText(v, path, 2048);
  if (s === null) return null;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw invalid(path, 'must be an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid(path, 'must be an http or https URL');
  return s;
}

export function optionalBoolean(v: unknown, path: Path): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw invalid(path, 'must be true or false');
  return v;
}

/** A small JSON object (provider-specific client settings). */
export function optionalObject(v: unknown, path: Path, maxBytes: number): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(path, 'must be an object');
  if (JSON.stringify(v).length > maxBytes) throw invalid(path, `must be at most ${maxBytes} bytes as JSON`);
  return v as Record<string, unknown>;
}

/** A host name with an optional port, as a browser's `URL.host` gives it (`example.com`, `localhost:3000`). */
const HOST = /^(?=[^:]{1,253}(?::|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i;

export function host(v: unknown, path: Path): string {
  const s = requiredText(v, path, 260).toLowerCase();
  if (!HOST.test(s)) throw invalid(path, 'must be a host name, optionally with a port (example.com, localhost:3000)');
  const port = s.includes(':') ? Number(s.slice(s.indexOf(':') + 1)) : 1;
  if (port < 1 || port > 65535) throw invalid(path, 'has a port out of range');
  return s;
}
