-- 0010: the cases that hold a reminder a counsellor set herself (issue 21, item 4;
-- office/complaint_reminders.py). Every housekeeping round asks for them among open and
-- closed cases; without this partial index that meant reading every case record (a
-- fifth of a second at 100,000 cases, each round). The condition must stay exactly the
-- one the store writes (store/sqlite.py `contains`), or the index is not used.
CREATE INDEX cases_with_reminders ON cases (state) WHERE instr(meta, '"reminders":[{') > 0;
