-- Trackside schema, version 12, PostgreSQL (mirrors ../0012_results_by_athlete_covering.sql):
-- nothing to change. PostgreSQL reads a profile or a head-to-head in one statement that
-- needs every column of the athlete's results (window functions over them), which no
-- narrower index than the table serves. Numbered here too so that both stores' schema
-- versions stay the same.
SELECT 1;
