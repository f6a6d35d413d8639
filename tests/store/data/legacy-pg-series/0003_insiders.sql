-- 0003: as SQLite's 0005. The case row's MAC; one sealed list of open cases per
-- reporter instead of an index value shared by their cases; identity_terms only
-- until `intermediary upgrade` has moved it into the sealed routing.
ALTER TABLE cases ADD COLUMN mac TEXT;
DROP INDEX cases_by_reporter;
CREATE TABLE reporters (
    lookup  TEXT PRIMARY KEY,
    blob    BYTEA NOT NULL,
    version INTEGER NOT NULL
);
