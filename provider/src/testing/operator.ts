import { Hono } from 'hono';
import type { Ctx } from '../domain/context.ts';
import { nowDate, inSeconds } from '../domain/context.ts';
import { seal } from '../domain/accounts/sessions.ts';
import { SESSION_COOKIE } from '../web/http/session-cookie.ts';
import { authenticate } from '../web/http/auth.ts';
import { generateToken, hashToken } from '../domain/tokens.ts';
import type { TestProvider } from './index.ts';
import { insertTokenSet } from './fixtures.ts';

/** Test data written straight to the store, so these tests do not depend on the OAuth or account routes. */

export async function makeOAuthApp(
  ctx: Ctx,
  ownerId: string | null,
  opts: { name?: string; status?: 'test' | 'published' | 'suspended'; dynamic?: boolean; redirectUri?: string } = {},
): Promise<{ appId: string; clientId: string }> {
  const appId = ctx.random.uuid();
  const clientId = 'client-' + ctx.random.uuid();
  await ctx.db.query(`insert into oauth_apps (id, owner_id, name, status, dynamic, created_at) values ($1, $2, $3, $4, $5, $6)`, [
    appId,
    ownerId,
    opts.name ?? 'Test app',
    opts.status ?? 'test',
    opts.dynamic ?? false,
    nowDate(ctx),
  ]);
  await ctx.db.query(`insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, 'web', true, $3, $4)`, [
    clientId,
    appId,
    [opts.redirectUri ?? 'http://127.0.0.1:9999/callback'],
    nowDate(ctx),
  ]);
  return { appId, clientId };
}

/** A grant with one live access token and one live refresh token, as the token endpoint would leave them. */
export async function makeGrant(ctx: Ctx, userId: string, app: { appId: string; clientId: string }, scopes = ['apps-read']) {
  return insertTokenSet(ctx, { userId, clientId: app.clientId, scopes });
}

export async function makePersonalToken(ctx: Ctx, userId: string): Promise<{ id: string; token: string }> {
  const id = ctx.random.uuid();
  const token = generateToken(ctx.random, 'personal');
  await ctx.db.query(`insert into personal_tokens (id, user_id, name, token_hash, created_at) values ($1, $2, 'ci', $3, $4)`, [id, userId, hashToken(token), nowDate(ctx)]);
  return { id, token };
}

/** Whether web/http/auth.ts accepts a bearer token (the check every Platform API endpoint runs). */
export async function bearerAccepted(ctx: Ctx, token: string): Promise<boolean> {
  const app = new Hono();
  app.get('/', async (c) => {
    try {
      await authenticate(ctx, c, { session: false });
      return c.text('ok');
    } catch {
      return c.text('no', 401);
    }
  });
  return (await app.request('/', { headers: { authorization: `Bearer ${token}` } })).status === 200;
}

/** A browser with a cookie jar, signed in as one user, that submits the console's forms with their CSRF token. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly p: TestProvider) {}

  static async signedIn(p: TestProvider, userId: string): Promise<Browser> {
    const b = new Browser(p);
    const sid = generateToken(p.ctx.random, 'session');
    await p.ctx.db.query(`insert into sessions (id_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)`, [hashToken(sid), userId, nowDate(p.ctx), inSeconds(p.ctx, 3600)]);
    b.cookies.set(SESSION_COOKIE, await seal(p.ctx, { sid }, p.ctx.config.sessionTtlS));
    return b;
  }

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.p.app.request(path, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
    this.remember(res);
    return res;
  }

  async get(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.request(path);
    return { res, html: await res.text() };
  }

  /** Loads `page`, takes the CSRF token from its forms, and posts `fields` to `action`. */
  async submit(page: string, action: string, fields: Record<string, string | string[]> = {}, opts: { csrf?: string } = {}): Promise<Response> {
    const { html } = await this.get(page);
    const csrf = opts.csrf ?? /name="_csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
    const body = new URLSearchParams({ _csrf: csrf });
    for (const [k, v] of Object.entries(fields)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
    return this.request(action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
}
