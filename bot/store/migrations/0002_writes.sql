-- Trackside schema, version 2: moderators' writes, alerts, the announcement outbox, audit.

-- Per-server settings: the moderator role that may write (in trusted servers).
CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    moderator_role_id INTEGER,
    updated_by        INTEGER,
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Where a server wants record announcements, with optional filters (JSON arrays).
CREATE TABLE subscriptions (
    guild_id    INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    scopes      TEXT NOT NULL DEFAULT '[]',  -- scope codes: "world", "EUR", "NOR", meeting names
    events      TEXT NOT NULL DEFAULT '[]',  -- event keys
    sex         TEXT CHECK (sex IS NULL OR sex IN ('M', 'W', 'X')),
    problem     TEXT,                        -- the last delivery problem, shown by /alerts status
    problem_at  TEXT,
    created_by  INTEGER,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- The outbox: one announcement per added result (or correction, or ratification), written
-- in the same transaction as the change it announces. The payload is the announcement as
-- data (JSON), so it renders the same whenever it is delivered.
CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('record', 'correction', 'ratification')),
    result_id  INTEGER,                      -- no foreign key: a correction outlives its result
    payload    TEXT NOT NULL,
    scopes     TEXT NOT NULL DEFAULT '[]',   -- for subscription filters
    events     TEXT NOT NULL DEFAULT '[]',
    sex        TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- One row per announcement and channel: delivered exactly once, retried with backoff.
CREATE TABLE deliveries (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id),
    channel_id      INTEGER NOT NULL,
    guild_id        INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    message_id      INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    PRIMARY KEY (announcement_id, channel_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

-- Every write leaves a row here; nothing may change or delete one.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor_id INTEGER,                       -- Discord user id; NULL for the command line
    guild_id INTEGER,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL DEFAULT '',
    details  TEXT NOT NULL DEFAULT '{}'     -- JSON: what changed
);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit rows are permanent');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit rows are permanent');
END;
