import { afterEach, describe, expect, it } from 'vitest';
import { createProvider, type Provider } from '../../app.ts';
import { defaultConfig } from '../../domain/config.ts';
import { Browser } from '../../testing/accounts.ts';
import { runAdminCommand } from '../../cli/commands.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { signingKeysProblem } from '../../domain/oauth/jwks.ts';

/**
 * SECRET_PREVIOUS in one process (docs/security-lifecycle.md §2): providers on one store, before and after a rotation.
 * The process-level lifecycle (refusal to start, reseal) is in secret-rotation.test.ts.
 */

const OLD = 'test-secret-test-secret-test-secret-0123'; // createTestProvider's
const NEW = 'rotated-secret-rotated-secret-rotated-01';
let p: TestProvider | undefined;
const others: Provider[] = [];
afterEach(async () => {
  for (const o of others.splice(0)) await o.close();
  await p?.close();
  p = undefined;
});

/** Another provider on p's store with these secrets (a restarted instance); closing it leaves the store open. */
async function restarted(secret: string, secretPrevious: string[] = []): Promise<TestProvider> {
  const q = await createProvider(defaultConfig({ secret, secretPrevious }), { clock: p!.clock, store: { ...p!.ctx.db, close: async () => {} }, sweeper: false, peerAddress: (c) => c.req.header('x-test-client-address') ?? 'local' });
  others.push(q);
  return { ...q, clock: p!.clock, fetch: p!.fetch, issuer: q.ctx.config.issuer };
}

async function cli(args: string[], env: Record<string, string>) {
  let out = '';
  let err = '';
  const code = await runAdminCommand(args, { out: (t) => (out += t), err: (t) => (err += t), env, open: async () => p!.ctx.db });
  return { code, out, err };
}

describe('SECRET_PREVIOUS', () => {
  it('opens the session cookie, the CSRF token of an open form and the signing keys the old SECRET made; the new SECRET seals', async () => {
    p = await createTestProvider();
    const before = new Browser(p);
    await before.signUp('rotating@example.com');
    const { csrf } = await before.page('/dash/settings/tokens'); // a form left open across the rotation
    expect(await signingKeysProblem(p.ctx)).toBeNull();
    await p.app.request('/.well-known/jwks.json'); // makes the signing key, sealed with OLD

    // After the rotation, with the old secret as SECRET_PREVIOUS: still signed in, the open form still posts.
    const both = await restarted(NEW, [OLD]);
    const browser = new Browser(both);
    browser.jar.add(before.jar.header());
    expect((await browser.request('/dash/me')).status).toBe(200);
    // ...and its session cookie came back sealed with the new SECRET, so it outlives SECRET_PREVIOUS.
    const resealed = new Browser(await restarted(NEW));
    resealed.jar.add(browser.jar.header());
    expect((await resealed.request('/dash/me')).status).toBe(200);
    const posted = await browser.form('/dash/settings/tokens', { _csrf: csrf, name: 'after rotation' });
    expect(posted.status).toBe(303);
    expect((await browser.page('/dash/settings/tokens')).html).toMatch(/per_[0-9a-f]{64}/); // the flash, sealed with NEW, opens
    expect(await signingKeysProblem(both.ctx)).toBeNull();
    expect((await both.app.request('/healthz')).status).toBe(200);

    // Without it: the old cookie and token open no more, and /healthz names the key the new SECRET cannot open.
    const alone = await restarted(NEW);
    const stranded = new Browser(alone);
    stranded.jar.add(before.jar.header());
    expect((await stranded.request('/dash/me')).status).toBe(401);
    expect((await stranded.form('/dash/settings/tokens', { _csrf: csrf, name: 'refused' })).status).toBe(403);
    const health = await alone.app.request('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ check: 'signing-keys', reason: expect.stringMatching(/^SECRET does not open 1 of 1 stored signing key\(s\)/) });

    // keys list names which secret opens each key; secret reseal moves them to SECRET, after which NEW alone opens them.
    expect((await cli(['keys', 'list'], { SECRET: NEW })).code).toBe(1);
    expect((await cli(['keys', 'list'], { SECRET: NEW, SECRET_PREVIOUS: OLD })).out).toContain('signing  sealed with SECRET_PREVIOUS');
    expect(await cli(['secret', 'reseal'], { SECRET: NEW })).toMatchObject({ code: 1, err: expect.stringContaining('neither SECRET nor SECRET_PREVIOUS opens') });
    expect((await cli(['secret', 'reseal'], { SECRET: NEW, SECRET_PREVIOUS: OLD })).code).toBe(0);
    expect(await signingKeysProblem(alone.ctx)).toBeNull();
    expect((await alone.app.request('/healthz')).status).toBe(200);
  });

  it('rotates keys from the CLI, refuses unknown key commands, and never prints a secret', async () => {
    p = await createTestProvider();
    await p.app.request('/.well-known/jwks.json');
    const rotated = await cli(['keys', 'rotate'], { SECRET: OLD });
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/^new signing key \S{43} signs from now on \(running instances switch within 30 s\)\n\S{43} stays in JWKS, verifying what it signed, until \S+Z\n$/);
    const listed = await cli(['keys', 'list'], { SECRET: OLD });
    expect(listed.out.trim().split('\n').map((l) => l.split('  ')[3]!.split(' ')[0])).toEqual(['verifying', 'signing']);
    expect((await cli(['keys', 'shred'], { SECRET: OLD })).code).toBe(2);
    expect((await cli(['secret', 'show'], { SECRET: OLD })).code).toBe(2);
    const bad = await cli(['keys', 'list'], { SECRET: OLD, SECRET_PREVIOUS: 'short-secret' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('SECRET_PREVIOUS: each secret must be at least 32 characters (got a value of 12 characters, not repeated here)');
    for (const r of [rotated, listed, bad]) expect(r.out + r.err).not.toContain(OLD);
  });
});
