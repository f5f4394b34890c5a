-- The decision log: what analysts and the analysis decided about
-- networks, compounds and notices (`network.merge`, `compound.status`,
-- `notice.publish`, …), one row per decision, never changed or removed: a
-- decision is revised by a later one. The server folds the log into its
-- state in `seq` order and follows it by polling for `seq` beyond the last
-- it read; the single writer commits rows in `seq` order, so no poll
-- misses a late one.
--
-- `body` is the decision's JSON text as serde_json writes it; its shape
-- depends on `kind` and is the reader's business. `user_name`, not `user`,
-- as in PostgreSQL, where `user` is reserved. `agency` names no row of
-- `agencies`: the analysis decides as `cordon`.
CREATE TABLE decisions (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    agency    TEXT NOT NULL,
    user_name TEXT NOT NULL,
    reason    TEXT NOT NULL,
    body      TEXT NOT NULL
);

-- A network's or a notice's history, in order.
CREATE INDEX decisions_by_subject ON decisions (subject, seq);

-- Append-only, enforced by the database as well as by the code.
CREATE TRIGGER decisions_are_append_only_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only; a change is a new decision');
END;

CREATE TRIGGER decisions_are_append_only_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only; a change is a new decision');
END;
