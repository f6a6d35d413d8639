-- 0006: a copy of this file, without any key, must not tell in what order things
-- happened across cases (docs/THREAT_MODEL.md). A rowid table numbers its rows in the
-- order they were inserted, and a plain SELECT reads them back in that order: the
-- k-th entry written by a reporter that day, all cases together, could be matched with
-- the k-th message the bot received in the platform's own log, and a reporter's first
-- case placed by the position of their row. So every table keyed by something else is
-- rebuilt WITHOUT ROWID, with the same columns and primary key: its b-tree is then
-- ordered by that key (case and number, a keyed hash, an idempotency key) and nothing
-- records when a row came. `cases` keeps its rowid (the order cases were opened in is
-- the order of their case_opened entries in the audit chain, which shows it anyway),
-- and so does `audit`, whose rowid is its seq, the chain's own order.
-- Delivered outbox items are deleted from now on: the ones kept so far (emptied, with
-- their case and their seq, the order they were sent in) go now. The items still
-- queued keep their order, numbered from 1 (their old numbers told how many came
-- before). A reporter list's version becomes a random number at every change instead
-- of a counter of changes: the lists there are now get one.
-- The old tables' pages are freed, and secure_delete overwrites them.
DELETE FROM outbox WHERE status = 'delivered';

CREATE TABLE entries_0006 (
    case_id    TEXT NOT NULL REFERENCES cases (case_id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    author     TEXT NOT NULL,
    blob       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
INSERT INTO entries_0006 (case_id, seq, kind, author, blob, created_at)
    SELECT case_id, seq, kind, author, blob, created_at FROM entries ORDER BY case_id, seq;
DROP TABLE entries;
ALTER TABLE entries_0006 RENAME TO entries;

CREATE TABLE outbox_0006 (
    key             TEXT PRIMARY KEY,
    case_id         TEXT,
    org_id          TEXT NOT NULL,
    payload         BLOB NOT NULL,
    not_before      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    status          TEXT NOT NULL DEFAULT 'pending',
    last_error      TEXT,
    lane            TEXT,
    seq             INTEGER
) WITHOUT ROWID;
INSERT INTO outbox_0006 (key, case_id, org_id, payload, not_before, created_at, attempts,
        next_attempt_at, status, last_error, lane, seq)
    SELECT key, case_id, org_id, payload, not_before, created_at, attempts,
        next_attempt_at, status, last_error, lane, row_number() OVER (ORDER BY seq, key)
    FROM outbox ORDER BY key;
DROP TABLE outbox;
ALTER TABLE outbox_0006 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_by_case ON outbox (case_id);
CREATE UNIQUE INDEX outbox_by_seq ON outbox (seq);

CREATE TABLE processed_events_0006 (
    event_key TEXT PRIMARY KEY,
    at        TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO processed_events_0006 (event_key, at)
    SELECT event_key, at FROM processed_events ORDER BY event_key;
DROP TABLE processed_events;
ALTER TABLE processed_events_0006 RENAME TO processed_events;

CREATE TABLE reporters_0006 (
    lookup  TEXT PRIMARY KEY,
    blob    BLOB NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO reporters_0006 (lookup, blob, version)
    SELECT lookup, blob, 1 + abs(random() % 9223372036854775807) FROM reporters ORDER BY lookup;
DROP TABLE reporters;
ALTER TABLE reporters_0006 RENAME TO reporters;

-- (the key's columns first: SQLite 3.40's integrity check, and so `intermediary
-- doctor`, takes a column after a key column for NULL in a table WITHOUT ROWID)
CREATE TABLE case_destinations_0006 (
    case_id        TEXT NOT NULL REFERENCES cases (case_id),
    destination_id TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    PRIMARY KEY (case_id, destination_id)
) WITHOUT ROWID;
INSERT INTO case_destinations_0006 (case_id, destination_id, org_id)
    SELECT case_id, destination_id, org_id FROM case_destinations
    ORDER BY case_id, destination_id;
DROP TABLE case_destinations;
ALTER TABLE case_destinations_0006 RENAME TO case_destinations;
CREATE INDEX destinations_by_org ON case_destinations (org_id, destination_id);

CREATE TABLE pending_0006 (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    number  INTEGER NOT NULL,
    blob    BLOB NOT NULL,
    PRIMARY KEY (case_id, number)
) WITHOUT ROWID;
INSERT INTO pending_0006 (case_id, number, blob)
    SELECT case_id, number, blob FROM pending ORDER BY case_id, number;
DROP TABLE pending;
ALTER TABLE pending_0006 RENAME TO pending;

CREATE TABLE sealed_keys_0006 (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    holder  TEXT NOT NULL,
    blob    BLOB NOT NULL,
    PRIMARY KEY (case_id, holder)
) WITHOUT ROWID;
INSERT INTO sealed_keys_0006 (case_id, holder, blob)
    SELECT case_id, holder, blob FROM sealed_keys ORDER BY case_id, holder;
DROP TABLE sealed_keys;
ALTER TABLE sealed_keys_0006 RENAME TO sealed_keys;

CREATE TABLE identities_0006 (
    case_id TEXT PRIMARY KEY REFERENCES cases (case_id),
    blob    BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO identities_0006 (case_id, blob)
    SELECT case_id, blob FROM identities ORDER BY case_id;
DROP TABLE identities;
ALTER TABLE identities_0006 RENAME TO identities;

CREATE TABLE routing_0006 (
    case_id TEXT PRIMARY KEY REFERENCES cases (case_id),
    blob    BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO routing_0006 (case_id, blob)
    SELECT case_id, blob FROM routing ORDER BY case_id;
DROP TABLE routing;
ALTER TABLE routing_0006 RENAME TO routing;

CREATE TABLE identity_terms_0006 (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    term    TEXT NOT NULL,
    PRIMARY KEY (case_id, term)
) WITHOUT ROWID;
INSERT INTO identity_terms_0006 (case_id, term)
    SELECT case_id, term FROM identity_terms ORDER BY case_id, term;
DROP TABLE identity_terms;
ALTER TABLE identity_terms_0006 RENAME TO identity_terms;
