-- 0003: indexes for what housekeeping, purges, the annual report and audit
-- excerpts look up, found by the scale benchmark (100,000 cases, 1,000,000
-- messages): without them each was a scan of the largest tables.
CREATE INDEX cases_by_state ON cases (state);
CREATE INDEX cases_by_org ON cases (org_id);
CREATE INDEX audit_by_kind ON audit (kind);
CREATE INDEX audit_by_case ON audit (case_id);
CREATE INDEX outbox_by_case ON outbox (case_id);
