/**
 * A real SMTP server in the test process (the `smtp-server` package) that keeps every message it receives,
 * parsed with `mailparser`: point a provider's SMTP_URL at `mailbox.url` and read what it sent. For provider
 * tests and the e2e walkthroughs; not part of the published package (dev dependencies only).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { CookieJar } from './cookie-jar.ts';

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

/** The link of `mail` that starts with `prefix` (say `${issuer}/dash/reset-password?token=`); throws with the text if none. */
export function mailedLink(mail: ReceivedMail, prefix: string): URL {
  const link = mail.links.find((l) => l.startsWith(prefix));
  if (!link) throw new Error(`no link starting ${prefix} in: ${mail.text}`);
  return new URL(link);
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

/**
 * A verified account on a provider process whose SMTP_URL is `mailbox.url`, made as a person makes one (sign-up,
 * the verification link read from the mail, its page's Verify button, then sign-in); returns the signed-in cookies.
 */
export async function verifiedAccount(providerUrl: string, mailbox: Mailbox, email: string, password: string): Promise<CookieJar> {
  const json = (path: string, body: unknown, jar?: CookieJar) =>
    fetch(new URL(path, providerUrl), { method: 'POST', headers: { 'content-type': 'application/json', ...(jar ? { cookie: jar.header() } : {}) }, body: JSON.stringify(body) });
  const signup = await json('/dash/signup', { email, password });
  if (signup.status !== 200) throw new Error(`sign-up of ${email}: ${signup.status} ${await signup.text()}`);
  const mail = await mailbox.next(email, /Verify your email/);
  const link = mail.links.find((l) => l.includes('/dash/verify-email?token='));
  if (!link) throw new Error(`no verification link in: ${mail.text}`);
  const jar = new CookieJar();
  const page = await fetch(link);
  jar.take(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  // The form posts back to the page's own origin: the issuer the link names (which may be another host name than the one
  // the test dialled, e.g. localhost for 127.0.0.1).
  const verify = await fetch(new URL('/dash/verify-email', link), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(), origin: new URL(link).origin },
    body: new URLSearchParams({ _csrf: csrf ?? '', token: new URL(link).searchParams.get('token')! }),
  });
  if (verify.status !== 303) throw new Error(`verifying ${email}: ${verify.status} ${await verify.text()}`);
  const login = await json('/dash/login', { email, password });
  if (login.status !== 200) throw new Error(`login of ${email}: ${login.status} ${await login.text()}`);
  const session = new CookieJar();
  session.take(login);
  return session;
}
