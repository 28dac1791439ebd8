import type { AddressInfo } from 'node:net';
import { createProvider, type Provider } from './app.ts';
import { ConfigError, loadConfig } from './domain/config.ts';
import { watchStore } from './web/health.ts';
import { listen, type ServerType } from './web/node-server.ts';
import { signingKeysProblem } from './domain/oauth/jwks.ts';
import { acquireDataDir, DataDirBusyError } from './store/lock.ts';

export interface ServeOptions {
  /** Create the demo account and OAuth client when missing (npm start). */
  seedDemo?: boolean;
}

/**
 * Reads the environment, binds the port, opens and migrates the store, then prints exactly one line:
 * `instant-provider listening on <PUBLIC_URL> (public URL), bound to <host>:<port>` (the URL first: test harnesses
 * and scripts read it). Requests that arrive while the store opens wait for it.
 * SIGTERM / SIGINT drain in-flight requests and close the store.
 */
export async function runServer(opts: ServeOptions = {}): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }

  // The embedded store is single-process: hold its data directory (CLI commands check this before opening it).
  if (config.databaseUrl === undefined) {
    try {
      process.on('exit', acquireDataDir(config.dataDir));
    } catch (err) {
      if (err instanceof DataDirBusyError) fail(`${err.message}; stop it first, or set DATA_DIR to another directory`);
      throw err;
    }
  }

  // The app exists as soon as the port is known; its store opens behind it (see deferredStore).
  let provider: Provider | undefined;
  let built: (p: Provider) => void;
  const providerBuilt = new Promise<Provider>((r) => (built = r));
  const server: ServerType = await listen(async (req, env) => (provider ?? (await providerBuilt)).app.fetch(req, env), config.port, config.host).catch((err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? `port ${config.port} is in use; set PORT to another port (0 picks a free one), or PROVIDER_PORT with npm start` : err.message));

  const port = (server.address() as AddressInfo).port;
  try {
    provider = await createProvider({ ...config, port });
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
  const bound = server.address() as AddressInfo;
  const boundAt = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  process.stdout.write(`instant-provider listening on ${provider.ctx.config.issuer} (public URL), bound to ${boundAt}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    provider!.ctx.log.info('shutting down', { signal });
    stopWatch();
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

function fail(message: string): never {
  process.stderr.write(`instant-provider: ${message}\n`);
  process.exit(1);
}
