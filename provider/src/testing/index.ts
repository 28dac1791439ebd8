/**
 * `instant-provider/testing`: the one test-support module of the repository (provider, kit, demo app,
 * e2e): a provider on a fresh store with a hand-moved clock, the cookie jar, users, sessions, OAuth
 * clients, and the browser leg of an authorization. Never imported by production code.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Context } from 'hono';
import pg from 'pg';
import { createProvider, type Provider } from '../app.ts';
import { systemRandom, type Random } from '../domain/clock.ts';
import { TestClock } from './clock.ts';
import { CookieJar } from './cookie-jar.ts';
import { defaultConfig, type ProviderConfig } from '../domain/config.ts';
import type { Store } from '../store/index.ts';
import { openPooledPglite } from './pglite-pool.ts';
import { openPglite, type PgliteStore } from '../store/pglite.ts';
import { openPostgres } from '../store/postgres.ts';
import { runPrefix, templateDb, withDatabase } from './global-setup.ts';

let snapshot: Blob | undefined;

/**
 * A fresh, migrated store for one test: PGlite from the run's snapshot (or an instance of an earlier test emptied back
 * to it, testing/pglite-pool.ts), or, when TEST_DATABASE_URL is set, a new Postgres database cloned from the migrated
 * template (dropped on close).
 */
export async function openTestStore(): Promise<Store> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const name = `${runPrefix()}_${Math.random().toString(36).slice(2, 12)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name} template ${templateDb()}`);
    await admin.end();
    const store = await openPostgres(withDatabase(url, name), { max: 10 });
    return {
      ...store,
      async close() {
        await store.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`).catch(() => {});
        await c.end();
      },
    };
  }
  const file = process.env.TEST_PGLITE_SNAPSHOT;
  if (!file) throw new Error('TEST_PGLITE_SNAPSHOT is not set: run tests through vitest (its globalSetup makes the snapshot)');
  snapshot ??= new Blob([readFileSync(file)]);
  return openPooledPglite(snapshot);
}

/**
 * A migrated embedded store from the run's snapshot with PGlite in a worker thread of its own, as the provider runs it
 * (store/pglite-thread.ts); a new instance each time (test stores otherwise run PGlite in the test's thread).
 */
export async function openThreadTestStore(opts: { onWorker?: (worker: Worker) => void } = {}): Promise<PgliteStore> {
  const file = process.env.TEST_PGLITE_SNAPSHOT;
  if (!file) throw new Error('TEST_PGLITE_SNAPSHOT is not set: run tests through vitest (its globalSetup makes the snapshot)');
  snapshot ??= new Blob([readFileSync(file)]);
  return openPglite({ snapshot, thread: true, onWorker: opts.onWorker });
}

export interface TestProvider extends Provider {
  clock: TestClock;
  /** `app.request` bound as a `fetch`, for oauth4webapi's `[customFetch]` and other clients. */
  fetch: typeof fetch;
  issuer: string;
}

/**
 * A provider on a fresh store (or `opts.store`, e.g. a second connection to another provider's database) with a
 * hand-moved clock. Close it in `afterEach`/`afterAll`.
 */
export async function createTestProvider(overrides: Partial<ProviderConfig> = {}, opts: { random?: Random; store?: Store } = {}): Promise<TestProvider> {
  const clock = new TestClock(Date.now());
  const store = opts.store ?? (await openTestStore());
  const config = defaultConfig({ secret: 'test-secret-test-secret-test-secret-0123', ...overrides });
  // In-process requests have no socket: a test names its caller with `x-test-client-address` (a header only this
  // test harness reads; the provider itself never does).
  const peerAddress = (c: Context) => c.req.header('x-test-client-address') ?? 'local';
  const provider = await createProvider(config, { clock, store, random: opts.random ?? systemRandom, sweeper: false, peerAddress });
  await provider.ready;
  const app = provider.app;
  const testFetch = ((input: RequestInfo | URL, init?: RequestInit) => app.request(input instanceof Request ? input : String(input), init)) as typeof fetch;
  return { ...provider, clock, fetch: testFetch, issuer: provider.ctx.config.issuer };
}

export { TestClock, CookieJar };
export type { CookieSource } from './cookie-jar.ts';
export {
  authorizeInBrowser,
  authorizeUrl,
  consentFormFields,
  createTestClient,
  createTestUser,
  insertTokenSet,
  pkcePair,
  sessionCookie,
  type AuthorizeOptions,
  type AuthorizeResult,
  type IssuedTokens,
  type TestClient,
  type TestClientOptions,
} from './fixtures.ts';
