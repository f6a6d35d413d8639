-- 0004: as SQLite's 0006, as far as PostgreSQL needs it. Its tables have no rowid, but
-- a table file keeps rows where they were written, so a plain SELECT reads them back
-- roughly in the order they came. Delivered outbox items are deleted from now on: the
-- ones kept so far (emptied, with their case and seq, the order they were sent in) go
-- now, and the outbox, the reporter lists, the routing, the case files and the
-- handled-event markers are written anew in the order of their keys (CLUSTER), so that
-- what is in them now tells nothing of the order it came in. Rows written afterwards
-- are appended again: housekeeping rewrites the reporter lists and the routing the same
-- way after they change (PostgresStore.compact), and docs/POSTGRES.md says what remains.
-- A reporter list's version becomes a random 63-bit number at every change instead of
-- a counter of changes (BIGINT to hold it): the lists there are now get one.
DELETE FROM outbox WHERE status = 'delivered';
ALTER TABLE reporters ALTER COLUMN version TYPE BIGINT;
UPDATE reporters SET version = 1 + floor(random() * 9.2e18)::bigint;
CLUSTER outbox USING outbox_pkey;
CLUSTER reporters USING reporters_pkey;
CLUSTER routing USING routing_pkey;
CLUSTER entries USING entries_pkey;
CLUSTER processed_events USING processed_events_pkey;
