//! The terms `Store::list_reports` finds reports by, defined once for both
//! backends so that they find the same reports.
//!
//! A current revision is indexed under its *terms*: the words of its
//! narrative and one *facet term* per filterable value it carries (agency,
//! country, kind, TLP, each modus-operandi tag, each selector prefix). A
//! filter is turned into terms the same way, and a report matches when it
//! holds all of them. SQLite keeps the terms in an FTS5 index, PostgreSQL in
//! a `tsvector` column with a GIN index; both store these strings exactly
//! as given (no stemming, no parsing of their own), so the matching rules
//! are the ones written here and nowhere else.
//!
//! - **Words** are maximal runs of alphanumeric characters
//!   (`char::is_alphanumeric`), lowercased; everything else separates
//!   words. Matching is by whole word, case-insensitive, accents
//!   significant (`café` is not `cafe`). A query `"foo OR bar*` is the
//!   three words `foo`, `or` and `bar`; `a:b` is `a` and `b`. No user text
//!   reaches either backend's query syntax as syntax.
//! - **Facet terms** are `field=` and the hexadecimal of the value's UTF-8:
//!   a word never holds `=`, so a facet term is never a word, and hex keeps
//!   values that differ only in case apart in an index that folds ASCII
//!   case (SQLite's tokenizer).

use cordon_core::Report;

use crate::ReportFilter;

/// Longest word indexed, in bytes. Longer alphanumeric runs are encoded
/// blobs rather than words; PostgreSQL refuses lexemes over 2 KiB.
pub const MAX_WORD_BYTES: usize = 200;

/// Longest facet term indexed, in bytes: values of up to 490 bytes (agency
/// codes have at most 64; countries, kinds, tags and prefixes are short). A
/// longer value is not indexed, and a filter asking for one matches nothing.
pub const MAX_FACET_BYTES: usize = 1000;

/// The words of a text, as indexed and as queried, in order of appearance
/// (with repeats). Runs longer than [`MAX_WORD_BYTES`] are left out.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    runs(text)
        .filter(|run| run.len() <= MAX_WORD_BYTES)
        .map(lowercase)
}

/// Maximal runs of alphanumeric characters.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|run| !run.is_empty())
}

/// Lowercase, one character at a time: the same word lowercases the same
/// way wherever it stands (no final-sigma rule), in narratives and queries.
fn lowercase(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.chars().flat_map(char::to_lowercase).collect()
}

/// A facet term: `field=` and the hex of the value.
fn facet(field: &str, value: &str) -> String {
    let mut term = String::with_capacity(facet_len(field, value));
    push_facet(field, value, &mut term);
    term
}

fn facet_len(field: &str, value: &str) -> usize {
    field.len() + 1 + 2 * value.len()
}

