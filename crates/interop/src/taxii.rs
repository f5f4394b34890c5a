//! The query of a TAXII 2.1 request (§3.4): filters, paging and which
//! versions to give. Parsed here, apart from the server, because it is
//! outside input that every peer sends and it is fuzzed alone
//! (`fuzz/fuzz_targets/taxii_query.rs`).

use chrono::{DateTime, Utc};

/// Objects per page when the client names no limit, and the most it may.
pub const DEFAULT_LIMIT: usize = 1_000;
pub const MAX_LIMIT: usize = 10_000;

/// The parameters the listing endpoints (objects, manifest) take.
pub const OBJECT_FILTERS: &[&str] = &[
    "added_after",
    "limit",
    "next",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
];
/// The parameters of one object's endpoint.
pub const ONE_FILTERS: &[&str] = &[
    "added_after",
    "limit",
    "next",
    "match[version]",
    "match[spec_version]",
];
/// The parameters of an object's versions endpoint.
pub const VERSION_FILTERS: &[&str] = &["added_after", "limit", "next", "match[spec_version]"];
/// The parameters of DELETE on an object.
pub const DELETE_FILTERS: &[&str] = &["match[version]", "match[spec_version]"];

/// Which versions of each object a request wants (§3.4.2): `last`,
/// `first`, `all` or timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions(pub Vec<String>);

impl Default for Versions {
    fn default() -> Self {
        Versions::last()
    }
}

impl Versions {
    pub fn last() -> Versions {
        Versions(vec!["last".into()])
    }

    pub fn all() -> Versions {
        Versions(vec!["all".into()])
    }

    /// Whether only each object's newest version is wanted.
    pub fn only_last(&self) -> bool {
        self.0.iter().all(|v| v == "last")
    }

    /// Whether `version` passes, given the oldest and newest versions of
    /// its object.
    pub fn wants(&self, version: &str, first: &str, last: &str) -> bool {
        self.0.iter().any(|v| match v.as_str() {
            "all" => true,
            "last" => version == last,
            "first" => version == first,
            at => same_time(at, version),
        })
    }
}

fn same_time(a: &str, b: &str) -> bool {
    match (
        DateTime::parse_from_rfc3339(a),
        DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A position in a collection's stream, as this server writes it into
/// `next`: vocabulary entries given, the last report and kept object
/// passed, and how many objects of the next item were already given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub vocabulary: usize,
    pub report: i64,
    pub kept: i64,
    pub skip: usize,
}

impl Cursor {
    pub fn parse(text: &str) -> Option<Cursor> {
        let mut parts = text.split('.');
        let mut n = || {
            parts
                .next()
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|v| *v >= 0)
        };
        let cursor = Cursor {
            vocabulary: usize::try_from(n()?).ok()?,
            report: n()?,
            kept: n()?,
            skip: usize::try_from(n()?).ok()?,
        };
        parts.next().is_none().then_some(cursor)
    }

    pub fn text(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.vocabulary, self.report, self.kept, self.skip
        )
    }
}

/// The parsed query of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub added_after: Option<DateTime<Utc>>,
    pub types: Vec<String>,
    pub versions: Versions,
    pub spec_versions: Vec<String>,
    pub limit: usize,
    pub next: Option<Cursor>,
    pub ids: Vec<String>,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            added_after: None,
            types: Vec::new(),
            versions: Versions::last(),
            spec_versions: Vec::new(),
            limit: DEFAULT_LIMIT,
            next: None,
            ids: Vec::new(),
        }
    }
}

