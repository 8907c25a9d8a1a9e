-- Trackside schema, version 5, PostgreSQL (mirrors ../0005_ids_never_reused.sql).
-- Nothing to do: identity columns (0001) never hand out an id twice, which is what SQLite
-- needed AUTOINCREMENT and a table rebuild for. Kept so versions number alike on both.
SELECT 1;
