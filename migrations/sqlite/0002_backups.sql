-- Rows a forced restore replaced, kept inside the store so nothing is ever lost: one backup
-- per restore, its rows whole (content included). Read back with `GET /v1/backups/{id}` or
-- `promptctl store export --backup ID`.
CREATE TABLE IF NOT EXISTS store_backups (
    id       TEXT    PRIMARY KEY,
    store_id TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    rows     INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS store_backup_rows (
    backup_id            TEXT    NOT NULL REFERENCES store_backups (id),
    id                   TEXT    NOT NULL,
    row_version          INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    prompt_name          TEXT    NOT NULL,
    prompt_version       TEXT    NOT NULL,
    prompt_template      TEXT    NOT NULL,
    description          TEXT,
    input_schema         TEXT,
    output_schema        TEXT,
    scope                TEXT    NOT NULL,
    developer_session_id TEXT,
    parent_prompt_id     TEXT,
    expires_at           INTEGER,
    workflow_step        TEXT,
    subsystem            TEXT,
    ai_model             TEXT,
    max_tokens           INTEGER,
    temperature          REAL,
    is_active            INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    created_by           TEXT,
    replaced_at          INTEGER,
    replaced_by          TEXT,
    PRIMARY KEY (backup_id, id)
);
