import { Hono, type Context } from 'hono';
import { systemClock, systemRandom, type Clock, type Random } from './domain/clock.ts';
import type { ProviderConfig } from './domain/config.ts';
import type { Ctx } from './domain/context.ts';
import { accountRoutes } from './web/accounts/routes.ts';
import { createUnsealCache } from './domain/accounts/sessions.ts';
import { dashboardRoutes } from './web/dashboard/routes.tsx';
import { COPY_SCRIPT } from './web/dashboard/copy-script.ts';
import { ErrorPage, FAVICON, STYLESHEET } from './web/dashboard/layout.tsx';
import { clientAddressMiddleware, socketPeer, type PeerAddress } from './web/http/client-address.ts';
import { API_STYLE, errorHandler } from './web/http/errors.ts';
import { htmlSecurityHeaders } from './web/http/security-headers.ts';
import { healthChecks } from './web/health.ts';
import { createObservability } from './web/http/metrics.ts';
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

export interface ProviderDeps {
  clock?: Clock;
  random?: Random;
  /** An already-open, migrated store (tests); otherwise DATABASE_URL decides. */
  store?: Store;
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
  const opening = deps.store ? Promise.resolve(deps.store) : openStore(config.databaseUrl, config.dataDir);
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
