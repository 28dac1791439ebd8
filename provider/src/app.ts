import { Hono, type Context } from 'hono';
import { systemClock, systemRandom, type Clock, type Random } from './domain/clock.ts';
import type { Ctx } from './domain/context.ts';
import { accountRoutes } from './web/accounts/routes.ts';
import { createUnsealCache } from './domain/accounts/sessions.ts';
import { dashboardRoutes } from './web/dashboard/routes.tsx';
import { COPY_SCRIPT } from './web/dashboard/copy-script.ts';
import { ErrorPage, FAVICON, STYLESHEET } from './web/dashboard/layout.tsx';
import { clientAddressMiddleware, socketPeer, type PeerAddress } from './web/http/client-address.ts';
import { API_STYLE, errorHandler } from './web/http/errors.ts';
import { htmlSecurityHeaders } from './web/http/security-headers.ts';
import { healthChecks, watchStore } from './web/health.ts';
import { watchIdleMemory } from './domain/idle-memory.ts';
import { createObservability } from './web/http/metrics.ts';
import { createClientCache } from './domain/oauth/client-cache.ts';
import { createPrincipalCache } from './domain/accounts/principal-cache.ts';
import { createSigningKeyCache, signingKeysProblem } from './domain/oauth/jwks.ts';
import { createLimitState } from './domain/limits/rate-limit.ts';
import { operatorRoutes } from './web/operator/routes.tsx';
import { createLogger, type Logger } from './domain/log.ts';
import { accessLog } from './web/http/access-log.ts';
import { createMailer } from './domain/mail/mailer.ts';
import { outboxRoutes } from './web/outbox.tsx';
import { mcpRoutes } from './web/mcp/routes.ts';
import { oauthRoutes } from './web/oauth/routes.ts';
import { notSupportedRoutes } from './web/compat/not-supported.ts';
import { compatRoutes } from './web/compat/routes.tsx';
import { platformRoutes } from './web/platform/routes.ts';
import { resolveSecret } from './domain/secret.ts';
import { deferredStore, openStore, storeKind, type Store } from './store/index.ts';
import { startSweeper } from './domain/sweep.ts';
import { createHotWrites } from './store/group-commit.ts';
import type { AddressInfo } from 'node:net';
import { ConfigError, type ProviderConfig } from './domain/config.ts';
import { listen, type ServerType } from './web/node-server.ts';
import { fail, startServer, type ServerStart } from './server-start.ts';

export interface ProviderDeps {
  clock?: Clock;
  random?: Random;
  /** An already-open, migrated store (tests); otherwise DATABASE_URL decides. */
  store?: Store;
  /** A store being opened (the server binary begins it early, server-start.ts); otherwise DATABASE_URL decides. */
  opening?: Promise<Store>;
  log?: Logger;
  /** Run the sweeper on an interval (default true; tests call `sweepOnce` themselves). */
  sweeper?: boolean;
  /** Who is on the other end of a request's connection (default: the socket's peer); tests without sockets pass one. */
  peerAddress?: PeerAddress;
}

export interface Provider {
  /** The Hono app: `provider.app.request(...)` in tests, `provider.app.fetch` behind a server. */
  app: Hono;
  ctx: Ctx;
  /** Resolves when the store is open and migrated; rejects if it cannot be. */
  ready: Promise<void>;
  /** Stops the sweeper and closes the store. */
  close(): Promise<void>;
}

const notFoundPage = () => ErrorPage({ title: 'Page not found', message: 'There is no page at this address. It may have moved, or the link may be mistyped.' });

