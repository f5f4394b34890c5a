//! Person and company names: a folded form for fuzzy matching.
//!
//! The canonical text is Unicode NFKC, case-folded, with Latin, Greek and
//! Cyrillic diacritics folded away, every run of punctuation, symbols and
//! spaces turned into one space: `Nguyễn Văn  An` → `name:nguyen van an`.
//! Names are fuzzy selectors (FORMATS.md): they never make an exact hit, so
//! this form only has to bring spellings of one name together.
//!
//! Only the generic combining diacritics (U+0300–U+036F and their
//! supplements) are dropped. The vowel signs and tone marks of Thai, Burmese,
//! Khmer, Devanagari and other scripts are combining marks too, but without
//! them a word is another word, so they stay. Latin letters that carry their
//! stroke inside the letter (`đ`, `ø`, `ł` …) do not decompose and are folded
//! by a small table; `đ` matters most, it is in every other Vietnamese name.
//!
//! Company names are folded the same way; legal-form suffixes (`co., ltd`,
//! `llc`) are kept, because stripping them reliably needs a per-country list
//! and a wrong strip would merge different companies.

use std::borrow::Cow;

use caseless::Caseless;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use super::{ErrorCode, Selector, SelectorError, SelectorKind};

/// Longest canonical name, in characters; longer text is a narrative, not a
/// name.
const MAX_NAME_CHARS: usize = 200;

/// Normalises a person (`kind` Name) or company (`kind` Company) name.
pub(crate) fn normalize(kind: SelectorKind, value: &str) -> Result<Selector, SelectorError> {
    let what = if kind == SelectorKind::Company {
        "company name"
    } else {
        "name"
    };
    let folded = fold(value);
    if folded.is_empty() {
        return Err(SelectorError::new(
            ErrorCode::InvalidName,
            format!("{what} has no letters or digits"),
        ));
    }
    let chars = folded.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(SelectorError::new(
            ErrorCode::InvalidName,
            format!(
                "{what} is {chars} characters long after cleaning; the limit is {MAX_NAME_CHARS}"
            ),
        ));
    }
    let prefix = if kind == SelectorKind::Company {
        "company"
    } else {
        "name"
    };
    let kind = if kind == SelectorKind::Company {
        SelectorKind::Company
    } else {
        SelectorKind::Name
    };
    Ok(Selector::from_parts(kind, prefix, &folded))
}

/// The folded form of a name; empty when nothing of it is left. Case,
/// compatibility forms, Latin diacritics and punctuation fall away; runs
/// of anything but letters and digits become one space. Used for every
/// comparison of names and place names.
pub fn fold(value: &str) -> String {
    if value.is_ascii() {
        fold_ascii(value)
    } else {
        fold_unicode(value)
    }
}

/// The full folding, for any text.
fn fold_unicode(value: &str) -> String {
    // NFKC first so that compatibility forms (full-width letters, ligatures,
    // circled digits) become plain letters before case folding; NFKC again
    // after it, because case folding can produce text NFKC would change.
    // The quick checks skip a pass over text already in NFKC, the usual case.
    let nfkc: Cow<'_, str> = if is_nfkc_quick(value.chars()) == IsNormalized::Yes {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(value.nfkc().collect())
    };
    let folded: String = nfkc.chars().default_case_fold().collect();
    let cased: String = if is_nfkc_quick(folded.chars()) == IsNormalized::Yes {
        folded
    } else {
        folded.nfkc().collect()
    };
    let mut out = String::with_capacity(cased.len());
    let mut pending_space = false;
    for c in cased.nfd() {
        if is_generic_diacritic(c) {
            continue;
        }
        if c.is_alphanumeric() || is_combining_mark(c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            match fold_letter(c) {
                Some(s) => out.push_str(s),
                None => out.push(c),
            }
        } else {
            pending_space = true;
        }
    }
    // Recompose what the scripts that keep their marks had decomposed.
    out.nfc().collect()
}

/// The folded form of ASCII text, where case folding is lowercasing and
/// every normal form is the text itself: the common case, kept fast.
fn fold_ascii(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(b.to_ascii_lowercase() as char);
        } else {
            pending_space = true;
        }
    }
    out
}

