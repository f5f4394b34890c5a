//! Re-fangs defanged indicators (`hxxps://evil[.]vip`, `jobs[@]x(.)com`) so
//! that they normalise like the live indicator they stand for.
//!
//! Analysts and threat feeds "defang" URLs, domains, emails and IPs so that
//! nobody clicks them by accident. The forms recognised here are the ones in
//! common use (CyberChef, ioc-fanger, MISP, vendor reports); letters match in
//! any case:
//!
//! | defanged | re-fanged |
//! | --- | --- |
//! | `hxxp`, `hxxps`, `hXXp`, `hXXps` (scheme position: at a word start, followed by `:`, `[` or `(`) | `http`, `https` |
//! | `fxp` (scheme position) | `ftp` |
//! | `[.]` `(.)` `{.}` `[dot]` `(dot)` `{dot}` `\.` | `.` |
//! | `[@]` `(@)` `{@}` `[at]` `(at)` `{at}` | `@` |
//! | `[:]` `(:)` `{:}` | `:` |
//! | `[://]` `(://)` `{://}` | `://` |
//! | ` dot ` and ` at ` between words, and the bracketed dot and at forms with spaces around them (` [.] `, ` (at) `) | `.` and `@` |
//!
//! The spaced forms (`john at evil dot com`, `evil [.] com`) are re-fanged
//! only when *every* space in the input belongs to such a separator: a
//! sentence like `meet me at the office` is left alone, because turning
//! ordinary words into dots and at-signs would invent selectors.
//!
//! `refang` borrows its input when nothing changes, which is the common case
//! and keeps normalisation allocation-free until the selector is built.

use std::borrow::Cow;

/// Bytes at which a defanged form can start; anything else is copied as is.
const fn trigger_table() -> [bool; 256] {
    let mut t = [false; 256];
    t[b'[' as usize] = true;
    t[b'(' as usize] = true;
    t[b'{' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'h' as usize] = true;
    t[b'H' as usize] = true;
    t[b'f' as usize] = true;
    t[b'F' as usize] = true;
    t
}
static TRIGGER: [bool; 256] = trigger_table();

/// Only the square- and curly-bracketed forms: see [`refang_path`].
const fn bracket_table() -> [bool; 256] {
    let mut t = [false; 256];
    t[b'[' as usize] = true;
    t[b'{' as usize] = true;
    t
}
static BRACKET: [bool; 256] = bracket_table();

/// Re-fangs the defanged forms listed in the module documentation; borrows
/// `s` when it holds none.
pub(crate) fn refang(s: &str) -> Cow<'_, str> {
    let spaced = if memchr::memchr(b' ', s.as_bytes()).is_some() {
        refang_spaced(s)
    } else {
        None
    };
    match spaced {
        Some(joined) => {
            let again = match refang_inline(&joined, &TRIGGER) {
                Cow::Owned(again) => Some(again),
                Cow::Borrowed(_) => None,
            };
            Cow::Owned(again.unwrap_or(joined))
        }
        None => refang_inline(s, &TRIGGER),
    }
}

/// Re-fangs only the square- and curly-bracketed forms (`[.]`, `{dot}`,
/// `[@]` …), for the path and query of a URL. Parentheses and `hxxp` are
/// ordinary text there (`/wiki/Foo_(at)_bar`), and a canonical URL encodes
/// `[` and `{`, so normalising a canonical URL again changes nothing.
pub(crate) fn refang_path(s: &str) -> Cow<'_, str> {
    refang_inline(s, &BRACKET)
}

