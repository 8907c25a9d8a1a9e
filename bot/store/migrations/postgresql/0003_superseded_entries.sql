-- Trackside schema, version 3, PostgreSQL (mirrors ../0003_superseded_entries.sql).
ALTER TABLE record_entries
    ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1));
