/** @jsxImportSource hono/jsx */
import type { User } from '../../domain/accounts/users.ts';
import { Csrf, FlashMessages, PostButton } from '../dashboard/components.tsx';
import type { Flash } from '../dashboard/forms.ts';
import { Layout } from '../dashboard/layout.tsx';
import type { AppRow } from '../../domain/platform/apps.ts';
import type { InviteRow } from '../../domain/platform/orgs/invites.ts';
import type { MemberRow } from '../../domain/platform/orgs/orgs.ts';
import type { OrgRow } from '../../domain/platform/orgs/membership.ts';
import { hasRole, ROLES, type Role } from '../../domain/platform/orgs/roles.ts';

/** Where the dashboard's org forms post (docs/instant-compat.md §8): CSRF-checked, answered 303. */
export const FORMS = '/dash/org-forms';

const a = (role: Role) => (role === 'admin' ? 'an' : 'a');

function RoleSelect({ id, name, max, value, label }: { id: string; name: string; max: Role; value?: Role; label?: string }) {
  return (
    <select id={id} name={name} aria-label={label}>
      {ROLES.filter((r) => hasRole(max, r)).map((r) => (
        <option value={r} selected={r === (value ?? 'collaborator')}>
          {r}
        </option>
      ))}
    </select>
  );
}

/** `GET /dash/orgs`: invitations to this account, the orgs it belongs to, and a form to make one. */
export function OrgsPage({ user, csrf, flash, orgs, invites }: { user: User; csrf: string; flash: Flash; orgs: Array<OrgRow & { role: Role }>; invites: InviteRow[] }) {
  return (
    <Layout title="Orgs" user={user} csrf={csrf} current="orgs">
      <h1>Orgs</h1>
      <FlashMessages flash={flash} />
      {invites.length > 0 ? (
        <section class="card" aria-labelledby="invites-title">
          <h2 id="invites-title">Invitations to {user.email}</h2>
          <ul>
            {invites.map((i) => (
              <li>
                <strong>{i.org_title}</strong>: join as {a(i.invitee_role)} {i.invitee_role}
                {i.inviter_email ? <span class="muted"> (from {i.inviter_email})</span> : null}{' '}
                <PostButton action={`${FORMS}/invites/${i.id}/accept`} csrf={csrf} label="Accept" />{' '}
                <PostButton action={`${FORMS}/invites/${i.id}/decline`} csrf={csrf} label="Decline" />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section class="card" aria-labelledby="orgs-title">
        <h2 id="orgs-title">Your orgs</h2>
        {orgs.length === 0 ? (
          <p class="muted">You are not in any org. Make one below, or accept an invitation.</p>
        ) : (
          <ul>
            {orgs.map((o) => (
              <li>
                <a href={`/dash/orgs/${o.id}`}>{o.title}</a> <span class="muted">· you are {a(o.role)} {o.role}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card" aria-labelledby="new-org">
        <h2 id="new-org">New org</h2>
        <p class="muted">An org owns apps; its members reach them with their role. You will be its owner.</p>
        <form method="post" action={`${FORMS}/create`}>
          <Csrf token={csrf} />
          <label for="org-title">Name</label>
          <input id="org-title" name="title" type="text" required maxlength={200} />
          <div class="actions">
            <button type="submit">Create org</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export interface OrgView {
  org: OrgRow & { role: Role };
  apps: Array<AppRow & { role: Role }>;
  members: MemberRow[];
  invites: Array<{ id: string; invitee_email: string; invitee_role: Role; expires_at: Date }>;
  /** The user's own apps, which an admin of the org can move in. */
  ownApps: AppRow[];
}

/** `GET /dash/orgs/:id`: the org's apps, members and invitations; the forms the user's role allows. */
export function OrgPage({ user, csrf, flash, view }: { user: User; csrf: string; flash: Flash; view: OrgView }) {
  const { org, apps, members, invites, ownApps } = view;
  const base = `${FORMS}/${org.id}`;
  const isAdmin = hasRole(org.role, 'admin');
  return (
    <Layout title={org.title} user={user} csrf={csrf} current="orgs">
      <h1>{org.title}</h1>
      <p class="muted">
        You are {a(org.role)} {org.role} · <a href="/dash/orgs">All orgs</a>
      </p>
      <FlashMessages flash={flash} />
      <section class="card" aria-labelledby="org-apps">
        <h2 id="org-apps">Apps</h2>
        {apps.length === 0 ? (
          <p class="muted">No apps yet. Create one with <code>instant-cli init-without-files --org-id {org.id}</code>, or move one in.</p>
        ) : (
          <ul>
            {apps.map((app) => (
              <li>
                {app.title} <code>{app.id}</code>{' '}
                {org.role === 'owner' ? (
                  <PostButton action={`${FORMS}/apps/${app.id}/move-out`} csrf={csrf} label="Move to my apps" confirm="Members of this org will no longer reach this app." />
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {isAdmin && ownApps.length > 0 ? (
          <form method="post" action={`${base}/move-in`} class="row">
            <Csrf token={csrf} />
            <div>
              <label for="move-app">Move one of your apps into this org</label>
              <select id="move-app" name="app_id">
                {ownApps.map((app) => (
                  <option value={app.id}>{app.title}</option>
                ))}
              </select>
            </div>
            <button type="submit" class="secondary">Move in</button>
          </form>
        ) : null}
      </section>
      <section class="card" aria-labelledby="org-members">
        <h2 id="org-members">Members</h2>
        <p class="muted">Collaborators work on the apps; admins also rename and delete them and manage members; owners also move apps out and delete the org.</p>
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span class="muted">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr>
                <td>{m.email}</td>
                <td>
                  {isAdmin && hasRole(org.role, m.role) && m.user_id !== user.id ? (
                    <form method="post" action={`${base}/role`} class="inline">
                      <Csrf token={csrf} />
                      <input type="hidden" name="id" value={m.id} />
                      <RoleSelect id={`role-${m.id}`} name="role" max={org.role} value={m.role} label={`Role of ${m.email}`} />
                      <button type="submit" class="secondary">Change</button>
                    </form>
                  ) : (
                    m.role
                  )}
                </td>
                <td>
                  {m.user_id === user.id || hasRole(org.role, m.role) ? (
                    <PostButton action={`${base}/remove`} csrf={csrf} fields={{ id: m.id }} label={m.user_id === user.id ? 'Leave org' : 'Remove'} confirm={`${m.email} will no longer reach this org's apps, with any token.`} />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {isAdmin ? (
        <section class="card" aria-labelledby="org-invite">
          <h2 id="org-invite">Invite a member</h2>
          <p class="muted">The invitation is for whoever signs in with that address; it shows on their Orgs page for 3 days.</p>
          <form method="post" action={`${base}/invite`} class="row top">
            <Csrf token={csrf} />
            <div>
              <label for="invite-email">Email</label>
              <input id="invite-email" name="email" type="email" required maxlength={254} />
            </div>
            <div>
              <label for="invite-role">Role</label>
              <RoleSelect id="invite-role" name="role" max={org.role} />
            </div>
            <button type="submit">Invite</button>
          </form>
          {invites.length > 0 ? (
            <ul>
              {invites.map((i) => (
                <li>
                  {i.invitee_email} as {i.invitee_role} <span class="muted">until {i.expires_at.toISOString().slice(0, 10)}</span>{' '}
                  <PostButton action={`${base}/revoke-invite`} csrf={csrf} fields={{ invite_id: i.id }} label="Revoke" />
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </Layout>
  );
}
