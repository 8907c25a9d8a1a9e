-- Trackside schema, version 6, PostgreSQL (mirrors ../0006_u20_records.sql).
ALTER TABLE athletes ADD COLUMN birth_year INTEGER
    CHECK (birth_year IS NULL OR birth_year BETWEEN 1850 AND 2100);

ALTER TABLE record_entries DROP CONSTRAINT record_entries_scope_kind;
ALTER TABLE record_entries ADD CONSTRAINT record_entries_scope_kind
    CHECK (scope_kind IN ('world', 'area', 'nation', 'meeting', 'u20'));

CREATE INDEX splits_by_event_mark ON splits (event_key, mark);
