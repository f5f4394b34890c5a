//! One object of a bundle being imported: the few properties every pass
//! of an import looks at, read straight from the text into borrowed
//! strings, and the full JSON tree, built only for the objects whose
//! content is used.
//!
//! A bundle Cordon exported is mostly observables and indicators that are
//! rebuilt from their reports: building a JSON tree for each of those was
//! most of an import's time and memory, and looking properties up in the
//! trees most of the rest.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::DateTime;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::extension::EXTENSION;
use super::import::ImportError;
use super::{is_identifier, type_of};

/// An object of the bundle, checked.
#[derive(Debug)]
pub(crate) struct Object<'a> {
    /// Its place in the bundle's `objects`, and its line.
    pub index: usize,
    pub line: usize,
    /// Its text in the bundle, exactly.
    pub raw: &'a str,
    pub kind: Cow<'a, str>,
    pub id: Cow<'a, str>,
    /// `modified`, else `created`, else "".
    pub version: Cow<'a, str>,
    pub spec_version: Option<Cow<'a, str>>,
    /// What `object_marking_refs` and `granular_markings` name.
    pub marking_refs: Vec<Cow<'a, str>>,
    /// `object_refs`: what a report, grouping or observed-data contains.
    pub object_refs: Vec<Cow<'a, str>>,
    pub created_by_ref: Option<Cow<'a, str>>,
    /// The keys of `extensions`.
    pub extensions: Vec<Cow<'a, str>>,
    value: OnceLock<Value>,
}

impl<'a> Object<'a> {
    /// The whole object as JSON, read from its text on first use.
    pub fn value(&self) -> &Value {
        self.value
            .get_or_init(|| serde_json::from_str(self.raw).unwrap_or(Value::Null))
    }

    /// Whether the object carries the Cordon extension (Cordon derived it).
    pub fn is_cordon(&self) -> bool {
        self.extensions.iter().any(|k| k == EXTENSION)
    }

    /// The marking- and extension-definitions the object uses, and its
    /// author.
    pub fn definitions_used(&self) -> impl Iterator<Item = &str> {
        self.marking_refs
            .iter()
            .chain(
                self.extensions
                    .iter()
                    .filter(|k| k.starts_with("extension-definition--")),
            )
            .chain(&self.created_by_ref)
            .map(|s| s.as_ref())
    }

    pub fn refs(&self) -> impl Iterator<Item = &str> {
        self.object_refs.iter().map(|s| s.as_ref())
    }

    /// Reads and checks the `i`-th object, on `line`. The common shape is
    /// read straight into the properties; anything else (a property of an
    /// unexpected type, a repeated key) goes through a JSON tree, which
    /// names what is wrong or reads what is merely unusual.
    pub fn parse(line: usize, i: usize, raw: &'a RawValue) -> Result<Object<'a>, ImportError> {
        let text = raw.get();
        let object = match serde_json::from_str::<Head<'a>>(text) {
            Ok(head) if head.is_usual() => head.into_object(i, line, text),
            _ => {
                let value: Value = serde_json::from_str(text)
                    .map_err(|e| ImportError::new(line, format!("objects[{i}]"), e.to_string()))?;
                from_value(line, i, text, value)?
            }
        };
        object.check(i)?;
        Ok(object)
    }

    /// What every STIX 2.1 object must be for Cordon to read it, beyond
    /// what reading it checked.
    fn check(&self, i: usize) -> Result<(), ImportError> {
        let field = |name: &str| format!("objects[{i}].{name}");
        let (id, kind) = (self.id.as_ref(), self.kind.as_ref());
        if !is_identifier(id) || type_of(id) != Some(kind) {
            return Err(ImportError::new(
                self.line,
                field("id"),
                format!("'{id}' is not an identifier of a {kind} ({kind}--<lowercase uuid>)"),
            ));
        }
        if let Some(v) = &self.spec_version
            && v != "2.1"
        {
            return Err(ImportError::new(
                self.line,
                field("spec_version"),
                format!("spec_version is \"{v}\"; only STIX 2.1 objects are read"),
            ));
        }
        Ok(())
    }
}

/// The properties of [`Object`] as they usually are.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    spec_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    created: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    modified: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    object_marking_refs: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    granular_markings: Option<Vec<GranularMarking<'a>>>,
    #[serde(borrow, default)]
    object_refs: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    created_by_ref: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    extensions: Option<BTreeMap<Cow<'a, str>, IgnoredAny>>,
}

