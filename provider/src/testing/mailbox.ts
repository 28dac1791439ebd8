/**
 * A real SMTP server in the test process (the `smtp-server` package) that keeps every message it receives,
 * parsed with `mailparser`: point a provider's SMTP_URL at `mailbox.url` and read what it sent. For provider
 * tests and the e2e walkthroughs; not part of the published package (dev dependencies only).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  text: string;
  /** Every http(s) link in the text. */
  links: string[];
}

export interface Mailbox {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  messages: ReceivedMail[];
  /** The first message (oldest first) to `to` matching `subject`, waiting for it to arrive. */
  next(to: string, subject?: RegExp, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const messages: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'], // plain SMTP on loopback; nodemailer then sends without TLS
    logger: false,
    onData(stream, session, done) {
      simpleParser(stream)
        .then((mail) => {
          const text = mail.text ?? '';
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: mail.subject ?? '',
            text,
            links: text.match(/https?:\/\/\S+/g) ?? [],
          });
          done();
        })
        .catch((err: Error) => done(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async next(to, subject, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find((m) => !taken.has(m) && m.to.includes(to.toLowerCase()) && (!subject || subject.test(m.subject)));
        if (found) {
          taken.add(found);
          return found;
        }
        if (Date.now() > until) throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ''} within ${timeoutMs} ms (got: ${messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none'})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
