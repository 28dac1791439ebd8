// docs/security.md §R2 (crash): kill -9 the provider during sustained token issuance on the file-backed
// embedded store (PGlite in a data directory); after a restart every token that was returned still works and the
// store opens cleanly. A real child process (node provider/bin/instant-provider.mjs) on a loopback port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFlow, send } from './flow.ts';
import { spawnProvider, type Server } from './processes.ts';
import { createOAuthApp, createOAuthClient, listAppsRequest, refreshRequest, signInFlow, signUp, tokenSet, type OAuthClientCreds } from './provider-flows.ts';

const ISSUE_MS = Number(process.env.CRASH_ISSUE_MS ?? 3_000);
const MIN_TOKENS = 60;
const WORKERS = 6;

let servers: Server[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const s of servers) await s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  servers = [];
  dirs = [];
});

let addr = 0;
const xff = () => ({ 'x-forwarded-for': `10.77.${(++addr >> 8) & 255}.${addr & 255}` });

// The embedded store's durability is ours to prove; a Postgres server's is not (the Postgres pass skips this).
describe.skipIf(!!process.env.TEST_DATABASE_URL)('crash', () => {
  it(
    'kill -9 during sustained token issuance on the file-backed store: after restart every returned token works',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'instant-crash-'));
      dirs.push(dir);
      const start = async () => {
        const s = await spawnProvider({ store: 'pglite', dataDir: dir, env: { TRUST_PROXY: 'true' } });
        servers.push(s);
        return s;
      };
      const p1 = await start();
      const session = await signUp(fetch, p1.url, 'crash@example.com', undefined, xff());

      // Everything the provider returned, recorded the moment each answer arrived.
      const accessTokens: string[] = [];
      const refreshTokens: { client: OAuthClientCreds; token: string }[] = [];
      let stop = false;
      const failures: string[] = [];
      const worker = async (w: number) => {
        let appId = '';
        for (let round = 0; !stop; round++) {
          try {
            // A fresh client per round keeps each client's live refresh tokens under the cap of 5; an app holds 20 clients.
            if (round % 20 === 0) appId = await createOAuthApp(fetch, p1.url, session, `crash app ${w}.${round}`);
            const client = await createOAuthClient(fetch, p1.url, session, { appId });
            const t = (await runFlow(fetch, p1.url, signInFlow({ client, session, headers: xff }))).tokens!;
            accessTokens.push(t.access_token);
            refreshTokens.push({ client, token: t.refresh_token });
            for (let i = 0; i < 3 && !stop; i++) {
              const r = await send(fetch, p1.url, refreshRequest(client, t.refresh_token, xff()));
              if (r.status === 200) accessTokens.push(tokenSet('refresh', r.status, r.body, false).access_token);
              else if (!stop) failures.push(`refresh: HTTP ${r.status} ${r.body.slice(0, 200)}`);
            }
          } catch (err) {
            if (!stop) failures.push(String(err).slice(0, 300));
          }
        }
      };
      const running = Array.from({ length: WORKERS }, (_, w) => worker(w));
      // Sustained issuance: at least ISSUE_MS and at least MIN_TOKENS tokens (a loaded machine is slow), then the kill.
      const t0 = Date.now();
      while ((Date.now() - t0 < ISSUE_MS || accessTokens.length < MIN_TOKENS) && Date.now() - t0 < 90_000 && failures.length === 0) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const before = accessTokens.length;
      stop = true; // from here on, failures are the kill's doing
      await p1.kill(); // SIGKILL with requests in flight
      await Promise.all(running);
      expect(failures, 'no request failed before the kill').toEqual([]);
      expect(before, 'tokens were being issued when the process was killed').toBeGreaterThanOrEqual(MIN_TOKENS);

      const p2 = await start();
      const check = async <T>(items: T[], fn: (x: T) => Promise<number>) => {
        const statuses: number[] = [];
        for (let i = 0; i < items.length; i += 16) statuses.push(...(await Promise.all(items.slice(i, i + 16).map(fn))));
        return statuses;
      };
      const accessStatuses = await check(accessTokens, async (t) => (await send(fetch, p2.url, listAppsRequest(t))).status);
      expect(accessStatuses.filter((s) => s !== 200), `${accessTokens.length} access tokens checked`).toEqual([]);
      const refreshStatuses = await check(refreshTokens, async (r) => (await send(fetch, p2.url, refreshRequest(r.client, r.token, xff()))).status);
      expect(refreshStatuses.filter((s) => s !== 200), `${refreshTokens.length} refresh tokens checked`).toEqual([]);
      // The store opened cleanly and takes writes: a new sign-in works.
      const client = await createOAuthClient(fetch, p2.url, session, { name: 'after crash' });
      const after = await runFlow(fetch, p2.url, signInFlow({ client, session, headers: xff }));
      expect(after.tokens?.access_token).toMatch(/^pat_/);
      console.log(`crash: ${accessTokens.length} access and ${refreshTokens.length} refresh tokens returned before kill -9, all valid after restart`);
    },
    180_000,
  );
});
