import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unsealData } from 'iron-session';
import { startMailbox, type Mailbox } from '../provider/src/testing/mailbox.ts';
import { launchBrowser, startProcess, type Browser, type BrowserContext, type Page, type Server } from './harness.ts';

/** Both servers on free ports with fresh in-memory stores, and a browser. */
export interface World {
  provider: Server;
  demo: Server;
  browser: Browser;
  /** The demo app's OAuth client, as seeded. */
  client: { id: string; secret: string };
  /** The demo app's DEMO_SESSION_SECRET (to read its sealed session cookie in assertions). */
  sessionSecret: string;
  /** The SMTP server (in this test process) the provider's SMTP_URL points at: every message it sent. */
  mailbox: Mailbox;
  /** A new browser context (own cookies) with generous timeouts. */
  newContext(): Promise<BrowserContext>;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now (the demo's port must be known before the provider seeds its redirect URI). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const STEP_TIMEOUT_MS = 20_000;

/**
 * Boots the provider (`--seed-demo`, in-memory store, the demo's redirect URI and client secret
 * from DEMO_REDIRECT_URI / DEMO_CLIENT_SECRET) and then the demo app pointed at it.
 */
export async function startWorld(): Promise<World> {
  const dataDir = mkdtempSync(join(tmpdir(), 'instant-e2e-'));
  const demoPort = await freePort();
  const demoUrl = `http://localhost:${demoPort}`;
  const secret = randomBytes(24).toString('base64url');
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const mailbox = await startMailbox();
    started.push({ stop: () => mailbox.close() });
    const provider = await startProcess('provider', ['provider/bin/instant-provider.mjs', '--seed-demo'], {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: 'memory',
      DATA_DIR: dataDir,
      SECRET: randomBytes(32).toString('base64url'),
      DEMO_CLIENT_SECRET: secret,
      DEMO_PASSWORD: randomBytes(12).toString('base64url'),
      DEMO_REDIRECT_URI: `${demoUrl}/auth/instant/callback`,
      SWEEP_INTERVAL_S: '3600',
      OPERATOR_EMAILS: 'operator@example.com',
      SMTP_URL: mailbox.url,
    }, 60_000);
    started.push(provider);
    const client = { id: 'demo-app', secret };
    const sessionSecret = randomBytes(32).toString('base64url');
    const demo = await startProcess('demo-app', ['demo-app/bin/demo-app.mjs'], {
      PORT: String(demoPort),
      HOST: '127.0.0.1',
      INSTANT_ISSUER: provider.url,
      INSTANT_CLIENT_ID: client.id,
      INSTANT_CLIENT_SECRET: client.secret,
      DEMO_SESSION_SECRET: sessionSecret,
    }, 60_000);
    started.push(demo);
    const browser = await launchBrowser();
    return {
      provider,
      demo,
      browser,
      client,
      sessionSecret,
      mailbox,
      async newContext() {
        const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
        ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
        ctx.setDefaultNavigationTimeout(STEP_TIMEOUT_MS * 2);
        return ctx;
      },
      async stop() {
        await browser.close().catch(() => {});
        await Promise.all(started.map((s) => s.stop()));
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/** The provider alone (no demo app, no seed) on a free port with an in-memory store; `dataDir` holds its lock; `env` adds to its environment. */
export async function startProviderOnly(dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  return startProcess('provider', ['provider/bin/instant-provider.mjs'], {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: 'memory',
    DATA_DIR: dataDir,
    SECRET: randomBytes(32).toString('base64url'),
    ...env,
  }, 60_000);
}

const usedLabels = new Set<string>();
/** A fresh account for one journey (every world has a fresh store, so a label is used once per world). */
export function newAccount(label: string) {
  if (usedLabels.has(label)) throw new Error(`account label ${label} used twice`);
  usedLabels.add(label);
  return { email: `${label}@example.com`, password: `correct horse ${randomBytes(6).toString('hex')}` };
}

/**
 * Signs up at the provider's own sign-up page ("Check your inbox": sign-up never signs in), then signs in there,
 * leaving the browser signed in with an unverified address (verifyFromMail verifies it).
 */
export async function signUpAtProvider(page: Page, providerUrl: string, account: { email: string; password: string }): Promise<void> {
  await page.goto(`${providerUrl}/dash/signup`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${providerUrl}/dash/check-email`);
  await logInAtProvider(page, providerUrl, account);
}

/** Opens the verification link of the newest sign-up mail to `email` (read from the world's SMTP server) and presses Verify. */
export async function verifyFromMail(page: Page, world: Pick<World, 'mailbox' | 'provider'>, email: string): Promise<void> {
  const mail = await world.mailbox.next(email, /Verify your email/);
  const link = mail.links.find((l) => l.startsWith(`${world.provider.url}/dash/verify-email?token=`));
  if (!link) throw new Error(`no verification link in: ${mail.text}`);
  await page.goto(link);
  await page.getByRole('button', { name: `Verify ${email}` }).click();
  await page.waitForURL(`${world.provider.url}/dash/verify-email/done`);
}

/** Logs in at the provider's login page. */
export async function logInAtProvider(page: Page, providerUrl: string, account: { email: string; password: string }): Promise<void> {
  await page.goto(`${providerUrl}/dash/login`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${providerUrl}/dash`);
}

/** The OAuth tokens the demo app keeps for this browser, read from its sealed session cookie. */
export async function demoTokens(ctx: BrowserContext, world: World): Promise<{ accessToken: string; refreshToken: string } | null> {
  const cookie = (await ctx.cookies(world.demo.url)).find((c) => c.name === 'demo_session');
  if (!cookie) return null;
  const data = await unsealData<{ tokens?: { accessToken: string; refreshToken: string } }>(cookie.value, { password: world.sessionSecret });
  return data.tokens ?? null;
}

/** Tabs through the page until `name` has focus (keyboard only); fails after `max` presses. */
export async function tabTo(page: Page, name: RegExp, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? (el.getAttribute('aria-label') ?? el.innerText ?? el.getAttribute('value') ?? '').trim() : '';
    });
    if (name.test(focused)) return;
  }
  throw new Error(`${name} never received focus after ${max} Tab presses`);
}

/** The sign-in the demo app started in this browser (its sealed `demo_session_flow` cookie): state and PKCE verifier. */
export async function demoFlow(ctx: BrowserContext, world: World): Promise<{ state: string; codeVerifier: string } | null> {
  const cookie = (await ctx.cookies(world.demo.url)).find((c) => c.name === 'demo_session_flow');
  return cookie ? unsealData<{ state: string; codeVerifier: string }>(cookie.value, { password: world.sessionSecret }) : null;
}

/** HTTP Basic client authentication of the demo's client (RFC 6749 §2.3.1). */
export function basic(world: World): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(world.client.id)}:${encodeURIComponent(world.client.secret)}`).toString('base64')}`;
}