impl Query {
    /// Parses a URL's query string (without the `?`), taking only the
    /// parameters in `allowed`. The error is a lowercase sentence naming
    /// the parameter at fault.
    pub fn parse(query: &str, allowed: &[&str]) -> Result<Query, String> {
        let mut q = Query::default();
        let mut versions = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if !allowed.contains(&key.as_ref()) {
                return Err(format!(
                    "unknown or unsupported parameter '{}' here; this endpoint takes {}",
                    shown(&key),
                    allowed.join(", ")
                ));
            }
            match key.as_ref() {
                "added_after" => {
                    let at = DateTime::parse_from_rfc3339(&value).map_err(|_| {
                        format!(
                            "added_after '{}' is not a timestamp like 2026-03-01T10:00:00.000Z",
                            shown(&value)
                        )
                    })?;
                    q.added_after = Some(at.with_timezone(&Utc));
                }
                "limit" => {
                    // More than a page holds is served as a full page (TAXII
                    // lets a server give fewer than asked).
                    q.limit = value
                        .parse::<usize>()
                        .ok()
                        .filter(|l| *l >= 1)
                        .ok_or("limit must be a whole number, at least 1")?
                        .min(MAX_LIMIT);
                }
                "next" => {
                    q.next =
                        Some(Cursor::parse(&value).ok_or(
                            "next is not a cursor this server gave; start again without it",
                        )?);
                }
                "match[id]" => q.ids.extend(list(&value)),
                "match[type]" => q.types.extend(list(&value)),
                "match[version]" => {
                    for v in list(&value) {
                        let ok = matches!(v.as_str(), "last" | "first" | "all")
                            || DateTime::parse_from_rfc3339(&v).is_ok();
                        if !ok {
                            return Err(format!(
                                "match[version] '{}' is not last, first, all or a timestamp",
                                shown(&v)
                            ));
                        }
                        versions.push(v);
                    }
                }
                "match[spec_version]" => q.spec_versions.extend(list(&value)),
                other => unreachable!("{other} was checked against allowed"),
            }
        }
        if !versions.is_empty() {
            q.versions = Versions(versions);
        }
        Ok(q)
    }
}

fn list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// What of a caller's text an error message repeats: enough to recognise
/// it, never a whole pasted body.
fn shown(text: &str) -> String {
    const MOST: usize = 80;
    match text.char_indices().nth(MOST) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_parses_taxii_parameters_and_refuses_others() {
        let q = Query::parse(
            "match%5Btype%5D=indicator,report&limit=50&match[version]=all&added_after=2026-01-01T00:00:00Z",
            OBJECT_FILTERS,
        )
        .unwrap();
        assert_eq!(q.types, ["indicator", "report"]);
        assert_eq!(q.limit, 50);
        assert!(q.versions.wants("x", "a", "b"));
        assert_eq!(
            Query::parse("limit=100001", OBJECT_FILTERS).unwrap().limit,
            MAX_LIMIT
        );
        for bad in [
            "limit=0",
            "limit=-1",
            "match[version]=newest",
            "added_after=yesterday",
            "match[color]=red",
            "next=1.2",
        ] {
            assert!(Query::parse(bad, OBJECT_FILTERS).is_err(), "{bad}");
        }
        let q = Query::parse("", OBJECT_FILTERS).unwrap();
        assert!(q.versions.wants("b", "a", "b") && !q.versions.wants("a", "a", "b"));
        assert!(Query::parse("match[id]=x", DELETE_FILTERS).is_err());
    }

    #[test]
    fn an_error_repeats_little_of_a_long_parameter() {
        let long = "x".repeat(10_000);
        let e = Query::parse(&format!("{long}=1"), OBJECT_FILTERS).unwrap_err();
        assert!(e.len() < 300, "{e}");
    }

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_nothing_else() {
        let c = Cursor {
            vocabulary: 3,
            report: 1_000,
            kept: 7,
            skip: 2,
        };
        assert_eq!(Cursor::parse(&c.text()), Some(c));
        for bad in ["", "1.2.3", "1.2.3.4.5", "a.b.c.d", "-1.0.0.0", "1..2.3"] {
            assert!(Cursor::parse(bad).is_none(), "{bad}");
        }
    }
}
