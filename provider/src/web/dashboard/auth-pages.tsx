/** @jsxImportSource hono/jsx */
import { MAX_PASSWORD_LENGTH } from '../../domain/accounts/passwords.ts';
import type { User } from '../../domain/accounts/users.ts';
import { Csrf, FlashMessages, NewPasswordField } from './components.tsx';
import type { Flash } from './forms.ts';
import { UnverifiedNotice } from './email-pages.tsx';
import { Layout } from './layout.tsx';

interface AuthPageProps {
  csrf: string;
  /** A safe relative path to go to afterwards, carried through the form. */
  next: string | undefined;
  flash: Flash;
  /** Someone is already signed in in this browser. */
  signedIn: User | null;
  /** The app whose authorization request continues after signing in (`next`), to say who is asking. */
  asking?: string | null;
}

function Asking({ app }: { app: string | null | undefined }) {
  if (!app) return null;
  return (
    <p class="notice" data-testid="asking">
      <strong>{app}</strong> asks you to sign in with your Instant account. Afterwards you will see what it wants to do, and can allow or deny it.
    </p>
  );
}

const withNext = (path: string, next: string | undefined) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);

function AlreadySignedIn({ user, next, other }: { user: User; next: string | undefined; other: string }) {
  return (
    <p class="notice">
      You are signed in as <strong>{user.email}</strong>. <a href={next ?? '/dash'}>Continue as {user.email}</a>, or {other} below.
    </p>
  );
}

/** `GET /dash/login` */
export function LoginPage({ csrf, next, flash, signedIn, asking }: AuthPageProps) {
  return (
    <Layout title="Sign in">
      <section class="card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Instant</h1>
        <Asking app={asking} />
        {signedIn ? <AlreadySignedIn user={signedIn} next={next} other="sign in with another account" /> : null}
        <FlashMessages flash={flash} />
        <form method="post" action={withNext('/dash/login', next)}>
          <Csrf token={csrf} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <label for="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            maxlength={254}
            value={flash.email ?? ''}
            autofocus
            aria-describedby={flash.error ? 'form-error' : undefined}
          />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required maxlength={MAX_PASSWORD_LENGTH} />
          <div class="actions">
            <button type="submit">Sign in</button>
            <a class="button secondary" href={withNext('/dash/signup', next)}>
              Create an account
            </a>
          </div>
          <p class="hint">
            <a href="/dash/forgot-password">Forgot your password?</a>
          </p>
        </form>
      </section>
    </Layout>
  );
}

/** `GET /dash/signup` */
export function SignupPage({ csrf, next, flash, signedIn, asking }: AuthPageProps) {
  return (
    <Layout title="Create an account">
      <section class="card" aria-labelledby="signup-title">
        <h1 id="signup-title">Create your Instant account</h1>
        <Asking app={asking} />
        {signedIn ? <AlreadySignedIn user={signedIn} next={next} other="create another account" /> : null}
        <FlashMessages flash={flash} />
        <form method="post" action={withNext('/dash/signup', next)}>
          <Csrf token={csrf} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="email" required maxlength={254} value={flash.email ?? ''} autofocus />
          <NewPasswordField id="password" name="password" label="Password" extraHint="A passphrase of a few unrelated words works well." />
          <div class="actions">
            <button type="submit">Create account</button>
            <a class="button secondary" href={withNext('/dash/login', next)}>
              I already have an account
            </a>
          </div>
        </form>
      </section>
    </Layout>
  );
}

/** `GET /dash`: the signed-in user's overview. */
export function HomePage({ user, csrf, flash = {}, counts }: { user: User; csrf: string; flash?: Flash; counts: { tokens: number; oauthApps: number; authorizedApps: number } }) {
  return (
    <Layout title="Dashboard" user={user} csrf={csrf} current="home">
      <h1>Welcome, {user.email}</h1>
      <FlashMessages flash={flash} />
      {user.email_verified_at ? null : <UnverifiedNotice csrf={csrf} email={user.email} />}
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">Your account</h2>
        <dl class="meta">
          <dt>Email</dt>
          <dd>
            {user.email} {user.email_verified_at ? <span class="badge">verified</span> : <span class="badge">not verified</span>}
          </dd>
          <dt>User id</dt>
          <dd>
            <code>{user.id}</code>
          </dd>
          <dt>Member since</dt>
          <dd>{user.created_at.toISOString().slice(0, 10)}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="links-title">
        <h2 id="links-title">Manage</h2>
        <ul>
          <li>
            <a href="/dash/apps">Apps</a> — the Instant apps you own (made with the Platform API or the CLI).
          </li>
          <li>
            <a href="/dash/settings/tokens">Personal access tokens</a> — {counts.tokens} active. Use one as a bearer token with the Platform API or Instant's CLI.
          </li>
          <li>
            <a href="/dash/settings/oauth-apps">OAuth apps</a> — {counts.oauthApps} registered. Offer "Sign in with Instant" in your own product.
          </li>
          <li>
            <a href="/dash/settings/authorized-apps">Authorized apps</a> — {counts.authorizedApps} with access to your account.
          </li>
        </ul>
      </section>
    </Layout>
  );
}
