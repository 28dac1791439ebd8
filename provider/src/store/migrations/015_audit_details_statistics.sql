-- No planner statistics for audit_events.details: no statement filters or joins on the jsonb column itself (a filter
-- on details->>'email' is estimated without them), and sampling it was two thirds of an ANALYZE of the table
-- (PGlite, 30,000 rows: 149 ms with it, 50 ms without), which on the embedded store stops every request meanwhile
-- (store/maintenance.ts analyzeChanged).
alter table audit_events alter column details set statistics 0;
