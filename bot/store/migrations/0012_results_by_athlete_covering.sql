-- Trackside schema, version 12: an athlete's results by date hold what a profile's and a
-- head-to-head's scans read (bot/store/repositories/profile_reads.py: the id, the event,
-- venue and what makes a mark legal for lists, and what names a race), so the scans walk
-- the index alone instead of visiting the table once per result (at 1,000,000 results
-- those rows lie on as many scattered pages). The leading columns are the old index's,
-- so every other use of it is served as before; `id` after the date keeps the scans'
-- order (date, id, newest first) without sorting. Every write keeps it exact.
DROP INDEX results_by_athlete;
CREATE INDEX results_by_athlete
    ON results (athlete_id, date, id, event_key, venue, mark, status, hand_timed, wind, sex,
                round, competition);
