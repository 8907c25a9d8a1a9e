-- Trackside schema, version 14: two indexes of results that no statement of the bot reads
-- through go. Every statement the store, CLI, e2e and unit suites run was EXPLAINed on a
-- store of a million results, and on PostgreSQL the index scan counters of both stayed at
-- zero over the benchmark's lookups: lists read `results_legal_by_mark` and
-- `results_legal_by_date`, profiles and head-to-heads `results_by_athlete`, duplicates
-- `results_identity`. Each index still cost every insert (on PostgreSQL a fifth of an
-- import's COPY of results) and about 25 MB of a million-result store.
DROP INDEX IF EXISTS results_by_event_mark;
DROP INDEX IF EXISTS results_by_race;
