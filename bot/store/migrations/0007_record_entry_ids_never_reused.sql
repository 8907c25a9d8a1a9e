-- Trackside schema, version 7: record entry ids are never handed out again.
-- Version 6 rebuilt record_entries (to allow 'u20') without the AUTOINCREMENT version 5
-- gave it, so a removed entry's id could be reused. Rebuild it once more, with it.
CREATE TABLE record_entries_v7 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('world', 'area', 'nation', 'meeting', 'u20')),
    scope_code  TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    list        TEXT NOT NULL CHECK (list IN ('outdoor', 'indoor')),
    sex         TEXT NOT NULL CHECK (sex IN ('M', 'W', 'X')),
    result_id   INTEGER NOT NULL REFERENCES results (id),
    split_id    INTEGER REFERENCES splits (id),
    mark        INTEGER NOT NULL CHECK (mark > 0),
    date        TEXT NOT NULL,
    equal       INTEGER NOT NULL DEFAULT 0 CHECK (equal IN (0, 1)),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'ratified', 'rejected', 'unofficial')),
    source      TEXT NOT NULL DEFAULT '',
    note        TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    superseded  INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1))
);
INSERT INTO record_entries_v7 (id, scope_kind, scope_code, event_key, list, sex, result_id,
    split_id, mark, date, equal, status, source, note, created_at, superseded)
SELECT id, scope_kind, scope_code, event_key, list, sex, result_id, split_id, mark, date,
    equal, status, source, note, created_at, superseded
FROM record_entries;
DROP TABLE record_entries;
ALTER TABLE record_entries_v7 RENAME TO record_entries;
CREATE UNIQUE INDEX record_entries_identity
    ON record_entries (scope_kind, scope_code, event_key, list, sex, result_id, coalesce(split_id, 0));
CREATE INDEX record_entries_by_record
    ON record_entries (event_key, list, sex, scope_kind, scope_code, date);
CREATE INDEX record_entries_by_result ON record_entries (result_id);

-- Start the sequence past every id the table or the audit log ever named.
DELETE FROM sqlite_sequence WHERE name = 'record_entries';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'record_entries', max(coalesce((SELECT max(id) FROM record_entries), 0), coalesce((
        SELECT max(CAST(substr(target, 15) AS INTEGER)) FROM audit_log
        WHERE target LIKE 'record entry #%'
    ), 0));
