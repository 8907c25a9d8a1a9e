-- Trackside schema, version 1.
-- Marks are integers in the event's unit (see bot/domain/events.py: cs, s, cm, pts);
-- wind is signed tenths of a metre per second, NULL when not measured (never 0 for "none").
-- Dates are ISO 8601 local dates of the competition.

CREATE TABLE athletes (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    search_key  TEXT NOT NULL,                  -- folded name: accent- and case-free
    nation      TEXT CHECK (nation IS NULL OR length(nation) = 3),
    sex         TEXT NOT NULL CHECK (sex IN ('M', 'W', 'X')),
    birth_date  TEXT,
    birth_place TEXT,
    is_team     INTEGER NOT NULL DEFAULT 0 CHECK (is_team IN (0, 1)),
    profile     TEXT,                           -- notes and PBs from the reference data
    source      TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX athletes_identity ON athletes (search_key, coalesce(nation, ''), sex);

CREATE TABLE athlete_aliases (
    athlete_id INTEGER NOT NULL REFERENCES athletes (id) ON DELETE CASCADE,
    alias_key  TEXT NOT NULL,
    PRIMARY KEY (alias_key, athlete_id)
) WITHOUT ROWID;

CREATE TABLE results (
    id          INTEGER PRIMARY KEY,
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
-- One performance is on file once: the same athlete, event, day, round and mark.
CREATE UNIQUE INDEX results_identity
    ON results (athlete_id, event_key, date, round, coalesce(mark, -1));
-- Top lists and personal bests: best marks of one event and sex.
CREATE INDEX results_by_event_mark ON results (event_key, sex, mark) WHERE status = 'valid';
-- Athlete profile: an athlete's results, newest first.
CREATE INDEX results_by_athlete ON results (athlete_id, date);
-- Rivalries: who ran in the same race.
CREATE INDEX results_by_race ON results (competition, date, event_key, round);

CREATE TABLE splits (
    id         INTEGER PRIMARY KEY,
    result_id  INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    event_key  TEXT NOT NULL,
    mark       INTEGER NOT NULL CHECK (mark > 0),
    hand_timed INTEGER NOT NULL DEFAULT 0 CHECK (hand_timed IN (0, 1)),
    UNIQUE (result_id, event_key)
);

-- One row per entry of a record's progression. A record is
-- (scope, event, list, sex); its current holder is its best non-rejected entry.
CREATE TABLE record_entries (
    id          INTEGER PRIMARY KEY,
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
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX record_entries_identity
    ON record_entries (scope_kind, scope_code, event_key, list, sex, result_id, coalesce(split_id, 0));
CREATE INDEX record_entries_by_record
    ON record_entries (event_key, list, sex, scope_kind, scope_code, date);
CREATE INDEX record_entries_by_result ON record_entries (result_id);

-- Which reference rows have been loaded, so seeding twice adds nothing.
CREATE TABLE seed_log (
    file      TEXT NOT NULL,
    row_key   TEXT NOT NULL,
    loaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (file, row_key)
) WITHOUT ROWID;

-- Small facts about this database, e.g. the day its reference data is pinned to.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
