import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../domain/config.ts';
import { createTestProvider, type TestProvider } from '../testing/index.ts';
import { startMailbox } from '../testing/mailbox.ts';
import { Browser } from '../testing/accounts.ts';
import { OUTBOX_PATH } from './outbox.tsx';

// docs/security-accounts.md §8: without SMTP_URL mail goes to the log and the dev outbox, which answers only to
// this machine (the connection's peer, never a header) and does not exist once SMTP_URL is set.

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

const get = (q: TestProvider, headers: Record<string, string>) => q.app.request(OUTBOX_PATH, { headers: { accept: 'text/html', ...headers } });

describe('dev outbox', () => {
  it('keeps the messages of a provider without SMTP_URL and shows them to a loopback peer only', async () => {
    p = await createTestProvider();
    expect(p.ctx.mailer.kind).toBe('dev');
    await new Browser(p).signUp('dev@example.com', 'correct horse battery');
    // The message leaves in the background.
    await expect.poll(() => p!.ctx.mailer.outbox!.length).toBe(1);
    const local = await get(p, { 'x-test-client-address': '127.0.0.1', host: 'localhost:8787' });
    expect(local.status).toBe(200);
    expect(local.headers.get('cache-control')).toBe('no-store');
    const html = await local.text();
    expect(html).toContain('Verify your email address for Instant');
    expect(html).toMatch(/http:\/\/localhost:8787\/dash\/verify-email\?token=[A-Za-z0-9_-]{43}/);
    expect((await get(p, { 'x-test-client-address': '::1', host: '127.0.0.1:8787' })).status).toBe(200);
    expect((await get(p, { 'x-test-client-address': '::ffff:127.0.0.1', host: 'localhost:8787' })).status).toBe(200);

    // Anyone else gets the ordinary 404, whatever headers claim.
    for (const headers of <Array<Record<string, string>>>[
      { 'x-test-client-address': '10.0.0.1', host: 'localhost:8787' },
      { 'x-test-client-address': '192.168.1.20', host: 'localhost:8787', 'x-forwarded-for': '127.0.0.1' },
      // a local proxy makes every client look local: anything it forwarded is refused
      { 'x-test-client-address': '127.0.0.1', host: 'localhost:8787', 'x-forwarded-for': '203.0.113.9' },
      { 'x-test-client-address': '127.0.0.1', host: 'localhost:8787', forwarded: 'for=203.0.113.9' },
      // DNS rebinding: a page on another name resolving to 127.0.0.1
      { 'x-test-client-address': '127.0.0.1', host: 'evil.example:8787' },
      { host: 'localhost:8787' }, // no socket at all
    ]) {
      const res = await get(p, headers);
      expect(res.status, JSON.stringify(headers)).toBe(404);
      expect(await res.text()).not.toContain('verify-email');
    }
  });

  it('does not exist when SMTP_URL is set, not even for this machine', async () => {
    const mailbox = await startMailbox();
    try {
      p = await createTestProvider({ smtpUrl: mailbox.url });
      expect(p.ctx.mailer.kind).toBe('smtp');
      expect(p.ctx.mailer.outbox).toBeNull();
      expect((await get(p, { 'x-test-client-address': '127.0.0.1', host: 'localhost:8787' })).status).toBe(404);
    } finally {
      await mailbox.close();
    }
  });
});

describe('SMTP_URL and MAIL_FROM', () => {
  it('accepts smtp:// and smtps:// URLs and names a bad one without repeating it (it may hold a password)', () => {
    expect(loadConfig({ SMTP_URL: 'smtps://me:hunter2hunter2@mail.example.com:465', MAIL_FROM: 'Instant <auth@example.com>' })).toMatchObject({
      smtpUrl: 'smtps://me:hunter2hunter2@mail.example.com:465',
      mailFrom: 'Instant <auth@example.com>',
    });
    expect(loadConfig({}).smtpUrl).toBeUndefined();
    let message = '';
    try {
      loadConfig({ SMTP_URL: 'http://me:hunter2hunter2@mail.example.com' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SMTP_URL: must be an smtp:// or smtps:// URL');
    expect(message).not.toContain('hunter2');
    expect(() => loadConfig({ MAIL_FROM: 'a@example.com\r\nBcc: victim@example.com' })).toThrow(/MAIL_FROM/);
  });
});
