/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { Confirm, confirmLabel } from '../dashboard/components.tsx';
import { Layout } from '../dashboard/layout.tsx';
import { AUDIT_EVENTS, type AuditRow } from '../../domain/audit/events.ts';
import { ALL_SCOPES, type AuditNames, type OAuthAppSummary, type UserDetail, type UserSummary } from '../../domain/operator/services.ts';

export const BASE = '/dash/operator';

interface Chrome {
  user: { email: string };
  csrf: string;
  notice?: string | undefined;
}

const fmt = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');

/** Operator page chrome: the dashboard layout plus the console's navigation. */
const SECTIONS = [
  { key: 'apps', href: `${BASE}/apps`, label: 'OAuth apps' },
  { key: 'clients', href: `${BASE}/clients`, label: 'Dynamic clients' },
  { key: 'users', href: `${BASE}/users`, label: 'Users' },
  { key: 'audit', href: `${BASE}/audit`, label: 'Audit trail' },
] as const;
type Section = (typeof SECTIONS)[number]['key'];

export function OperatorLayout({ title, user, csrf, notice, section, children }: Chrome & { title: string; section?: Section; children?: Child }) {
  return (
    <Layout title={title} user={{ email: user.email, is_operator: true }} csrf={csrf} current="operator">
      {/* The same tabs as Settings (nav.tabs), the current section marked. */}
      <nav aria-label="Operator console" class="tabs">
        {SECTIONS.map((s) => (
          <a href={s.href} aria-current={s.key === section ? 'page' : undefined}>
            {s.label}
          </a>
        ))}
      </nav>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {children}
    </Layout>
  );
}

/** A POST button: every form carries the CSRF token and says where to come back to; with `confirm`, behind a Confirm that says it. */
export function Action(props: { action: string; csrf: string; back: string; label: string; danger?: boolean; fields?: Record<string, string>; confirm?: string }) {
  const { confirm, label } = props;
  return confirm ? (
    <Confirm label={label} consequence={confirm}>
      <ActionForm {...props} label={confirmLabel(label)} danger />
    </Confirm>
  ) : (
    <ActionForm {...props} />
  );
}