/** The single composition root: wires the store, services and routes into one Hono app. */
export async function createProvider(config: ProviderConfig, deps: ProviderDeps = {}): Promise<Provider> {
  const issuer = config.publicUrl ?? `http://localhost:${config.port}`;
  const secret = resolveSecret(config);
  const log = deps.log ?? createLogger(config.logLevel);
  const opening = deps.store ? Promise.resolve(deps.store) : (deps.opening ?? openStore(config.databaseUrl, config.dataDir, config));
  const db = deps.store ?? deferredStore(storeKind(config.databaseUrl), opening);
  const ctx: Ctx = {
    config: { ...config, issuer, secret },
    db,
    clock: deps.clock ?? systemClock,
    random: deps.random ?? systemRandom,
    log,
    unsealCache: createUnsealCache(),
    signingKeys: createSigningKeyCache(),
    mailer: createMailer({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, issuer, log }),
    limits: createLimitState(db.kind),
    writes: createHotWrites(() => ctx.db, db.kind),
    clients: createClientCache(),
    principals: createPrincipalCache(),
  };

  const app = new Hono();
  // The default style of the provider's surfaces; the OAuth endpoints set their own (web/oauth/routes.ts).
  app.onError(errorHandler(API_STYLE, log));
  const observability = createObservability(ctx, healthChecks([{ name: 'signing-keys', run: signingKeysProblem }]));
  app.use('*', accessLog(log));
  app.use('*', clientAddressMiddleware(config.trustProxy, deps.peerAddress));
  app.use('*', observability.middleware);
  app.use('*', htmlSecurityHeaders);
  app.get('/assets/provider.css', (c) =>
    c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
  );
  app.get('/assets/copy.js', (c) =>
    c.body(COPY_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
  );
  const icon = (c: Context) => c.body(FAVICON, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400' });
  app.get('/favicon.svg', icon);
  app.get('/favicon.ico', icon);
  app.route('/', observability.routes);
  app.route('/', operatorRoutes(ctx));
  app.route('/', oauthRoutes(ctx));
  app.route('/', accountRoutes(ctx));
  app.route('/', compatRoutes(ctx));
  app.route('/', platformRoutes(ctx));
  app.route('/', notSupportedRoutes());
  app.route('/', mcpRoutes(ctx, () => app.fetch));
  app.route('/', dashboardRoutes(ctx));
  app.route('/', outboxRoutes(ctx, deps.peerAddress ?? socketPeer));
  app.get('/', (c) => c.redirect('/dash', 302));
  // A browser that asks for a page gets one (docs/pages.md §4); API clients keep the JSON error.
  app.notFound((c) =>
    c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html')
      ? c.html(notFoundPage(), 404)
      : c.json({ type: 'not-found', message: `No route for ${c.req.method} ${c.req.path}`, hint: {} }, 404),
  );

  let stopSweeper = () => {};
  const ready = opening.then(() => {
    if (deps.sweeper !== false) stopSweeper = startSweeper(ctx);
  });
  return {
    app,
    ctx,
    ready,
    async close() {
      stopSweeper();
      ctx.mailer.close();
      await db.close();
    },
  };
}

// The server binary (`instant-provider`, npm start): the same composition, bound to a port.

export interface ServeOptions {
  /** Create the demo account and OAuth client when missing (npm start). */
  seedDemo?: boolean;
  /** What cli.ts already began (server-start.ts); begun here otherwise. */
  start?: ServerStart;
}

/**
 * Reads the environment, binds the port, opens and migrates the store, then prints exactly one line:
 * `instant-provider listening on <PUBLIC_URL> (public URL), bound to <host>:<port>` (the URL first: test harnesses
 * and scripts read it). Requests that arrive while the store opens wait for it.
 * SIGTERM / SIGINT drain in-flight requests and close the store.
 */
export async function runServer(opts: ServeOptions = {}): Promise<void> {
  // Config read, data directory held, store opening (server-start.ts): begun by cli.ts before this module loaded.
  const { config, opening } = opts.start ?? startServer();

  // The app exists as soon as the port is known; its store opens behind it (see deferredStore).
  let provider: Provider | undefined;
  let built: (p: Provider) => void;
  const providerBuilt = new Promise<Provider>((r) => (built = r));
  let requests = 0; // for the idle watch
  const server: ServerType = await listen(async (req, env) => (requests++, (provider ?? (await providerBuilt)).app.fetch(req, env)), config.port, config.host).catch((err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? `port ${config.port} is in use; set PORT to another port (0 picks a free one), or PROVIDER_PORT with npm start` : err.message));

  const port = (server.address() as AddressInfo).port;
  try {
    provider = await createProvider({ ...config, port }, { opening });
    built!(provider);
    await provider.ready;
  } catch (err) {
    server.close();
    if (err instanceof ConfigError) fail(err.message);
    fail(`could not open the store: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Refuse to serve with a SECRET that cannot open the stored signing keys: every token exchange would fail
  // (docs/security-lifecycle.md §2). The reason names key ids, never a secret.
  const keysProblem = await signingKeysProblem(provider.ctx);
  if (keysProblem !== null) {
    server.close();
    await provider.close().catch(() => {});
    fail(`refusing to start: ${keysProblem}`);
  }
  if (opts.seedDemo) {
    const { seedDemo } = await import('./domain/seed.ts');
    await seedDemo(provider.ctx, (line) => process.stderr.write(line + '\n'));
  }
  const stopWatch = watchStore(provider.ctx);
  const stopIdleWatch = watchIdleMemory(provider.ctx, () => requests);
  const bound = server.address() as AddressInfo;
  const boundAt = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  process.stdout.write(`instant-provider listening on ${provider.ctx.config.issuer} (public URL), bound to ${boundAt}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    provider!.ctx.log.info('shutting down', { signal });
    stopWatch();
    stopIdleWatch();
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close(async () => {
      await provider!.close().catch(() => {});
      process.exit(0);
    });
    // Idle keep-alive sockets would hold close() open.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

