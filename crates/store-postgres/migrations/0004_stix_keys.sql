-- Reports and selectors by the STIX ids Cordon derives for them, so that a
-- TAXII client may ask for any object Cordon exported by its id: every
-- object derived from a report shares the report's UUID, and a selector's
-- object has a UUID of its own (`cordon_store::derived`).
--
-- `stix` is a key of that UUID (its top 47 bits), computed by the store
-- before the transaction, since SQL cannot compute these UUIDv5s: on the
-- first revision of a report (later ones leave it NULL, the UUID does not
-- change), and on every selector. A key may name several rows: a look-up
-- reads them all and keeps those whose id, recomputed from the stored text,
-- is the one asked for; a selector only while a current revision holds it
-- (it has links), as SQLite finds it. The same key as SQLite's, so that
-- both backends share the code that computes and checks it.
--
-- Rows stored before this migration get their keys when the store
-- connects, found through the `…_unkeyed` indexes (empty once done, so
-- they cost writers nothing but the check of their predicates).
--
-- B-tree indexes, where SQLite keeps terms of its full-text documents
-- (there, indexes like these doubled the writer's time). Measured with
-- the `pg_import_speed` example (release, 100,000 reports in batches of
-- 5,000, eleven runs of each interleaved on a shared two-core machine):
-- median 13.5 s before, 14.9 s with the keys, a third of it the caller
-- deriving them before the transaction.

ALTER TABLE reports ADD COLUMN stix BIGINT;
ALTER TABLE selectors ADD COLUMN stix BIGINT;

CREATE INDEX reports_by_stix ON reports (stix) WHERE stix IS NOT NULL;
CREATE INDEX selectors_by_stix ON selectors (stix) WHERE stix IS NOT NULL;

CREATE INDEX reports_unkeyed ON reports (seq) WHERE revision = 1 AND stix IS NULL;
CREATE INDEX selectors_unkeyed ON selectors (id) WHERE stix IS NULL;

-- A report's key is written once, like the rest of a revision: only a
-- revision without one may be given it.
DROP TRIGGER reports_are_append_only_update ON reports;
CREATE TRIGGER reports_are_append_only_update BEFORE UPDATE ON reports
    FOR EACH ROW
    WHEN ((OLD.seq, OLD.agency, OLD.id, OLD.revision, OLD.digest, OLD.kind, OLD.country,
           OLD.received, OLD.accepted, OLD.tlp, OLD.recipients, OLD.hit_notification, OLD.body)
          IS DISTINCT FROM
          (NEW.seq, NEW.agency, NEW.id, NEW.revision, NEW.digest, NEW.kind, NEW.country,
           NEW.received, NEW.accepted, NEW.tlp, NEW.recipients, NEW.hit_notification, NEW.body)
          OR (NOT OLD.current AND NEW.current)
          OR (OLD.terms IS NOT NULL AND OLD.terms IS DISTINCT FROM NEW.terms)
          OR (OLD.stix IS NOT NULL AND OLD.stix IS DISTINCT FROM NEW.stix))
    EXECUTE FUNCTION cordon_refuse_rewrite();
