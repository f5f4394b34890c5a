-- STIX objects kept verbatim: objects imported from other tools that
-- Cordon cannot turn into reports, kept so that they can be exported again
-- unchanged and served over TAXII.
--
-- `json` is TEXT, not JSON or JSONB: the object's text exactly as received,
-- because a re-export must be the same bytes (key order, spacing, number
-- spelling) that the other tool signed, hashed or compares. JSONB would
-- rewrite all of that and refuses an escaped NUL (\u0000); the store never
-- parses the text at all. The columns beside it are what the store finds
-- objects by and what the access rules need without reading the JSON.
--
-- A STIX version never changes: one row per (agency, id, version), written
-- once; the same version again is a no-op and a different text for it is
-- refused. Unversioned objects (SCOs) have version ''. Rows are really
-- deleted (TAXII DELETE), unlike reports.
--
-- `seq` is the kept objects' own sequence, for TAXII paging (`added_after`,
-- `next`); an identity never gives a number twice, deleted rows' included.
-- Writers take an EXCLUSIVE lock on this table, as on `reports`, so that
-- sequence numbers commit in order and a reader paging by `seq` never
-- misses a late commit.
--
-- The marking columns mirror `reports`, so that the same access rules
-- apply.
CREATE TABLE stix_objects (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency           TEXT NOT NULL REFERENCES agencies (code),
    added            TIMESTAMPTZ NOT NULL,
    id               TEXT NOT NULL,
    kind             TEXT NOT NULL, -- the STIX type: `id` before `--`
    version          TEXT NOT NULL, -- `modified`, else `created`, else ''
    spec_version     TEXT NOT NULL,
    tlp              TEXT NOT NULL,
    recipients       TEXT[] NOT NULL,
    hit_notification BOOLEAN NOT NULL,
    json             TEXT NOT NULL,
    UNIQUE (agency, id, version)
);

-- Every version of an id, whoever holds it (TAXII's object and versions
-- endpoints, `match[id]`).
CREATE INDEX stix_objects_by_id ON stix_objects (id);

-- Paging one type or a few (`match[type]`) in seq order.
CREATE INDEX stix_objects_by_kind ON stix_objects (kind, seq);

-- Paging one owner's objects in seq order (a collection per agency),
-- without reading every other owner's rows on the way.
CREATE INDEX stix_objects_by_agency ON stix_objects (agency, seq);

-- Written once, enforced by the database as well as by the code.
CREATE FUNCTION cordon_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % never change; a change is a new row', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER stix_objects_never_change BEFORE UPDATE ON stix_objects
    FOR EACH ROW EXECUTE FUNCTION cordon_refuse_change();
