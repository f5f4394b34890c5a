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

-- The terms present, for turning a received-time range into the months
-- that occur in it.
CREATE VIRTUAL TABLE report_terms_vocab USING fts5vocab (report_terms, 'row');
