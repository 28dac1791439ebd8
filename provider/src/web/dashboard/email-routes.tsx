/** @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono';
import { peekEmailToken } from '../../domain/accounts/email-tokens.ts';
import { requestPasswordReset, RESET_LINK_DEAD, RESET_PATH, resetPassword } from '../../domain/accounts/password-reset.ts';
import { endSession, sessionUser } from '../http/session-cookie.ts';
import { signUp } from '../../domain/accounts/sign-in.ts';
import { FORGOT_PATH, resendVerification, VERIFY_PATH, verifyEmail } from '../../domain/accounts/verification.ts';
import type { Ctx } from '../../domain/context.ts';
import { clientAddress } from '../http/client-address.ts';
import { csrfToken, requireCsrf } from '../http/csrf.ts';
import { ApiError } from '../../domain/errors.ts';
import { CheckInboxPage, DonePage, ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './email-pages.tsx';
import { readForm, safeNext, seeOther, setFlash, takeFlash } from './forms.ts';
import { ErrorPage } from './layout.tsx';

const VERIFY_LINK_DEAD = 'This verification link has expired, was already used, or a newer one was sent. Sign in to send a new one.';

/**
 * The pages of mailed links (docs/security-accounts.md §8–§10): sign-up's "check your inbox", verifying an address,
 * resending the link, and forgot / reset password. Registered on the dashboard app, so its error pages apply.
 * Every link page is a form that posts its token back: fetching a link (a mail scanner) uses nothing.
 */
export function registerEmailRoutes(app: Hono, ctx: Ctx): void {
  const address = (c: Context) => clientAddress(c);
  const withNext = (path: string, next: string | undefined) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);

  // Sign-up: a new address and a registered one get the same 303 to the same page (and no session).
  app.post('/dash/signup', async (c) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    const next = safeNext(ctx.config.issuer, form.next ?? c.req.query('next'));
    const email = (form.email ?? '').trim().slice(0, 254);
    try {
      await signUp(ctx, address(c), email, form.password ?? '');
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        await setFlash(ctx, c, { error: err.message, email });
        return seeOther(c, withNext('/dash/signup', next));
      }
      throw err;
    }
    await setFlash(ctx, c, { email: email.toLowerCase() });
    return seeOther(c, withNext('/dash/check-email', next));
  });
  app.get('/dash/check-email', async (c) => {
    return c.html(<CheckInboxPage flash={await takeFlash(ctx, c)} next={safeNext(ctx.config.issuer, c.req.query('next'))} />);
  });

  // A page that shows what a form post just did (post/redirect/get), or sends a stray visitor on.
  const done = (path: string, title: string, href: string, label: string) =>
    app.get(path, async (c) => {
      const flash = await takeFlash(ctx, c);
      if (!flash.notice) return seeOther(c, href);
      return c.html(<DonePage title={title} href={href} label={label}>{flash.notice}</DonePage>);
    });

  app.get(VERIFY_PATH, async (c) => {
    const token = c.req.query('token');
    const live = await peekEmailToken(ctx, token, 'verify');
    if (!live) return c.html(<ErrorPage title="Link expired" message={VERIFY_LINK_DEAD} next={[{ href: '/dash', label: 'Sign in' }]} />, 400);
    return c.html(<VerifyEmailPage csrf={await csrfToken(ctx, c)} token={token!} email={live.email} />);
  });
  app.post(VERIFY_PATH, async (c) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    const email = await verifyEmail(ctx, form.token, address(c));
    if (!email) return c.html(<ErrorPage title="Link expired" message={VERIFY_LINK_DEAD} next={[{ href: '/dash', label: 'Sign in' }]} />, 400);
    await setFlash(ctx, c, { notice: `${email} is verified. Thank you.` });
    return seeOther(c, `${VERIFY_PATH}/done`);
  });
  done(`${VERIFY_PATH}/done`, 'Address verified', '/dash', 'Go to your dashboard');

  app.post(`${VERIFY_PATH}/resend`, async (c) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    const user = await sessionUser(ctx, c);
    if (!user) return seeOther(c, '/dash/login?next=/dash');
    await resendVerification(ctx, user, address(c));
    await setFlash(ctx, c, { notice: user.email_verified_at ? 'Your address is already verified.' : `We sent a new verification link to ${user.email}.` });
    return seeOther(c, '/dash');
  });

  app.get(FORGOT_PATH, async (c) => c.html(<ForgotPasswordPage csrf={await csrfToken(ctx, c)} flash={await takeFlash(ctx, c)} />));
  app.post(FORGOT_PATH, async (c) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    const email = (form.email ?? '').trim().slice(0, 254);
    await requestPasswordReset(ctx, address(c), email);
    // The same answer whether or not the address has an account.
    await setFlash(ctx, c, { notice: `If ${email || 'that address'} has an Instant account, we mailed it a link to choose a new password. It works once, within 30 minutes.` });
    return seeOther(c, `${FORGOT_PATH}/sent`);
  });
  done(`${FORGOT_PATH}/sent`, 'Check your inbox', '/dash/login', 'Back to sign in');

  const resetLinkDead = (c: Context) => c.html(<ErrorPage title="Link expired" message={RESET_LINK_DEAD} next={[{ href: FORGOT_PATH, label: 'Ask for a new link' }]} />, 400);
  app.get(RESET_PATH, async (c) => {
    const token = c.req.query('token');
    const live = await peekEmailToken(ctx, token, 'reset');
    if (!live) return resetLinkDead(c);
    return c.html(<ResetPasswordPage csrf={await csrfToken(ctx, c)} token={token!} email={live.email} flash={await takeFlash(ctx, c)} />);
  });
  app.post(RESET_PATH, async (c) => {
    const form = await readForm(c);
    await requireCsrf(ctx, c, form._csrf);
    let result;
    try {
      result = await resetPassword(ctx, form.token, form.password ?? '', address(c));
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && err.message === RESET_LINK_DEAD) return resetLinkDead(c);
      if (err instanceof ApiError && err.status === 400) {
        await setFlash(ctx, c, { error: err.message });
        return seeOther(c, `${RESET_PATH}?token=${encodeURIComponent(form.token ?? '')}`);
      }
      throw err;
    }
    await endSession(ctx, c); // this browser's cookie too, whoever it belonged to
    const ended = result.sessionsEnded === 1 ? '1 session was' : `${result.sessionsEnded} sessions were`;
    await setFlash(ctx, c, {
      notice: `The password of ${result.email} is changed. Every session of the account was signed out, in every browser (${ended} open). Sign in with the new password.`,
    });
    return seeOther(c, `${RESET_PATH}/done`);
  });
  done(`${RESET_PATH}/done`, 'Password changed', '/dash/login', 'Sign in');
}
