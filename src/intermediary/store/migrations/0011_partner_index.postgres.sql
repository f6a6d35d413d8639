-- 0011: the cases a second counsellor works on (issue 21, item 2; service/facade.py
-- `cases_of`). A counsellor's list of cases reads the ones she leads by their column and
-- the ones she shares by this partial index. The condition must stay exactly the one the
-- store writes (store/postgres_dialect.py `contains`), or the index is not used.
CREATE INDEX cases_with_partners ON cases (state) WHERE strpos(meta, '"partners":["') > 0;
