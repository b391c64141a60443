-- Each row's template digest (hex SHA-256 of its UTF-8), written with the row: a plan compares
-- git's templates by digest instead of reading every stored one. Rows written before this
-- migration have none (SQLite has no SHA-256 to fill them with) and are read whole.
ALTER TABLE ai_prompts ADD COLUMN template_sha256 TEXT;
