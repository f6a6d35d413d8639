-- 0008: the web front end's inbox, as SQLite's 0008 (see 0008_web_inbox.sqlite.sql):
-- one sealed message per row, numbered per case, kept once per key.
CREATE TABLE web_inbox (
    case_id TEXT NOT NULL,
    n       INTEGER NOT NULL,
    key     TEXT NOT NULL,
    blob    BYTEA NOT NULL,
    PRIMARY KEY (case_id, n)
);
CREATE UNIQUE INDEX web_inbox_key ON web_inbox (key);
