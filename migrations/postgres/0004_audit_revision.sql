-- Servers catch up on what changed after the revision they hold by reading the audit log from
-- that revision on.
CREATE INDEX IF NOT EXISTS audit_log_revision ON audit_log (revision);
