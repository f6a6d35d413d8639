-- 0007: every case-file entry carries the service's MAC (intermediary.integrity). An
-- entry is sealed to its case's public key, which is in this database: anyone who can
-- write it could seal and insert an entry of their own ("I withdraw", "you may share my
-- name") that opens with the counsellor's key like any other. The MAC is under a subkey
-- of the service key, which the database never holds. Entries written before have
-- none until `intermediary upgrade` gives them theirs.
ALTER TABLE entries ADD COLUMN mac TEXT;