/// Combining marks that only decorate Latin, Greek or Cyrillic letters.
fn is_generic_diacritic(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Latin letters (already case-folded) that carry their diacritic inside the
/// letter and so survive decomposition.
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'đ' | 'ð' | 'ɖ' => "d",
        'ø' => "o",
        'ł' => "l",
        'ħ' => "h",
        'ı' => "i",
        'ŧ' => "t",
        'ƀ' => "b",
        'ɨ' => "i",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ŋ' => "ng",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize_one};
    use super::*;
    use proptest::prelude::*;

    fn name(s: &str) -> Result<String, SelectorError> {
        normalize(SelectorKind::Name, s).map(Selector::into_string)
    }

    #[test]
    fn folds_names() {
        let cases: &[(&str, &str)] = &[
            ("Nguyễn Văn  An", "name:nguyen van an"),
            ("NGUYỄN VĂN AN", "name:nguyen van an"),
            ("Đặng Thị Hoa", "name:dang thi hoa"),
            ("José-María O'Brien", "name:jose maria o brien"),
            ("Straße", "name:strasse"),
            ("  Søren   Łukasz ", "name:soren lukasz"),
            ("ＫＥＬＶＩＮ　Ｌｉ", "name:kelvin li"),
            ("Ελένη Παπαδοπούλου", "name:ελενη παπαδοπουλου"),
            ("Сергей Ёлкин", "name:сергеи елкин"),
            ("王小明", "name:王小明"),
            ("김민수", "name:김민수"),
            ("ガルシア", "name:ガルシア"),
            ("İbrahim ÇELİK", "name:ibrahim celik"),
            ("สมชาย ใจดี", "name:สมชาย ใจดี"),
            ("အောင်ဆန်း", "name:အောင်ဆန်း"),
            ("सुनील कुमार", "name:सुनील कुमार"),
            ("Li, Wei (alias \"Boss\")", "name:li wei alias boss"),
        ];
        for (input, want) in cases {
            assert_eq!(name(input).as_deref(), Ok(*want), "input {input:?}");
        }
    }

    #[test]
    fn folds_company_names() {
        let got = normalize(SelectorKind::Company, "Asia Dream Jobs Co., Ltd.").expect("company");
        assert_eq!(got.as_str(), "company:asia dream jobs co ltd");
        assert_eq!(got.kind(), SelectorKind::Company);
        assert!(got.kind().is_fuzzy());
    }

    #[test]
    fn rejects_empty_and_long() {
        for input in ["", "   ", "!!! ---", "\u{0301}\u{0301}"] {
            let err = name(input).expect_err(input);
            assert_eq!(err.code, ErrorCode::InvalidName, "{input:?}");
        }
        let err = name(&"ab ".repeat(80)).expect_err("too long");
        assert_eq!(err.code, ErrorCode::InvalidName);
        assert!(err.message.contains("200"), "{}", err.message);
        assert!(name(&"a".repeat(200)).is_ok());
    }

    #[test]
    fn through_the_dispatcher() {
        let got = normalize_one("name:Nguyễn Văn An", &Hint::default()).expect("prefixed");
        assert_eq!(got.as_str(), "name:nguyen van an");
        let got = normalize_one("Nguyễn Văn An", &Hint::kind(SelectorKind::Name)).expect("hinted");
        assert_eq!(got.as_str(), "name:nguyen van an");
        let got = normalize_one("company:ACME Ltd", &Hint::default()).expect("company");
        assert_eq!(got.as_str(), "company:acme ltd");
    }

    proptest! {
        #[test]
        fn the_ascii_fast_path_folds_as_the_full_path(s in "[ -~]{0,40}") {
            prop_assert_eq!(fold_ascii(&s), fold_unicode(&s));
        }

        #[test]
        fn idempotent(s in "\\PC{0,80}", company in any::<bool>()) {
            let kind = if company { SelectorKind::Company } else { SelectorKind::Name };
            if let Ok(sel) = normalize(kind, &s) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical renormalises");
                prop_assert_eq!(again, sel);
            }
        }

        #[test]
        fn idempotent_on_mixed_scripts(s in "[a-zA-ZÀ-ɏ\u{0300}-\u{036F}\u{0E00}-\u{0E7F}\u{1000}-\u{109F}\u{4E00}-\u{4E20} .,'-]{0,40}") {
            if let Ok(sel) = normalize(SelectorKind::Name, &s) {
                prop_assert_eq!(fold(sel.value()), sel.value());
            }
        }
    }
}
