import { Hono, type Context } from 'hono';
import { systemClock, systemRandom, type Clock, type Random } from './clock.ts';
import type { ProviderConfig } from './config.ts';
import type { Ctx } from './context.ts';
import { accountRoutes } from './accounts/routes.ts';
import { createUnsealCache } from './accounts/sessions.ts';
import { dashboardRoutes } from './dashboard/routes.tsx';
import { COPY_SCRIPT } from './dashboard/copy-script.ts';
import { ErrorPage, FAVICON, STYLESHEET } from './dashboard/layout.tsx';
import { clientAddressMiddleware, socketPeer, type PeerAddress } from './http/client-address.ts';
import { API_STYLE, errorHandler } from './http/errors.ts';
import { htmlSecurityHeaders } from './http/security-headers.ts';
import { healthChecks } from './http/health.ts';
import { createObservability } from './http/metrics.ts';
import { createSigningKeyCache, signingKeysProblem } from './oauth/jwks.ts';
import { operatorRoutes } from './operator/routes.tsx';
import { accessLog, createLogger, type Logger } from './log.ts';
import { createMailer } from './mail/mailer.ts';
import { outboxRoutes } from './mail/outbox.tsx';
import { mcpRoutes } from './mcp/routes.ts';
import { oauthRoutes } from './oauth/routes.ts';
import { notSupportedRoutes } from './platform/compat/not-supported.ts';
import { compatRoutes } from './platform/compat/routes.tsx';
import { platformRoutes } from './platform/routes.ts';
import { resolveSecret } from './secret.ts';
import { deferredStore, openStore, storeKind, type Store } from './store/index.ts';
import { startSweeper } from './sweep.ts';

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
  };

  const app = new Hono();
  // The default style of the provider's surfaces; the OAuth endpoints set their own (oauth/routes.ts).
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
