-- Orgs and app auth settings (docs/instant-compat.md §8, docs/security.md "Orgs").
--
-- An org owns apps; its members reach them with a role: collaborator < admin < owner (upstream's hierarchy).
-- An org app has org_id set and creator_id null, as on Instant's server, so an app has exactly one owner:
-- a user (creator_id) or an org (org_id). Temporary apps have neither until claimed.
create table orgs (
  id uuid primary key,
  title text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table org_members (
  id uuid primary key,
  org_id uuid not null references orgs(id) on delete cascade,
  user_id uuid not null references users(id) on delete cascade,
  role text not null check (role in ('collaborator', 'admin', 'owner')),
  created_at timestamptz not null,
  unique (org_id, user_id)
);
create index org_members_user on org_members(user_id);

-- An invitation names an email address and a role; only a signed-in account with that address accepts it
-- (platform/orgs/invites.ts acceptInvitation). It lives 3 days, as upstream's.
create table org_invites (
  id uuid primary key,
  org_id uuid not null references orgs(id) on delete cascade,
  inviter_id uuid references users(id) on delete set null,
  invitee_email text not null,
  invitee_role text not null check (invitee_role in ('collaborator', 'admin', 'owner')),
  status text not null check (status in ('pending', 'accepted', 'declined', 'revoked')),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  decided_at timestamptz
);
create index org_invites_org on org_invites(org_id);
create index org_invites_email on org_invites(lower(invitee_email)) where status = 'pending';

-- apps.org_id was a placeholder (text, always null: orgs did not exist). An org with apps cannot be deleted.
alter table apps alter column org_id type uuid using org_id::uuid;
alter table apps add constraint apps_org_fk foreign key (org_id) references orgs(id) on delete restrict;
alter table apps add constraint apps_one_owner check (creator_id is null or org_id is null);
create index apps_org on apps(org_id) where org_id is not null;

-- App auth settings of Instant's CLI (`auth origin|client|email`): configuration an app's runtime would read.
-- They are stored here so the CLI and SDK can manage them; the runtime that uses them is Instant's, not this server.
create table app_redirect_origins (
  id uuid primary key,
  app_id uuid not null references apps(id) on delete cascade,
  service text not null check (service in ('generic', 'vercel', 'netlify', 'custom-scheme')),
  params jsonb not null,
  created_at timestamptz not null
);
create index app_redirect_origins_app on app_redirect_origins(app_id);

create table app_oauth_providers (
  id uuid primary key,
  app_id uuid not null references apps(id) on delete cascade,
  provider_name text not null,
  created_at timestamptz not null,
  unique (app_id, provider_name)
);

-- A client secret is checked and then dropped: no runtime here signs users in with it, so keeping a third party's
-- credential would only be something to leak. `client_secret_set` records that one was given.
create table app_oauth_clients (
  id uuid primary key,
  app_id uuid not null references apps(id) on delete cascade,
  provider_id uuid not null references app_oauth_providers(id) on delete cascade,
  client_name text not null,
  client_id text,
  client_secret_set boolean not null default false,
  authorization_endpoint text,
  token_endpoint text,
  discovery_endpoint text,
  redirect_to text,
  meta jsonb,
  use_shared_credentials boolean,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (app_id, client_name)
);

create table app_email_templates (
  id uuid primary key,
  app_id uuid not null references apps(id) on delete cascade,
  email_type text not null check (email_type in ('magic-code')),
  subject text not null,
  body text not null,
  sender_name text not null,
  sender_email text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (app_id, email_type)
);
