-- 0001: the first schema. Metadata in the clear; every text, identity and
-- address is a sealed blob. Each row names its organisation from day one.
CREATE TABLE cases (
    case_id        TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    counsellor_id  TEXT NOT NULL,
    reporter_index TEXT NOT NULL,
    state          TEXT NOT NULL,
    meta           TEXT NOT NULL,
    case_public    BLOB NOT NULL,
    receipt_hash   TEXT NOT NULL,
    version        INTEGER NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX cases_by_reporter ON cases (reporter_index);
CREATE INDEX cases_by_counsellor ON cases (org_id, counsellor_id);

CREATE TABLE case_destinations (
    case_id        TEXT NOT NULL REFERENCES cases (case_id),
    org_id         TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    PRIMARY KEY (case_id, destination_id)
);
CREATE INDEX destinations_by_org ON case_destinations (org_id, destination_id);

CREATE TABLE entries (
    case_id    TEXT NOT NULL REFERENCES cases (case_id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    author     TEXT NOT NULL,
    blob       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE pending (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    number  INTEGER NOT NULL,
    blob    BLOB NOT NULL,
    PRIMARY KEY (case_id, number)
);

CREATE TABLE sealed_keys (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    holder  TEXT NOT NULL,
    blob    BLOB NOT NULL,
    PRIMARY KEY (case_id, holder)
);

CREATE TABLE identities (
    case_id TEXT PRIMARY KEY REFERENCES cases (case_id),
    blob    BLOB NOT NULL
);

CREATE TABLE routing (
    case_id TEXT PRIMARY KEY REFERENCES cases (case_id),
    blob    BLOB NOT NULL
);

CREATE TABLE identity_terms (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    term    TEXT NOT NULL,
    PRIMARY KEY (case_id, term)
);

CREATE TABLE outbox (
    key             TEXT PRIMARY KEY,
    case_id         TEXT,
    org_id          TEXT NOT NULL,
    payload         BLOB NOT NULL,
    not_before      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    status          TEXT NOT NULL DEFAULT 'pending',
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (status, not_before);

CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    org_id     TEXT NOT NULL,
    case_id    TEXT,
    kind       TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    details    TEXT NOT NULL,
    at         TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    signature  BLOB NOT NULL
);
