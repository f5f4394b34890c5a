-- Money records (crates/finance): flows, conversions between assets and
-- attribution tags an agency imported, under the agency's marking.
--
-- Append-only like reports: a record put again with the same body and
-- marking writes nothing; with another, it is a new row, and the newest row
-- of an (agency, kind, key) is current. `body` is the record's JSON text,
-- whose shape is the finance crate's business by `kind`. The marking
-- columns mirror `reports`, so that the same access rules apply.
CREATE TABLE money (
    seq              INTEGER PRIMARY KEY,
    agency           TEXT NOT NULL REFERENCES agencies (code),
    kind             TEXT NOT NULL,
    key              TEXT NOT NULL,
    accepted         TEXT NOT NULL,
    tlp              TEXT NOT NULL,
    recipients       TEXT NOT NULL,
    hit_notification INTEGER NOT NULL,
    body             TEXT NOT NULL
);

-- A key's newest revision, to tell a repeat from a change.
CREATE INDEX money_by_key ON money (agency, kind, key, seq);

CREATE TRIGGER money_is_append_only_update BEFORE UPDATE ON money
BEGIN
    SELECT RAISE(ABORT, 'money records are append-only; a change is a new revision');
END;

CREATE TRIGGER money_is_append_only_delete BEFORE DELETE ON money
BEGIN
    SELECT RAISE(ABORT, 'money records are append-only; a change is a new revision');
END;
