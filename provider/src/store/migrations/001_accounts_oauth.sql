-- Accounts, sessions, personal access tokens, OAuth apps/clients, and the OAuth 2 grant state.
-- Every secret column holds a SHA-256 hex hash, never the secret (docs/security.md §7).

create table users (
  id uuid primary key,
  email text not null unique,              -- lower-cased
  password_hash text not null,             -- argon2id
  is_operator boolean not null default false,
  locked_at timestamptz,
  created_at timestamptz not null
);

-- Dashboard login sessions; the browser holds the session id sealed in a cookie.
create table sessions (
  id_hash text primary key,
  user_id uuid not null references users(id) on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user on sessions(user_id);

create table personal_tokens (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index personal_tokens_user on personal_tokens(user_id);

-- status: 'test' (only the owner may authorize), 'published', 'suspended'.
create table oauth_apps (
  id uuid primary key,
  owner_id uuid references users(id) on delete cascade,  -- null for dynamically registered clients
  name text not null,
  home_page text,
  logo text,
  support_email text,
  status text not null default 'test' check (status in ('test', 'published', 'suspended')),
  allowed_scopes text[],                   -- null: any scope; set by an operator to limit
  dynamic boolean not null default false,  -- registered through RFC 7591: shown as unverified
  created_at timestamptz not null
);
create index oauth_apps_owner on oauth_apps(owner_id);

create table oauth_clients (
  client_id text primary key,
  oauth_app_id uuid not null references oauth_apps(id) on delete cascade,
  name text not null,
  is_public boolean not null,
  redirect_uris text[] not null,
  rotate_refresh_tokens boolean not null default false,  -- confidential clients; public ones always rotate
  created_at timestamptz not null
);
create index oauth_clients_app on oauth_clients(oauth_app_id);

-- Up to two live secrets per confidential client, so a secret can be rotated without downtime.
create table client_secrets (
  id uuid primary key,
  client_id text not null references oauth_clients(client_id) on delete cascade,
  secret_hash text not null unique,
  created_at timestamptz not null,
  revoked_at timestamptz
);
create index client_secrets_client on client_secrets(client_id);

-- A pending authorization request, remembered between /platform/oauth/start and consent.
create table authorization_requests (
  id_hash text primary key,
  browser_hash text not null,              -- hash of the cookie value that binds it to one browser
  client_id text not null references oauth_clients(client_id) on delete cascade,
  redirect_uri text not null,
  scopes text[] not null,
  state text not null,
  code_challenge text,
  nonce text,
  resource text,
  prompt text,
  user_id uuid references users(id) on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

-- What a user has allowed an OAuth app to do; revoking it ends every token of it.
create table grants (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  oauth_app_id uuid not null references oauth_apps(id) on delete cascade,
  scopes text[] not null,
  created_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index grants_user on grants(user_id);
create index grants_app on grants(oauth_app_id);

create table authorization_codes (
  code_hash text primary key,
  grant_id uuid not null references grants(id) on delete cascade,
  client_id text not null references oauth_clients(client_id) on delete cascade,
  user_id uuid not null references users(id) on delete cascade,
  redirect_uri text not null,
  scopes text[] not null,
  code_challenge text,
  nonce text,
  resource text,
  auth_time timestamptz not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

-- Refresh tokens: one family per authorization code; rotation links each to the one it replaced.
create table refresh_tokens (
  id uuid primary key,
  token_hash text not null unique,
  family_id uuid not null,
  grant_id uuid not null references grants(id) on delete cascade,
  client_id text not null references oauth_clients(client_id) on delete cascade,
  user_id uuid not null references users(id) on delete cascade,
  scopes text[] not null,
  code_hash text,
  parent_id uuid,
  created_at timestamptz not null,
  last_used_at timestamptz,
  idle_expires_at timestamptz not null,
  rotated_at timestamptz,                  -- when it was exchanged for a successor (public / rotating clients)
  revoked_at timestamptz
);
create index refresh_tokens_family on refresh_tokens(family_id);
create index refresh_tokens_grant on refresh_tokens(grant_id);
create index refresh_tokens_client_user on refresh_tokens(client_id, user_id);

create table access_tokens (
  id uuid primary key,
  token_hash text not null unique,
  family_id uuid,
  grant_id uuid not null references grants(id) on delete cascade,
  client_id text not null references oauth_clients(client_id) on delete cascade,
  user_id uuid not null references users(id) on delete cascade,
  scopes text[] not null,
  refresh_token_id uuid,
  code_hash text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index access_tokens_family on access_tokens(family_id);
create index access_tokens_grant on access_tokens(grant_id);

-- id_token signing keys; the private JWK is encrypted with a key derived from SECRET.
create table signing_keys (
  kid text primary key,
  alg text not null,
  public_jwk jsonb not null,
  private_jwk_encrypted text not null,
  created_at timestamptz not null,
  retired_at timestamptz
);

-- Fixed-window counters shared by every instance on one store.
create table rate_limits (
  bucket text not null,
  window_start timestamptz not null,
  hits integer not null,
  primary key (bucket, window_start)
);
