-- What `list_reports` finds reports by: one FTS5 document per current
-- revision (rowid = its seq) holding its terms, as `cordon_store::terms`
-- defines them (narrative words, facet terms `field=hex`), plus the month
-- it was received (`month=YYYYMM`). The writer adds a revision's document
-- when it stores it and deletes the one it supersedes; the migration fills
-- it for the reports already stored (see `migrate`).
--
-- Every filter is a term, not a B-tree index per field: a filter is then
-- one FTS5 query, however many fields it combines, read newest first
-- (`ORDER BY rowid DESC`, with `rowid < before`) and stopping after
-- `limit` matches, and a rare value is as quick to find as a common one.
-- Writing costs one document per report: the terms are computed by the
-- caller, beside the writer, and FTS5 gathers a transaction's postings in
-- memory and writes them as one new segment at commit, sequentially, where
-- each B-tree index would cost a random insert per report (an index on
-- `received` would dirty pages across its whole width on every batch of an
-- import, which files report by report in time order per agency).
--
-- - `content=''`: the terms are nowhere else and are never read back;
--   `contentless_delete=1` lets the writer delete a document by rowid.
-- - `detail=none`: no positions or columns are kept (the smallest index);
--   a query is an AND of single-term strings, which needs neither.
-- - `ascii` tokenizer with `=` as a token character: the terms arrive
--   already split and lowercased, separated by spaces; each is one token
--   as given (non-ASCII bytes are token characters, and only ASCII letters
--   are folded, which lowercase words and hex facet values no longer hold).
CREATE VIRTUAL TABLE report_terms USING fts5 (
    terms,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = "ascii tokenchars '='"
);

-- FTS5 writes each transaction's postings as a new segment and merges
-- segments as they accumulate; `automerge` is how many of one level it
-- lets gather before merging them (default 4, at most 16). Merging fewer,
-- larger runs rewrites each posting fewer times: FTS5 alone, the terms of
-- the 1,000,000-report world in transactions of 5,000 took 6.8 to 9.3 µs a
-- report with 4 and 4.4 to 5.8 µs with 16. A query then reads up to 15
-- segments a level, a few levels deep.
INSERT INTO report_terms (report_terms, rank) VALUES ('automerge', 16);

-- The terms present, for turning a received-time range into the months
-- that occur in it.
CREATE VIRTUAL TABLE report_terms_vocab USING fts5vocab (report_terms, 'row');
