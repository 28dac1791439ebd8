import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ProviderConfig } from './config.ts';

/**
 * SECRET when set; otherwise, for the embedded store, one generated on first start and kept in the
 * data directory (mode 0600); for an in-memory store, a fresh one per process. A Postgres deployment
 * may run many instances, which must agree, so there it is required.
 */
export function resolveSecret(config: ProviderConfig): string {
  if (config.secret) return config.secret;
  if (config.databaseUrl === 'memory') return randomBytes(32).toString('base64url');
  if (config.databaseUrl) {
    throw new ConfigError(
      'SECRET is required with a Postgres DATABASE_URL, so that every instance seals cookies and keys alike.\n' +
        '  Generate one with: openssl rand -base64 32',
    );
  }
  const file = join(config.dataDir, 'secret');
  if (existsSync(file)) {
    const s = readFileSync(file, 'utf8').trim();
    if (s.length >= 32) return s;
    throw new ConfigError(`${file} holds a secret shorter than 32 characters; delete it or set SECRET`);
  }
  mkdirSync(config.dataDir, { recursive: true });
  const s = randomBytes(32).toString('base64url');
  writeFileSync(file, s + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return s;
}

/**
 * The secrets that open what was sealed, SECRET first, then each SECRET_PREVIOUS (docs/security-lifecycle.md §2).
 * Only SECRET seals: a previous secret opens what it sealed until `instant-provider secret reseal` has re-sealed the
 * stored signing keys and the cookies it sealed have expired.
 */
export function openingSecrets(config: { secret: string; secretPrevious?: readonly string[] }): string[] {
  return [config.secret, ...(config.secretPrevious ?? []).filter((s) => s !== config.secret)];
}
