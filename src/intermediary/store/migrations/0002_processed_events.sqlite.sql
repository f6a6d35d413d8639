-- 0002: platform events already handled, so a redelivered event (a Matrix
-- sync replayed after a crash, a Slack retry) is applied once. Written in the
-- same transaction as the change the event caused. Event ids identify
-- nobody; rows can be pruned after the platform's redelivery window.
CREATE TABLE processed_events (
    event_key TEXT PRIMARY KEY,
    at        TEXT NOT NULL
);
