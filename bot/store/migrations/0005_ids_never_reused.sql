-- Trackside schema, version 5: ids that users see (result #170, record entry #12) or that
-- the audit log and message nonces name are never handed out again after a delete.
-- SQLite reuses the largest rowid of an INTEGER PRIMARY KEY once that row is gone;
-- AUTOINCREMENT does not. SQLite cannot add AUTOINCREMENT to a table, so each table is
-- rebuilt (https://www.sqlite.org/lang_altertable.html#otheralter): create the new
-- table, copy every row with its id, drop the old one, rename, recreate its indexes.
-- The runner turns foreign keys off around this script and checks them before commit.

CREATE TABLE results_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    athlete_id  INTEGER NOT NULL REFERENCES athletes (id),
    event_key   TEXT NOT NULL,
    sex         TEXT NOT NULL CHECK (sex IN ('M', 'W', 'X')),
    venue       TEXT NOT NULL CHECK (venue IN ('outdoor', 'indoor')),
    mark        INTEGER CHECK (mark IS NULL OR mark > 0),   -- NULL only for DNF/DNS
    hand_timed  INTEGER NOT NULL DEFAULT 0 CHECK (hand_timed IN (0, 1)),
    wind        INTEGER,
    date        TEXT NOT NULL,
    competition TEXT NOT NULL,
    city        TEXT,
    country     TEXT,
    round       TEXT NOT NULL DEFAULT '',
    place       INTEGER CHECK (place IS NULL OR place > 0),
    status      TEXT NOT NULL DEFAULT 'valid'
                CHECK (status IN ('valid', 'dnf', 'dns', 'dq', 'annulled')),
    source      TEXT NOT NULL DEFAULT '',
    note        TEXT,
    added_by    INTEGER,                        -- Discord user id; NULL for shipped data
    added_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO results_new (id, athlete_id, event_key, sex, venue, mark, hand_timed, wind, date,
                         competition, city, country, round, place, status, source, note,
                         added_by, added_at)
    SELECT id, athlete_id, event_key, sex, venue, mark, hand_timed, wind, date,
           competition, city, country, round, place, status, source, note,
           added_by, added_at
    FROM results;
DROP TABLE results;
ALTER TABLE results_new RENAME TO results;
CREATE UNIQUE INDEX results_identity
    ON results (athlete_id, event_key, date, round, coalesce(mark, -1));
CREATE INDEX results_by_event_mark ON results (event_key, sex, mark) WHERE status = 'valid';
CREATE INDEX results_by_athlete ON results (athlete_id, date);
CREATE INDEX results_by_race ON results (competition, date, event_key, round);
CREATE INDEX results_legal_by_date
    ON results (event_key, sex, date, venue, mark, athlete_id)
    WHERE status = 'valid' AND mark IS NOT NULL AND hand_timed = 0
      AND (wind IS NULL OR wind <= 20);

CREATE TABLE splits_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    result_id  INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    event_key  TEXT NOT NULL,
    mark       INTEGER NOT NULL CHECK (mark > 0),
    hand_timed INTEGER NOT NULL DEFAULT 0 CHECK (hand_timed IN (0, 1)),
    UNIQUE (result_id, event_key)
);
INSERT INTO splits_new (id, result_id, event_key, mark, hand_timed)
    SELECT id, result_id, event_key, mark, hand_timed FROM splits;
DROP TABLE splits;
ALTER TABLE splits_new RENAME TO splits;

CREATE TABLE record_entries_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('world', 'area', 'nation', 'meeting')),
    scope_code  TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    list        TEXT NOT NULL CHECK (list IN ('outdoor', 'indoor')),
    sex         TEXT NOT NULL CHECK (sex IN ('M', 'W', 'X')),
    result_id   INTEGER NOT NULL REFERENCES results (id),
    split_id    INTEGER REFERENCES splits (id),
    mark        INTEGER NOT NULL CHECK (mark > 0),  -- copy of the result's or split's mark
    date        TEXT NOT NULL,
    equal       INTEGER NOT NULL DEFAULT 0 CHECK (equal IN (0, 1)),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'ratified', 'rejected', 'unofficial')),
    source      TEXT NOT NULL DEFAULT '',
    note        TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    superseded  INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1))
);
INSERT INTO record_entries_new (id, scope_kind, scope_code, event_key, list, sex, result_id,
                                split_id, mark, date, equal, status, source, note,
                                created_at, superseded)
    SELECT id, scope_kind, scope_code, event_key, list, sex, result_id,
           split_id, mark, date, equal, status, source, note, created_at, superseded
    FROM record_entries;
DROP TABLE record_entries;
ALTER TABLE record_entries_new RENAME TO record_entries;
CREATE UNIQUE INDEX record_entries_identity
    ON record_entries (scope_kind, scope_code, event_key, list, sex, result_id, coalesce(split_id, 0));
CREATE INDEX record_entries_by_record
    ON record_entries (event_key, list, sex, scope_kind, scope_code, date);
CREATE INDEX record_entries_by_result ON record_entries (result_id);

CREATE TABLE announcements_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind IN ('record', 'correction', 'ratification')),
    result_id  INTEGER,                      -- no foreign key: a correction outlives its result
    payload    TEXT NOT NULL,
    scopes     TEXT NOT NULL DEFAULT '[]',   -- for subscription filters
    events     TEXT NOT NULL DEFAULT '[]',
    sex        TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO announcements_new (id, kind, result_id, payload, scopes, events, sex, created_at)
    SELECT id, kind, result_id, payload, scopes, events, sex, created_at FROM announcements;
DROP TABLE announcements;
ALTER TABLE announcements_new RENAME TO announcements;

-- Ids deleted before this migration were already free for reuse: start each sequence past
-- the highest id the audit log or another table ever named, not just the highest left.
UPDATE sqlite_sequence SET seq = max(seq, coalesce((
    SELECT max(CAST(substr(target, 9) AS INTEGER)) FROM audit_log WHERE target LIKE 'result #%'
), 0), coalesce((SELECT max(result_id) FROM announcements), 0))
WHERE name = 'results';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'results', max(coalesce((
        SELECT max(CAST(substr(target, 9) AS INTEGER)) FROM audit_log WHERE target LIKE 'result #%'
    ), 0), coalesce((SELECT max(result_id) FROM announcements), 0))
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'results');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((
    SELECT max(CAST(substr(target, 15) AS INTEGER)) FROM audit_log
    WHERE target LIKE 'record entry #%'
), 0))
WHERE name = 'record_entries';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'record_entries', coalesce((
        SELECT max(CAST(substr(target, 15) AS INTEGER)) FROM audit_log
        WHERE target LIKE 'record entry #%'
    ), 0)
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'record_entries');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((
    SELECT max(announcement_id) FROM deliveries
), 0))
WHERE name = 'announcements';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'announcements', coalesce((SELECT max(announcement_id) FROM deliveries), 0)
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'announcements');
