-- Trackside schema, version 8, PostgreSQL (mirrors ../0008_legal_marks_by_mark.sql).
CREATE INDEX results_legal_by_mark
    ON results (event_key, sex, mark, date, venue, athlete_id)
    WHERE status = 'valid' AND mark IS NOT NULL AND hand_timed = 0
      AND (wind IS NULL OR wind <= 20);
