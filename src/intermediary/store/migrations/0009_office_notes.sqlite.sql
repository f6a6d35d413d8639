-- 0009: signals and advice outside any case (issue 21, item 1; service/signals.py). A
-- counsellor's signal or advice to management, management's question asking for advice,
-- and the counsellor's answer, each sealed to the counsellor who holds it (`holder`),
-- one row per holder: a question reaches every counsellor of the organisation. `ref` is
-- a short random reference ("A-7KQ3"), never a count; `day` keeps the day, not the
-- time; `mac` is the service's MAC over every other column, so a row written or edited
-- by anyone else is refused. No rowid: the file does not tell the order rows came in.
CREATE TABLE office_notes (
    ref            TEXT NOT NULL,
    kind           TEXT NOT NULL,
    holder         TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    day            TEXT NOT NULL,
    blob           BLOB NOT NULL,
    mac            TEXT NOT NULL,
    PRIMARY KEY (ref, kind, holder)
) WITHOUT ROWID;
