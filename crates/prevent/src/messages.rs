//! What the public check says, in the job seeker's language
//! (`data/messages.tsv`: one row per message, one column per language).
//!
//! A message missing in a language falls back to English, so adding a
//! language never breaks an answer; the test below keeps the four shipped
//! languages complete.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The language the check answers in when asked for one it does not have.
pub const FALLBACK: &str = "en";

#[derive(Debug)]
struct Messages {
    languages: Vec<String>,
    /// key → language → text.
    texts: BTreeMap<String, BTreeMap<String, String>>,
}

fn messages() -> &'static Messages {
    static MESSAGES: OnceLock<Messages> = OnceLock::new();
    MESSAGES.get_or_init(|| {
        parse(include_str!("../data/messages.tsv"))
            .unwrap_or_else(|e| panic!("data/messages.tsv is shipped valid: {e}"))
    })
}

fn parse(text: &str) -> Result<Messages, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#'));
    let (_, header) = lines.next().ok_or("no header line")?;
    let cols: Vec<&str> = header.split('\t').collect();
    if cols.first() != Some(&"key") || cols.len() < 2 || cols[1] != FALLBACK {
        return Err(format!("line 1: the header starts 'key\\t{FALLBACK}'"));
    }
    let languages: Vec<String> = cols[1..].iter().map(|s| (*s).to_owned()).collect();
    let mut texts = BTreeMap::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let row: Vec<&str> = line.split('\t').collect();
        if row.len() != cols.len() {
            return Err(format!(
                "line {}: expected {} columns, found {}",
                n + 1,
                cols.len(),
                row.len()
            ));
        }
        let by_language = languages
            .iter()
            .zip(&row[1..])
            .filter(|(_, t)| !t.is_empty())
            .map(|(l, t)| (l.clone(), (*t).to_owned()))
            .collect();
        if texts.insert(row[0].to_owned(), by_language).is_some() {
            return Err(format!("line {}: '{}' given twice", n + 1, row[0]));
        }
    }
    Ok(Messages { languages, texts })
}

/// The languages the check answers in.
pub fn languages() -> &'static [String] {
    &messages().languages
}

/// `language` if the check speaks it, else English.
pub fn language(requested: &str) -> &'static str {
    let requested = requested.trim().to_ascii_lowercase();
    languages()
        .iter()
        .find(|l| **l == requested)
        .map_or(FALLBACK, String::as_str)
}

/// The message `key` in `language`, with `{name}` placeholders filled.
/// An unknown key is a bug in the caller and shows as the key itself.
pub fn say(key: &str, language: &str, vars: &[(&str, &str)]) -> String {
    let m = messages();
    let Some(texts) = m.texts.get(key) else {
        return key.to_owned();
    };
    let text = texts
        .get(language)
        .or_else(|| texts.get(FALLBACK))
        .map_or(key, String::as_str);
    let mut out = text.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Whether a message exists (for callers building keys from enums).
pub fn has(key: &str) -> bool {
    messages().texts.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_languages_say_every_message() {
        for lang in ["en", "id", "sw", "th"] {
            assert!(languages().iter().any(|l| l == lang), "{lang}");
        }
        for (key, texts) in &messages().texts {
            for lang in languages() {
                assert!(texts.contains_key(lang), "{key} has no {lang} text");
            }
            // Placeholders are the same in every language.
            let names = |t: &str| {
                let mut v: Vec<String> = t
                    .split('{')
                    .skip(1)
                    .filter_map(|s| s.split_once('}').map(|p| p.0.to_owned()))
                    .collect();
                v.sort();
                v
            };
            for (lang, text) in texts {
                assert_eq!(names(text), names(&texts["en"]), "{key} in {lang}");
            }
        }
    }

    #[test]
    fn placeholders_fill_and_unknown_languages_fall_back() {
        let en = say(
            "reason.reported_selector",
            "en",
            &[("selector", "phone:+1"), ("count", "3")],
        );
        assert_eq!(en, "phone:+1 was reported 3 times");
        let th = say(
            "reason.reported_selector",
            "th",
            &[("selector", "x"), ("count", "3")],
        );
        assert!(th.contains('3') && th != en);
        assert_eq!(language("xx"), "en");
        assert_eq!(language(" SW "), "sw");
        assert_eq!(
            say("verdict.high", "xx", &[]),
            say("verdict.high", "en", &[])
        );
    }

    #[test]
    fn the_parser_names_the_bad_line() {
        assert!(
            parse("key\ten\nverdict.high\n")
                .unwrap_err()
                .starts_with("line 2")
        );
        assert!(parse("id\ten\n").unwrap_err().contains("header"));
        assert!(
            parse("key\ten\na\tx\na\ty\n")
                .unwrap_err()
                .contains("twice")
        );
    }
}
