/** @jsxImportSource hono/jsx */
import type { AuthorizedApp } from '../../domain/accounts/authorized-apps.ts';
import { appField, scopesReachApps, type AppAccessMode, type StoredAppAccess } from '../../domain/platform/grant-apps.ts';
import { Csrf } from './components.tsx';

/** One of the user's apps, as a choice lists it. */
export interface AppChoice {
  id: string;
  title: string;
}

export const APP_ACCESS_LABELS: Record<AppAccessMode, string> = {
  all: 'All my apps, including apps I make later',
  created: 'Only apps it creates from now on',
  selected: 'Only the apps I pick below, and apps it creates',
};

/**
 * "Which of your apps may it reach?" (docs/mcp.md §8): the same fields on the consent page and in Settings →
 * Authorized apps. A radio group for the mode and one checkbox per app (`app:<id>`: one field name each, so every
 * form parser keeps them all). Apps created through the grant are always reached: shown ticked and fixed.
 * `idPrefix` keeps ids unique on a page.
 */
export function AppAccessFields({ current, apps, idPrefix }: { current: StoredAppAccess; apps: AppChoice[]; idPrefix: string }) {
  const created = new Set(current.created);
  const selected = new Set(current.selected);
  const hint = `${idPrefix}-hint`;
  return (
    <fieldset class="app-access" aria-describedby={hint}>
      <legend>Which of your Instant apps may it reach?</legend>
      {(Object.keys(APP_ACCESS_LABELS) as AppAccessMode[]).map((mode) => (
        <label class="checkbox">
          <input type="radio" name="app_access" value={mode} checked={current.mode === mode} /> {APP_ACCESS_LABELS[mode]}
        </label>
      ))}
      <fieldset class="pick">
        <legend>Apps to allow with "Only the apps I pick"</legend>
        {apps.length === 0 ? <p class="muted">You have no apps yet.</p> : null}
        {apps.map((a) =>
          created.has(a.id) ? (
            <label class="checkbox">
              <input type="checkbox" checked disabled /> {a.title} <span class="muted">(it created this app)</span>
            </label>
          ) : (
            <label class="checkbox">
              <input type="checkbox" name={appField(a.id)} value="1" checked={selected.has(a.id)} /> {a.title}
            </label>
          ),
        )}
      </fieldset>
      <p class="hint" id={hint}>
        An app it may not reach is hidden from it, as if it did not exist: it cannot read, change or delete it. Limiting it
        is safer for agents and tools that only need to work on one project.
      </p>
    </fieldset>
  );
}

/** The stored choice in words, for the Settings list. */
function accessSummary(a: StoredAppAccess, apps: AppChoice[]): string {
  if (a.mode === 'all') return 'all your apps';
  const named = new Set([...a.created, ...(a.mode === 'selected' ? a.selected : [])]);
  const titles = apps.filter((x) => named.has(x.id)).map((x) => x.title);
  const what = a.mode === 'created' ? 'only apps it created' : 'only the apps you picked and apps it created';
  return `${what} (${titles.length ? titles.join(', ') : 'none yet'})`;
}

/**
 * Settings → Authorized apps: what one authorized app reaches, and a form to change it (CSRF-protected, audited:
 * domain/accounts/authorized-apps.ts `changeAuthorizedAppAccess`). Only for apps whose scopes reach apps at all.
 */
export function AppAccessForm({ app, csrf, apps }: { app: AuthorizedApp; csrf: string; apps: AppChoice[] }) {
  if (!scopesReachApps(app.scopes)) return null;
  return (
    <div class="hint" data-app-access={app.app_access.mode}>
      It can reach {accessSummary(app.app_access, apps)}.
      <details>
        <summary>Change which apps {app.name} can reach</summary>
        <form method="post" action={`/dash/settings/authorized-apps/${app.oauth_app_id}/app-access`}>
          <Csrf token={csrf} />
          <AppAccessFields current={app.app_access} apps={apps} idPrefix={`access-${app.oauth_app_id}`} />
          <button type="submit">Save</button>
        </form>
      </details>
    </div>
  );
}
