-- Instant compatibility (docs/instant-compat.md).
--
-- Indexing jobs carry what Instant's clients print and read: the attribute's name ("etype.label", kept as it was
-- when the job was made, since the attr may be renamed or deleted later) and when the job finished.
alter table indexing_jobs add column attr_name text not null default '';
alter table indexing_jobs add column done_at timestamptz;
update indexing_jobs set done_at = updated_at where job_status in ('completed', 'errored');
