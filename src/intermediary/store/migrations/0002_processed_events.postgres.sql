-- 0002: platform events already handled, as SQLite's 0002: a redelivered event (a Matrix
-- sync replayed after a crash, a Slack retry, the same event at two instances) is applied
-- once. Written in the same transaction as the change the event caused.
CREATE TABLE processed_events (
    event_key TEXT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL
);
