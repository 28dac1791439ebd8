-- Signing-key rotation (docs/security-lifecycle.md §1): `rotated_at` is when a newer key took over signing; the key
-- stays published in JWKS, verifying what it signed, until `retired_at` (set at rotation to rotated_at + the
-- id_token lifetime + a margin), when the sweep deletes it. The signing key is the oldest with rotated_at null.
alter table signing_keys add column rotated_at timestamptz;
-- Keys that retired before this migration (none are written by earlier code) stop signing too.
update signing_keys set rotated_at = retired_at where retired_at is not null;
