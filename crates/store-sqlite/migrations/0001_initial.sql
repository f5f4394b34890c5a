-- Cordon's first schema: agencies, users, tokens, append-only reports with
-- revisions, selectors and their links to current revisions, and the
-- hash-chained audit log.
--
-- Times are RFC 3339 text in UTC with microseconds
-- (2026-03-01T10:00:00.000000Z): readable in the sqlite shell and ordered
-- when compared as text.

CREATE TABLE agencies (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    country TEXT NOT NULL,
    kind    TEXT NOT NULL,
    contact TEXT NOT NULL,
    created TEXT NOT NULL
);

CREATE TABLE users (
    id      INTEGER PRIMARY KEY,
    agency  TEXT NOT NULL REFERENCES agencies (code),
    name    TEXT NOT NULL,
    role    TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (agency, name)
);

-- Only a keyed digest of a token is kept, never the secret.
CREATE TABLE tokens (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    digest  BLOB NOT NULL UNIQUE,
    label   TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);

-- One row per revision; `seq` is the global ingest sequence. Exactly one
-- revision of an (agency, id) is current: the newest.
CREATE TABLE reports (
    seq              INTEGER PRIMARY KEY,
    agency           TEXT NOT NULL REFERENCES agencies (code),
    id               TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    current          INTEGER NOT NULL,
    digest           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    country          TEXT NOT NULL,
    received         TEXT NOT NULL,
    accepted         TEXT NOT NULL,
    tlp              TEXT NOT NULL,
    recipients       TEXT NOT NULL, -- JSON array of agency codes
    hit_notification INTEGER NOT NULL,
    body             TEXT NOT NULL, -- the report as JSON
    UNIQUE (agency, id, revision)
);

-- Counting and listing current reports without reading their bodies.
CREATE INDEX reports_current ON reports (seq) WHERE current = 1;

-- A selector is found by `key`, not by its text: the top 47 bits of the
-- SHA-256 of the text (kept in 6 bytes). Selectors are random strings, so
-- every new one is a random insert into the index that finds them, and a
-- commit of an import rewrites most of that index's pages; an index of
-- keys is a third the size of one of texts (150 MiB for the 3.2 million
-- selectors of the 1,000,000-report world), so commits write that much
-- less. Measured on that import in batches of 5,000: 32.6 s of store time
-- and 21 GiB written with the index of texts, 24.4 s and 13 GiB with keys.
--
-- A text whose key another text already holds (expected once among some
-- 16 million selectors) takes the next free key, at most 15 further on;
-- keys are never freed, so a look-up tries key, key + 1, … up to the text
-- or a free key, and a range of 16 keys always holds the text if it is
-- stored. The writer inserts a text only after that look-up, inside its
-- write transaction, so each text is stored once.
CREATE TABLE selectors (
    id   INTEGER PRIMARY KEY,
    key  INTEGER NOT NULL UNIQUE,
    text TEXT NOT NULL,
    kind TEXT NOT NULL
);

-- Links of current revisions only: a superseded revision loses its links,
-- keeps its body.
--
-- No index by report: a report's links are the selectors listed in its
-- body, so superseding a revision deletes them by primary key and paging
-- postings reads them from the body (`json_each`). The index cost one more
-- B-tree insert per link (1,000,000-report import in batches of 5,000:
-- 26.1 s of store time with it, 24.1 s without).
--
-- No foreign keys, as in PostgreSQL: SQLite checks them with two look-ups
-- per link, the one into `selectors` a random read for a reused selector
-- (same import: 28.1 s with them). Links are written only by `submit`, in
-- the transaction that writes what they point at, and every read joins
-- both sides.
CREATE TABLE report_selectors (
    selector_id INTEGER NOT NULL,
    report_seq  INTEGER NOT NULL,
    PRIMARY KEY (selector_id, report_seq)
) WITHOUT ROWID;

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    user_id   INTEGER,
    action    TEXT NOT NULL,
    owner     TEXT,
    subject   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE INDEX audit_by_owner ON audit (owner, seq);

-- Append-only, enforced by the database as well as by the code.
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER reports_are_append_only_delete BEFORE DELETE ON reports
BEGIN
    SELECT RAISE(ABORT, 'reports are append-only; a correction is a new revision');
END;

-- Only the `current` flag of a stored revision may change, and only from
-- current to superseded.
CREATE TRIGGER reports_are_append_only_update BEFORE UPDATE ON reports
WHEN NEW.seq IS NOT OLD.seq OR NEW.agency IS NOT OLD.agency OR NEW.id IS NOT OLD.id
    OR NEW.revision IS NOT OLD.revision OR NEW.digest IS NOT OLD.digest
    OR NEW.body IS NOT OLD.body OR NEW.accepted IS NOT OLD.accepted
    OR NEW.received IS NOT OLD.received OR NEW.tlp IS NOT OLD.tlp
    OR NEW.recipients IS NOT OLD.recipients OR NEW.hit_notification IS NOT OLD.hit_notification
    OR NEW.kind IS NOT OLD.kind OR NEW.country IS NOT OLD.country
    OR (OLD.current = 0 AND NEW.current <> 0)
BEGIN
    SELECT RAISE(ABORT, 'reports are append-only; a correction is a new revision');
END;
