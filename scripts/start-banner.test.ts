import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { readyBanner } from './start-banner.mjs';

const base = { secs: '3.1', demoUrl: 'http://localhost:3000', providerUrl: 'http://localhost:8787', demoPassword: 'demo-abc' };

// docs/pages.md §8: `npm start` says how to become an operator.
describe("npm start's ready text", () => {
  it('says how to become an operator, and that operator add needs the provider stopped on the embedded store', () => {
    const text: string = readyBanner({ ...base, operatorEmails: undefined });
    expect(text).toContain('http://localhost:8787/dash');
    expect(text).toContain('demo@example.com / demo-abc');
    expect(text).toContain('OPERATOR_EMAILS=you@example.com npm start');
    expect(text).toContain('`npx --no instant-provider operator add EMAIL` works only while');
    expect(text).toContain('the provider is stopped');
  });

  it('names the operators and the console when OPERATOR_EMAILS is set', () => {
    const text: string = readyBanner({ ...base, operatorEmails: 'ada@example.com' });
    expect(text).toContain('Operators (OPERATOR_EMAILS):        ada@example.com   (console at http://localhost:8787/dash/operator)');
    expect(text).not.toContain('you@example.com');
  });

  it('prints where the dev outbox is without SMTP_URL, and nothing about it with one (docs/security-accounts.md §8)', () => {
    expect(readyBanner({ ...base, operatorEmails: undefined })).toContain('Mail (no SMTP_URL, not sent):       http://localhost:8787/dev/outbox   (opens on this machine only)');
    expect(readyBanner({ ...base, operatorEmails: undefined, smtpUrl: 'smtps://u:p@mail.example.com' })).not.toContain('outbox');
  });
});
