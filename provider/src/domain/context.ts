import type { PrincipalCache } from './accounts/principal-cache.ts';
import type { UnsealCache } from './accounts/sessions.ts';
import type { Clock, Random } from './clock.ts';
import type { ProviderConfig } from './config.ts';
import type { LimitState } from './limits/rate-limit.ts';
import type { Logger } from './log.ts';
import type { ClientCache } from './oauth/client-cache.ts';
import type { SigningKeyCache } from './oauth/jwks.ts';
import type { Mailer } from './mail/mailer.ts';
import type { HotWrites } from '../store/group-commit.ts';
import type { Store } from '../store/index.ts';

/** Settings after start-up: the issuer and secret are always known. */
export interface ResolvedConfig extends ProviderConfig {
  /** The issuer: PUBLIC_URL, or http://localhost:<bound port>. Never taken from request headers (docs/security.md §9). */
  issuer: string;
  secret: string;
}

/** What every service receives: plain values, no HTTP. */
export interface Ctx {
  config: ResolvedConfig;
  db: Store;
  clock: Clock;
  random: Random;
  log: Logger;
  /** This provider's cache of unsealed session cookies (domain/accounts/sessions.ts); per provider, never module state. */
  unsealCache: UnsealCache;
  /** This provider's id_token signing key, re-read from the store within a bound (domain/oauth/jwks.ts); per provider. */
  signingKeys: SigningKeyCache;
  /** This provider's mailer (domain/mail/mailer.ts): SMTP_URL, or the dev outbox. */
  mailer: Mailer;
  /** This provider's rate-limit windows, failure buckets and client quotas (domain/limits/); per provider. */
  limits: LimitState;
  /** This provider's group commit of hot writes (store/group-commit.ts); per provider. */
  writes: HotWrites;
  /** This provider's client rows, emptied whenever the store's clientRowsVersion moves (docs/architecture.md §6). */
  clients: ClientCache;
  /** This provider's access-token principals, emptied whenever principalRowsVersion moves (docs/architecture.md §9). */
  principals: PrincipalCache;
}

/** `now` as a Date, for SQL parameters. */
export function nowDate(ctx: Pick<Ctx, 'clock'>): Date {
  return new Date(ctx.clock.now());
}

/** `now + seconds` as a Date. */
export function inSeconds(ctx: Pick<Ctx, 'clock'>, seconds: number): Date {
  return new Date(ctx.clock.now() + seconds * 1000);
}
