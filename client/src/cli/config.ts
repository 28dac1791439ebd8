/**
 * The CLI's saved state: per provider URL, the dynamically registered client id (RFC 7591) and
 * the user's tokens. One JSON file in `$XDG_CONFIG_HOME/instant-kit` (or `~/.config/instant-kit`),
 * directory mode 0700, file mode 0600, written atomically.
 *
 * @module
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Saved tokens of one provider. */
export interface SavedTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiresAt: number;
  scopes: string[];
}

/** What is saved per provider URL. */
export interface ProviderEntry {
  /** Client id from dynamic registration, reused on the next login. */
  clientId?: string;
  /** The redirect URI registered with it. */
  redirectUri?: string;
  tokens?: SavedTokens;
  user?: { id?: string; email?: string };
}

/** The whole config file. */
export interface ConfigFile {
  version: 1;
  providers: Record<string, ProviderEntry>;
}

/** The config directory: `$XDG_CONFIG_HOME/instant-kit`, else `~/.config/instant-kit`. */
export function configDir(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'instant-kit');
}

/** The config file path. */
export function configPath(env: Record<string, string | undefined>): string {
  return join(configDir(env), 'config.json');
}

/** Reads the config (an empty one when missing or unreadable). */
export function readConfig(env: Record<string, string | undefined>): ConfigFile {
  try {
    const parsed = JSON.parse(readFileSync(configPath(env), 'utf8')) as Partial<ConfigFile>;
    if (parsed && typeof parsed === 'object' && parsed.providers && typeof parsed.providers === 'object') return { version: 1, providers: parsed.providers };
  } catch {
    // missing or corrupt: start afresh
  }
  return { version: 1, providers: {} };
}

/** Writes the config with mode 0600 (its directory 0700), replacing the file atomically. */
export function writeConfig(env: Record<string, string | undefined>, config: ConfigFile): void {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = configPath(env);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Reads, changes one provider's entry, and writes back. */
export function updateProvider(env: Record<string, string | undefined>, apiUri: string, change: (entry: ProviderEntry) => ProviderEntry): ProviderEntry {
  const config = readConfig(env);
  const next = change({ ...config.providers[apiUri] });
  config.providers[apiUri] = next;
  writeConfig(env, config);
  return next;
}
