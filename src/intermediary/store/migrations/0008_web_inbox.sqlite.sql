-- 0008: the web front end's inbox (adapters/web, docs/WEB.md). A reporter on the web
-- page cannot be sent anything: what the service says to them is kept here until they
-- come back and read it. Each row is one message of one case, numbered in the order it
-- was kept (`n`), sealed under the operational key and the case's contact key, which
-- closing the case destroys: the rows of a closed case no longer open. `key` is the
-- outbox item's key (or a random one for the reporter's own words), so a message
-- delivered twice is kept once. No rowid: the file does not tell the order of rows
-- across cases.
CREATE TABLE web_inbox (
    case_id TEXT NOT NULL,
    n       INTEGER NOT NULL,
    key     TEXT NOT NULL,
    blob    BLOB NOT NULL,
    PRIMARY KEY (case_id, n)
) WITHOUT ROWID;
CREATE UNIQUE INDEX web_inbox_key ON web_inbox (key);
