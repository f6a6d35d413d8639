-- 0005: every case-file entry carries the service's MAC (intermediary.integrity); see
-- migrations/0007_entry_macs.sql of the SQLite store for why.
ALTER TABLE entries ADD COLUMN mac TEXT;
