import { z } from 'zod';
import { PGLITE_SHARED_BUFFERS_MB } from '../store/pglite-settings.ts';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.ts';

/** Every setting of the provider: its environment variable, default and meaning. */
export interface ProviderConfig {
  /** `PORT`: TCP port to bind; 0 picks a free one. */
  port: number;
  /** `HOST`: interface to bind. */
  host: string;
  /** `PUBLIC_URL`: the issuer and base URL, without a trailing slash. Unset → `http://localhost:<bound port>`. */
  publicUrl: string | undefined;
  /** `DATABASE_URL`: unset → embedded PGlite in `dataDir`; `memory` → in-memory PGlite; `postgres://…` → that server. */
  databaseUrl: string | undefined;
  /**
   * `PGLITE_THREAD`: run the embedded store's PGlite in a worker thread of its own (docs/architecture.md §10):
   * `auto` (when the machine has a second core), or true/false.
   */
  pgliteThread: 'auto' | boolean;
  /**
   * `PGLITE_SHARED_BUFFERS_MB`: the embedded store's Postgres `shared_buffers`, all of it resident from the start
   * (store/pglite-settings.ts, docs/operations.md §9); more for a working set larger than a few MB.
   */
  pgliteSharedBuffersMb: number;
  /** `DATA_DIR`: where the embedded store and the generated secret live. */
  dataDir: string;
  /** `SECRET`: seals cookies and encrypts signing keys (≥ 32 characters). Generated into `dataDir` when unset. */
  secret: string | undefined;
  /** `ACCESS_TOKEN_TTL_S`: lifetime of `pat_` access tokens. */
  accessTokenTtlS: number;
  /** `REFRESH_TOKEN_IDLE_TTL_S`: an unused refresh token expires after this long. */
  refreshTokenIdleTtlS: number;
  /** `AUTH_CODE_TTL_S`: lifetime of an authorization code (RFC 9700 recommends short; at most 600). */
  authCodeTtlS: number;
  /** `REFRESH_TOKEN_REUSE_GRACE_S`: window in which a just-rotated refresh token may be replayed without revoking the family. */
  refreshTokenReuseGraceS: number;
  /** `SESSION_TTL_S`: lifetime of a dashboard login session. */
  sessionTtlS: number;
  /** `SWEEP_INTERVAL_S`: how often expired temporary apps, codes and audit rows are swept. */
  sweepIntervalS: number;
  /**
   * `TRUST_PROXY`: the proxies in front of the provider, as a hop count (`1`, or `true`) or a comma list of their
   * addresses/CIDRs; the client address is the right-most untrusted `X-Forwarded-For` entry (docs/rate-limits.md §1).
   * Only for rate limits and the audit trail; never the issuer.
   */
  trustProxy: TrustProxy;
  /** `METRICS`: serve `/metrics` when true. */
  metrics: boolean;
  /**
   * `CLIENT_METADATA_ALLOW_PRIVATE`: fetch Client ID Metadata Documents from loopback and private addresses too
   * (tests, private deployments); off, they come only from public addresses (docs/mcp.md §7, SSRF).
   */
  clientMetadataAllowPrivate?: boolean;
  /** `OPERATOR_EMAILS`: accounts with the operator role. */
  operatorEmails: string[];
  /** `AUDIT_RETENTION_DAYS`: how long audit events are kept. */
  auditRetentionDays: number;
  /**
   * `AUDIT_REFRESHES`: which refreshes of a kept (non-rotating) refresh token the audit trail records as
   * `token.refreshed`: `daily`, the first of each UTC day (docs/architecture.md §11); `each`, every one.
   */
  auditRefreshes: 'daily' | 'each';
  /** `LOG_LEVEL`: `silent`, `error`, `warn`, `info` or `debug`. */
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /**
   * `CLIENT_RATE_LIMIT`: successful requests a second each client of an OAuth app may make, unless the operator set
   * the app's own (docs/rate-limits.md §3); bursts of `CLIENT_RATE_BURST_S` seconds' worth are allowed.
   */
  clientRateLimitPerS: number;
  /** `CLIENT_RATE_BURST_S`: the size of a client's burst, in seconds of its rate. */
  clientRateBurstS: number;
  /**
   * `SECRET_PREVIOUS`: secrets SECRET replaced (comma list, newest first): they still open what they sealed (signing
   * keys, cookies) while SECRET seals everything new, until `instant-provider secret reseal` (docs/security-lifecycle.md §2).
   */
  secretPrevious: string[];
  /** `SIGNING_KEY_ROTATE_DAYS`: the sweep rotates the id_token signing key once it is this old; unset, only `keys rotate` does. */
  signingKeyRotateDays: number | undefined;
  /**
   * `SMTP_URL`: where mail goes (`smtp://user:pass@host:587`, `smtps://…:465`). Unset → the dev mailer: messages are
   * logged and kept in the dev outbox at `/dev/outbox`, which only this machine can open (docs/security-accounts.md §8).
   */
  smtpUrl?: string | undefined;
  /** `MAIL_FROM`: the sender of every message; default `Instant <no-reply@<issuer host>>`. */
  mailFrom?: string | undefined;
}

const intFrom = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', ''].includes(v), 'must be 1/0/true/false')
  .transform((v) => ['1', 'true', 'yes'].includes(v));

