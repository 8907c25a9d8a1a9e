-- Trackside schema, version 11: the outbox's pending deliveries by channel. The
-- announcer's per-channel query (bot/store/outbox.py, _CHANNEL_HEADS) takes the oldest
-- pending delivery of each channel: with this partial index that is one ordered walk of
-- the pending rows alone (no sort or hash of them), however many delivered rows the table
-- holds. PostgreSQL's postgresql/0011_pending_by_channel.sql is the same index.
CREATE INDEX deliveries_pending_by_channel
    ON deliveries (channel_id, announcement_id) WHERE status = 'pending';
