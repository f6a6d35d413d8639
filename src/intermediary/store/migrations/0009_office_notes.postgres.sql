-- 0009: signals and advice outside any case, as SQLite's 0009 (see
-- 0009_office_notes.sqlite.sql): one sealed row per holder, keyed by a random reference.
CREATE TABLE office_notes (
    ref            TEXT NOT NULL,
    kind           TEXT NOT NULL,
    holder         TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    day            TEXT NOT NULL,
    blob           BYTEA NOT NULL,
    mac            TEXT NOT NULL,
    PRIMARY KEY (ref, kind, holder)
);
