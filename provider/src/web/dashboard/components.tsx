/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { Flash } from './forms.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../domain/accounts/passwords.ts';

/** The hidden CSRF field every form carries. */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/**
 * A destructive action in two steps, without scripts: `label` opens it to say what will end (`consequence`),
 * and the button inside (`children`) does it (docs/pages.md §5).
 */
export function Confirm({ label, consequence, children }: { label: string; consequence: string; children?: Child }) {
  return (
    <details class="confirm">
      <summary>{label}</summary>
      <div class="confirm-body">
        <p>{consequence}</p>
        {children}
      </div>
    </details>
  );
}

/** The confirming button's words: "Yes, revoke access" for "Revoke access". */
export const confirmLabel = (label: string) => `Yes, ${label.charAt(0).toLowerCase()}${label.slice(1)}`;

/** A one-button form that posts to `action` (revoke, delete, rotate); with `confirm`, behind a Confirm that says it. */
export function PostButton({ action, csrf, label, danger, fields, confirm }: { action: string; csrf: string; label: string; danger?: boolean; fields?: Record<string, string>; confirm?: string }) {
  const form = (
    <form method="post" action={action} class="inline">
      <Csrf token={csrf} />
      {Object.entries(fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={danger || confirm ? 'danger' : 'secondary'}>
        {confirm ? confirmLabel(label) : label}
      </button>
    </form>
  );
  return confirm ? <Confirm label={label} consequence={confirm}>{form}</Confirm> : form;
}

/** Notice, error, and a secret shown once, from the flash of the previous post. */
export function FlashMessages({ flash }: { flash: Flash }) {
  return (
    <>
      {flash.error ? (
        <p class="error" role="alert" id="form-error">
          {flash.error}
        </p>
      ) : null}
      {flash.notice ? (
        <p class="success" role="status">
          {flash.notice}
        </p>
      ) : null}
      {flash.secret ? (
        <div class="once" role="status">
          <strong>{flash.secret.label}</strong>
          {/* One line that scrolls (never broken mid-token), so it can take keyboard focus to scroll and select. */}
          <div class="secret-row">
            <code class="secret" id="once-secret" tabindex={0} aria-label={flash.secret.label}>
              {flash.secret.value}
            </code>
            {/* Hidden until /assets/copy.js finds the Clipboard API (docs/pages.md §7). */}
            <button type="button" class="copy secondary" data-copy="once-secret" data-copy-status="once-copied" hidden>
              Copy
            </button>
          </div>
          <span class="copy-status" id="once-copied" aria-live="polite"></span>
          <script src="/assets/copy.js" defer></script>
          <p class="hint">Copy it now: it is shown only this once and cannot be recovered. Keep it out of source control.</p>
        </div>
      ) : null}
    </>
  );
}

export type SettingsTab = 'tokens' | 'oauth-apps' | 'authorized-apps' | 'account';

const TABS: Array<{ key: SettingsTab; href: string; label: string }> = [
  { key: 'tokens', href: '/dash/settings/tokens', label: 'Personal access tokens' },
  { key: 'oauth-apps', href: '/dash/settings/oauth-apps', label: 'OAuth apps' },
  { key: 'authorized-apps', href: '/dash/settings/authorized-apps', label: 'Authorized apps' },
  { key: 'account', href: '/dash/settings/account', label: 'Account' },
];

export function SettingsTabs({ current }: { current: SettingsTab }) {
  return (
    <nav class="tabs" aria-label="Settings">
      {TABS.map((t) => (
        <a href={t.href} aria-current={t.key === current ? 'page' : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

/** A date for people: `2026-01-31 14:05 UTC`, or a dash. */
export function when(d: Date | null | undefined): string {
  if (!d) return '—';
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function Time({ at, empty = '—' }: { at: Date | null | undefined; empty?: string }): Child {
  if (!at) return <span class="muted">{empty}</span>;
  return <time datetime={at.toISOString()}>{when(at)}</time>;
}

/**
 * The field of a new password (sign-up, reset, change): the length rules of domain/accounts/passwords.ts, `new-password` for
 * password managers, and its hint line (`<id>-hint`, which the input is described by).
 */
export function NewPasswordField({ id, name, label, extraHint, autofocus }: { id: string; name: string; label: string; extraHint?: string; autofocus?: boolean }) {
  return (
    <>
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="password"
        autocomplete="new-password"
        required
        minlength={MIN_PASSWORD_LENGTH}
        maxlength={MAX_PASSWORD_LENGTH}
        aria-describedby={`${id}-hint`}
        autofocus={autofocus}
      />
      <p class="hint" id={`${id}-hint`}>
        At least {MIN_PASSWORD_LENGTH} characters.{extraHint ? ` ${extraHint}` : ''}
      </p>
    </>
  );
}
