import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, clientAuthenticates } from '../testing/accounts.ts';
import { createTestProvider, type TestProvider } from '../testing/index.ts';
import { DEMO_CLIENT_ID, DEMO_EMAIL, DEMO_REDIRECT_URI, seedDemo } from './seed.ts';

let p: TestProvider;
beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  await p.close();
});

async function seed(env: Record<string, string | undefined> = {}): Promise<string[]> {
  const lines: string[] = [];
  await seedDemo(p.ctx, (l) => lines.push(l), env);
  return lines;
}

const printed = (lines: string[], key: string) => lines.map((l) => new RegExp(`${key}:\\s+(\\S+)`).exec(l)?.[1]).find(Boolean)!;

describe('demo seed', () => {
  it('is idempotent: two runs make one account, one published app, one client with the same secret', async () => {
    const first = await seed();
    const second = await seed();
    expect(second).toEqual(first);
    const counts = await p.ctx.db.one<{ users: number; apps: number; clients: number; secrets: number }>(
      `select (select count(*)::int from users) as users, (select count(*)::int from oauth_apps) as apps,
              (select count(*)::int from oauth_clients) as clients, (select count(*)::int from client_secrets where revoked_at is null) as secrets`,
    );
    expect(counts).toEqual({ users: 1, apps: 1, clients: 1, secrets: 1 });
    const client = await p.ctx.db.one<{ redirect_uris: string[]; is_public: boolean; status: string; name: string }>(
      `select c.redirect_uris, c.is_public, a.status, a.name from oauth_clients c join oauth_apps a on a.id = c.oauth_app_id where c.client_id = $1`,
      [DEMO_CLIENT_ID],
    );
    expect(client).toEqual({ redirect_uris: [DEMO_REDIRECT_URI], is_public: false, status: 'published', name: 'Instant Demo App' });
  });

  it('prints credentials that work: the password logs in and the client secret authenticates', async () => {
    const lines = await seed();
    expect(lines.join('\n')).toContain(DEMO_EMAIL);
    const password = printed(lines, 'password');
    const secret = printed(lines, 'client_secret');
    expect(printed(lines, 'client_id')).toBe(DEMO_CLIENT_ID);
    const login = await new Browser(p).json('POST', '/dash/login', { email: DEMO_EMAIL, password });
    expect(login.status).toBe(200);
    expect(await clientAuthenticates(p, DEMO_CLIENT_ID, secret)).toBe(true);
    // Only hashes are stored.
    const dump = JSON.stringify(await p.ctx.db.query(`select * from client_secrets`)) + JSON.stringify(await p.ctx.db.query(`select * from users`));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(password);
  });

  it('derives a stable secret from SECRET, or takes DEMO_CLIENT_SECRET and DEMO_PASSWORD', async () => {
    const derived = printed(await seed(), 'client_secret');
    expect(derived).toMatch(/^pcs_[0-9a-f]{64}$/);
    const lines = await seed({ DEMO_CLIENT_SECRET: 'demo-secret-from-env-0123456789abcdef', DEMO_PASSWORD: 'ignored-once-seeded' });
    expect(printed(lines, 'client_secret')).toBe('demo-secret-from-env-0123456789abcdef');
    expect(await clientAuthenticates(p, DEMO_CLIENT_ID, 'demo-secret-from-env-0123456789abcdef')).toBe(true);
    expect(await clientAuthenticates(p, DEMO_CLIENT_ID, derived)).toBe(false);
    // The account keeps the password it was created with.
    expect(lines.join('\n')).toContain('already existed with another password');
  });
});
