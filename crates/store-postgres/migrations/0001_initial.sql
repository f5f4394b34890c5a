-- Cordon's first schema: agencies, users, tokens, append-only reports with
-- revisions, selectors and their links to current revisions, and the
-- hash-chained audit log. Tables are created in the connection's
-- search_path, so one database can hold several isolated Cordons (tests).

CREATE TABLE agencies (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    country TEXT NOT NULL,
    kind    TEXT NOT NULL,
    contact TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency  TEXT NOT NULL REFERENCES agencies (code),
    name    TEXT NOT NULL,
    role    TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    UNIQUE (agency, name)
);

-- Only a keyed digest of a token is kept, never the secret.
CREATE TABLE tokens (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    digest  BYTEA NOT NULL UNIQUE,
    label   TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    revoked TIMESTAMPTZ
);

-- One row per revision; `seq` is the global ingest sequence. Writers take
-- an EXCLUSIVE lock on this table, so sequence numbers are committed in
-- order and a reader paging by `seq` never misses a late commit.
CREATE TABLE reports (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency           TEXT NOT NULL REFERENCES agencies (code),
    id               TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    current          BOOLEAN NOT NULL,
    digest           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    country          TEXT NOT NULL,
    received         TIMESTAMPTZ NOT NULL,
    accepted         TIMESTAMPTZ NOT NULL,
    tlp              TEXT NOT NULL,
    recipients       TEXT[] NOT NULL,
    hit_notification BOOLEAN NOT NULL,
    body             TEXT NOT NULL, -- the report as JSON, exactly as serialised
    UNIQUE (agency, id, revision)
);

-- Exactly one current revision per report, and a fast way to find it.
CREATE UNIQUE INDEX reports_current ON reports (agency, id) WHERE current;

CREATE TABLE selectors (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
);

-- Links of current revisions only: a superseded revision loses its links,
-- keeps its body.
--
-- No foreign keys here, unlike SQLite: PostgreSQL checks them with a trigger
-- per row, which made bulk import a third slower (8,000 against 12,500
-- reports/s). Links are written only by `submit`, in the transaction that
-- writes what they point at, and every read joins both sides, so a dangling
-- link could not show up in an answer anyway.
CREATE TABLE report_selectors (
    selector_id BIGINT NOT NULL,
    report_seq  BIGINT NOT NULL,
    PRIMARY KEY (selector_id, report_seq)
);

CREATE INDEX report_selectors_by_report ON report_selectors (report_seq);

CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    user_id   BIGINT,
    action    TEXT NOT NULL,
    owner     TEXT,
    subject   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE INDEX audit_by_owner ON audit (owner, seq);

-- Append-only, enforced by the database as well as by the code.
CREATE FUNCTION cordon_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION cordon_refuse_rewrite();

CREATE TRIGGER reports_are_append_only_delete BEFORE DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION cordon_refuse_rewrite();

-- Only the `current` flag of a stored revision may change, and only from
-- current to superseded.
CREATE TRIGGER reports_are_append_only_update BEFORE UPDATE ON reports
    FOR EACH ROW
    WHEN ((OLD.seq, OLD.agency, OLD.id, OLD.revision, OLD.digest, OLD.kind, OLD.country,
           OLD.received, OLD.accepted, OLD.tlp, OLD.recipients, OLD.hit_notification, OLD.body)
          IS DISTINCT FROM
          (NEW.seq, NEW.agency, NEW.id, NEW.revision, NEW.digest, NEW.kind, NEW.country,
           NEW.received, NEW.accepted, NEW.tlp, NEW.recipients, NEW.hit_notification, NEW.body)
          OR (NOT OLD.current AND NEW.current))
    EXECUTE FUNCTION cordon_refuse_rewrite();
