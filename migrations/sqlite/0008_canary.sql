-- A canary: a share of a prompt's traffic runs another model. Both set or both NULL; the
-- percent is above 0 and below 100, in hundredths at most (the split is computed in basis
-- points). Backups keep it too.
ALTER TABLE ai_prompts ADD COLUMN canary_model TEXT;
ALTER TABLE ai_prompts ADD COLUMN canary_percent REAL;
ALTER TABLE store_backup_rows ADD COLUMN canary_model TEXT;
ALTER TABLE store_backup_rows ADD COLUMN canary_percent REAL;
