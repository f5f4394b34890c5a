-- Money records (crates/finance): flows, conversions between assets and
-- attribution tags an agency imported, under the agency's marking.
--
-- Append-only like reports: a record put again with the same body and
-- marking writes nothing; with another, it is a new row, and the newest row
-- of an (agency, kind, key) is current. Writers take an EXCLUSIVE lock on
-- this table and number rows one past the largest under it, so that
-- sequence numbers commit in order and a server following `seq` never
-- misses a late commit. `body` is TEXT (the record's JSON as written), as
-- for decisions. The marking columns mirror `reports`.
CREATE TABLE money (
    seq              BIGINT PRIMARY KEY,
    agency           TEXT NOT NULL REFERENCES agencies (code),
    kind             TEXT NOT NULL,
    key              TEXT NOT NULL,
    accepted         TIMESTAMPTZ NOT NULL,
    tlp              TEXT NOT NULL,
    recipients       TEXT[] NOT NULL,
    hit_notification BOOLEAN NOT NULL,
    body             TEXT NOT NULL
);

-- A key's newest revision, to tell a repeat from a change.
CREATE INDEX money_by_key ON money (agency, kind, key, seq);

CREATE TRIGGER money_is_append_only BEFORE UPDATE OR DELETE ON money
    FOR EACH ROW EXECUTE FUNCTION cordon_refuse_rewrite();
