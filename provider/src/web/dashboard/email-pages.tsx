/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { Csrf, FlashMessages, NewPasswordField } from './components.tsx';
import type { Flash } from './forms.ts';
import { Layout } from './layout.tsx';

const withNext = (path: string, next: string | undefined) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);

/** After sign-up, new address or registered one alike (docs/security-accounts.md §2). */
export function CheckInboxPage({ flash, next }: { flash: Flash; next: string | undefined }) {
  return (
    <Layout title="Check your inbox">
      <section class="card" aria-labelledby="inbox-title">
        <h1 id="inbox-title">Check your inbox</h1>
        <p role="status">
          We sent a message to <strong>{flash.email ?? 'the address you entered'}</strong>. Open the link in it to verify the address. If you already had an
          account with that address, the message says so and how to sign in.
        </p>
        <p class="hint">Nothing there after a few minutes? Look in the spam folder, or sign in and send the link again from your dashboard.</p>
        <div class="actions">
          <a class="button" href={withNext('/dash/login', next)}>
            Sign in
          </a>
        </div>
      </section>
    </Layout>
  );
}

/** `GET /dash/verify-email?token=…`: a button that posts the token (a mail scanner fetching the link verifies nothing). */
export function VerifyEmailPage({ csrf, token, email }: { csrf: string; token: string; email: string }) {
  return (
    <Layout title="Verify your email address">
      <section class="card" aria-labelledby="verify-title">
        <h1 id="verify-title">Verify your email address</h1>
        <p>
          Confirm that <strong>{email}</strong> is your address.
        </p>
        <form method="post" action="/dash/verify-email">
          <Csrf token={csrf} />
          <input type="hidden" name="token" value={token} />
          <div class="actions">
            <button type="submit">Verify {email}</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

/** A page that says one thing and offers one way on. */
export function DonePage({ title, children, href, label }: { title: string; children: Child; href: string; label: string }) {
  return (
    <Layout title={title}>
      <section class="card" aria-labelledby="done-title">
        <h1 id="done-title">{title}</h1>
        <p role="status">{children}</p>
        <div class="actions">
          <a class="button" href={href}>
            {label}
          </a>
        </div>
      </section>
    </Layout>
  );
}

/** `GET /dash/forgot-password` */
export function ForgotPasswordPage({ csrf, flash }: { csrf: string; flash: Flash }) {
  return (
    <Layout title="Reset your password">
      <section class="card" aria-labelledby="forgot-title">
        <h1 id="forgot-title">Reset your password</h1>
        <FlashMessages flash={flash} />
        <p>Enter the address of your account. If it has one, we mail it a link to choose a new password.</p>
        <form method="post" action="/dash/forgot-password">
          <Csrf token={csrf} />
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required maxlength={254} value={flash.email ?? ''} autofocus />
          <div class="actions">
            <button type="submit">Send the reset link</button>
            <a class="button secondary" href="/dash/login">
              Back to sign in
            </a>
          </div>
        </form>
      </section>
    </Layout>
  );
}

/** `GET /dash/reset-password?token=…` */
export function ResetPasswordPage({ csrf, token, email, flash }: { csrf: string; token: string; email: string; flash: Flash }) {
  return (
    <Layout title="Choose a new password">
      <section class="card" aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        <FlashMessages flash={flash} />
        <p>
          For <strong>{email}</strong>. Every session of this account, in every browser, is signed out when you save it.
        </p>
        <form method="post" action="/dash/reset-password">
          <Csrf token={csrf} />
          <input type="hidden" name="token" value={token} />
          {/* The account's address, for password managers to file the new password under. */}
          <input type="hidden" name="username" autocomplete="username" value={email} />
          <NewPasswordField id="password" name="password" label="New password" autofocus />
          <div class="actions">
            <button type="submit">Set the new password</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

/** On the dashboard home while the address is unverified: what waits on it, and a button to mail the link again. */
export function UnverifiedNotice({ csrf, email }: { csrf: string; email: string }) {
  return (
    <section class="card" aria-labelledby="unverified-title" data-testid="unverified">
      <h2 id="unverified-title">Verify your email address</h2>
      <p>
        <strong>{email}</strong> is not verified yet. Until it is, your OAuth apps cannot be published and the operator role does not apply. Open the link we mailed
        you, or send a new one.
      </p>
      <form method="post" action="/dash/verify-email/resend">
        <Csrf token={csrf} />
        <button type="submit" class="secondary">
          Send the verification link again
        </button>
      </form>
    </section>
  );
}
