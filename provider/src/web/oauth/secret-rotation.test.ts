import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, PROVIDER_BIN, ROOT, spawnProvider, type StoreKind } from '../../reliability/processes.ts';
import { CookieJar } from '../../testing/cookie-jar.ts';

/**
 * SECRET rotation with real provider processes (docs/security-lifecycle.md §2): a provider refuses to start when no
 * configured secret opens its stored signing keys; SECRET_PREVIOUS opens what the old secret sealed; `secret reseal`
 * re-seals the keys, after which the previous secret can be dropped. On Postgres when TEST_DATABASE_URL is set.
 */

const OLD = 'old-secret-old-secret-old-secret-0123456';
const NEW = 'new-secret-new-secret-new-secret-6543210';
const run = promisify(execFile);

let dir: string;
let db: { url: string; drop: () => Promise<void> } | undefined;
const kind: StoreKind = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'secret-rotation-'));
  if (kind === 'postgres') db = await createDatabase(process.env.TEST_DATABASE_URL, 'instant_secret_rotation');
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

const start = (env: Record<string, string | undefined>) =>
  spawnProvider({ store: kind, dataDir: dir, databaseUrl: db?.url, env: { SECRET_PREVIOUS: undefined, ...env } });

/** `instant-provider <args>` against the same store; resolves to its exit code and output. */
async function cli(args: string[], env: Record<string, string>) {
  const store = kind === 'postgres' ? { DATABASE_URL: db!.url } : { DATA_DIR: dir };
  try {
    const r = await run(process.execPath, [PROVIDER_BIN, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error', ...store, SECRET_PREVIOUS: '', ...env } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

describe('SECRET rotation, with provider processes', () => {
  it('refuses to start with a SECRET that opens no stored key, runs on SECRET_PREVIOUS, and drops it after secret reseal', { timeout: 300_000 }, async () => {
    // A provider under the old SECRET makes its signing key and a signed-in session.
    const first = await start({ SECRET: OLD });
    const kid = ((await (await fetch(`${first.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
    const jar = new CookieJar();
    const signup = await fetch(`${first.url}/dash/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'rot@example.com', password: 'correct horse battery' }) });
    expect(signup.status).toBe(200);
    // Sign-up never signs in (docs/security-accounts.md §2): log in for the session cookie.
    const login = await fetch(`${first.url}/dash/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'rot@example.com', password: 'correct horse battery' }) });
    expect(login.status).toBe(200);
    jar.take(login);
    expect((await fetch(`${first.url}/dash/me`, { headers: { cookie: jar.header() } })).status).toBe(200);
    await first.stop();

    // The new SECRET alone: refused, with a non-zero exit and a message naming the key, never a secret.
    const refused = await start({ SECRET: NEW }).then(
      (s) => s.stop().then(() => 'started'),
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/exited before listening \(code 1/);
    expect(refused).toContain(`refusing to start: SECRET does not open 1 of 1 stored signing key(s) (${kid})`);
    expect(refused).not.toContain(OLD);
    expect(refused).not.toContain(NEW);

    // SECRET_PREVIOUS opens the old key and the old session cookie; the provider is healthy.
    const both = await start({ SECRET: NEW, SECRET_PREVIOUS: OLD });
    expect((await fetch(`${both.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${both.url}/dash/me`, { headers: { cookie: jar.header() } })).status).toBe(200);
    await both.stop();

    // While SECRET_PREVIOUS is set, keys list shows what it opens; secret reseal moves the key to SECRET.
    const listed = await cli(['keys', 'list'], { SECRET: NEW, SECRET_PREVIOUS: OLD });
    expect(listed).toMatchObject({ code: 0 });
    expect(listed.out).toMatch(new RegExp(`^${kid} {2}ES256 {2}created \\S+ {2}signing {2}sealed with SECRET_PREVIOUS\\n$`));
    const resealed = await cli(['secret', 'reseal'], { SECRET: NEW, SECRET_PREVIOUS: OLD });
    expect(resealed.code).toBe(0);
    expect(resealed.out).toContain(`${kid} re-sealed with SECRET`);
    expect((await cli(['keys', 'list'], { SECRET: NEW })).out).toContain('sealed with SECRET\n');

    // Now the new SECRET alone starts; only the cookie the old secret sealed no longer opens.
    const after = await start({ SECRET: NEW });
    expect((await fetch(`${after.url}/healthz`)).status).toBe(200);
    expect(((await (await fetch(`${after.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([kid]);
    expect((await fetch(`${after.url}/dash/me`, { headers: { cookie: jar.header() } })).status).toBe(401);
    await after.stop();
  });
});
