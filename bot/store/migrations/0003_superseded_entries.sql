-- Trackside schema, version 3: record entries are superseded, never deleted, when a
-- back-filled or corrected result makes them no longer records, so correcting that
-- result again brings them back. Only removing the result an entry points at deletes it.
ALTER TABLE record_entries
    ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1));
