-- Trackside schema, version 11, PostgreSQL (mirrors ../0011_pending_by_channel.sql): the
-- pending deliveries by channel, for the outbox's per-channel query (_CHANNEL_HEADS in
-- bot/store/outbox.py). Without it the query's plan depended on the table's statistics:
-- after many deliveries it hashed every row of the table (a sequential scan) to find the
-- few pending ones' heads. With it: the pending rows alone, in channel order.
CREATE INDEX deliveries_pending_by_channel
    ON deliveries (channel_id, announcement_id) WHERE status = 'pending';
