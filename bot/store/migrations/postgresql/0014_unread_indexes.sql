-- Trackside schema, version 14, PostgreSQL (mirrors ../0014_unread_indexes.sql): two
-- indexes of results that no statement of the bot reads through go.
DROP INDEX IF EXISTS results_by_event_mark;
DROP INDEX IF EXISTS results_by_race;