/// Re-fangs forms that sit inside a word, in one pass; `trigger` marks the
/// bytes at which a form may start.
fn refang_inline<'a>(s: &'a str, trigger: &[bool; 256]) -> Cow<'a, str> {
    let bytes = s.as_bytes();
    let mut out: Option<String> = None;
    // Start of the input not yet copied to `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !trigger[bytes[i] as usize] {
            i += 1;
            continue;
        }
        match match_at(bytes, i) {
            Some((len, replacement)) => {
                let buf = out.get_or_insert_with(|| String::with_capacity(s.len()));
                buf.push_str(&s[copied..i]);
                buf.push_str(replacement);
                i += len;
                copied = i;
            }
            None => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut buf) => {
            buf.push_str(&s[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// The defanged form starting at `i`, as (length in bytes, replacement).
fn match_at(b: &[u8], i: usize) -> Option<(usize, &'static str)> {
    match b[i] {
        open @ (b'[' | b'(' | b'{') => bracketed(&b[i..], open),
        b'\\' => (b.get(i + 1) == Some(&b'.')).then_some((2, ".")),
        b'h' | b'H' => scheme(b, i, b"hxxps", "https").or_else(|| scheme(b, i, b"hxxp", "http")),
        b'f' | b'F' => scheme(b, i, b"fxp", "ftp"),
        _ => None,
    }
}

/// `[.]`, `(at)`, `{://}` …: a known token between a matching pair of brackets.
fn bracketed(b: &[u8], open: u8) -> Option<(usize, &'static str)> {
    let close = match open {
        b'[' => b']',
        b'(' => b')',
        _ => b'}',
    };
    const TOKENS: [(&[u8], &str); 6] = [
        (b".", "."),
        (b"dot", "."),
        (b"@", "@"),
        (b"at", "@"),
        (b"://", "://"),
        (b":", ":"),
    ];
    TOKENS.iter().find_map(|(token, replacement)| {
        let end = 1 + token.len();
        let inner = b.get(1..end)?;
        (inner.eq_ignore_ascii_case(token) && b.get(end) == Some(&close))
            .then_some((end + 1, *replacement))
    })
}

/// A defanged scheme name (`hxxps`) at a word start, followed by what
/// introduces the scheme separator (`:`, or a bracket around it).
fn scheme(
    b: &[u8],
    i: usize,
    defanged: &[u8],
    fanged: &'static str,
) -> Option<(usize, &'static str)> {
    if i > 0 && b[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let end = i + defanged.len();
    let word = b.get(i..end)?;
    let next = *b.get(end)?;
    (word.eq_ignore_ascii_case(defanged) && matches!(next, b':' | b'[' | b'(' | b'{'))
        .then_some((defanged.len(), fanged))
}

/// Joins `word SEP word SEP word …` when every space-separated token at an
/// odd position is a spaced separator (`dot`, `at`, `[.]`, `(@)` …); `None`
/// when the input is anything else, such as a sentence.
fn refang_spaced(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut tokens = s.split(' ');
    let first = tokens.next()?;
    if first.is_empty() {
        return None;
    }
    out.push_str(first);
    loop {
        let Some(sep) = tokens.next() else {
            return Some(out);
        };
        let word = tokens.next()?;
        if word.is_empty() {
            return None;
        }
        out.push_str(spaced_separator(sep)?);
        out.push_str(word);
    }
}

fn spaced_separator(token: &str) -> Option<&'static str> {
    let b = token.as_bytes();
    if b.eq_ignore_ascii_case(b"dot") {
        return Some(".");
    }
    if b.eq_ignore_ascii_case(b"at") {
        return Some("@");
    }
    match b.first() {
        Some(&open @ (b'[' | b'(' | b'{')) => match bracketed(b, open) {
            Some((len, r @ ("." | "@"))) if len == b.len() => Some(r),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refangs_known_forms() {
        let cases = [
            ("hxxps://evil[.]vip/login", "https://evil.vip/login"),
            ("hXXp://evil(.)vip", "http://evil.vip"),
            ("HXXPS[://]evil{.}vip", "https://evil.vip"),
            ("hxxps[:]//evil[dot]vip", "https://evil.vip"),
            ("fxp://files[.]example[.]com", "ftp://files.example.com"),
            ("jobs[@]asia-dream[.]vip", "jobs@asia-dream.vip"),
            ("jobs(at)asia-dream(DOT)vip", "jobs@asia-dream.vip"),
            ("jobs{@}x{.}com", "jobs@x.com"),
            ("198.51.100[.]7", "198.51.100.7"),
            ("evil\\.com", "evil.com"),
            ("evil dot com", "evil.com"),
            ("john at evil dot co dot uk", "john@evil.co.uk"),
            ("evil [.] com", "evil.com"),
            ("john [at] evil [dot] com", "john@evil.com"),
            ("hxxp://evil dot com/x", "http://evil.com/x"),
        ];
        for (input, want) in cases {
            assert_eq!(refang(input), want, "input {input:?}");
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let cases = [
            "example.com",
            "hxxpfoo",
            "https://example.com/a(b)c",
            "[2001:db8::1]",
            "http://[::1]:8080/",
            "meet me at the office",
            "the dot com era",
            "at home",
            "dot",
            "fix: it",
            "shxxp://x",
            "[..]",
            "(at",
        ];
        for input in cases {
            let out = refang(input);
            assert!(
                matches!(out, Cow::Borrowed(_)),
                "input {input:?} became {out:?}"
            );
        }
    }

    #[test]
    fn borrows_when_unchanged() {
        assert!(matches!(refang("shop1.herokuapp.com"), Cow::Borrowed(_)));
        assert!(matches!(
            refang("https://fxp.example.com/hxxp"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(refang("evil[.]vip"), Cow::Owned(_)));
    }

    #[test]
    fn path_refang_keeps_parentheses_and_schemes() {
        assert_eq!(
            refang_path("/a[.]b/{dot}/c(.)d/hxxp://x"),
            "/a.b/./c(.)d/hxxp://x"
        );
        assert!(matches!(
            refang_path("/wiki/Foo_(at)_bar"),
            Cow::Borrowed(_)
        ));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = refang(&s);
        }

        #[test]
        fn defang_forms_never_panic(s in "[\\[\\](){}.@:/a-zA-Z hx\\\\]{0,40}") {
            let out = refang(&s);
            prop_assert!(out.len() <= s.len());
        }
    }
}
