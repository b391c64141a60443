-- The store's identity and revision: one row. Every change set updates it, which also
-- orders concurrent change sets (from any number of servers) one after the other.
CREATE TABLE IF NOT EXISTS store_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    store_id   TEXT    NOT NULL,
    revision   BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);

-- The seed's ai_prompts, plus id, row_version and updated_at. ai_model stays nullable for
-- legacy rows; every write path refuses to create one without it.
CREATE TABLE IF NOT EXISTS ai_prompts (
    id                   TEXT    PRIMARY KEY,
    row_version          BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    prompt_name          TEXT    NOT NULL,
    prompt_version       TEXT    NOT NULL,
    description          TEXT,
    scope                TEXT    NOT NULL CHECK (scope IN ('production', 'developer')),
    developer_session_id TEXT,
    parent_prompt_id     TEXT,
    expires_at           BIGINT,
    workflow_step        TEXT,
    subsystem            TEXT,
    ai_model             TEXT,
    max_tokens           BIGINT,
    temperature          DOUBLE PRECISION,
    is_active            BOOLEAN NOT NULL,
    created_at           BIGINT  NOT NULL,
    created_by           TEXT,
    replaced_at          BIGINT,
    replaced_by          TEXT
);

-- A version's content, which never changes in place (a new content is a new version). Kept
-- apart so that updates of the small, mutable fields (a bulk model change) rewrite small rows,
-- not kilobytes of template each.
CREATE TABLE IF NOT EXISTS ai_prompt_contents (
    id              TEXT PRIMARY KEY,
    prompt_template TEXT NOT NULL,
    input_schema    TEXT,
    output_schema   TEXT
);

-- One production row per name and version: concurrent creates of the same version conflict.
CREATE UNIQUE INDEX IF NOT EXISTS ai_prompts_production_version
    ON ai_prompts (prompt_name, prompt_version) WHERE scope = 'production';
CREATE INDEX IF NOT EXISTS ai_prompts_name ON ai_prompts (prompt_name);

CREATE TABLE IF NOT EXISTS audit_log (
    seq            BIGSERIAL PRIMARY KEY,
    revision       BIGINT NOT NULL,
    at             BIGINT NOT NULL,
    actor          TEXT   NOT NULL,
    change         TEXT   NOT NULL,
    row_id         TEXT,
    prompt_name    TEXT,
    prompt_version TEXT,
    before         TEXT,
    after          TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_name ON audit_log (prompt_name, seq);

-- Idempotency keys of applied change sets (the HTTP API), so a retried request after a lost
-- response returns the first outcome instead of applying twice.
CREATE TABLE IF NOT EXISTS applied_changesets (
    key        TEXT   PRIMARY KEY,
    revision   BIGINT NOT NULL,
    outcome    TEXT   NOT NULL,
    at         BIGINT NOT NULL
);
