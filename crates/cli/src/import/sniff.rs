//! What a `.json` file holds, told from the start of its first JSON value
//! without reading the rest: a STIX bundle of hundreds of megabytes says
//! `"type": "bundle"` in its first bytes, and reading all of it only to
//! learn that cost as long as parsing it.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::Context;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// What a `.json` file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// Reports, one JSON object per line.
    Reports,
    StixBundle,
    MispEvents,
}

/// Tells a `.json` file's kind: a STIX bundle (`"type": "bundle"`), MISP
/// events (`{"Event": …}`, `{"response": …}`, a bare event with its `info`
/// and `uuid`, or a list of events), or else reports, one per line.
pub fn sniff(path: &Path) -> anyhow::Result<JsonKind> {
    let open = || File::open(path).with_context(|| format!("cannot open {}", path.display()));
    let mut reader = BufReader::new(open()?);
    let first = loop {
        let buf = reader
            .fill_buf()
            .with_context(|| format!("cannot read {}", path.display()))?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(at) => break Some(buf[at]),
            None if buf.is_empty() => break None,
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    match first {
        // Reports are one JSON object per line, never a list: a list is
        // MISP's, unless its first element is plainly something else.
        Some(b'[') => {
            let mut head = Head::default();
            let _ = de::Deserializer::deserialize_seq(&mut de, FirstOf(&mut head));
            Ok(match head.verdict(true) {
                Some(kind) => kind,
                None if head.object => JsonKind::Reports,
                None => JsonKind::MispEvents,
            })
        }
        Some(b'{') => {
            let mut head = Head::default();
            let seed = HeadSeed {
                head: &mut head,
                in_list: false,
            };
            match seed.deserialize(&mut de) {
                Ok(()) => Ok(head.verdict(false).unwrap_or(JsonKind::Reports)),
                Err(_) if head.decided => Ok(head.verdict(false).unwrap_or(JsonKind::Reports)),
                // Not JSON: its first key still tells a bundle (a report
                // has no `type`) or a MISP export, whose parser then names
                // the line at fault.
                Err(_) => Ok(match first_key(path)?.as_deref() {
                    Some("type") => JsonKind::StixBundle,
                    Some("Event" | "response") => JsonKind::MispEvents,
                    _ => JsonKind::Reports,
                }),
            }
        }
        _ => Ok(JsonKind::Reports),
    }
}

/// What the keys of the first object said so far.
#[derive(Debug, Default)]
struct Head {
    /// The first value was an object.
    object: bool,
    /// `type` was there; `kind` is its text when it was text.
    typed: bool,
    kind: Option<String>,
    event: bool,
    response: bool,
    info: bool,
    uuid: bool,
    /// The reading stopped early because the kind was known.
    decided: bool,
}

impl Head {
    /// The kind these keys prove, if any. In a list only a MISP event's
    /// own keys count, as an element of a list is never a bundle.
    fn verdict(&self, in_list: bool) -> Option<JsonKind> {
        let event = self.event || (self.info && self.uuid);
        if in_list {
            return event.then_some(JsonKind::MispEvents);
        }
        if self.typed && self.kind.as_deref().is_none_or(|k| k == "bundle") {
            // A `type` that is not text still means a bundle's parser
            // should say what is wrong with it.
            return Some(JsonKind::StixBundle);
        }
        (event || self.response).then_some(JsonKind::MispEvents)
    }
}

/// The error that ends the reading once the kind is known.
const DECIDED: &str = "decided";

struct HeadSeed<'a> {
    head: &'a mut Head,
    in_list: bool,
}

impl<'de> DeserializeSeed<'de> for HeadSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeadSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.head.object = true;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    self.head.typed = true;
                    self.head.kind = match map.next_value::<serde_json::Value>()? {
                        serde_json::Value::String(s) => Some(s),
                        _ => None,
                    };
                }
                // Known from the key alone: the value is not read.
                "Event" => self.head.event = true,
                "response" => self.head.response = true,
                "info" => {
                    self.head.info = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "uuid" => {
                    self.head.uuid = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.head.verdict(self.in_list).is_some() {
                self.head.decided = true;
                return Err(de::Error::custom(DECIDED));
            }
        }
        Ok(())
    }
}

/// Reads the first element of a list as a [`Head`], then stops.
struct FirstOf<'a>(&'a mut Head);

impl<'de> Visitor<'de> for FirstOf<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        seq.next_element_seed(HeadSeed {
            head: self.0,
            in_list: true,
        })?;
        Err(de::Error::custom(DECIDED))
    }
}

/// The first key of a file that starts with a JSON object, read from its
/// first few kilobytes.
fn first_key(path: &Path) -> anyhow::Result<Option<String>> {
    let mut head = Vec::with_capacity(4096);
    File::open(path)
        .with_context(|| format!("cannot open {}", path.display()))?
        .take(4096)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8_lossy(&head);
    let rest = text
        .trim_start()
        .strip_prefix('{')
        .unwrap_or_default()
        .trim_start();
    Ok(rest
        .strip_prefix('"')
        .and_then(|r| r.split_once('"'))
        .map(|(key, _)| key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(text: &str) -> JsonKind {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.json");
        std::fs::write(&path, text).unwrap();
        sniff(&path).unwrap()
    }

    #[test]
    fn every_kind_is_told_from_its_first_value() {
        use JsonKind::*;
        for (text, want) in [
            (
                r#"{"type": "bundle", "id": "bundle--1", "objects": []}"#,
                StixBundle,
            ),
            (
                r#"  {"id": "bundle--1", "objects": [{"a": 1}], "type": "bundle"}"#,
                StixBundle,
            ),
            (r#"{"type": 5}"#, StixBundle),
            (r#"{"type": "bundle", "objects": [ oops"#, StixBundle),
            (r#"{"Event": {"info": "x"}}"#, MispEvents),
            (r#"{"response": [{"Event": {}}]}"#, MispEvents),
            (r#"{"info": "x", "uuid": "u", "Attribute": []}"#, MispEvents),
            (r#"[{"Event": {"info": "x"}}, {"Event": {}}]"#, MispEvents),
            (r#"[{"info": "x", "uuid": "u"}]"#, MispEvents),
            (r#"[]"#, MispEvents),
            (r#"[1, 2]"#, MispEvents),
            (r#"[{"kind": "tip", "type": "bundle"}]"#, Reports),
            (
                "{\"kind\": \"tip\", \"country\": \"GB\"}\n{\"kind\": \"tip\"}\n",
                Reports,
            ),
            (r#"{"kind": "tip", "info": "x"}"#, Reports),
            (r#"{"kind": "tip" oops"#, Reports),
            (r#"{"Event" oops"#, MispEvents),
            ("", Reports),
        ] {
            assert_eq!(kind_of(text), want, "{text}");
        }
    }

    /// The answer comes from the first bytes: reading past a bundle's
    /// `type` would hit the failing reader and leave the kind undecided.
    #[test]
    fn a_bundle_is_told_without_reading_its_objects() {
        struct Unreadable;
        impl Read for Unreadable {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("read past the head"))
            }
        }
        let reader = br#"{"type": "bundle", "objects": ["#.chain(Unreadable);
        let mut head = Head::default();
        let done = HeadSeed {
            head: &mut head,
            in_list: false,
        }
        .deserialize(&mut serde_json::Deserializer::from_reader(reader));
        assert!(done.is_err());
        assert!(head.decided, "{head:?}");
        assert_eq!(head.verdict(false), Some(JsonKind::StixBundle));
    }
}
