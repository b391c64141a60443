-- An idempotency key is bound to the request it came with (the SHA-256 of an API body): a key
-- reused with another request is refused instead of answered with the first one's outcome.
-- NULL for keys kept before, and for keys a direct caller made up (never reused).
ALTER TABLE applied_changesets ADD COLUMN request_sha256 TEXT;
