-- RFC 8707 resource indicators: the audience a token family was issued for (docs/mcp.md §2).
-- null: the Platform API (every token issued before this, and every request without `resource`).
-- A refresh token's successors and the access tokens it mints inherit its resource.
alter table refresh_tokens add column resource text;
alter table access_tokens add column resource text;
