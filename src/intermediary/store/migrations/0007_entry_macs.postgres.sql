-- 0007: every case-file entry carries the service's MAC (intermediary.integrity); see
-- 0007_entry_macs.sqlite.sql for why.
ALTER TABLE entries ADD COLUMN mac TEXT;