#[derive(Deserialize)]
struct GranularMarking<'a> {
    #[serde(borrow, default)]
    marking_ref: Option<Cow<'a, str>>,
}

impl<'a> Head<'a> {
    /// Whether nothing in it needs a closer look: its timestamps are
    /// timestamps and its markings identifiers.
    fn is_usual(&self) -> bool {
        [&self.created, &self.modified]
            .into_iter()
            .flatten()
            .all(|t| is_timestamp(t))
            && self
                .object_marking_refs
                .iter()
                .flatten()
                .all(|r| is_identifier(r))
    }

    fn into_object(self, index: usize, line: usize, raw: &'a str) -> Object<'a> {
        let mut marking_refs = self.object_marking_refs.unwrap_or_default();
        // A TLP level on any part of an object restricts the whole object
        // here: Cordon marks whole reports.
        marking_refs.extend(
            self.granular_markings
                .into_iter()
                .flatten()
                .filter_map(|g| g.marking_ref),
        );
        Object {
            index,
            line,
            raw,
            kind: self.kind,
            id: self.id,
            version: self.modified.or(self.created).unwrap_or_default(),
            spec_version: self.spec_version,
            marking_refs,
            object_refs: self.object_refs.unwrap_or_default(),
            created_by_ref: self.created_by_ref,
            extensions: self
                .extensions
                .map(|e| e.into_keys().collect())
                .unwrap_or_default(),
            value: OnceLock::new(),
        }
    }
}

/// An object of an unusual shape, read from its JSON tree: what must be
/// text is checked here and named when it is not; what is only used when
/// well-formed (containment, authorship, extensions) is read leniently.
fn from_value<'a>(
    line: usize,
    i: usize,
    raw: &'a str,
    value: Value,
) -> Result<Object<'a>, ImportError> {
    let field = |name: &str| format!("objects[{i}].{name}");
    if !value.is_object() {
        return Err(ImportError::new(
            line,
            format!("objects[{i}]"),
            "a STIX object is a JSON object",
        ));
    }
    let text = |name: &str| value.get(name).and_then(Value::as_str).map(owned);
    let kind = text("type")
        .ok_or_else(|| ImportError::new(line, field("type"), "every STIX object has a type"))?;
    let id = text("id")
        .ok_or_else(|| ImportError::new(line, field("id"), "every STIX 2.1 object has an id"))?;
    if let Some(v) = value.get("spec_version")
        && !v.is_string()
    {
        return Err(ImportError::new(
            line,
            field("spec_version"),
            format!("spec_version is {v}; only STIX 2.1 objects are read"),
        ));
    }
    for name in ["created", "modified"] {
        if let Some(v) = value.get(name)
            && !v.as_str().is_some_and(is_timestamp)
        {
            return Err(ImportError::new(
                line,
                field(name),
                format!("{v} is not a STIX timestamp (RFC 3339, like 2026-03-01T10:00:00.000Z)"),
            ));
        }
    }
    let marking_list = value.get("object_marking_refs");
    if let Some(refs) = marking_list
        && !refs
            .as_array()
            .is_some_and(|a| a.iter().all(|r| r.as_str().is_some_and(is_identifier)))
    {
        return Err(ImportError::new(
            line,
            field("object_marking_refs"),
            "object_marking_refs is a list of marking-definition identifiers",
        ));
    }
    let strings = |v: Option<&Value>| -> Vec<Cow<'a, str>> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(owned)
            .collect()
    };
    let mut marking_refs = strings(marking_list);
    marking_refs.extend(
        value
            .get("granular_markings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| g.get("marking_ref").and_then(Value::as_str))
            .map(owned),
    );
    let object = Object {
        index: i,
        line,
        raw,
        version: text("modified")
            .or_else(|| text("created"))
            .unwrap_or_default(),
        spec_version: text("spec_version"),
        marking_refs,
        object_refs: strings(value.get("object_refs")),
        created_by_ref: text("created_by_ref"),
        extensions: value
            .get("extensions")
            .and_then(Value::as_object)
            .map(|e| e.keys().map(|k| owned(k)).collect())
            .unwrap_or_default(),
        kind,
        id,
        value: OnceLock::from(value),
    };
    Ok(object)
}

