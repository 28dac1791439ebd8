/** What the jar reads Set-Cookie from: a fetch Response, or a raw HTTP answer with lower-case header names. */
export type CookieSource = Response | { headers: Record<string, string | string[] | undefined> };

function setCookieLines(res: CookieSource): string[] {
  if (res instanceof Response) return res.headers.getSetCookie();
  const set = res.headers['set-cookie'];
  return Array.isArray(set) ? set : set ? [set] : [];
}

/** True when a Set-Cookie line deletes its cookie (`Max-Age` ≤ 0 or an `Expires` in the past). */
function expires(attrs: string[]): boolean {
  return attrs.some((a) => {
    const eq = a.indexOf('=');
    const k = (eq < 0 ? a : a.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : a.slice(eq + 1).trim();
    if (k === 'max-age') return Number(v) <= 0;
    if (k === 'expires') return Date.parse(v) < Date.now();
    return false;
  });
}

/**
 * The one cookie jar of the tests and load flows: name → value for one origin (no domains or paths),
 * updated from every Set-Cookie of an answer, deletions included.
 */
export class CookieJar {
  readonly cookies: Map<string, string>;

  /** Starts from a `Cookie:` header value (`a=1; b=2`) or a map of cookies. */
  constructor(initial?: string | Map<string, string>) {
    this.cookies = initial instanceof Map ? initial : new Map();
    if (typeof initial === 'string') this.add(initial);
  }

  /** Adds `name=value; name2=value2` pairs. */
  add(header: string): void {
    for (const part of header.split(';')) {
      const i = part.indexOf('=');
      if (i > 0) this.cookies.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
  }

  /** Applies every Set-Cookie of an answer. */
  take(res: CookieSource): void {
    for (const line of setCookieLines(res)) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq < 1) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || expires(attrs)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  clone(): CookieJar {
    return new CookieJar(new Map(this.cookies));
  }

  /** The `Cookie:` header value. */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** `{cookie: …}` when the jar holds anything. */
  headers(): Record<string, string> {
    return this.cookies.size ? { cookie: this.header() } : {};
  }
}