const envSchema = z.object({
  PORT: intFrom(0, 65535).default(8787),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PUBLIC_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => v === undefined || v === '' || isHttpOrigin(v), 'must be an http(s) URL with no query or fragment, e.g. https://auth.example.com')
    .transform((v) => (v ? v.replace(/\/+$/, '') : undefined)),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || v === 'memory' || /^postgres(ql)?:\/\//.test(v), 'must be unset, "memory", or a postgres:// URL')
    .transform((v) => v || undefined),
  PGLITE_THREAD: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['auto', '1', '0', 'true', 'false', 'yes', 'no', ''].includes(v), 'must be auto, or 1/0/true/false')
    .transform((v): 'auto' | boolean => (v === 'auto' || v === '' ? 'auto' : ['1', 'true', 'yes'].includes(v)))
    .default('auto'),
  PGLITE_SHARED_BUFFERS_MB: intFrom(1, 1024).default(PGLITE_SHARED_BUFFERS_MB),
  DATA_DIR: z.string().trim().min(1).default('./.data/provider'),
  SECRET: z
    .string()
    .optional()
    .refine((v) => !v || v.length >= 32, 'must be at least 32 characters (try: openssl rand -base64 32)')
    .transform((v) => v || undefined),
  ACCESS_TOKEN_TTL_S: intFrom(60, 86_400 * 30).default(3600),
  REFRESH_TOKEN_IDLE_TTL_S: intFrom(60, 86_400 * 365).default(86_400 * 30),
  AUTH_CODE_TTL_S: intFrom(10, 600).default(600),
  REFRESH_TOKEN_REUSE_GRACE_S: intFrom(0, 300).default(10),
  SESSION_TTL_S: intFrom(60, 86_400 * 90).default(86_400 * 14),
  SWEEP_INTERVAL_S: intFrom(1, 86_400).default(300),
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const r = parseTrustProxy(v);
      if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: `${r}; use a hop count (1) or a comma list of proxy addresses/CIDRs` });
      return typeof r === 'string' ? { hops: 0 } : r;
    }),
  METRICS: bool.default(false),
  CLIENT_METADATA_ALLOW_PRIVATE: bool.default(false),
  OPERATOR_EMAILS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)),
  AUDIT_RETENTION_DAYS: intFrom(1, 3650).default(90),
  AUDIT_REFRESHES: z.enum(['daily', 'each']).default('daily'),
  LOG_LEVEL: z.enum(['silent', 'error', 'warn', 'info', 'debug']).default('info'),
  CLIENT_RATE_LIMIT: intFrom(1, 1_000_000).default(200),
  CLIENT_RATE_BURST_S: intFrom(1, 3600).default(10),
  SECRET_PREVIOUS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every((s) => s.length >= 32), 'each secret must be at least 32 characters'),
  SIGNING_KEY_ROTATE_DAYS: intFrom(1, 3650).optional(),
  SMTP_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || isSmtpUrl(v), 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.com:465')
    .transform((v) => v || undefined),
  MAIL_FROM: z
    .string()
    .trim()
    .max(320)
    .optional()
    .refine((v) => !v || (!/[\r\n]/.test(v) && /[^\s@<>]+@[^\s@<>]+/.test(v)), 'must be one address without line breaks, e.g. "Instant <no-reply@example.com>"')
    .transform((v) => v || undefined),
});

function isSmtpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function isHttpOrigin(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose value is a secret or may hold one (a database password): never repeated in an error. */
const SECRET_VARS = new Set(['SECRET', 'SECRET_PREVIOUS', 'DATABASE_URL', 'DEMO_PASSWORD', 'DEMO_CLIENT_SECRET', 'SMTP_URL']);

/** How a bad value is quoted in a config error: secrets only by length (docs/security-accounts.md §7). */
function shown(name: string, value: string | undefined): string {
  if (SECRET_VARS.has(name)) return `a value of ${value?.length ?? 0} characters, not repeated here`;
  return JSON.stringify(value);
}

/** Reads and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ProviderConfig {
  const input = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in envSchema.shape && v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${shown(String(i.path[0]), input[String(i.path[0])])})`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    databaseUrl: e.DATABASE_URL,
    pgliteThread: e.PGLITE_THREAD,
    pgliteSharedBuffersMb: e.PGLITE_SHARED_BUFFERS_MB,
    dataDir: e.DATA_DIR,
    secret: e.SECRET,
    accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
    refreshTokenIdleTtlS: e.REFRESH_TOKEN_IDLE_TTL_S,
    authCodeTtlS: e.AUTH_CODE_TTL_S,
    refreshTokenReuseGraceS: e.REFRESH_TOKEN_REUSE_GRACE_S,
    sessionTtlS: e.SESSION_TTL_S,
    sweepIntervalS: e.SWEEP_INTERVAL_S,
    trustProxy: e.TRUST_PROXY,
    metrics: e.METRICS,
    clientMetadataAllowPrivate: e.CLIENT_METADATA_ALLOW_PRIVATE,
    operatorEmails: e.OPERATOR_EMAILS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    auditRefreshes: e.AUDIT_REFRESHES,
    logLevel: e.LOG_LEVEL,
    clientRateLimitPerS: e.CLIENT_RATE_LIMIT,
    clientRateBurstS: e.CLIENT_RATE_BURST_S,
    secretPrevious: e.SECRET_PREVIOUS,
    signingKeyRotateDays: e.SIGNING_KEY_ROTATE_DAYS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
  };
}

/** Defaults for tests and embedding: in-memory store, fixed issuer. */
export function defaultConfig(overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return { ...loadConfig({}), databaseUrl: 'memory', publicUrl: 'http://localhost:8787', logLevel: 'silent', ...overrides };
}