/// Appends a facet term to `out`.
fn push_facet(field: &str, value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str(field);
    out.push('=');
    for b in value.bytes() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// Appends the words of a text to `out`, each after a space when `out` is
/// not empty; the same words as [`words`], without a string each.
fn push_words(text: &str, out: &mut String) {
    let mut push = |run: &str| {
        if run.len() > MAX_WORD_BYTES {
            return;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if run.is_ascii() {
            out.extend(run.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.extend(run.chars().flat_map(char::to_lowercase));
        }
    };
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(&text[s..]);
    }
}

/// Appends every term a current revision of `agency` is indexed under to
/// `out`, separated by single spaces, repeats included (both indexes keep
/// a term once per report): the form the writers hand to their index,
/// built without a string per term. No term is empty or holds whitespace.
pub fn write_terms(agency: &str, report: &Report, out: &mut String) {
    if let Some(narrative) = &report.narrative {
        push_words(narrative, out);
    }
    let mut facet = |field: &str, value: &str| {
        if facet_len(field, value) > MAX_FACET_BYTES {
            return;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        push_facet(field, value, out);
    };
    facet("agency", agency);
    facet("country", &report.country);
    facet("kind", report.kind.as_str());
    facet("tlp", report.marking.tlp.as_str());
    for tag in &report.mo {
        facet("mo", tag);
    }
    // Selectors are sorted by their text, so those of one prefix are
    // neighbours: each prefix is written once.
    let mut last = None;
    for s in &report.selectors {
        if last != Some(s.prefix()) {
            facet("sel", s.prefix());
            last = Some(s.prefix());
        }
    }
}

/// Every term a current revision of `agency` is indexed under
/// ([`write_terms`]), sorted and without repeats.
pub fn report_terms(agency: &str, report: &Report) -> Vec<String> {
    let mut text = String::new();
    write_terms(agency, report, &mut text);
    let mut terms: Vec<String> = text.split(' ').map(str::to_owned).collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// What the term part of a filter asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermQuery {
    /// No term condition: every report passes it.
    Any,
    /// Reports holding every one of these terms (sorted, no repeats).
    All(Vec<String>),
    /// No report can match: a query word or value is too long to have been
    /// indexed.
    Nothing,
}

/// The terms a filter requires: its facet fields and the words of its
/// text. Leaves out the time range, which backends index in their own way.
///
/// A text without any word (empty, or only punctuation) sets no condition,
/// the same as no text: it is ignored, on both backends alike.
pub fn filter_terms(filter: &ReportFilter) -> TermQuery {
    let mut terms = Vec::new();
    let facets = [
        ("agency", filter.agency.as_deref()),
        ("country", filter.country.as_deref()),
        ("kind", filter.kind.map(|k| k.as_str())),
        ("tlp", filter.tlp.map(|t| t.as_str())),
        ("mo", filter.mo.as_deref()),
        ("sel", filter.selector_kind.as_deref()),
    ];
    for (field, value) in facets {
        if let Some(value) = value {
            let term = facet(field, value);
            if term.len() > MAX_FACET_BYTES {
                return TermQuery::Nothing;
            }
            terms.push(term);
        }
    }
    if let Some(text) = &filter.text {
        for run in runs(text) {
            if run.len() > MAX_WORD_BYTES {
                return TermQuery::Nothing;
            }
            terms.push(lowercase(run));
        }
    }
    if terms.is_empty() {
        return TermQuery::Any;
    }
    terms.sort_unstable();
    terms.dedup();
    TermQuery::All(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_core::{Marking, ReportKind, Selector, Tlp};

    fn report(narrative: &str) -> Report {
        Report {
            id: "r".into(),
            kind: ReportKind::Tip,
            received: None,
            country: "KH".into(),
            language: None,
            marking: Marking::new(Tlp::AmberStrict),
            grading: None,
            mo: vec!["payment:usdt_trc20".into()],
            narrative: Some(narrative.into()),
            selectors: vec![
                Selector::parse_canonical("phone:+85512345678").unwrap(),
                Selector::parse_canonical("email:a@example.com").unwrap(),
            ],
            losses: Vec::new(),
            location: None,
        }
    }

    #[test]
    fn words_are_lowercased_alphanumeric_runs() {
        let got: Vec<String> =
            words("Call +855 12-345 678, ask for 'Ms. ÉLODIE' (café) at x@y.com!").collect();
        assert_eq!(
            got,
            [
                "call", "855", "12", "345", "678", "ask", "for", "ms", "élodie", "café", "at", "x",
                "y", "com"
            ]
        );
        assert_eq!(
            words("ΟΔΟΣ").collect::<Vec<_>>(),
            ["οδοσ"],
            "no final sigma"
        );
        assert_eq!(words("タイ 詐欺").collect::<Vec<_>>(), ["タイ", "詐欺"]);
        let long = "a".repeat(MAX_WORD_BYTES + 1);
        assert_eq!(
            words(&format!("x {long} y")).collect::<Vec<_>>(),
            ["x", "y"],
            "blobs are not words"
        );
    }

    #[test]
    fn written_terms_are_the_words_and_facets_with_repeats() {
        let mut r = report("Pay, pay ÉLODIE!");
        r.mo.push("x".repeat(MAX_FACET_BYTES));
        r.selectors
            .push(Selector::parse_canonical("phone:+85512345679").unwrap());
        r.selectors.sort();
        let mut text = String::new();
        write_terms("KH", &r, &mut text);
        let terms: Vec<&str> = text.split(' ').collect();
        assert_eq!(&terms[..3], ["pay", "pay", "élodie"]);
        assert_eq!(terms[3], format!("agency={}", hex::encode("KH")));
        assert!(terms.iter().all(|t| !t.is_empty()), "{text:?}");
        assert_eq!(
            terms.len(),
            3 + 4 + 1 + 2,
            "a facet too long is left out, a selector prefix written once"
        );

        let mut text = String::new();
        let mut bare = report("");
        bare.narrative = Some("--".into());
        write_terms("KH", &bare, &mut text);
        assert!(text.starts_with("agency="), "no leading space: {text:?}");
    }

    #[test]
    fn a_reports_terms_are_its_words_and_facets() {
        let terms = report_terms("KH-NCB", &report("Pay the Fee. pay!"));
        let expected = {
            let mut t = vec![
                "fee".to_owned(),
                "pay".into(),
                "the".into(),
                format!("agency={}", hex::encode("KH-NCB")),
                format!("country={}", hex::encode("KH")),
                format!("kind={}", hex::encode("tip")),
                format!("tlp={}", hex::encode("AMBER+STRICT")),
                format!("mo={}", hex::encode("payment:usdt_trc20")),
                format!("sel={}", hex::encode("phone")),
                format!("sel={}", hex::encode("email")),
            ];
            t.sort();
            t
        };
        assert_eq!(terms, expected);
        assert!(
            terms
                .iter()
                .all(|t| !t.is_empty() && !t.contains(char::is_whitespace))
        );
    }

    #[test]
    fn filters_become_the_same_terms() {
        let r = report("Pay the fee");
        let indexed = report_terms("KH-NCB", &r);
        let filter = ReportFilter {
            agency: Some("KH-NCB".into()),
            country: Some("KH".into()),
            kind: Some(ReportKind::Tip),
            tlp: Some(Tlp::AmberStrict),
            mo: Some("payment:usdt_trc20".into()),
            selector_kind: Some("phone".into()),
            text: Some("  FEE, pay ".into()),
            ..ReportFilter::default()
        };
        let TermQuery::All(wanted) = filter_terms(&filter) else {
            panic!("a filter with fields asks for terms");
        };
        assert_eq!(wanted.len(), 8, "six facets and two words");
        assert!(wanted.iter().all(|t| indexed.contains(t)), "{wanted:?}");
        // Agency codes differing only in case are different facets.
        let other = ReportFilter {
            agency: Some("kh-ncb".into()),
            ..ReportFilter::default()
        };
        let TermQuery::All(wanted) = filter_terms(&other) else {
            panic!()
        };
        assert!(!indexed.contains(&wanted[0]));
    }

    #[test]
    fn query_syntax_is_only_words() {
        let q = |text: &str| {
            filter_terms(&ReportFilter {
                text: Some(text.into()),
                ..ReportFilter::default()
            })
        };
        assert_eq!(
            q("\"foo OR bar*"),
            TermQuery::All(vec!["bar".into(), "foo".into(), "or".into()])
        );
        assert_eq!(q("a:b"), TermQuery::All(vec!["a".into(), "b".into()]));
        assert_eq!(q(""), TermQuery::Any);
        assert_eq!(q(" *:\"' -- ; "), TermQuery::Any);
        assert_eq!(q(&"z".repeat(MAX_WORD_BYTES + 1)), TermQuery::Nothing);
        let long = ReportFilter {
            mo: Some("m".repeat(MAX_FACET_BYTES)),
            ..ReportFilter::default()
        };
        assert_eq!(filter_terms(&long), TermQuery::Nothing);
        assert_eq!(filter_terms(&ReportFilter::default()), TermQuery::Any);
    }
}
