-- A SQLite database at schema 7 as the store wrote it before migrations had one numbering
-- for both engines (main at 8f46116): one case with a row in every table, made through
-- SqliteStore.commit and dumped with sqlite3's iterdump (tests/store/test_schema.py loads it).
BEGIN TRANSACTION;
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
INSERT INTO "audit" VALUES(1,'acme','VP-AAAA-AAAA','case_opened','reporter','{"a": "b"}','2027-03-01T10:00:00+00:00','0000000000000000000000000000000000000000000000000000000000000000','01f3167ce8814351b446415c42e16a80990a182bd76f02d737d6fae293908703',X'73737373737373737373737373737373737373737373737373737373737373737373737373737373737373737373737373737373737373737373737373737373');
CREATE TABLE "case_destinations" (
    case_id        TEXT NOT NULL REFERENCES cases (case_id),
    destination_id TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    PRIMARY KEY (case_id, destination_id)
) WITHOUT ROWID;
INSERT INTO "case_destinations" VALUES('VP-AAAA-AAAA','board','acme');
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
, mac TEXT);
INSERT INTO "cases" VALUES('VP-AAAA-AAAA','acme','daan','rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr','open','{}',X'7070707070707070707070707070707070707070707070707070707070707070','$argon2id$x',1,'2027-03-01T10:00:00+00:00','mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm');
CREATE TABLE "entries" (
    case_id    TEXT NOT NULL REFERENCES cases (case_id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    author     TEXT NOT NULL,
    blob       BLOB NOT NULL,
    created_at TEXT NOT NULL, mac TEXT,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
INSERT INTO "entries" VALUES('VP-AAAA-AAAA',1,'message','reporter',X'01010101010101010101010101010101010101010101010101010101010101010101010101010101','2027-03-01T10:00:00+00:00',NULL);
INSERT INTO "entries" VALUES('VP-AAAA-AAAA',2,'message','reporter',X'02020202020202020202020202020202020202020202020202020202020202020202020202020202','2027-03-01T10:00:00+00:00',NULL);
CREATE TABLE "identities" (
    case_id TEXT PRIMARY KEY REFERENCES cases (case_id),
    blob    BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO "identities" VALUES('VP-AAAA-AAAA',X'6964656E74697479');
CREATE TABLE "identity_terms" (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    term    TEXT NOT NULL,
    PRIMARY KEY (case_id, term)
) WITHOUT ROWID;
CREATE TABLE "outbox" (
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
INSERT INTO "outbox" VALUES('k1','VP-AAAA-AAAA','acme',X'7365616C65642D6B31','2027-03-01T10:00:00+00:00','2027-03-01T10:00:00+00:00',0,NULL,'pending',NULL,'lane-1',1);
INSERT INTO "outbox" VALUES('k2','VP-AAAA-AAAA','acme',X'7365616C65642D6B32','2027-03-01T10:01:00+00:00','2027-03-01T10:00:00+00:00',0,NULL,'pending',NULL,'lane-1',2);
CREATE TABLE "pending" (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    number  INTEGER NOT NULL,
    blob    BLOB NOT NULL,
    PRIMARY KEY (case_id, number)
) WITHOUT ROWID;
INSERT INTO "pending" VALUES('VP-AAAA-AAAA',1,X'70656E64696E67');
CREATE TABLE "processed_events" (
    event_key TEXT PRIMARY KEY,
    at        TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO "processed_events" VALUES('matrix:$one','2027-03-01T10:00:00+00:00');
CREATE TABLE "reporters" (
    lookup  TEXT PRIMARY KEY,
    blob    BLOB NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO "reporters" VALUES('LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL',X'6C697374',4297742188087282597);
CREATE TABLE "routing" (
    case_id TEXT PRIMARY KEY REFERENCES cases (case_id),
    blob    BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO "routing" VALUES('VP-AAAA-AAAA',X'726F7574696E67');
CREATE TABLE "sealed_keys" (
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    holder  TEXT NOT NULL,
    blob    BLOB NOT NULL,
    PRIMARY KEY (case_id, holder)
) WITHOUT ROWID;
INSERT INTO "sealed_keys" VALUES('VP-AAAA-AAAA','daan',X'7365616C6564');
CREATE INDEX cases_by_counsellor ON cases (org_id, counsellor_id);
CREATE INDEX cases_by_state ON cases (state);
CREATE INDEX cases_by_org ON cases (org_id);
CREATE INDEX audit_by_kind ON audit (kind);
CREATE INDEX audit_by_case ON audit (case_id);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_by_case ON outbox (case_id);
CREATE UNIQUE INDEX outbox_by_seq ON outbox (seq);
CREATE INDEX destinations_by_org ON case_destinations (org_id, destination_id);
COMMIT;
