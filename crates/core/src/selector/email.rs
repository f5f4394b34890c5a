//! Normalises email addresses to `email:local@domain`: lowercased, IDNA
//! domain, plus-tag kept.
//!
//! Decisions:
//!
//! - The local part is lowercased too. RFC 5321 allows a mail server to tell
//!   `Recruit` from `recruit`, but no provider in use does, and the same
//!   recruiter written two ways must be one selector. Provider-specific
//!   folding (Gmail ignores dots and `+tags`) is *not* applied: it holds for
//!   some domains only, and the tag itself can identify a campaign.
//! - The local part is a dot-atom of ASCII letters, digits and
//!   ``!#$%&'*+/=?^_`|~-`` (RFC 5322 `atext` without `{` and `}`, which no
//!   real mailbox uses and which defanging gives a meaning), at most 64
//!   characters. Quoted local parts (`"john smith"@x.com`) and non-ASCII
//!   local parts (RFC 6531) are rejected with a message saying so.
//! - The domain follows the hostname rules of `domain.rs`: IDNA to ASCII,
//!   lowercase, a known public suffix (private section included), at least
//!   two labels. It is kept whole (`hr@mail.example.co.uk`), not reduced to
//!   the registrable domain. IP literals (`john@[203.0.113.5]`) are rejected.
//! - Wrappers are peeled: defanged forms (`jobs[@]x[.]com`, `jobs at x dot
//!   com`), `mailto:` with its `?subject=…` query, and a display name
//!   (`HR Team <hr@x.com>`).

use std::borrow::Cow;

use super::defang::refang;
use super::domain::{EMAIL_DOMAIN, Host, canonical_host, check_host_suffix, quoted};
use super::{ErrorCode, Selector, SelectorError, SelectorKind};

fn err(message: String) -> SelectorError {
    SelectorError::new(ErrorCode::InvalidEmail, message)
}

/// Normalises an email address (see the module documentation).
pub(crate) fn normalize(value: &str) -> Result<Selector, SelectorError> {
    let refanged = refang(value);
    let s = peel(refanged.trim());
    if s.is_empty() {
        return Err(err("email address is empty".into()));
    }
    if s.starts_with('"') {
        return Err(err(format!(
            "email address {} has a quoted local part, which is not supported; give the address without quotes",
            quoted(s)
        )));
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(err(format!("email address {} has no '@'", quoted(s))));
    };
    // A `mailto:` URI may carry `?subject=…`; `?` cannot be in a domain.
    let domain = domain.split_once('?').map_or(domain, |(d, _)| d);
    check_local(s, local)?;
    if domain.is_empty() {
        return Err(err(format!(
            "email address {} has nothing after '@'",
            quoted(s)
        )));
    }
    if domain.starts_with('[') {
        return Err(err(format!(
            "email address {} has an ip-literal domain, which is not supported; give the domain name",
            quoted(s)
        )));
    }
    let name: Cow<'_, str> = match canonical_host(domain, EMAIL_DOMAIN)? {
        Host::Name(name) => name,
        Host::Ip(_) => {
            return Err(err(format!(
                "email address {} has an ip address as its domain, which is not supported; give the domain name",
                quoted(s)
            )));
        }
    };
    check_host_suffix(&name, EMAIL_DOMAIN)?;
    if local.len() + 1 + name.len() > 254 {
        return Err(err(format!(
            "email address {} is {} characters long; the limit is 254",
            quoted(s),
            local.len() + 1 + name.len()
        )));
    }
    let mut text = String::with_capacity(local.len() + 1 + name.len());
    text.extend(local.chars().map(|c| c.to_ascii_lowercase()));
    text.push('@');
    text.push_str(&name);
    Ok(Selector::from_parts(SelectorKind::Email, "email", &text))
}

/// Removes a display name (`Name <addr>`), angle brackets and `mailto:`.
fn peel(s: &str) -> &str {
    let mut s = s;
    if let (Some(open), true) = (s.rfind('<'), s.ends_with('>')) {
        s = s[open + 1..s.len() - 1].trim();
    }
    if s.len() >= 7 && s.as_bytes()[..7].eq_ignore_ascii_case(b"mailto:") {
        s = s[7..].trim_start();
    }
    s
}

fn check_local(whole: &str, local: &str) -> Result<(), SelectorError> {
    if local.is_empty() {
        return Err(err(format!(
            "email address {} has nothing before '@'",
            quoted(whole)
        )));
    }
    if let Some(c) = local.chars().find(|c| !is_atext(*c) && *c != '.') {
        let why = if c == '@' {
            format!("email address {} has more than one '@'", quoted(whole))
        } else if c == '"' {
            format!(
                "email address {} has a quoted local part, which is not supported; give the address without quotes",
                quoted(whole)
            )
        } else if !c.is_ascii() {
            format!(
                "email address {} has '{c}' before '@'; internationalised (non-ascii) local parts are not supported",
                quoted(whole)
            )
        } else if c.is_ascii_whitespace() {
            format!("email address {} has a space before '@'", quoted(whole))
        } else {
            format!(
                "email address {} has '{c}' before '@', which is not allowed there",
                quoted(whole)
            )
        };
        return Err(err(why));
    }
    if local.len() > 64 {
        return Err(err(format!(
            "email address {} has a local part of {} characters; the limit is 64",
            quoted(whole),
            local.len()
        )));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(err(format!(
            "email address {} has a local part that starts or ends with '.' or has two dots in a row",
            quoted(whole)
        )));
    }
    Ok(())
}

