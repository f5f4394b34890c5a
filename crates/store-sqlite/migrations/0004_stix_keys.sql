-- Reports and selectors by the STIX ids Cordon derives for them, so that a
-- TAXII client may ask for any object Cordon exported by its id: every
-- object derived from a report shares the report's UUID, and a selector's
-- object has a UUID of its own (`cordon_store::derived`).
--
-- `stix` is a key of that UUID (its top 47 bits, which SQLite keeps in 6
-- bytes), computed by the writer's caller, since SQL cannot compute a
-- UUIDv5: on the first revision of a report (later ones leave it NULL, the
-- UUID does not change), and on every selector. A key may name several
-- rows: a look-up reads them all and keeps those whose id, recomputed from
-- the stored text, is the one asked for. Rows stored before this migration
-- are given their keys by it (see `migrate`).
--
-- Columns on the tables the writer inserts into anyway, not side tables:
-- the key costs no statement, only one more index entry per new report and
-- per new selector, 6 bytes and a rowid. The reports' index is partial, so
-- that revisions cost nothing.

ALTER TABLE reports ADD COLUMN stix INTEGER;
ALTER TABLE selectors ADD COLUMN stix INTEGER;

CREATE INDEX reports_by_stix ON reports (stix) WHERE stix IS NOT NULL;
CREATE INDEX selectors_by_stix ON selectors (stix);

-- A report's key is written once, like the rest of a revision: only a
-- revision without one (stored before this migration) may be given it.
DROP TRIGGER reports_are_append_only_update;
CREATE TRIGGER reports_are_append_only_update BEFORE UPDATE ON reports
WHEN NEW.seq IS NOT OLD.seq OR NEW.agency IS NOT OLD.agency OR NEW.id IS NOT OLD.id
    OR NEW.revision IS NOT OLD.revision OR NEW.digest IS NOT OLD.digest
    OR NEW.body IS NOT OLD.body OR NEW.accepted IS NOT OLD.accepted
    OR NEW.received IS NOT OLD.received OR NEW.tlp IS NOT OLD.tlp
    OR NEW.recipients IS NOT OLD.recipients OR NEW.hit_notification IS NOT OLD.hit_notification
    OR NEW.kind IS NOT OLD.kind OR NEW.country IS NOT OLD.country
    OR (OLD.current = 0 AND NEW.current <> 0)
    OR (OLD.stix IS NOT NULL AND NEW.stix IS NOT OLD.stix)
BEGIN
    SELECT RAISE(ABORT, 'reports are append-only; a correction is a new revision');
END;
