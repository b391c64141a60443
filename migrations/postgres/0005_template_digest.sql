-- Each row's template digest (hex SHA-256 of its UTF-8), written with the row: a plan compares
-- git's templates by digest instead of reading every stored one. Existing rows get theirs here.
ALTER TABLE ai_prompts ADD COLUMN IF NOT EXISTS template_sha256 TEXT;
UPDATE ai_prompts p
   SET template_sha256 = encode(sha256(convert_to(c.prompt_template, 'UTF8')), 'hex')
  FROM ai_prompt_contents c
 WHERE c.id = p.id AND p.template_sha256 IS NULL;
