-- What `list_reports` finds reports by.
--
-- `terms` holds a revision's terms as `cordon_store::terms` defines them
-- (narrative words, facet terms `field=hex`), built by the writer with
-- `array_to_tsvector`: stored exactly as given, with no parser, dictionary
-- or locale of PostgreSQL's in between, so that both backends match alike.
-- Every filter field is a term, so one GIN index answers any combination
-- of them, and the planner, which keeps statistics of the most common
-- lexemes, reads the primary key backwards instead when a term is common
-- enough that the newest `limit` matches come soon.
--
-- Reports stored before this migration have no terms yet: the store fills
-- them in from their bodies when it connects, finding them through
-- `reports_unindexed` (empty once done, so it costs writers nothing but
-- the check of its predicate).
ALTER TABLE reports ADD COLUMN terms TSVECTOR;

CREATE INDEX reports_terms ON reports USING gin (terms) WHERE current;

-- A received-time range, the one filter that is not a term: a B-tree,
-- which a range of a few days reads a small part of. (SQLite, whose
-- import speed matters more, uses month terms instead.)
CREATE INDEX reports_received ON reports (received) WHERE current;

CREATE INDEX reports_unindexed ON reports (seq) WHERE current AND terms IS NULL;

-- The terms of a revision are written once, like the rest of it: only a
-- revision that has none yet may be given them.
DROP TRIGGER reports_are_append_only_update ON reports;
CREATE TRIGGER reports_are_append_only_update BEFORE UPDATE ON reports
    FOR EACH ROW
    WHEN ((OLD.seq, OLD.agency, OLD.id, OLD.revision, OLD.digest, OLD.kind, OLD.country,
           OLD.received, OLD.accepted, OLD.tlp, OLD.recipients, OLD.hit_notification, OLD.body)
          IS DISTINCT FROM
          (NEW.seq, NEW.agency, NEW.id, NEW.revision, NEW.digest, NEW.kind, NEW.country,
           NEW.received, NEW.accepted, NEW.tlp, NEW.recipients, NEW.hit_notification, NEW.body)
          OR (NOT OLD.current AND NEW.current)
          OR (OLD.terms IS NOT NULL AND OLD.terms IS DISTINCT FROM NEW.terms))
    EXECUTE FUNCTION cordon_refuse_rewrite();
