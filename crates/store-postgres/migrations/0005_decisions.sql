-- The decision log: what analysts and the analysis decided about
-- networks, compounds and notices (`network.merge`, `compound.status`,
-- `notice.publish`, …), one row per decision, never changed or removed: a
-- decision is revised by a later one. The server folds the log into its
-- state in `seq` order and follows it by polling for `seq` beyond the last
-- it read. Writers take an EXCLUSIVE lock on this table, as on `audit`,
-- and number rows one past the largest under it, so that sequence numbers
-- commit in order and a poll never misses a late commit.
--
-- `body` is TEXT, not JSONB: the decision's JSON as serde_json writes it,
-- read back into the same value. JSONB would refuse an escaped NUL
-- (\u0000) in a string, and nothing here queries inside the body. The
-- column is `user_name` because `user` is reserved. `agency` names no row
-- of `agencies`: the analysis decides as `cordon`.
CREATE TABLE decisions (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    agency    TEXT NOT NULL,
    user_name TEXT NOT NULL,
    reason    TEXT NOT NULL,
    body      TEXT NOT NULL
);

-- A network's or a notice's history, in order.
CREATE INDEX decisions_by_subject ON decisions (subject, seq);

-- Append-only, enforced by the database as well as by the code (the
-- function is migration 0001's).
CREATE TRIGGER decisions_are_append_only BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION cordon_refuse_rewrite();
