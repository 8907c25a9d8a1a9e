-- Trackside schema, version 8: all-time top lists, performers lists above all, walk legal
-- marks best first without reading the table: this index holds every column the walk
-- filters and keeps (venue, athlete), in the order the list is read. Every write keeps it
-- exact (it is an index), so nothing is cached that a write could leave stale.
CREATE INDEX results_legal_by_mark
    ON results (event_key, sex, mark, date, venue, athlete_id)
    WHERE status = 'valid' AND mark IS NOT NULL AND hand_timed = 0
      AND (wind IS NULL OR wind <= 20);
