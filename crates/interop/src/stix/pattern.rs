//! What a STIX pattern says equals what: enough of the pattern language to
//! find the observables an indicator names.
//!
//! Cordon reads only equality comparisons against string literals
//! (`[domain-name:value = 'evil.example']`), grouped by observation
//! expression (the brackets), because that is what names an observable;
//! other comparisons (`MATCHES`, `LIKE`, `>`, `ISSUBSET`) describe sets and
//! give no selector. The indicator itself is kept verbatim either way.

use std::collections::BTreeMap;

/// One observation expression's equality comparisons on one object type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub kind: String,
    /// Object path (`value`, `hashes.SHA-256`, `account_login`) → literal.
    pub equals: BTreeMap<String, String>,
}

/// The observations of a pattern, in order. Never fails: text that is not
/// a comparison is skipped.
pub fn observations(pattern: &str) -> Vec<Observation> {
    let mut out: Vec<Observation> = Vec::new();
    let bytes = pattern.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    // Comparisons inside the current bracket, grouped by object type.
    let mut current: Vec<Observation> = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'[' => {
                depth += 1;
                i += 1;
            }
            b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.append(&mut current);
                }
                i += 1;
            }
            b'\'' => i = skip_string(bytes, i).0,
            _ if depth > 0 && is_path_start(bytes, i) => {
                let (end, comparison) = comparison(pattern, i);
                if let Some((kind, path, value)) = comparison {
                    match current.iter_mut().find(|o| o.kind == kind) {
                        Some(o) => {
                            o.equals.insert(path, value);
                        }
                        None => current.push(Observation {
                            kind,
                            equals: BTreeMap::from([(path, value)]),
                        }),
                    }
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out
}

fn is_path_start(bytes: &[u8], i: usize) -> bool {
    bytes[i].is_ascii_lowercase() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
}

/// Skips a quoted literal starting at `start` (a `'`); returns the index
/// after it and its unescaped text.
fn skip_string(bytes: &[u8], start: usize) -> (usize, Vec<u8>) {
    let mut text = Vec::new();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => {
                text.push(bytes[i + 1]);
                i += 2;
            }
            b'\'' => return (i + 1, text),
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    (i, text)
}

/// Reads `type:path = 'literal'` at `start`. Returns where reading stopped
/// and the comparison when it is an equality against a string.
fn comparison(pattern: &str, start: usize) -> (usize, Option<(String, String, String)>) {
    let bytes = pattern.as_bytes();
    let mut i = start;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
        i += 1;
    }
    if i >= bytes.len() || bytes[i] != b':' {
        return (i, None);
    }
    let kind = pattern[start..i].to_owned();
    i += 1;
    // The object path: identifiers, dots, quoted keys and list indexes.
    let mut path = String::new();
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                let (end, key) = skip_string(bytes, i);
                path.push_str(&String::from_utf8_lossy(&key));
                i = end;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.' => {
                path.push(b as char);
                i += 1;
            }
            b'[' => {
                while i < bytes.len() && bytes[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            _ => break,
        }
    }
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    if i >= bytes.len() || bytes[i] != b'=' {
        return (i, None);
    }
    i += 1;
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    if i >= bytes.len() || bytes[i] != b'\'' {
        return (i, None);
    }
    let (end, literal) = skip_string(bytes, i);
    let value = String::from_utf8_lossy(&literal).into_owned();
    (end, Some((kind, path, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_equalities_grouped_by_observation() {
        let obs = observations(
            "[user-account:account_type = 'telegram' AND user-account:account_login = '@hr'] OR [domain-name:value = 'evil.example']",
        );
        assert_eq!(obs.len(), 2);
        assert_eq!(obs[0].kind, "user-account");
        assert_eq!(obs[0].equals["account_login"], "@hr");
        assert_eq!(obs[0].equals["account_type"], "telegram");
        assert_eq!(obs[1].equals["value"], "evil.example");
    }

    #[test]
    fn reads_quoted_hash_keys_and_escapes() {
        let obs = observations(
            "[file:hashes.'SHA-256' = 'ab' AND url:value = 'https://x.example/it\\'s']",
        );
        assert_eq!(obs.len(), 2);
        assert_eq!(obs[0].equals["hashes.SHA-256"], "ab");
        assert_eq!(obs[1].equals["value"], "https://x.example/it's");
    }

    #[test]
    fn skips_what_is_not_an_equality_and_never_panics() {
        assert!(observations("[file:size > 10]").is_empty());
        assert!(observations("[domain-name:value MATCHES '.*']").is_empty());
        for junk in [
            "",
            "[",
            "]]",
            "[a:",
            "[a:b = ",
            "[a:b = 'x",
            "'",
            "[x:y='z'] WITHIN 5 SECONDS",
        ] {
            let _ = observations(junk);
        }
        assert_eq!(
            observations("[x:y='z'] WITHIN 5 SECONDS")[0].equals["y"],
            "z"
        );
    }
}
