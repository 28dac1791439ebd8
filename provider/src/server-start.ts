/**
 * The first steps of the server binary, on light modules only: the environment read, the data directory held, and
 * the store's opening begun. cli.ts runs this before it loads the web modules (app.ts and everything it imports,
 * ~0.4 s), so that PGlite starts on its own thread (docs/architecture.md §10) while the main thread loads them.
 */
import { ConfigError, loadConfig, type ProviderConfig } from './domain/config.ts';
import { createLogger } from './domain/log.ts';
import { openStore, type Store } from './store/index.ts';
import { acquireDataDir, DataDirBusyError } from './store/lock.ts';

export interface ServerStart {
  config: ProviderConfig;
  /** The store being opened and migrated; app.ts's createProvider takes it over (and closes it). */
  opening: Promise<Store>;
}

export function startServer(): ServerStart {
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
  // A first start is silent for seconds while initdb runs (once per install: the template); say so.
  const log = createLogger(config.logLevel);
  const opening = openStore(config.databaseUrl, config.dataDir, {
    ...config,
    onNewDataDir: (what, fields) =>
      what === 'creating'
        ? log.info(`creating the embedded database (initdb and the migrations: a few seconds${fields.template === 'building' ? ', once per install' : ''})`, fields)
        : log.info('embedded database created', fields),
  });
  opening.catch(() => {}); // reported where it is awaited (runServer), not as an unhandled rejection meanwhile
  return { config, opening };
}

export function fail(message: string): never {
  process.stderr.write(`instant-provider: ${message}\n`);
  process.exit(1);
}
