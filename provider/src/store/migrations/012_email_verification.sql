-- Verified email addresses and emailed one-time links (docs/security-accounts.md §8).
-- Accounts made before this migration stay unverified (null): nothing proves that whoever signed up
-- first owns the address (finding F1), so they verify once from the dashboard. The demo account is
-- marked verified by the seed (seed.ts).
alter table users add column email_verified_at timestamptz;

-- A link mailed to an address: `verify` (sign-up) or `reset` (forgot password, operator-forced reset).
-- Only the SHA-256 of the token is stored; a token is used at most once (used_at) and before expires_at.
create table email_tokens (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('verify', 'reset')),
  email text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index email_tokens_user on email_tokens (user_id, purpose);
