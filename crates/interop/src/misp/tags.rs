//! The machine tags that carry Cordon's report fields in MISP.
//!
//! MISP has no place for most of a report's fields, but it has tags, and
//! machine tags (`namespace:predicate="value"`) are how MISP taxonomies say
//! structured things. Cordon writes (and reads from any event):
//!
//! | tag | field |
//! | --- | --- |
//! | `cordon:report-id="case-7"` | the report's id; an event with it is one Cordon wrote |
//! | `cordon:kind="fraud_complaint"` | kind (without it: `tip`) |
//! | `cordon:country="GB"` | country (without it: the importing agency's) |
//! | `cordon:language="en"` | language |
//! | `cordon:received="2026-03-01T10:00:00Z"` | when the agency received it, exactly |
//! | `cordon:mo="channel:telegram"` | one modus-operandi tag each |
//! | `cordon:loss="15000.50 USDT"` | one loss each: amount, space, currency |
//! | `cordon:recipient="TH-DSI/somchai"` | one marking recipient each |
//! | `cordon:hit-notification="false"` | only when hits are not notified |
//! | `admiralty-scale:source-reliability="b"` | grading, MISP's own taxonomy |
//! | `admiralty-scale:information-credibility="2"` | grading, MISP's own taxonomy |
//!
//! The TLP level is the `tlp` taxonomy's tag ([`super::marking`]).

/// Cordon's tag namespace.
pub const NAMESPACE: &str = "cordon";

pub const REPORT_ID: &str = "report-id";
pub const KIND: &str = "kind";
pub const COUNTRY: &str = "country";
pub const LANGUAGE: &str = "language";
pub const RECEIVED: &str = "received";
pub const MO: &str = "mo";
pub const LOSS: &str = "loss";
pub const RECIPIENT: &str = "recipient";
pub const HIT_NOTIFICATION: &str = "hit-notification";

/// MISP's Admiralty taxonomy.
pub const ADMIRALTY: &str = "admiralty-scale";
pub const RELIABILITY: &str = "source-reliability";
pub const CREDIBILITY: &str = "information-credibility";

/// A machine tag `namespace:predicate="value"`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineTag<'a> {
    pub namespace: &'a str,
    pub predicate: &'a str,
    pub value: Option<String>,
}

/// Splits a machine tag. The value may be quoted or bare; inside quotes,
/// `\"` and `\\` are escapes. Tags without a `:` are not machine tags.
pub fn parse(name: &str) -> Option<MachineTag<'_>> {
    let (namespace, rest) = name.trim().split_once(':')?;
    let (predicate, value) = match rest.split_once('=') {
        Some((p, v)) => (p, Some(unquote(v.trim()))),
        None => (rest, None),
    };
    Some(MachineTag {
        namespace: namespace.trim(),
        predicate: predicate.trim(),
        value,
    })
}

fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return v.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.next()
        {
            out.push(next);
        } else {
            out.push(c);
        }
    }
    out
}

/// A machine tag's name, the value quoted (and `"` and `\` escaped).
pub fn name(namespace: &str, predicate: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{namespace}:{predicate}=\"{escaped}\"")
}

/// A Cordon tag's name.
pub fn cordon(predicate: &str, value: &str) -> String {
    name(NAMESPACE, predicate, value)
}

/// The value of a Cordon tag, if `tag` is the Cordon tag `predicate`.
pub fn cordon_value(tag: &str, predicate: &str) -> Option<String> {
    let t = parse(tag)?;
    (t.namespace.eq_ignore_ascii_case(NAMESPACE) && t.predicate.eq_ignore_ascii_case(predicate))
        .then_some(t.value)
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_tags_round_trip_with_quotes_and_colons_in_values() {
        for value in [
            "channel:telegram",
            "say \"hi\"",
            "back\\slash",
            "15000.50 USDT",
        ] {
            let tag = cordon(MO, value);
            assert_eq!(cordon_value(&tag, MO).as_deref(), Some(value), "{tag}");
        }
        assert_eq!(cordon("kind", "tip"), "cordon:kind=\"tip\"");
        assert_eq!(
            cordon_value("cordon:kind=tip", KIND).as_deref(),
            Some("tip")
        );
        assert_eq!(
            cordon_value("Cordon:Kind=\"tip\"", KIND).as_deref(),
            Some("tip")
        );
        assert_eq!(cordon_value("tlp:amber", KIND), None);
        assert_eq!(cordon_value("cordon:kind", KIND), None);
        let t = parse("admiralty-scale:source-reliability=\"b\"").unwrap();
        assert_eq!((t.namespace, t.predicate), (ADMIRALTY, RELIABILITY));
        assert_eq!(t.value.as_deref(), Some("b"));
        assert!(parse("osint").is_none());
    }
}
