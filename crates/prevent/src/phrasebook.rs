//! Phrases that show something in a text, in several languages, found
//! where they stand.
//!
//! A phrasebook is a TSV shipped as data (`key`, `language`, `phrase`),
//! read once. Matching ignores ASCII case; a phrase that starts or ends
//! with a letter or digit must stand on word boundaries there ("urgent" is
//! not found in "insurgent"), which Thai, written without spaces, never
//! needs. Red flags ([`crate::flags`]) and the marks of a real employer
//! ([`crate::identity`]) are both phrasebooks.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

/// What a phrase shows: a closed set named in the TSV's first column.
pub trait Key: Copy + Eq + Ord + Sized {
    /// The first column's header.
    const COLUMN: &'static str;
    fn parse(text: &str) -> Option<Self>;
}

/// One phrase of a phrasebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase<K> {
    pub key: K,
    /// ISO 639-1.
    pub language: String,
    pub text: String,
}

/// A phrase found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spotted<K> {
    pub key: K,
    /// The language of the phrase that matched.
    pub language: String,
    /// The words as they stand in the text.
    pub words: String,
    /// Byte offsets in the text.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub struct Phrasebook<K> {
    phrases: Vec<Phrase<K>>,
    matcher: AhoCorasick,
}

impl<K: Key> Phrasebook<K> {
    /// Reads a phrasebook's TSV; the error names the line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut phrases = Vec::new();
        for (n, cols) in crate::tsv::rows(text, &[K::COLUMN, "language", "phrase"])? {
            let [key, language, phrase] = cols[..] else {
                unreachable!("rows have the header's columns");
            };
            let key = K::parse(key).ok_or(format!("line {n}: unknown {} '{key}'", K::COLUMN))?;
            if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(format!("line {n}: language '{language}' is not ISO 639-1"));
            }
            if phrase.trim() != phrase || phrase.is_empty() {
                return Err(format!("line {n}: the phrase is empty or padded"));
            }
            phrases.push(Phrase {
                key,
                language: language.to_string(),
                text: phrase.to_string(),
            });
        }
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(phrases.iter().map(|p| p.text.as_str()))
            .map_err(|e| format!("the phrases build no automaton: {e}"))?;
        Ok(Phrasebook { phrases, matcher })
    }

    pub fn phrases(&self) -> &[Phrase<K>] {
        &self.phrases
    }

    /// Every phrase in `text`, in text order, each place once per key.
    pub fn find(&self, text: &str) -> Vec<Spotted<K>> {
        let mut out: Vec<Spotted<K>> = Vec::new();
        for m in self.matcher.find_overlapping_iter(text) {
            let phrase = &self.phrases[m.pattern().as_usize()];
            if !on_boundaries(text, m.start(), m.end()) {
                continue;
            }
            let overlaps = out
                .iter()
                .any(|f| f.key == phrase.key && f.start < m.end() && m.start() < f.end);
            if overlaps {
                continue;
            }
            out.push(Spotted {
                key: phrase.key,
                language: phrase.language.clone(),
                words: text[m.start()..m.end()].to_string(),
                start: m.start(),
                end: m.end(),
            });
        }
        out.sort_by_key(|f| (f.start, f.key));
        out
    }
}

/// The distinct keys spotted, in key order.
pub fn keys_of<K: Key>(spotted: &[Spotted<K>]) -> Vec<K> {
    let mut keys: Vec<K> = spotted.iter().map(|f| f.key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Whether a match stands on word boundaries where it starts or ends with
/// a word character (letters and digits of any script but Thai, which
/// writes no spaces between words).
fn on_boundaries(text: &str, start: usize, end: usize) -> bool {
    let word = |c: char| c.is_alphanumeric() && !('\u{0E00}'..='\u{0E7F}').contains(&c);
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let left = !(first.is_some_and(word) && before.is_some_and(word));
    let right = !(last.is_some_and(word) && after.is_some_and(word));
    left && right
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Colour {
        Red,
    }

    impl Key for Colour {
        const COLUMN: &'static str = "colour";
        fn parse(text: &str) -> Option<Self> {
            (text == "red").then_some(Colour::Red)
        }
    }

    #[test]
    fn the_parser_names_the_bad_line() {
        let head = "colour\tlanguage\tphrase\n";
        let err = |t: &str| Phrasebook::<Colour>::parse(t).unwrap_err();
        assert_eq!(
            err(&format!("{head}blue\ten\tx\n")),
            "line 2: unknown colour 'blue'"
        );
        assert!(err(&format!("{head}red\ten\n")).contains("3 columns"));
        assert!(err(&format!("{head}red\teng\tx\n")).contains("ISO 639-1"));
        assert!(err(&format!("{head}red\ten\t x\n")).contains("padded"));
        assert!(err("flag\tlanguage\tphrase\n").contains("header"));
        assert_eq!(err("# only a comment\n"), "no header line");
    }

    #[test]
    fn words_stand_on_their_boundaries_but_thai_needs_none() {
        let book =
            Phrasebook::<Colour>::parse("colour\tlanguage\tphrase\nred\ten\tred\nred\tth\tแดง\n")
                .unwrap();
        let found = book.find("Red roses, redder still, สีแดงสด");
        let words: Vec<&str> = found.iter().map(|f| f.words.as_str()).collect();
        assert_eq!(words, ["Red", "แดง"]);
        assert_eq!(found[0].start, 0);
        assert_eq!(keys_of(&found), [Colour::Red]);
    }
}
