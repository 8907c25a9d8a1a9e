-- Trackside schema, version 6: U20 records (world U20, area U20) and athletes' birth years.
-- The record lists give a holder's year of birth more often than the day; U20 checks use
-- the year (World Athletics: under 20 on 31 December of the year of competition).
ALTER TABLE athletes ADD COLUMN birth_year INTEGER
    CHECK (birth_year IS NULL OR birth_year BETWEEN 1850 AND 2100);

-- SQLite cannot change a CHECK constraint in place: rebuild record_entries with 'u20'.
CREATE TABLE record_entries_v6 (
    id          INTEGER PRIMARY KEY,
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
INSERT INTO record_entries_v6 (id, scope_kind, scope_code, event_key, list, sex, result_id,
    split_id, mark, date, equal, status, source, note, created_at, superseded)
SELECT id, scope_kind, scope_code, event_key, list, sex, result_id, split_id, mark, date,
    equal, status, source, note, created_at, superseded
FROM record_entries;
DROP TABLE record_entries;
ALTER TABLE record_entries_v6 RENAME TO record_entries;
CREATE UNIQUE INDEX record_entries_identity
    ON record_entries (scope_kind, scope_code, event_key, list, sex, result_id, coalesce(split_id, 0));
CREATE INDEX record_entries_by_record
    ON record_entries (event_key, list, sex, scope_kind, scope_code, date);
CREATE INDEX record_entries_by_result ON record_entries (result_id);

-- Top lists count splits (marked as splits): best splits of an event without a scan.
CREATE INDEX splits_by_event_mark ON splits (event_key, mark);