/// RFC 5322 `atext` without `{` and `}` (see the module documentation).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '|'
                | '~'
                | '-'
        )
}

/// Cheap shape test used to guess the kind: text, one `@`, a dotted domain,
/// no spaces and no `/` (which would make it a URL).
pub(crate) fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.len() >= 3
        && domain.contains('.')
        && !domain.starts_with('.')
        && !local.contains('@')
        && !s.contains(char::is_whitespace)
        && !domain.contains(['/', ':'])
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize_one};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts() {
        let cases = [
            ("recruit+hr@example.com", "email:recruit+hr@example.com"),
            ("Recruit+HR@Example.COM", "email:recruit+hr@example.com"),
            ("  hr.team@gmail.com ", "email:hr.team@gmail.com"),
            ("jobs[@]asia-dream[.]vip", "email:jobs@asia-dream.vip"),
            ("jobs(at)asia-dream(dot)vip", "email:jobs@asia-dream.vip"),
            ("jobs at asia-dream dot vip", "email:jobs@asia-dream.vip"),
            ("mailto:HR@Example.com?subject=job", "email:hr@example.com"),
            ("HR Team <hr@example.com>", "email:hr@example.com"),
            ("<hr@example.com>", "email:hr@example.com"),
            ("kontakt@bücher.de", "email:kontakt@xn--bcher-kva.de"),
            ("kontakt@XN--BCHER-KVA.de", "email:kontakt@xn--bcher-kva.de"),
            ("hr@mail.example.co.uk", "email:hr@mail.example.co.uk"),
            ("hr@example.com.", "email:hr@example.com"),
            (
                "a!#$%&'*/=?^_`|~-b@example.com",
                "email:a!#$%&'*/=?^_`|~-b@example.com",
            ),
            ("x@gov.uk", "email:x@gov.uk"),
        ];
        for (input, want) in cases {
            let got = normalize(input).map(Selector::into_string);
            assert_eq!(
                got.as_deref().map_err(|e| e.message.as_str()),
                Ok(want),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn rejects() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let cases: Vec<(&str, &str)> = vec![
            ("", "empty"),
            ("example.com", "no '@'"),
            ("@example.com", "nothing before '@'"),
            ("john@", "nothing after '@'"),
            ("a@b@example.com", "more than one '@'"),
            ("\"john smith\"@example.com", "quoted"),
            ("jöhn@example.com", "non-ascii"),
            ("jo hn@example.com", "space"),
            ("jo{hn}@example.com", "'{'"),
            (".john@example.com", "two dots"),
            ("john.@example.com", "two dots"),
            ("jo..hn@example.com", "two dots"),
            (long_local.as_str(), "limit is 64"),
            ("john@[203.0.113.5]", "ip-literal"),
            ("john@203.0.113.5", "ip address"),
            ("john@localhost", "no known public suffix"),
            ("john@example.notatld", "no known public suffix"),
            ("john@com", "top-level domain alone"),
            ("john@exa mple.com", "contains ' '"),
            ("john@example..com", "empty label"),
            ("john@-example.com", "'-'"),
        ];
        for (input, why) in cases {
            let e = normalize(input).expect_err(input);
            assert_eq!(e.code, ErrorCode::InvalidEmail, "{input:?}: {}", e.message);
            assert!(e.message.contains(why), "{input:?}: {}", e.message);
            assert!(!e.message.ends_with('.'), "{}", e.message);
        }
    }

    #[test]
    fn shape_test() {
        for yes in ["a@b.co", "recruit+hr@example.com", "x@bücher.de"] {
            assert!(looks_like_email(yes), "{yes}");
        }
        for no in [
            "a@b",
            "@b.com",
            "a b@c.com",
            "https://a@b.com/x",
            "example.com",
            "a@.com",
        ] {
            assert!(!looks_like_email(no), "{no}");
        }
    }

    #[test]
    fn dispatcher_prefixes_and_hints() {
        let sel = normalize_one("mailto:Recruit+HR@Example.com", &Hint::default()).expect("valid");
        assert_eq!(sel.as_str(), "email:recruit+hr@example.com");
        let sel = normalize_one("EMAIL:jobs[@]x[.]com", &Hint::default()).expect("valid");
        assert_eq!(sel.as_str(), "email:jobs@x.com");
        let sel =
            normalize_one("jobs(at)x(dot)com", &Hint::kind(SelectorKind::Email)).expect("valid");
        assert_eq!(sel.as_str(), "email:jobs@x.com");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = normalize(&s);
            let _ = looks_like_email(&s);
            let _ = normalize_one(&s, &Hint::kind(SelectorKind::Email));
        }

        #[test]
        fn idempotent(
            local in "[a-zA-Z0-9.+_!#$%&'*/=?^`|~{}\\[\\]()-]{0,20}",
            at in prop::sample::select(vec!["@", "[@]", "(at)", "@@"]),
            host in "([a-zA-Zà-ÿ0-9-]{1,10}[.]){0,2}",
            suffix in prop::sample::select(vec!["com", "co.uk", "herokuapp.com", "xn--55qx5d.cn", "公司.cn", "notatld"]),
        ) {
            let input = format!("{local}{at}{host}{suffix}");
            if let Ok(sel) = normalize(&input) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
                prop_assert_eq!(again.as_str(), sel.as_str());
            }
        }
    }
}
