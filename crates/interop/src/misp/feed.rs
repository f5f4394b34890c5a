//! MISP feeds: the directory layout MISP's feed generator (and PyMISP's
//! `feed_meta_generator`) writes and MISP fetches.
//!
//! - `manifest.json`: one entry per event, keyed by its UUID, with the
//!   event's `info`, `date`, `timestamp`, `analysis`, `threat_level_id`,
//!   `Orgc` and `Tag`;
//! - `<uuid>.json`: the event, `{"Event": {…}}`;
//! - `hashes.csv`: one line `<md5 of an attribute value>,<event uuid>` per
//!   attribute value (both halves of a composite `a|b` value), which MISP
//!   uses to correlate a feed without fetching its events.
//!
//! The directory IO is the caller's; this module makes and reads the texts.

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::ImportOptions;
use super::import::{CheckedEvents, check_events};

/// The manifest's name in a feed directory.
pub const MANIFEST: &str = "manifest.json";
/// The hash list's name in a feed directory.
pub const HASHES: &str = "hashes.csv";

/// The file name of an event in a feed directory.
pub fn event_file(uuid: &str) -> String {
    format!("{uuid}.json")
}

/// An event's manifest entry: its UUID and what the manifest says of it.
pub fn manifest_entry(event: &Value) -> (String, Value) {
    let e = event.get("Event").unwrap_or(event);
    let uuid = e
        .get("uuid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut entry = Map::new();
    for k in [
        "Orgc",
        "Tag",
        "info",
        "date",
        "analysis",
        "threat_level_id",
        "timestamp",
    ] {
        if let Some(v) = e.get(k) {
            entry.insert(k.to_owned(), v.clone());
        }
    }
    (uuid, Value::Object(entry))
}

/// The manifest of a feed: its entries as one JSON object.
pub fn manifest(entries: impl IntoIterator<Item = (String, Value)>) -> String {
    let map: Map<String, Value> = entries.into_iter().collect();
    serde_json::to_string_pretty(&Value::Object(map)).expect("json values always serialise")
}

/// The `hashes.csv` lines of one event.
pub fn hash_lines(event: &Value) -> Vec<String> {
    let e = event.get("Event").unwrap_or(event);
    let uuid = e.get("uuid").and_then(Value::as_str).unwrap_or_default();
    let standalone = e
        .get("Attribute")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let in_objects = e
        .get("Object")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| o.get("Attribute").and_then(Value::as_array))
        .flatten();
    let mut out = Vec::new();
    for a in standalone.chain(in_objects) {
        let kind = a.get("type").and_then(Value::as_str).unwrap_or_default();
        let Some(value) = a.get("value").and_then(Value::as_str) else {
            continue;
        };
        let values: Vec<&str> = if kind.contains('|') {
            value.split('|').collect()
        } else {
            vec![value]
        };
        for v in values {
            // MD5, as MISP's feed format asks: a correlation key, not a
            // security measure.
            out.push(format!("{},{uuid}", hex::encode(Md5::digest(v.as_bytes()))));
        }
    }
    out
}

/// Why a manifest cannot be read: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ManifestError {
    pub line: usize,
    pub message: String,
}

/// The event UUIDs a manifest lists, in the manifest's order (lowercase).
pub fn read_manifest(text: &str) -> Result<Vec<String>, ManifestError> {
    let entries: Vec<(String, usize)> = {
        // Keys with their lines: a map of raw values keeps no order, so
        // the keys are found in the text as they are read.
        let map: Map<String, Value> = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(ManifestError {
                    line: 1,
                    message: "a MISP feed manifest is a JSON object keyed by event uuid".into(),
                });
            }
            Err(e) => {
                return Err(ManifestError {
                    line: e.line(),
                    message: format!("not JSON: {e}"),
                });
            }
        };
        let mut keyed: Vec<(String, usize)> = map
            .keys()
            .map(|k| {
                let quoted = serde_json::to_string(k).expect("strings serialise");
                let line = text
                    .find(&quoted)
                    .map_or(1, |at| text[..at].matches('\n').count() + 1);
                (k.clone(), line)
            })
            .collect();
        keyed.sort_by_key(|(_, line)| *line);
        keyed
    };
    let mut out = Vec::with_capacity(entries.len());
    for (key, line) in entries {
        match uuid::Uuid::try_parse(key.trim()) {
            Ok(u) => out.push(u.hyphenated().to_string()),
            Err(_) => {
                return Err(ManifestError {
                    line,
                    message: format!("'{key}' is not an event uuid; a manifest is keyed by them"),
                });
            }
        }
    }
    Ok(out)
}

/// Checks one event file of a feed: a MISP text holding exactly the event
/// the manifest names.
pub fn check_event_file(
    uuid: &str,
    text: &str,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> CheckedEvents {
    let mut checked = check_events(text, options, now);
    if checked.errors.is_empty() && checked.uuids != [uuid] {
        checked.reports.clear();
        checked.errors.push(cordon_core::ingest::LineError {
            line: 1,
            field: Some("Event.uuid".into()),
            message: format!(
                "the manifest lists event {uuid} in this file, but it holds {}",
                if checked.uuids.is_empty() {
                    "no event".to_owned()
                } else {
                    checked.uuids.join(", ")
                }
            ),
        });
    }
    checked
}

/// A feed's texts: the manifest, the hashes and one text per event.
#[derive(Debug, Default)]
pub struct Feed {
    entries: Vec<(String, Value)>,
    hashes: Vec<String>,
}

impl Feed {
    /// Adds an event; returns its file name and text.
    pub fn add(&mut self, event: &Value) -> (String, String) {
        let (uuid, entry) = manifest_entry(event);
        self.hashes.extend(hash_lines(event));
        let text = serde_json::to_string_pretty(event).expect("json values always serialise");
        let file = event_file(&uuid);
        self.entries.push((uuid, entry));
        (file, text)
    }

    /// The UUIDs of the events added.
    pub fn uuids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(u, _)| u.as_str())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The manifest and the hash list.
    pub fn finish(self) -> (String, String) {
        let mut hashes = self.hashes.join("\n");
        if !hashes.is_empty() {
            hashes.push('\n');
        }
        (manifest(self.entries), hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn manifests_list_their_uuids_and_name_the_line_of_a_bad_one() {
        let text =
            "{\n \"5f2c3d4e-1111-4222-8333-944455556666\": {\"info\": \"a\"},\n \"nope\": {}\n}";
        let err = read_manifest(text).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("'nope'"), "{err}");
        let ok = "{\"5F2C3D4E-1111-4222-8333-944455556666\": {}}";
        assert_eq!(
            read_manifest(ok).unwrap(),
            ["5f2c3d4e-1111-4222-8333-944455556666"]
        );
        assert_eq!(read_manifest("[]").unwrap_err().line, 1);
        assert_eq!(read_manifest("{\n\"a\": }").unwrap_err().line, 2);
        assert!(read_manifest("{}").unwrap().is_empty());
    }

    #[test]
    fn hashes_cover_both_halves_of_composite_values() {
        let e = json!({"Event": {"uuid": "u", "Attribute": [
            {"type": "ip-dst|port", "value": "203.0.113.5|443"},
            {"type": "domain", "value": "example.vip"}],
            "Object": [{"Attribute": [{"type": "text", "value": "a"}]}]}});
        let lines = hash_lines(&e);
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[3], "0cc175b9c0f1b6a831c399e269772661,u");
    }
}
