-- Every move of the revision is announced on the channel `promptctl_revision` (payload: the new
-- revision), delivered when the writing transaction commits. Servers on the same database
-- LISTEN and refresh at once instead of waiting for their next poll; a trigger rather than a
-- NOTIFY in our write path, so any writer that moves the revision is heard.
CREATE OR REPLACE FUNCTION promptctl_notify_revision() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('promptctl_revision', NEW.revision::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS promptctl_revision_moved ON store_meta;
CREATE TRIGGER promptctl_revision_moved
    AFTER UPDATE OF revision ON store_meta
    FOR EACH ROW
    WHEN (OLD.revision IS DISTINCT FROM NEW.revision)
    EXECUTE FUNCTION promptctl_notify_revision();
