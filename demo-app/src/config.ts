import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Every setting of the demo app: its environment variable, default and meaning (see the root README). */
export interface DemoConfig {
  /** `PORT`: TCP port to bind (default 3000; 0 picks a free one). */
  port: number;
  /** `HOST`: interface to bind (default `0.0.0.0`). */
  host: string;
  /**
   * `DEMO_PUBLIC_URL`: this site's own URL (default `http://localhost:<bound port>`). Not `PUBLIC_URL`: that is the
   * provider's, often set in the same shell, and as the demo's URL it would break every redirect URI.
   */
  publicUrl: string | undefined;
  /** `INSTANT_ISSUER`: the provider's URL, its OAuth issuer (default `http://localhost:8787`). */
  issuer: string;
  /** `INSTANT_CLIENT_ID`: the OAuth client id registered for this site (default `demo-app`, the seeded one). */
  clientId: string;
  /** `INSTANT_CLIENT_SECRET`: its secret; unset for a public client (PKCE only). */
  clientSecret: string | undefined;
  /** `INSTANT_REDIRECT_URI`: the registered redirect URI (default `<DEMO_PUBLIC_URL>/auth/instant/callback`). */
  redirectUri: string | undefined;
  /** `DEMO_SESSION_SECRET`: seals the session cookie, ≥ 32 characters (default: random per start, so restarts sign everyone out). */
  sessionSecret: string;
  /** `INSTANT_SCOPES`: scopes to ask for, space-separated (default `apps-read apps-write`). */
  scopes: string[];
  /**
   * `DEMO_KIT_COMMAND`: how the pages tell the user to run the instant-kit CLI (default `node <the installed kit's
   * bin/instant-kit.mjs>`, which runs on this machine; `npx instant-kit` only once that name is published by you).
   */
  kitCommand: string;
}

export class DemoConfigError extends Error {
  override name = 'DemoConfigError';
}

function urlSetting(env: Record<string, string | undefined>, key: string, fallback?: string): string | undefined {
  const v = env[key]?.trim() || fallback;
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new DemoConfigError(`${key} must be an http(s) URL (got ${JSON.stringify(v)})`);
  }
  return v.replace(/\/+$/, '');
}

/** Reads and checks the environment once; throws a {@link DemoConfigError} naming the bad variable. */
export function loadDemoConfig(env: Record<string, string | undefined> = process.env): DemoConfig {
  const portRaw = env.PORT?.trim() || '3000';
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port > 65535) throw new DemoConfigError(`PORT must be a whole number from 0 to 65535 (got ${JSON.stringify(portRaw)})`);
  const sessionSecret = env.DEMO_SESSION_SECRET?.trim() || randomBytes(32).toString('base64url');
  if (sessionSecret.length < 32) throw new DemoConfigError('DEMO_SESSION_SECRET must be at least 32 characters (try: openssl rand -base64 32)');
  const scopes = (env.INSTANT_SCOPES?.trim() || 'apps-read apps-write').split(/\s+/).filter(Boolean);
  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    publicUrl: urlSetting(env, 'DEMO_PUBLIC_URL'),
    issuer: urlSetting(env, 'INSTANT_ISSUER', 'http://localhost:8787')!,
    clientId: env.INSTANT_CLIENT_ID?.trim() || 'demo-app',
    clientSecret: env.INSTANT_CLIENT_SECRET?.trim() || undefined,
    redirectUri: urlSetting(env, 'INSTANT_REDIRECT_URI'),
    sessionSecret,
    scopes,
    kitCommand: env.DEMO_KIT_COMMAND?.trim() || `node ${shellWord(localKitBin())}`,
  };
}

/** The instant-kit CLI this demo app runs with: the installed package's binary, by absolute path. */
export function localKitBin(): string {
  return join(dirname(createRequire(import.meta.url).resolve('instant-kit/package.json')), 'bin', 'instant-kit.mjs');
}

const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
