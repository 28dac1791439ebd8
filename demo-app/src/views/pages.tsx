/** @jsxImportSource hono/jsx */
import type { InstantAPISchemaPlanStep, InstantRules, InstantSchemaDef } from 'instant-kit';
import { FIELD_TYPES } from '../template.ts';
import { Layout, SITE_NAME } from './layout.tsx';

const fmtDate = (d: Date | number) => new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

function SignInButton({ label = 'Sign in with Instant', returnTo }: { label?: string; returnTo?: string }) {
  const href = returnTo ? `/auth/instant/login?returnTo=${encodeURIComponent(returnTo)}` : '/auth/instant/login';
  return (
    <a class="button instant" href={href}>
      <span class="logo" aria-hidden="true">
        I
      </span>
      {label}
    </a>
  );
}

/** `GET /` for a visitor who is not signed in. */
export function WelcomePage({ issuer, notice }: { issuer: string; notice?: string | null }) {
  return (
    <Layout title="Welcome" notice={notice}>
      <section class="card hero" aria-labelledby="welcome-title">
        <h1 id="welcome-title">A todo backend for every user, in one click</h1>
        <p class="lead">
          {SITE_NAME} creates real Instant apps in <em>your</em> Instant account, with a todo schema and owner-only permissions, and lets you evolve their schema from here.
        </p>
        <SignInButton />
        <p class="hint" id="signin-what">
          You will go to Instant at <code>{issuer}</code> to sign in and approve. {SITE_NAME} asks to see your email address and to create and manage apps in your account.
          You can disconnect at any time, here or in Instant's settings.
        </p>
      </section>
      <section class="card" aria-labelledby="try-title">
        <h2 id="try-title">Try without an account</h2>
        <p class="muted">Get a temporary app right now, no sign-in needed. It deletes itself after 14 days unless you claim it into an Instant account with the CLI.</p>
        <form method="post" action="/try">
          <label for="try-title-input">App name</label>
          <input id="try-title-input" name="title" type="text" required maxlength={100} value="My temporary todo app" />
          <div class="actions">
            <button type="submit" class="secondary">
              Create a temporary app
            </button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface AppSummary {
  id: string;
  title: string;
  createdAt: Date;
}

/** `GET /` for a signed-in user: their apps, and "Create app". */
export function DashboardPage({ email, apps, notice, error }: { email: string; apps: AppSummary[]; notice?: string | null; error?: string | null }) {
  return (
    <Layout title="Your apps" email={email} notice={notice} error={error}>
      <h1>Welcome, {email}</h1>
      <p class="muted">
        You are connected with Instant. Everything below happens in your Instant account, through the Platform API.
      </p>
      <section class="card" aria-labelledby="apps-title">
        <h2 id="apps-title">Your Instant apps</h2>
        {apps.length === 0 ? (
          <p class="muted" data-testid="no-apps">
            You have no Instant apps yet. Create one below.
          </p>
        ) : (
          <ul class="apps" data-testid="app-list">
            {apps.map((a) => (
              <li>
                <div>
                  <a href={`/apps/${encodeURIComponent(a.id)}`}>
                    <strong>{a.title}</strong>
                  </a>
                  <div class="hint">
                    <code>{a.id}</code> · created {fmtDate(a.createdAt)}
                  </div>
                </div>
                <a class="button secondary" href={`/apps/${encodeURIComponent(a.id)}`} aria-label={`Open ${a.title}`}>
                  Open
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card" aria-labelledby="create-title">
        <h2 id="create-title">Create app</h2>
        <p class="muted">
          From the <strong>todo</strong> template: a <code>todos</code> entity (text, done, createdAt, ownerId) and permissions that let each user see and change only their own todos.
        </p>
        <form method="post" action="/apps">
          <label for="app-title">App name</label>
          <input id="app-title" name="title" type="text" required maxlength={100} value="My todo app" />
          <div class="actions">
            <button type="submit">Create app</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

function SchemaTable({ schema }: { schema: InstantSchemaDef }) {
  const rows = Object.entries(schema.entities).flatMap(([entity, def]) =>
    Object.entries(def.attrs).map(([name, a]) => ({ entity, name, type: a.valueType, required: a.required, indexed: a.config.indexed, unique: a.config.unique })),
  );
  const links = Object.entries(schema.links ?? {});
  if (rows.length === 0 && links.length === 0) return <p class="muted">No entities yet.</p>;
  return (
    <>
      <table data-testid="schema">
        <thead>
          <tr>
            <th scope="col">Entity</th>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{r.entity}</td>
              <td>
                <code>{r.name}</code>
              </td>
              <td>{r.type}</td>
              <td class="hint">{[r.required ? 'required' : 'optional', r.indexed ? 'indexed' : '', r.unique ? 'unique' : ''].filter(Boolean).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {links.length ? (
        <ul>
          {links.map(([name, l]) => (
            <li>
              Link <code>{name}</code>: {l.forward.on}.{l.forward.label} ({l.forward.has}) ↔ {l.reverse.on}.{l.reverse.label} ({l.reverse.has})
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

export interface AppDetail {
  id: string;
  title: string;
  createdAt: Date;
  schema: InstantSchemaDef;
  perms: InstantRules | null;
}

/** `GET /apps/:id`: schema, perms, "Add a field", delete. `created` carries the admin token, shown once. */
export function AppPage({ email, app, created, notice, error }: { email: string; app: AppDetail; created?: { adminToken: string } | null; notice?: string | null; error?: string | null }) {
  const entities = Object.keys(app.schema.entities);
  return (
    <Layout title={app.title} email={email} notice={notice} error={error}>
      <p>
        <a href="/">← All your apps</a>
      </p>
      <h1>{app.title}</h1>
      {created ? (
        <section class="card secret" aria-labelledby="created-title" data-testid="created">
          <h2 id="created-title">Your app is ready</h2>
          <p>Copy the admin token now: it is shown only this once. It lets a server change this app's data, schema and permissions.</p>
          <dl class="meta">
            <dt>App id</dt>
            <dd>
              <code data-testid="app-id">{app.id}</code>
            </dd>
            <dt>Admin token</dt>
            <dd>
              <code data-testid="admin-token">{created.adminToken}</code>
            </dd>
          </dl>
        </section>
      ) : null}
      <section class="card" aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        <dl class="meta">
          <dt>App id</dt>
          <dd>
            <code>{app.id}</code>
          </dd>
          <dt>Created</dt>
          <dd>{fmtDate(app.createdAt)}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="schema-title">
        <h2 id="schema-title">Schema</h2>
        <SchemaTable schema={app.schema} />
      </section>
      <section class="card" aria-labelledby="field-title">
        <h2 id="field-title">Add a field</h2>
        <p class="muted">You will see the planned change before anything is applied. A push never deletes existing fields.</p>
        <form method="post" action={`/apps/${encodeURIComponent(app.id)}/fields/plan`}>
          <div class="row">
            <div>
              <label for="field-entity">Entity</label>
              <select id="field-entity" name="entity" required>
                {(entities.length ? entities : ['todos']).map((e) => (
                  <option value={e}>{e}</option>
                ))}
              </select>
            </div>
            <div>
              <label for="field-name">Field name</label>
              <input id="field-name" name="name" type="text" required maxlength={64} pattern="[A-Za-z][A-Za-z0-9_]*" placeholder="e.g. priority" aria-describedby="field-name-hint" />
            </div>
            <div>
              <label for="field-type">Type</label>
              <select id="field-type" name="type">
                {FIELD_TYPES.map((t) => (
                  <option value={t}>{t}</option>
                ))}
              </select>
            </div>
          </div>
          <p class="hint" id="field-name-hint">
            Letters, digits and underscores, starting with a letter. New fields are optional.
          </p>
          <div class="actions">
            <button type="submit">Plan the change</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="perms-title">
        <h2 id="perms-title">Permissions</h2>
        {app.perms ? (
          <pre data-testid="perms">
            <code>{JSON.stringify(app.perms, null, 2)}</code>
          </pre>
        ) : (
          <p class="muted">No rules: Instant's defaults apply.</p>
        )}
      </section>
      <section class="card danger-zone" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete this app</h2>
        <p class="muted">This deletes the app and all of its data in your Instant account. It cannot be undone.</p>
        <form method="post" action={`/apps/${encodeURIComponent(app.id)}/delete`}>
          <label class="checkbox">
            <input type="checkbox" name="confirm" value="yes" required /> Yes, delete {app.title}
          </label>
          <div class="actions">
            <button type="submit" class="danger">
              Delete app
            </button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

/** `POST /apps/:id/fields/plan`: the plan, and a button that applies exactly it. */
export function PlanPage({ email, app, field, steps }: { email: string; app: { id: string; title: string }; field: { entity: string; name: string; type: string }; steps: InstantAPISchemaPlanStep[] }) {
  const base = `/apps/${encodeURIComponent(app.id)}`;
  return (
    <Layout title={`Plan: add ${field.entity}.${field.name}`} email={email}>
      <p>
        <a href={base}>← Back to {app.title}</a>
      </p>
      <h1>
        Add <code>{field.entity}.{field.name}</code> to {app.title}
      </h1>
      <dl class="meta" data-testid="plan-field">
        <dt>Field</dt>
        <dd>
          <code>{field.entity}.{field.name}</code>
        </dd>
        <dt>Type</dt>
        <dd data-testid="plan-type">{field.type}</dd>
        <dt>Required</dt>
        <dd>no (existing rows have no value)</dd>
      </dl>
      <section class="card" aria-labelledby="plan-title">
        <h2 id="plan-title">Planned change</h2>
        {steps.length === 0 ? (
          <p data-testid="plan-empty">Nothing to do: the app already has this field.</p>
        ) : (
          <ol class="steps" data-testid="plan">
            {steps.map((s) => (
              <li>
                {s.friendlyDescription} <span class="badge">{s.type}</span>
              </li>
            ))}
          </ol>
        )}
        <form method="post" action={`${base}/fields/apply`}>
          <input type="hidden" name="entity" value={field.entity} />
          <input type="hidden" name="name" value={field.name} />
          <input type="hidden" name="type" value={field.type} />
          <div class="actions">
            {steps.length ? <button type="submit">Apply the change</button> : null}
            <a class="button secondary" href={base}>
              Cancel
            </a>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface TemporaryApp {
  id: string;
  title: string;
  adminToken: string;
  expiresMs: number;
}

/** `GET /try`: the visitor's temporary app, its expiry, and how to claim it. */
export function TryPage({ issuer, kit, app, email }: { issuer: string; kit: string; app: TemporaryApp | null; email?: string | null }) {
  if (!app) {
    return (
      <Layout title="Try without an account" email={email}>
        <h1>Try without an account</h1>
        <section class="card">
          <p class="muted">You have no temporary app in this browser.</p>
          <form method="post" action="/try">
            <label for="try-title-input">App name</label>
            <input id="try-title-input" name="title" type="text" required maxlength={100} value="My temporary todo app" />
            <div class="actions">
              <button type="submit">Create a temporary app</button>
            </div>
          </form>
        </section>
      </Layout>
    );
  }
  const days = Math.max(0, Math.round((app.expiresMs - Date.now()) / 86_400_000));
  return (
    <Layout title="Your temporary app" email={email}>
      <h1>Your temporary app is ready</h1>
      <section class="card" aria-labelledby="temp-title" data-testid="temporary-app">
        <h2 id="temp-title">{app.title}</h2>
        <dl class="meta">
          <dt>App id</dt>
          <dd>
            <code data-testid="temp-app-id">{app.id}</code>
          </dd>
          <dt>Admin token</dt>
          <dd>
            <code data-testid="temp-admin-token">{app.adminToken}</code>
          </dd>
          <dt>Expires</dt>
          <dd data-testid="temp-expires">
            {fmtDate(app.expiresMs)} (in {days} days)
          </dd>
        </dl>
        <p class="hint">No account owns this app yet: it and its data are deleted when it expires.</p>
      </section>
      <section class="card" aria-labelledby="claim-title">
        <h2 id="claim-title">Keep it: claim it into your Instant account</h2>
        <p>Sign in with the CLI once, then claim the app. It moves to your account and no longer expires.</p>
        <pre data-testid="claim-command">
          <code>{`${kit} login --api-uri ${issuer}\n${kit} claim --api-uri ${issuer} \\\n  --app ${app.id} \\\n  --admin-token ${app.adminToken}`}</code>
        </pre>
        <p class="hint">
          With a personal access token from Instant's settings instead of <code>login</code>, add <code>--token per_…</code> to the claim command.
        </p>
      </section>
      <p>
        <a href="/">← Home</a>
      </p>
    </Layout>
  );
}

export type ProblemKind = 'access_denied' | 'state_mismatch' | 'grant_revoked' | 'provider_unavailable' | 'oauth_error' | 'not_found' | 'error';

const PROBLEMS: Record<ProblemKind, { title: string; text: string; action: 'sign-in' | 'retry' | 'home' }> = {
  access_denied: {
    title: 'You did not connect your Instant account',
    text: `You chose "Deny" on Instant's consent page, so ${SITE_NAME} has no access to your account. Nothing was created. You can sign in again whenever you like.`,
    action: 'sign-in',
  },
  state_mismatch: {
    title: 'This sign-in link is not valid',
    text: 'The answer from Instant did not match the sign-in this browser started (it may be old, used already, or come from someone else). For your safety it was refused. Please start again.',
    action: 'sign-in',
  },
  grant_revoked: {
    title: 'Your Instant connection has ended',
    text: `Access to your Instant account was revoked or has expired, so you have been signed out of ${SITE_NAME}. Sign in again to reconnect.`,
    action: 'sign-in',
  },
  provider_unavailable: {
    title: 'Instant is not reachable right now',
    text: `${SITE_NAME} could not reach Instant. Your apps are safe; please try again in a moment.`,
    action: 'retry',
  },
  oauth_error: {
    title: 'Signing in with Instant failed',
    text: 'Instant did not complete the sign-in. Please try again.',
    action: 'sign-in',
  },
  not_found: { title: 'Not found', text: 'There is no such page, or the app is not in your Instant account.', action: 'home' },
  error: { title: 'Something went wrong', text: 'The request could not be completed.', action: 'home' },
};

/** The page for every failure: what happened, in plain words, and the way forward. */
export function ProblemPage({ kind, detail, retryHref, email }: { kind: ProblemKind; detail?: string | undefined; retryHref?: string | undefined; email?: string | null }) {
  const p = PROBLEMS[kind];
  return (
    <Layout title={p.title} email={email}>
      <section class="card problem" aria-labelledby="problem-title" data-problem={kind}>
        <h1 id="problem-title">
          <span class="icon" aria-hidden="true">
            !
          </span>
          {p.title}
        </h1>
        <p>{p.text}</p>
        {detail ? <p class="hint">Details: {detail}</p> : null}
        <div class="actions">
          {p.action === 'sign-in' ? <SignInButton label={kind === 'access_denied' ? 'Try again' : 'Sign in again'} /> : null}
          {p.action === 'retry' ? (
            <a class="button" href={retryHref ?? '/'}>
              Try again
            </a>
          ) : null}
          {/* When the failing page is the home page itself, "Home" would only repeat "Try again". */}
          {p.action === 'retry' && (retryHref ?? '/') === '/' ? null : (
            <a class="button secondary" href="/">
              Home
            </a>
          )}
        </div>
      </section>
    </Layout>
  );
}
