-- Trackside schema, version 9: which records each write touched.
-- Every change to a record entry (or to the result, split or athlete it shows) appends the
-- record's key here, in the writing transaction. A process that last read up to sequence N
-- refreshes only the records changed after N instead of re-reading every entry; a gap
-- (rows pruned below N) sends it back to a full read. Sequences are never reused.
CREATE TABLE record_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_kind  TEXT NOT NULL,
    scope_code  TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    list        TEXT NOT NULL,
    sex         TEXT NOT NULL
);

CREATE TRIGGER record_entries_changed_on_insert AFTER INSERT ON record_entries
BEGIN
    INSERT INTO record_changes (scope_kind, scope_code, event_key, list, sex)
    VALUES (NEW.scope_kind, NEW.scope_code, NEW.event_key, NEW.list, NEW.sex);
END;

CREATE TRIGGER record_entries_changed_on_update AFTER UPDATE ON record_entries
BEGIN
    INSERT INTO record_changes (scope_kind, scope_code, event_key, list, sex)
    VALUES (OLD.scope_kind, OLD.scope_code, OLD.event_key, OLD.list, OLD.sex),
           (NEW.scope_kind, NEW.scope_code, NEW.event_key, NEW.list, NEW.sex);
END;

CREATE TRIGGER record_entries_changed_on_delete AFTER DELETE ON record_entries
BEGIN
    INSERT INTO record_changes (scope_kind, scope_code, event_key, list, sex)
    VALUES (OLD.scope_kind, OLD.scope_code, OLD.event_key, OLD.list, OLD.sex);
END;

-- An entry shows its result's competition, place and wind, its split's timing and its
-- athlete's name: a change to those changes the record as shown.
CREATE TRIGGER results_change_their_records AFTER UPDATE ON results
BEGIN
    INSERT INTO record_changes (scope_kind, scope_code, event_key, list, sex)
    SELECT scope_kind, scope_code, event_key, list, sex FROM record_entries
    WHERE result_id = NEW.id;
END;

CREATE TRIGGER splits_change_their_records AFTER UPDATE ON splits
BEGIN
    INSERT INTO record_changes (scope_kind, scope_code, event_key, list, sex)
    SELECT scope_kind, scope_code, event_key, list, sex FROM record_entries
    WHERE split_id = NEW.id;
END;

CREATE TRIGGER athletes_change_their_records AFTER UPDATE ON athletes
BEGIN
    INSERT INTO record_changes (scope_kind, scope_code, event_key, list, sex)
    SELECT e.scope_kind, e.scope_code, e.event_key, e.list, e.sex
    FROM record_entries e JOIN results r ON r.id = e.result_id
    WHERE r.athlete_id = NEW.id;
END;
