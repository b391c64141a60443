-- Webhook deliveries. The audit log is the outbox: every applied revision's entries are
-- written in the transaction that applies it, so an event can never be lost between a commit
-- and its delivery. Per endpoint (keyed by a digest of its URL): the last revision delivered,
-- in order, and the last attempt. One replica delivers at a time: the one holding the lease.
CREATE TABLE webhook_deliveries (
    endpoint TEXT PRIMARY KEY,
    shown_url TEXT NOT NULL,
    delivered_revision BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status TEXT,
    last_attempt_at BIGINT
);
CREATE TABLE webhook_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT,
    until_ms BIGINT NOT NULL
);
INSERT INTO webhook_lease (id, holder, until_ms) VALUES (1, NULL, 0);
