-- Trackside schema, version 10, PostgreSQL (mirrors ../0010_covering_ids.sql): the legal-
-- marks indexes hold the result id too, so a top list (which reads ids) walks the index
-- alone (an index-only scan) instead of visiting the table for every line it passes. A
-- SQLite index holds the rowid (`id`) already; a PostgreSQL one does not.
DROP INDEX results_legal_by_mark;
CREATE INDEX results_legal_by_mark
    ON results (event_key, sex, mark, date, venue, athlete_id) INCLUDE (id)
    WHERE status = 'valid' AND mark IS NOT NULL AND hand_timed = 0
      AND (wind IS NULL OR wind <= 20);
DROP INDEX results_legal_by_date;
CREATE INDEX results_legal_by_date
    ON results (event_key, sex, date, venue, mark, athlete_id) INCLUDE (id)
    WHERE status = 'valid' AND mark IS NOT NULL AND hand_timed = 0
      AND (wind IS NULL OR wind <= 20);
