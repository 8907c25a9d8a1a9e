-- Trackside schema, version 13: what each write touched, for the other processes on the
-- store (bot/store/write_log.py). Each write transaction appends one row: the events and
-- athletes it touched (JSON arrays), or NULL events for "everything" (a big import, a
-- write that does not say), and whether server settings changed. A process that last read
-- up to sequence N refreshes exactly what the rows after N name instead of everything; a
-- gap (rows pruned below N) sends it back to a full reload. Sequences are never reused.
CREATE TABLE write_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    events    TEXT,
    athletes  TEXT NOT NULL DEFAULT '[]',
    settings  INTEGER NOT NULL DEFAULT 0
);