fn is_timestamp(t: &str) -> bool {
    DateTime::parse_from_rfc3339(t).is_ok()
}

fn owned<'a>(s: &str) -> Cow<'a, str> {
    Cow::Owned(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Object<'_>, ImportError> {
        let raw: &RawValue = serde_json::from_str(text).unwrap();
        Object::parse(3, 0, raw)
    }

    const ID: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

    /// The usual shape and an unusual one of the same object read the
    /// same: a repeated key sends it through the JSON tree.
    #[test]
    fn both_readings_agree() {
        let usual = format!(
            r#"{{"type":"indicator","id":"{ID}","spec_version":"2.1","created":"2026-01-01T00:00:00Z",
                "modified":"2026-02-01T00:00:00Z","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
                "granular_markings":[{{"marking_ref":"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed","selectors":["name"]}}],
                "created_by_ref":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "extensions":{{"extension-definition--452e400b-0000-4000-8000-000000000000":{{}}}},
                "object_refs":["a","b"],"name":"x"}}"#
        );
        let unusual = usual.replace(r#""name":"x""#, r#""name":"x","name":"y""#);
        let (a, b) = (parse(&usual).unwrap(), parse(&unusual).unwrap());
        for o in [&a, &b] {
            assert_eq!(o.kind, "indicator");
            assert_eq!(o.id, ID);
            assert_eq!(o.version, "2026-02-01T00:00:00Z");
            assert_eq!(o.spec_version.as_deref(), Some("2.1"));
            assert_eq!(o.marking_refs.len(), 2);
            assert_eq!(o.refs().collect::<Vec<_>>(), ["a", "b"]);
            assert_eq!(o.definitions_used().count(), 4);
            assert_eq!(o.line, 3);
        }
        assert_eq!(a.value()["name"], "x");
        assert_eq!(b.value()["name"], "y");
    }

    #[test]
    fn what_is_wrong_is_named_with_its_field() {
        for (text, field, says) in [
            ("[1]", "objects[0]", "a STIX object is a JSON object"),
            (r#"{"id":"x"}"#, "objects[0].type", "has a type"),
            (r#"{"type":"indicator"}"#, "objects[0].id", "has an id"),
            (
                r#"{"type":"indicator","id":"indicator--1"}"#,
                "objects[0].id",
                "not an identifier",
            ),
            (
                &format!(r#"{{"type":"campaign","id":"{ID}"}}"#),
                "objects[0].id",
                "not an identifier of a campaign",
            ),
            (
                &format!(r#"{{"type":"indicator","id":"{ID}","spec_version":"2.0"}}"#),
                "objects[0].spec_version",
                "only STIX 2.1",
            ),
            (
                &format!(r#"{{"type":"indicator","id":"{ID}","spec_version":2}}"#),
                "objects[0].spec_version",
                "only STIX 2.1",
            ),
            (
                &format!(r#"{{"type":"indicator","id":"{ID}","created":"yesterday"}}"#),
                "objects[0].created",
                "not a STIX timestamp",
            ),
            (
                &format!(
                    r#"{{"type":"indicator","id":"{ID}","created":"2026-01-01T00:00:00Z","modified":5}}"#
                ),
                "objects[0].modified",
                "not a STIX timestamp",
            ),
            (
                &format!(r#"{{"type":"indicator","id":"{ID}","object_marking_refs":"x"}}"#),
                "objects[0].object_marking_refs",
                "list of marking-definition identifiers",
            ),
            (
                &format!(r#"{{"type":"indicator","id":"{ID}","object_marking_refs":["x"]}}"#),
                "objects[0].object_marking_refs",
                "list of marking-definition identifiers",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.field.as_str()), (3, field), "{text}");
            assert!(e.message.contains(says), "{text}: {}", e.message);
        }
    }

    #[test]
    fn what_is_only_used_when_well_formed_is_read_leniently() {
        let text = format!(
            r#"{{"type":"report","id":"{}","object_refs":"x","created_by_ref":5,"extensions":[]}}"#,
            ID.replace("indicator", "report")
        );
        let o = parse(&text).unwrap();
        assert_eq!(o.refs().count(), 0);
        assert_eq!(o.definitions_used().count(), 0);
        assert!(!o.is_cordon());
    }
}
