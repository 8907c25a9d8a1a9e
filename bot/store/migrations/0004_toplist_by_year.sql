-- Trackside schema, version 4: one-season top lists read a date range of legal marks
-- instead of walking an event's whole all-time list.
CREATE INDEX results_legal_by_date
    ON results (event_key, sex, date, venue, mark, athlete_id)
    WHERE status = 'valid' AND mark IS NOT NULL AND hand_timed = 0
      AND (wind IS NULL OR wind <= 20);
