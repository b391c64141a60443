-- A template changed behind promptctl's back (SQL, another tool) must not hide behind the
-- digest promptctl wrote for the old one: the change recomputes the digest, so a plan
-- compares the template as it now is.
CREATE OR REPLACE FUNCTION promptctl_template_changed() RETURNS trigger AS $$
BEGIN
    IF NEW.prompt_template IS DISTINCT FROM OLD.prompt_template THEN
        UPDATE ai_prompts
           SET template_sha256 = encode(sha256(convert_to(NEW.prompt_template, 'UTF8')), 'hex')
         WHERE id = NEW.id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS ai_prompt_contents_template_changed ON ai_prompt_contents;
CREATE TRIGGER ai_prompt_contents_template_changed
AFTER UPDATE OF prompt_template ON ai_prompt_contents
FOR EACH ROW EXECUTE FUNCTION promptctl_template_changed();
