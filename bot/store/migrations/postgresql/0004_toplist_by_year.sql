-- Trackside schema, version 4, PostgreSQL (mirrors ../0004_toplist_by_year.sql).
CREATE INDEX results_legal_by_date
    ON results (event_key, sex, date, venue, mark, athlete_id)
    WHERE status = 'valid' AND mark IS NOT NULL AND hand_timed = 0
      AND (wind IS NULL OR wind <= 20);