function ActionForm({ action, csrf, back, label, danger, fields }: { action: string; csrf: string; back: string; label: string; danger?: boolean; fields?: Record<string, string> }) {
  return (
    <form method="post" action={action} class="inline">
      <input type="hidden" name="_csrf" value={csrf} />
      <input type="hidden" name="back" value={back} />
      {Object.entries(fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={danger ? 'danger' : 'secondary'}>
        {label}
      </button>
    </form>
  );
}

function StatusBadge({ status }: { status: string }) {
  return <span class={status === 'suspended' ? 'badge warn' : 'badge'}>{status === 'test' ? 'test mode' : status}</span>;
}

export function AppCard({ app, csrf, back }: { app: OAuthAppSummary; csrf: string; back: string }) {
  const path = `${BASE}/apps/${app.id}`;
  return (
    <section class="card" id={`app-${app.id}`}>
      <h2>
        <a href={path}>{app.name}</a> <StatusBadge status={app.status} /> {app.dynamic ? <span class="badge warn">unverified (dynamic)</span> : null}
      </h2>
      <p class="muted">
        Owner: {app.owner_email ? <a href={`${BASE}/users/${app.owner_id}`}>{app.owner_email}</a> : 'none (registered dynamically)'} · created {fmt(app.created_at)}
        {app.home_page ? <> · {app.home_page}</> : null}
      </p>
      <p>
        Grants: {app.active_grants} active of {app.total_grants} · last used {fmt(app.last_used_at)}
        <br />
        Requested scopes: {app.requested_scopes.length ? app.requested_scopes.join(' ') : '—'}
        <br />
        Allowed scopes: {app.allowed_scopes ? app.allowed_scopes.join(' ') || 'none' : 'any'}
        <br />
        Rate limit: {app.rate_limit_per_s === null ? `${app.rate_limit_default.perS} requests/s per client (the default)` : `${app.rate_limit_per_s} requests/s per client`}
      </p>
      <table>
        <thead>
          <tr>
            <th>Client</th>
            <th>Type</th>
            <th>Redirect URIs</th>
          </tr>
        </thead>
        <tbody>
          {app.clients.map((c) => (
            <tr>
              <td>
                {c.name}
                <br />
                <code>{c.client_id}</code>
              </td>
              <td>{c.is_public ? 'public' : 'confidential'}</td>
              <td>
                {c.redirect_uris.map((u) => (
                  <div>
                    <code>{u}</code>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        {app.status !== 'published' ? <Action action={`${path}/status`} csrf={csrf} back={back} label="Publish" fields={{ status: 'published' }} /> : null}
        {app.status !== 'test' ? <Action action={`${path}/status`} csrf={csrf} back={back} label="Return to test mode" fields={{ status: 'test' }} /> : null}
        {app.status !== 'suspended' ? <Action action={`${path}/suspend`} csrf={csrf} back={back} label="Suspend" confirm={`Suspend ${app.name}? Every grant and token of it is revoked at once, and nobody can sign in to it until it is published again.`} /> : null}
        <a href={`${BASE}/audit?event=&client=${encodeURIComponent(app.clients[0]?.client_id ?? '')}`}>Audit</a>
      </div>
      <details>
        <summary>Limit scopes</summary>
        <form method="post" action={`${path}/scopes`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="back" value={back} />
          <label>
            <input type="checkbox" name="any" value="1" checked={app.allowed_scopes === null} /> Any scope (no limit)
          </label>
          {ALL_SCOPES.map((s) => (
            <label>
              <input type="checkbox" name="scope" value={s} checked={app.allowed_scopes?.includes(s) ?? false} /> {s}
            </label>
          ))}
          <p class="muted">Tokens already holding a scope outside the limit are revoked.</p>
          <button type="submit">Save scope limit</button>
        </form>
      </details>
      <details>
        <summary>Rate limit</summary>
        <form method="post" action={`${path}/rate-limit`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="back" value={back} />
          <label>
            Requests a second per client <input type="text" inputmode="numeric" name="per_s" value={app.rate_limit_per_s?.toString() ?? ''} placeholder={String(app.rate_limit_default.perS)} />
          </label>
          <p class="muted">Successful requests beyond it get 429; empty means the default (CLIENT_RATE_LIMIT). Bursts of {app.rate_limit_default.burstS} s of it are allowed.</p>
          <button type="submit">Save rate limit</button>
        </form>
      </details>
    </section>
  );
}

export function AppsPage(props: Chrome & { apps: OAuthAppSummary[]; dynamic: boolean }) {
  const back = props.dynamic ? `${BASE}/clients` : `${BASE}/apps`;
  const title = props.dynamic ? 'Dynamically registered clients' : 'OAuth apps';
  return (
    <OperatorLayout title={title} section={props.dynamic ? 'clients' : 'apps'} {...props}>
      <h1>{title}</h1>
      {props.dynamic ? <p class="muted">Registered through RFC 7591 without an account; shown to users as unverified.</p> : <p class="muted">New apps start in test mode: only their owner can authorize them until published.</p>}
      {props.apps.length === 0 ? <p>None yet.</p> : props.apps.map((app) => <AppCard app={app} csrf={props.csrf} back={back} />)}
    </OperatorLayout>
  );
}

export function UsersPage(props: Chrome & { q: string; users: UserSummary[] }) {
  return (
    <OperatorLayout title="Users" section="users" {...props}>
      <h1>Users</h1>
      <form method="get" action={`${BASE}/users`} role="search">
        <label for="q">Email or user id</label>
        <input type="text" id="q" name="q" value={props.q} />
        <div class="actions">
          <button type="submit">Find</button>
        </div>
      </form>
      <h2>{props.q ? `Accounts matching “${props.q}”` : 'All accounts'}</h2>
      {props.users.length ? (
        <table>
          <thead>
            <tr>
              <th>Email</th>
              <th>Grants</th>
              <th>Tokens</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((u) => (
              <tr>
                <td>
                  <a href={`${BASE}/users/${u.id}`}>{u.email}</a>
                </td>
                <td>{u.active_grants}</td>
                <td>{u.live_personal_tokens}</td>
                <td>{u.locked_at ? <span class="badge warn">locked</span> : 'active'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {props.q && props.users.length === 0 ? <p>No account matches.</p> : null}
    </OperatorLayout>
  );
}

export function UserPage(props: Chrome & { detail: UserDetail; self: boolean }) {
  const { user, grants, personalTokens, oauthApps, instantApps } = props.detail;
  const path = `${BASE}/users/${user.id}`;
  const csrf = props.csrf;
  return (
    <OperatorLayout title={user.email} section="users" {...props}>
      <section class="card">
        <h1>{user.email}</h1>
        <p class="muted">
          id <code>{user.id}</code> · since {fmt(user.created_at)} {user.is_operator ? <span class="badge">operator</span> : null}{' '}
          {user.locked_at ? <span class="badge warn">locked {fmt(user.locked_at)}</span> : null}
        </p>
        <div class="actions">
          {props.self ? null : user.locked_at ? (
            <Action action={`${path}/unlock`} csrf={csrf} back={path} label="Unlock account" />
          ) : (
            <Action action={`${path}/lock`} csrf={csrf} back={path} label="Lock account" confirm={`Lock ${user.email}? Their sessions end and every token they hold is revoked at once; they cannot sign in until unlocked.`} />
          )}
          <a href={`${BASE}/audit?user=${user.id}`}>Audit trail of this user</a>
        </div>
      </section>
      <section class="card">
        <h2>OAuth grants</h2>
        {grants.length === 0 ? <p>None.</p> : null}
        <table>
          <tbody>
            {grants.map((g) => (
              <tr>
                <td>
                  {g.app_name} <StatusBadge status={g.app_status} />
                  <br />
                  <span class="muted">{g.scopes.join(' ')}</span>
                </td>
                <td>
                  granted {fmt(g.created_at)}
                  <br />
                  last used {fmt(g.last_used_at)} · {g.live_tokens} live tokens
                </td>
                <td>{g.revoked_at ? `revoked ${fmt(g.revoked_at)}` : <Action action={`${path}/grants/${g.id}/revoke`} csrf={csrf} back={path} label="Revoke" confirm={`End the access of ${g.app_name} to ${user.email}? Its tokens stop working at once.`} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>Personal access tokens</h2>
        {personalTokens.length === 0 ? <p>None.</p> : null}
        <table>
          <tbody>
            {personalTokens.map((t) => (
              <tr>
                <td>{t.name}</td>
                <td>
                  created {fmt(t.created_at)} · expires {fmt(t.expires_at)}
                  <br />
                  last used {fmt(t.last_used_at)}
                </td>
                <td>{t.revoked_at ? `revoked ${fmt(t.revoked_at)}` : <Action action={`${path}/tokens/${t.id}/revoke`} csrf={csrf} back={path} label="Revoke" confirm={`Revoke the personal access token "${t.name}"? Tools using it lose access at once.`} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>Instant apps</h2>
        {instantApps.length === 0 ? <p>None.</p> : null}
        <table>
          <tbody>
            {instantApps.map((a) => (
              <tr>
                <td>
                  {a.title}
                  <br />
                  <code>{a.id}</code>
                </td>
                <td>
                  created {fmt(a.created_at)} · {a.live_admin_tokens} live admin tokens
                </td>
                <td>{a.live_admin_tokens > 0 ? <Action action={`${path}/apps/${a.id}/revoke-admin-tokens`} csrf={csrf} back={path} label="Revoke admin tokens" confirm={`Revoke every admin token of ${a.title}? Servers using them lose access to the app at once.`} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <h2>OAuth apps owned</h2>
      {oauthApps.length === 0 ? <p>None.</p> : oauthApps.map((app) => <AppCard app={app} csrf={csrf} back={path} />)}
    </OperatorLayout>
  );
}

export interface AuditFilters {
  user: string;
  client: string;
  event: string;
  since: string;
}

export function AuditPage(props: Chrome & { rows: AuditRow[]; names: AuditNames; filters: AuditFilters; error?: string | undefined; nextBefore?: number | undefined }) {
  const { users, apps } = props.names;
  const f = props.filters;
  const groups = [...new Set(AUDIT_EVENTS.map((e) => e.split('.')[0]!))];
  const more = props.nextBefore ? `${BASE}/audit?${new URLSearchParams({ ...f, before: String(props.nextBefore) }).toString()}` : null;
  return (
    <OperatorLayout title="Audit trail" section="audit" {...props}>
      <h1>Audit trail</h1>
      <form method="get" action={`${BASE}/audit`} role="search">
        <label for="user">User (email or id)</label>
        <input type="text" id="user" name="user" value={f.user} />
        <label for="client">Client id</label>
        <input type="text" id="client" name="client" value={f.client} />
        <label for="event">Event</label>
        <select id="event" name="event">
          <option value="">any</option>
          {groups.map((g) => (
            <option value={g} selected={f.event === g}>
              {g}.*
            </option>
          ))}
          {AUDIT_EVENTS.map((e) => (
            <option value={e} selected={f.event === e}>
              {e}
            </option>
          ))}
        </select>
        <label for="since">Since (e.g. 1h, 7d, or an ISO date)</label>
        <input type="text" id="since" name="since" value={f.since} />
        <div class="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      {props.error ? <p class="error">{props.error}</p> : null}
      {/* Wide tables scroll inside their own box on a phone (focusable, so the keyboard can scroll it). */}
      <div class="table-scroll" tabindex={0} role="region" aria-label="Audit events">
        <table class="audit">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">User</th>
              <th scope="col">App</th>
              <th scope="col">Address</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td class="nowrap">{fmt(r.at)}</td>
                <td>
                  {r.event}
                  {r.outcome === 'failure' ? <> <span class="badge warn">failure</span></> : null}
                  {r.actor && r.actor !== r.user_id ? <div class="hint">by {r.actor}</div> : null}
                </td>
                <td>{r.user_id ? <a href={`${BASE}/users/${r.user_id}`}>{users.get(r.user_id) ?? r.user_id}</a> : '—'}</td>
                <td>
                  {r.oauth_app_id ? <a href={`${BASE}/apps/${r.oauth_app_id}`}>{apps.get(r.oauth_app_id) ?? r.oauth_app_id}</a> : '—'}
                  {r.client_id ? <div class="hint">client {r.client_id}</div> : null}
                </td>
                <td>{r.address ?? '—'}</td>
                <td>{Object.keys(r.details).length ? <code class="details">{JSON.stringify(r.details)}</code> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows.length === 0 ? <p>No events match.</p> : null}
      {more ? <a href={more}>Older events</a> : null}
    </OperatorLayout>
  );
}

export function OperatorIndex(props: Chrome) {
  return (
    <OperatorLayout title="Operator console" {...props}>
      <h1>Operator console</h1>
      <p>Review OAuth apps and dynamically registered clients, find and lock users, and read the audit trail.</p>
    </OperatorLayout>
  );
}
