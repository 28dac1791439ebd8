-- Rate limits that count failures, and per-app quotas of successful traffic (docs/rate-limits.md).
--
-- Failed client authentications and invalid grants, per address and per client: a leaking level with escalating
-- blocks. Only failures write here; every instance reads a bucket at most once a second.
create table rate_limit_failures (
  bucket text primary key,
  level double precision not null,
  updated_at timestamptz not null,
  strikes integer not null default 0,
  blocked_until timestamptz
);

-- Successful requests of each client, per instance, as running totals flushed about once a second, so instances
-- on one database share a client's quota without a write per request.
create table rate_limit_usage (
  bucket text not null,
  instance_id uuid not null,
  total bigint not null,
  updated_at timestamptz not null,
  primary key (bucket, instance_id)
);

-- The operator's quota for an app's clients, in requests a second; null → CLIENT_RATE_LIMIT.
alter table oauth_apps add column rate_limit_per_s integer check (rate_limit_per_s is null or rate_limit_per_s between 1 and 1000000);
