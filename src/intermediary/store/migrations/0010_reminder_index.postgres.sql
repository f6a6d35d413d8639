-- 0010: the cases that hold a reminder a counsellor set herself (issue 21, item 4;
-- office/complaint_reminders.py). Every housekeeping round asks for them among open and
-- closed cases; without this partial index that meant reading every case record. The
-- condition must stay exactly the one the store writes (store/postgres_dialect.py
-- `contains`), or the index is not used.
CREATE INDEX cases_with_reminders ON cases (state) WHERE strpos(meta, '"reminders":[{') > 0;
