-- The rules of record each write is held to: the catalog, the policies of the store's
-- environment and usage, as a JSON document, one row per revision that published them. The
-- newest row is in force; none means the built-in catalog and no policies.
CREATE TABLE IF NOT EXISTS store_rules (
    revision INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    digest   TEXT    NOT NULL,
    rules    TEXT    NOT NULL
);
