import type { TestProvider } from '../testing/index.ts';

/** A browser's cookies, enough for in-process tests: name → value, updated from Set-Cookie. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  update(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** A user agent against the in-process app: keeps cookies, never follows redirects. */
export class Browser {
  readonly jar = new CookieJar();
  constructor(
    readonly p: TestProvider,
    readonly address = '10.0.0.1',
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.cookies.size && !headers.has('cookie')) headers.set('cookie', this.jar.header());
    headers.set('x-test-client-address', this.address);
    const res = await this.p.app.request(path, { ...init, headers, redirect: 'manual' });
    this.jar.update(res);
    return res;
  }

  json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Loads a page and returns its HTML and the CSRF token of its first form. */
  async page(path: string): Promise<{ res: Response; html: string; csrf: string }> {
    const res = await this.request(path);
    const html = await res.text();
    const csrf = /name="_csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
    return { res, html, csrf };
  }

  form(path: string, fields: Record<string, string | string[]>): Promise<Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  }

  async signUp(email = `user${Math.random().toString(36).slice(2, 8)}@example.com`, password = 'correct horse battery'): Promise<{ id: string; email: string }> {
    const res = await this.json('POST', '/dash/signup', { email, password });
    if (res.status !== 200) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { user: { id: string; email: string } }).user;
  }
}

/** A bearer header. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
