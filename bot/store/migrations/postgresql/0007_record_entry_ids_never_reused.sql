-- Trackside schema, version 7, PostgreSQL (mirrors ../0007_record_entry_ids_never_reused.sql).
-- Nothing to do: record_entries.id is an identity column (0001), never handed out twice;
-- 0006 here altered a constraint instead of rebuilding the table. Kept so versions match.
SELECT 1;
