-- A template changed behind promptctl's back (SQL, another tool) must not hide behind the
-- digest promptctl wrote for the old one: the change clears the digest, so the row is read
-- whole, and a plan compares the template itself. SQLite has no SHA-256 to recompute it with.
CREATE TRIGGER IF NOT EXISTS ai_prompt_contents_template_changed
AFTER UPDATE OF prompt_template ON ai_prompt_contents
WHEN NEW.prompt_template IS NOT OLD.prompt_template
BEGIN
    UPDATE ai_prompts SET template_sha256 = NULL WHERE id = NEW.id;
END;
