-- 0005: guarantees that hold against whoever can write this file (docs/THREAT_MODEL.md).
-- mac: the service's MAC over the case row (intermediary.integrity); rows written
-- before it have none until `intermediary upgrade` authenticates them, and the
-- service refuses to act on a row without a valid one.
-- reporters: where one reporter's open cases are listed, sealed; the case rows no
-- longer carry a value shared by every case of one person, so their index goes.
-- identity_terms is kept only until `intermediary upgrade` has moved its hashes into
-- the sealed routing of each case; new words are never written to it.
ALTER TABLE cases ADD COLUMN mac TEXT;
DROP INDEX cases_by_reporter;
CREATE TABLE reporters (
    lookup  TEXT PRIMARY KEY,
    blob    BLOB NOT NULL,
    version INTEGER NOT NULL
);
