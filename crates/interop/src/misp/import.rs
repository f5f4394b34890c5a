//! MISP events → Cordon reports.
//!
//! Reads what MISP and PyMISP write: one `{"Event": {…}}`, a bare event, a
//! list of either, or a search answer `{"response": [{"Event": …}, …]}`.
//! Each event becomes one report:
//!
//! - id: `misp-event--<uuid>`, or the `cordon:report-id` tag's value for an
//!   event Cordon wrote;
//! - kind, country, language, received, modus operandi, losses, grading and
//!   recipients from the tags of [`super::tags`]; without them a `tip` of
//!   the importing agency's country, received on the event's `date` (else
//!   at its `timestamp`);
//! - marking from TLP tags and distribution levels ([`super::marking`]);
//! - selectors from attributes and objects ([`super::selectors`]); a value
//!   Cordon cannot normalise is counted, never an error;
//! - narrative: the event's `info`, its event reports, its `text` and
//!   `comment` attributes and the comments on its attributes and objects
//!   (an event Cordon wrote: its event report alone), then, when the event
//!   has sightings, the line `MISP: 12 sightings of 4 attributes`;
//! - location: the first `geolocation` object with a latitude and a
//!   longitude.
//!
//! Deleted attributes, objects and event reports (`"deleted": true`) are
//! skipped. Galaxies, correlations, proposals and object references are not
//! read (docs/MISP.md says what is not mapped).
//!
//! A malformed event (no `info` or `uuid`, an unknown distribution, an
//! attribute without type or value, an unreadable tag, date or timestamp)
//! is an error naming the event, the field and the line; nothing of the
//! text is then to be stored.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use cordon_core::report::{Location, Loss, MAX_NARRATIVE, MAX_SELECTORS, SelectorInput};
use cordon_core::selector::Region;
use cordon_core::{Marking, ReportSubmission, Tlp};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::ImportOptions;
use super::marking::{Distribution, is_stricter, level_of_tag, stricter};
use super::selectors::{self, Part, Use};
use super::tags;

/// Why a MISP text cannot be imported: the line, the field (with the event
/// it belongs to) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {field}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// Sightings counted on one event's attributes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sightings {
    /// Sightings proper (MISP sighting type 0).
    pub sightings: usize,
    /// False-positive reports (type 1).
    pub false_positives: usize,
    /// Attributes with at least one sighting.
    pub attributes: usize,
}

impl Sightings {
    fn add(&mut self, other: Sightings) {
        self.sightings += other.sightings;
        self.false_positives += other.false_positives;
        self.attributes += other.attributes;
    }

    /// The narrative line that keeps the count in the report, when there is
    /// anything to count.
    pub fn line(&self) -> Option<String> {
        if self.sightings == 0 && self.false_positives == 0 {
            return None;
        }
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!(
            "MISP: {} of {}",
            plural(self.sightings, "sighting", "sightings"),
            plural(self.attributes, "attribute", "attributes")
        );
        if self.false_positives > 0 {
            line.push_str(&format!(
                ", {}",
                plural(self.false_positives, "false positive", "false positives")
            ));
        }
        Some(line)
    }
}

/// One event, read into a report submission (not yet validated).
#[derive(Debug, Clone)]
pub struct ImportedEvent {
    /// Position of the event in the text (0-based).
    pub index: usize,
    /// Line where the event starts.
    pub line: usize,
    pub uuid: String,
    pub submission: ReportSubmission,
    /// Attributes read (standalone and in objects, deleted ones left out).
    pub attributes: usize,
    /// Attribute values that claim to be identifiers Cordon cannot
    /// normalise (or past the selector limit of a report).
    pub unusable: usize,
    pub sightings: Sightings,
}

/// Everything a MISP text holds for Cordon.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub events: Vec<ImportedEvent>,
}

impl Imported {
    pub fn attributes(&self) -> usize {
        self.events.iter().map(|e| e.attributes).sum()
    }

    pub fn unusable(&self) -> usize {
        self.events.iter().map(|e| e.unusable).sum()
    }

    pub fn sightings(&self) -> Sightings {
        let mut total = Sightings::default();
        for e in &self.events {
            total.add(e.sightings);
        }
        total
    }
}

/// A step of a path into the JSON text.
#[derive(Debug, Clone)]
enum Seg {
    Key(&'static str),
    Index(usize),
}

/// Where errors are reported from: the text, and the event being read.
struct Ctx<'t> {
    text: &'t str,
    index: usize,
    uuid: Option<String>,
    path: Vec<Seg>,
}

impl Ctx<'_> {
    /// An error at `rest` (a path below the event) named `field`.
    fn error(&self, rest: &[Seg], field: &str, message: impl Into<String>) -> ImportError {
        let mut path = self.path.clone();
        path.extend_from_slice(rest);
        let event = match &self.uuid {
            Some(u) => format!("events[{}] ({u})", self.index),
            None => format!("events[{}]", self.index),
        };
        ImportError {
            line: locate(self.text, &path),
            field: if field.is_empty() {
                event
            } else {
                format!("{event}.{field}")
            },
            message: message.into(),
        }
    }
}

/// The line of the value a path leads to (as far as it leads). Only run
/// for errors, so it re-reads the text.
fn locate(text: &str, path: &[Seg]) -> usize {
    let Ok(mut raw) = serde_json::from_str::<&RawValue>(text) else {
        return 1;
    };
    for seg in path {
        let next = match seg {
            Seg::Key(k) => serde_json::from_str::<HashMap<String, &RawValue>>(raw.get())
                .ok()
                .and_then(|m| m.get(*k).copied()),
            Seg::Index(i) => serde_json::from_str::<Vec<&RawValue>>(raw.get())
                .ok()
                .and_then(|v| v.get(*i).copied()),
        };
        match next {
            Some(n) => raw = n,
            None => break,
        }
    }
    line_at(text, raw.get())
}

/// The 1-based line at which `slice` (a part of `text`) starts.
fn line_at(text: &str, slice: &str) -> usize {
    let at = (slice.as_ptr() as usize)
        .saturating_sub(text.as_ptr() as usize)
        .min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The lines where the events of a list (or search answer) start, read in
/// one pass; a single event starts at line 1.
fn event_lines(text: &str) -> Vec<usize> {
    let Ok(root) = serde_json::from_str::<&RawValue>(text) else {
        return Vec::new();
    };
    let list = match root.get().trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str::<Vec<&RawValue>>(root.get()).ok(),
        Some(b'{') => serde_json::from_str::<HashMap<String, &RawValue>>(root.get())
            .ok()
            .and_then(|m| m.get("response").copied())
            .and_then(|r| serde_json::from_str::<Vec<&RawValue>>(r.get()).ok()),
        _ => None,
    };
    let Some(list) = list else {
        return vec![line_at(text, root.get())];
    };
    let mut lines = Vec::with_capacity(list.len());
    let (mut offset, mut line) = (0usize, 1usize);
    for item in list {
        let at = (item.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        if at >= offset {
            line += text.as_bytes()[offset..at.min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            offset = at;
        }
        lines.push(line);
    }
    lines
}

/// Reads every event of a MISP text. Nothing is partial: the first problem
/// is returned with its line and field.
pub fn import_events(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError {
        line: e.line(),
        field: "events".into(),
        message: format!("not JSON: {e}"),
    })?;
    let found = find_events(&root).map_err(|message| ImportError {
        line: 1,
        field: "events".into(),
        message,
    })?;
    let lines = event_lines(text);
    let mut out = Imported::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, (path, value)) in found.into_iter().enumerate() {
        let mut ctx = Ctx {
            text,
            index,
            uuid: None,
            path,
        };
        let Value::Object(event) = value else {
            return Err(ctx.error(&[], "", "a MISP event is a JSON object"));
        };
        let mut imported = read_event(&mut ctx, event, options)?;
        if let Some(first) = seen.insert(imported.uuid.clone(), index) {
            return Err(ctx.error(
                &[Seg::Key("uuid")],
                "uuid",
                format!("this event's uuid is also events[{first}]'s; an event appears once"),
            ));
        }
        imported.line = lines.get(index).copied().unwrap_or(1);
        out.events.push(imported);
    }
    Ok(out)
}

/// An event with the path that leads to it in the text.
type Found<'v> = (Vec<Seg>, &'v Value);

/// An event, or the event a `{"Event": …}` wrapper holds.
fn unwrap_event(mut path: Vec<Seg>, v: &Value) -> Found<'_> {
    match v.get("Event") {
        Some(inner) => {
            path.push(Seg::Key("Event"));
            (path, inner)
        }
        None => (path, v),
    }
}

fn list_events<'v>(items: &'v [Value], prefix: &[Seg]) -> Vec<Found<'v>> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut path = prefix.to_vec();
            path.push(Seg::Index(i));
            unwrap_event(path, v)
        })
        .collect()
}

/// The events of a MISP text with their paths.
fn find_events(root: &Value) -> Result<Vec<Found<'_>>, String> {
    match root {
        Value::Array(items) => Ok(list_events(items, &[])),
        Value::Object(m) if m.contains_key("response") => match &m["response"] {
            Value::Array(items) => Ok(list_events(items, &[Seg::Key("response")])),
            v @ Value::Object(_) => Ok(vec![unwrap_event(vec![Seg::Key("response")], v)]),
            _ => Err("response is a list of events".into()),
        },
        Value::Object(_) => Ok(vec![unwrap_event(Vec::new(), root)]),
        _ => Err(
            "a MISP export is an event ({\"Event\": {…}}), a list of events or {\"response\": [events]}"
                .into(),
        ),
    }
}

/// A string field, or an error naming it.
fn string_of<'v>(
    ctx: &Ctx<'_>,
    rest: &[Seg],
    field: &str,
    value: Option<&'v Value>,
    required: bool,
) -> Result<Option<&'v str>, ImportError> {
    match value {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ctx.error(rest, field, format!("{field} is required"))),
        Some(other) => Err(ctx.error(rest, field, format!("{field} is a string, not {other}"))),
    }
}

/// A list field (absent is empty), or an error naming it.
fn list_of<'v>(
    ctx: &Ctx<'_>,
    rest: &[Seg],
    field: &str,
    value: Option<&'v Value>,
) -> Result<&'v [Value], ImportError> {
    match value {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(ctx.error(rest, field, format!("{field} is a list, not {other}"))),
    }
}

fn is_deleted(o: &Map<String, Value>) -> bool {
    match o.get("deleted") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    }
}

/// The tag names of a `Tag` list.
fn tag_names<'v>(
    ctx: &Ctx<'_>,
    at: &[Seg],
    field: &str,
    value: Option<&'v Value>,
) -> Result<Vec<&'v str>, ImportError> {
    let mut path = at.to_vec();
    path.push(Seg::Key("Tag"));
    let list = list_of(ctx, &path, &format!("{field}Tag"), value)?;
    let mut names = Vec::with_capacity(list.len());
    for (i, t) in list.iter().enumerate() {
        let mut p = path.clone();
        p.push(Seg::Index(i));
        let name = match t {
            Value::Object(o) => o.get("name").and_then(Value::as_str),
            // Some tools write tags as bare strings.
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        match name {
            Some(n) if !n.trim().is_empty() => names.push(n),
            _ => {
                return Err(ctx.error(
                    &p,
                    &format!("{field}Tag[{i}]"),
                    "a tag is an object with a name",
                ));
            }
        }
    }
    Ok(names)
}

/// The strictest TLP level among tags.
fn tags_level(names: &[&str]) -> Option<Tlp> {
    names
        .iter()
        .filter_map(|n| level_of_tag(n))
        .reduce(stricter)
}

/// The marking being worked out for one event.
struct Levels {
    level: Tlp,
    /// The level of the event's own distribution, against which an
    /// attribute's distribution is stricter or not.
    event_distribution: Option<Tlp>,
}

impl Levels {
    /// Applies what one attribute, object or event report says of itself.
    fn apply(&mut self, tag_level: Option<Tlp>, distribution: Option<Distribution>) {
        if let Some(t) = tag_level {
            self.level = stricter(self.level, t);
        }
        if let Some(d) = distribution.and_then(Distribution::pulled_level)
            && self.event_distribution.is_none_or(|e| is_stricter(d, e))
        {
            self.level = stricter(self.level, d);
        }
    }
}

/// Sightings of one event, by attribute, each sighting once.
#[derive(Default)]
struct SightingCount {
    seen: HashSet<String>,
    by_attribute: BTreeMap<String, usize>,
    false_positives: usize,
}

impl SightingCount {
    fn read(
        &mut self,
        ctx: &Ctx<'_>,
        at: &[Seg],
        field: &str,
        list: Option<&Value>,
        attribute: Option<&str>,
    ) -> Result<(), ImportError> {
        let mut path = at.to_vec();
        path.push(Seg::Key("Sighting"));
        let list = list_of(ctx, &path, &format!("{field}Sighting"), list)?;
        for (i, s) in list.iter().enumerate() {
            let mut p = path.clone();
            p.push(Seg::Index(i));
            let here = format!("{field}Sighting[{i}]");
            let s = match s {
                Value::Object(o) => match o.get("Sighting") {
                    Some(Value::Object(inner)) => inner,
                    _ => o,
                },
                _ => return Err(ctx.error(&p, &here, "a sighting is a JSON object")),
            };
            if let Some(uuid) = s.get("uuid").and_then(Value::as_str)
                && !self.seen.insert(uuid.to_owned())
            {
                continue;
            }
            let kind = match s.get("type") {
                None | Some(Value::Null) => Some(0),
                Some(Value::Number(n)) => n.as_u64(),
                Some(Value::String(t)) => t.trim().parse().ok(),
                Some(_) => None,
            };
            let target = attribute
                .map(str::to_owned)
                .or_else(|| {
                    s.get("attribute_uuid")
                        .or_else(|| s.get("attribute_id"))
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                })
                .unwrap_or_else(|| "event".into());
            match kind {
                Some(0) => *self.by_attribute.entry(target).or_default() += 1,
                Some(1) => self.false_positives += 1,
                // Expiration: says when the attribute stops being valid.
                Some(2) => {}
                _ => {
                    return Err(ctx.error(
                        &p,
                        &format!("{here}.type"),
                        "a sighting's type is 0 (sighting), 1 (false positive) or 2 (expiration)",
                    ));
                }
            }
        }
        Ok(())
    }

    fn total(&self) -> Sightings {
        Sightings {
            sightings: self.by_attribute.values().sum(),
            false_positives: self.false_positives,
            attributes: self.by_attribute.len(),
        }
    }
}

/// One attribute, checked.
struct Attr<'v> {
    kind: &'v str,
    value: String,
    comment: &'v str,
    relation: &'v str,
}

/// Checks an attribute's own fields and applies its tags, distribution and
/// sightings. `None` for a deleted attribute.
fn read_attribute<'v>(
    ctx: &Ctx<'_>,
    at: &[Seg],
    field: &str,
    value: &'v Value,
    levels: &mut Levels,
    inherited: Option<Distribution>,
    sightings: &mut SightingCount,
) -> Result<Option<Attr<'v>>, ImportError> {
    let Value::Object(a) = value else {
        return Err(ctx.error(at, field, "an attribute is a JSON object"));
    };
    if is_deleted(a) {
        return Ok(None);
    }
    let sub = |k: &'static str| {
        let mut p = at.to_vec();
        p.push(Seg::Key(k));
        p
    };
    let kind = string_of(
        ctx,
        &sub("type"),
        &format!("{field}.type"),
        a.get("type"),
        true,
    )?
    .unwrap_or_default();
    if kind.trim().is_empty() {
        return Err(ctx.error(&sub("type"), &format!("{field}.type"), "type is empty"));
    }
    let value = match a.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        None | Some(Value::Null) => {
            return Err(ctx.error(
                &sub("value"),
                &format!("{field}.value"),
                "an attribute has a value",
            ));
        }
        Some(other) => {
            return Err(ctx.error(
                &sub("value"),
                &format!("{field}.value"),
                format!("an attribute's value is a string, not {other}"),
            ));
        }
    };
    let comment = string_of(
        ctx,
        &sub("comment"),
        &format!("{field}.comment"),
        a.get("comment"),
        false,
    )?
    .unwrap_or_default();
    let relation = string_of(
        ctx,
        &sub("object_relation"),
        &format!("{field}.object_relation"),
        a.get("object_relation"),
        false,
    )?
    .unwrap_or_default();
    let distribution = Distribution::read(a.get("distribution"), true)
        .map_err(|m| ctx.error(&sub("distribution"), &format!("{field}.distribution"), m))?;
    let distribution = match distribution {
        Some(Distribution::INHERIT) | None => inherited,
        d => d,
    };
    let tags = tag_names(ctx, at, &format!("{field}."), a.get("Tag"))?;
    levels.apply(tags_level(&tags), distribution);
    let key = a
        .get("uuid")
        .and_then(Value::as_str)
        .map_or_else(|| field.to_owned(), str::to_owned);
    sightings.read(ctx, at, &format!("{field}."), a.get("Sighting"), Some(&key))?;
    Ok(Some(Attr {
        kind,
        value,
        comment,
        relation,
    }))
}

fn read_event(
    ctx: &mut Ctx<'_>,
    event: &Map<String, Value>,
    options: &ImportOptions,
) -> Result<ImportedEvent, ImportError> {
    let key = |k: &'static str| vec![Seg::Key(k)];
    let uuid_text =
        string_of(ctx, &key("uuid"), "uuid", event.get("uuid"), true)?.unwrap_or_default();
    let uuid = uuid::Uuid::try_parse(uuid_text.trim()).map_err(|_| {
        ctx.error(
            &key("uuid"),
            "uuid",
            format!("'{uuid_text}' is not a UUID; every MISP event has one"),
        )
    })?;
    ctx.uuid = Some(uuid.hyphenated().to_string());
    let info = string_of(ctx, &key("info"), "info", event.get("info"), true)?.unwrap_or_default();
    let distribution = Distribution::read(event.get("distribution"), false)
        .map_err(|m| ctx.error(&key("distribution"), "distribution", m))?;
    let date = match string_of(ctx, &key("date"), "date", event.get("date"), false)? {
        Some(d) if !d.trim().is_empty() => Some(
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                ctx.error(
                    &key("date"),
                    "date",
                    format!("'{d}' is not a date like 2026-03-01"),
                )
            })?,
        ),
        _ => None,
    };
    let timestamp = read_timestamp(ctx, &key("timestamp"), "timestamp", event.get("timestamp"))?;

    let tags = tag_names(ctx, &[], "", event.get("Tag"))?;
    let event_distribution = distribution.and_then(Distribution::pulled_level);
    let mut levels = Levels {
        level: tags_level(&tags)
            .or(event_distribution)
            .unwrap_or(options.marking.tlp),
        event_distribution,
    };
    let mut sightings = SightingCount::default();
    let mut attributes = 0usize;
    let mut candidates = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    let mut location: Option<Location> = None;

    let list = list_of(ctx, &key("Attribute"), "Attribute", event.get("Attribute"))?;
    for (i, a) in list.iter().enumerate() {
        let at = vec![Seg::Key("Attribute"), Seg::Index(i)];
        let field = format!("Attribute[{i}]");
        let Some(a) = read_attribute(ctx, &at, &field, a, &mut levels, None, &mut sightings)?
        else {
            continue;
        };
        attributes += 1;
        match selectors::of_attribute(a.kind, &a.value, a.comment) {
            Use::Selectors(c) => candidates.extend(c),
            Use::Text if !a.value.trim().is_empty() => texts.push(a.value.trim().to_owned()),
            Use::Text | Use::Context => {}
        }
        if !a.comment.trim().is_empty() {
            comments.push(format!(
                "- {} {}: {}",
                a.kind,
                a.value.trim(),
                a.comment.trim()
            ));
        }
    }

    let list = list_of(ctx, &key("Object"), "Object", event.get("Object"))?;
    for (i, o) in list.iter().enumerate() {
        let at = vec![Seg::Key("Object"), Seg::Index(i)];
        let field = format!("Object[{i}]");
        let Value::Object(o) = o else {
            return Err(ctx.error(&at, &field, "an object is a JSON object"));
        };
        if is_deleted(o) {
            continue;
        }
        let sub = |k: &'static str| {
            let mut p = at.clone();
            p.push(Seg::Key(k));
            p
        };
        let name = string_of(
            ctx,
            &sub("name"),
            &format!("{field}.name"),
            o.get("name"),
            true,
        )?
        .unwrap_or_default();
        let comment = string_of(
            ctx,
            &sub("comment"),
            &format!("{field}.comment"),
            o.get("comment"),
            false,
        )?
        .unwrap_or_default();
        let distribution = Distribution::read(o.get("distribution"), true)
            .map_err(|m| ctx.error(&sub("distribution"), &format!("{field}.distribution"), m))?;
        let distribution = distribution.filter(|d| *d != Distribution::INHERIT);
        levels.apply(None, distribution);
        let mut parts_owned = Vec::new();
        let inner = list_of(
            ctx,
            &sub("Attribute"),
            &format!("{field}.Attribute"),
            o.get("Attribute"),
        )?;
        for (j, a) in inner.iter().enumerate() {
            let mut p = sub("Attribute");
            p.push(Seg::Index(j));
            let f = format!("{field}.Attribute[{j}]");
            if let Some(a) =
                read_attribute(ctx, &p, &f, a, &mut levels, distribution, &mut sightings)?
            {
                attributes += 1;
                if !a.comment.trim().is_empty() {
                    comments.push(format!(
                        "- {name} {} {}: {}",
                        a.relation,
                        a.value.trim(),
                        a.comment.trim()
                    ));
                }
                parts_owned.push(a);
            }
        }
        let parts: Vec<Part<'_>> = parts_owned
            .iter()
            .map(|a| Part {
                relation: a.relation,
                kind: a.kind,
                value: &a.value,
            })
            .collect();
        if name == "geolocation" {
            if location.is_none() {
                location = location_of(&parts);
            }
        } else {
            candidates.extend(selectors::of_object(name, comment, &parts));
        }
        if !comment.trim().is_empty() {
            comments.push(format!("- {name}: {}", comment.trim()));
        }
    }

    let mut reports_text: Vec<String> = Vec::new();
    let list = list_of(
        ctx,
        &key("EventReport"),
        "EventReport",
        event.get("EventReport"),
    )?;
    for (i, r) in list.iter().enumerate() {
        let at = vec![Seg::Key("EventReport"), Seg::Index(i)];
        let field = format!("EventReport[{i}]");
        let Value::Object(r) = r else {
            return Err(ctx.error(&at, &field, "an event report is a JSON object"));
        };
        if is_deleted(r) {
            continue;
        }
        let mut p = at.clone();
        p.push(Seg::Key("distribution"));
        let distribution = Distribution::read(r.get("distribution"), true)
            .map_err(|m| ctx.error(&p, &format!("{field}.distribution"), m))?;
        levels.apply(None, distribution);
        let mut p = at.clone();
        p.push(Seg::Key("content"));
        if let Some(c) = string_of(
            ctx,
            &p,
            &format!("{field}.content"),
            r.get("content"),
            false,
        )? && !c.trim().is_empty()
        {
            reports_text.push(c.trim().to_owned());
        }
    }
    sightings.read(ctx, &[], "", event.get("Sighting"), None)?;
    let sightings = sightings.total();

    // The Cordon fields the tags carry.
    let value_of = |predicate: &str| tags.iter().find_map(|t| tags::cordon_value(t, predicate));
    let values_of = |predicate: &str| -> Vec<String> {
        tags.iter()
            .filter_map(|t| tags::cordon_value(t, predicate))
            .collect()
    };
    let report_id = value_of(tags::REPORT_ID);
    let is_cordon = report_id.is_some();
    let country = value_of(tags::COUNTRY).unwrap_or_else(|| options.country.clone());
    let region: Option<Region> = country.parse().ok();

    let mut losses = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        if let Some(v) = tags::cordon_value(t, tags::LOSS) {
            let (amount, currency) = v.trim().rsplit_once(' ').ok_or_else(|| {
                ctx.error(
                    &[Seg::Key("Tag"), Seg::Index(i)],
                    &format!("Tag[{i}]"),
                    format!("'{t}' is not a loss; write cordon:loss=\"15000.50 USDT\""),
                )
            })?;
            losses.push(Loss {
                amount: amount.trim().to_owned(),
                currency: currency.trim().to_owned(),
            });
        }
    }

    let received = match value_of(tags::RECEIVED) {
        Some(r) => Some(r),
        None if is_cordon => None,
        None => date
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .or(timestamp)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
    };

    let mut seen = BTreeSet::new();
    let mut selectors_in = Vec::new();
    let mut unusable = 0;
    for c in &candidates {
        match c.normalise(region) {
            Some(found) => {
                for s in found {
                    if seen.insert(s.as_str().to_owned()) {
                        selectors_in.push(SelectorInput::Text(s.into_string()));
                    }
                }
            }
            None => unusable += 1,
        }
    }
    if selectors_in.len() > MAX_SELECTORS {
        unusable += selectors_in.len() - MAX_SELECTORS;
        selectors_in.truncate(MAX_SELECTORS);
    }

    let mut body: Vec<String> = Vec::new();
    if !is_cordon && !info.trim().is_empty() {
        body.push(info.trim().to_owned());
    }
    body.extend(reports_text);
    if !is_cordon {
        body.extend(texts);
        if !comments.is_empty() {
            body.push(format!("Comments:\n{}", comments.join("\n")));
        }
    }
    let narrative = narrative(body, sightings.line());

    let grading = {
        let admiralty = |predicate: &str| {
            tags.iter().find_map(|t| {
                let m = tags::parse(t)?;
                (m.namespace.eq_ignore_ascii_case(tags::ADMIRALTY)
                    && m.predicate.eq_ignore_ascii_case(predicate))
                .then_some(m.value)
                .flatten()
            })
        };
        match (admiralty(tags::RELIABILITY), admiralty(tags::CREDIBILITY)) {
            (None, None) => None,
            (r, c) => Some(format!(
                "{}{}",
                r.unwrap_or_else(|| "F".into()).trim().to_ascii_uppercase(),
                c.unwrap_or_else(|| "6".into()).trim()
            )),
        }
    };

    let submission = ReportSubmission {
        id: Some(report_id.unwrap_or_else(|| super::report_id(&uuid))),
        kind: Some(value_of(tags::KIND).unwrap_or_else(|| "tip".into())),
        received,
        country: Some(country),
        language: value_of(tags::LANGUAGE),
        marking: Some(Marking {
            tlp: levels.level,
            recipients: values_of(tags::RECIPIENT),
            hit_notification: value_of(tags::HIT_NOTIFICATION)
                .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false")),
        }),
        grading,
        mo: values_of(tags::MO),
        narrative,
        selectors: selectors_in,
        losses,
        location,
    };
    Ok(ImportedEvent {
        index: ctx.index,
        line: 1,
        uuid: uuid.hyphenated().to_string(),
        submission,
        attributes,
        unusable,
        sightings,
    })
}

/// An epoch timestamp written as a number or a string of digits.
fn read_timestamp(
    ctx: &Ctx<'_>,
    at: &[Seg],
    field: &str,
    value: Option<&Value>,
) -> Result<Option<DateTime<Utc>>, ImportError> {
    let secs = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    let bad = || {
        ctx.error(
            at,
            field,
            format!(
                "{} is not a timestamp (seconds since 1970)",
                value.map(Value::to_string).unwrap_or_default()
            ),
        )
    };
    match secs {
        // 0 is what MISP writes for "never".
        Some(0) => Ok(None),
        Some(s) => DateTime::from_timestamp(s, 0).map(Some).ok_or_else(bad),
        None => Err(bad()),
    }
}

/// The first location a `geolocation` object gives.
fn location_of(parts: &[Part<'_>]) -> Option<Location> {
    let get = |r: &str| {
        parts
            .iter()
            .find(|p| p.relation == r)
            .map(|p| p.value.trim())
            .filter(|v| !v.is_empty())
    };
    let lat = get("latitude")?.parse::<f64>().ok()?;
    let lon = get("longitude")?.parse::<f64>().ok()?;
    Some(Location {
        lat,
        lon,
        place: get("text")
            .or_else(|| get("city"))
            .or_else(|| get("address"))
            .map(str::to_owned),
    })
}

/// The narrative: the parts, cut to fit, then the sightings line (which is
/// never cut).
fn narrative(body: Vec<String>, sightings: Option<String>) -> Option<String> {
    let mut text = body.join("\n\n");
    let room = MAX_NARRATIVE - sightings.as_ref().map_or(0, |l| l.len() + 2);
    if text.len() > room {
        let mut end = room;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    if let Some(line) = sightings {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&line);
    }
    (!text.trim().is_empty()).then_some(text)
}

/// A MISP text checked whole: the reports validated as any submission is,
/// and every problem with its line and field.
#[derive(Debug, Default)]
pub struct CheckedEvents {
    pub reports: Vec<cordon_core::Report>,
    pub errors: Vec<cordon_core::ingest::LineError>,
    /// Events read, their attributes, the attribute values Cordon could
    /// not normalise, and the sightings counted.
    pub events: usize,
    pub attributes: usize,
    pub unusable: usize,
    pub sightings: Sightings,
    /// The UUIDs of the events, in order.
    pub uuids: Vec<String>,
}

/// Reads a MISP text and validates every report in it exactly as a
/// submitted report is validated.
pub fn check_events(text: &str, options: &ImportOptions, now: DateTime<Utc>) -> CheckedEvents {
    use cordon_core::ingest::LineError;
    let imported = match import_events(text, options) {
        Ok(i) => i,
        Err(e) => {
            return CheckedEvents {
                errors: vec![LineError {
                    line: e.line as u64,
                    field: Some(e.field),
                    message: e.message,
                }],
                ..CheckedEvents::default()
            };
        }
    };
    let mut out = CheckedEvents {
        events: imported.events.len(),
        attributes: imported.attributes(),
        unusable: imported.unusable(),
        sightings: imported.sightings(),
        ..CheckedEvents::default()
    };
    for e in imported.events {
        out.uuids.push(e.uuid.clone());
        match e.submission.validate(now) {
            Ok(report) => out.reports.push(report),
            Err(err) => out.errors.push(LineError {
                line: e.line as u64,
                field: Some(format!("events[{}] ({}): {}", e.index, e.uuid, err.field)),
                message: err.message,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sighting_lines_count_in_words() {
        assert_eq!(Sightings::default().line(), None);
        let one = Sightings {
            sightings: 1,
            false_positives: 0,
            attributes: 1,
        };
        assert_eq!(one.line().unwrap(), "MISP: 1 sighting of 1 attribute");
        let many = Sightings {
            sightings: 12,
            false_positives: 2,
            attributes: 4,
        };
        assert_eq!(
            many.line().unwrap(),
            "MISP: 12 sightings of 4 attributes, 2 false positives"
        );
        let only_false = Sightings {
            sightings: 0,
            false_positives: 1,
            attributes: 0,
        };
        assert_eq!(
            only_false.line().unwrap(),
            "MISP: 0 sightings of 0 attributes, 1 false positive"
        );
    }

    #[test]
    fn a_long_narrative_is_cut_but_keeps_its_sightings_line() {
        let long = "é".repeat(MAX_NARRATIVE);
        let line = "MISP: 3 sightings of 2 attributes".to_owned();
        let n = narrative(vec![long], Some(line.clone())).unwrap();
        assert!(n.len() <= MAX_NARRATIVE, "{}", n.len());
        assert!(n.ends_with(&format!("\n\n{line}")));
        assert_eq!(narrative(vec![], Some(line.clone())).unwrap(), line);
        assert_eq!(narrative(vec![" ".into()], None), None);
    }

    #[test]
    fn lines_are_found_for_list_and_search_answer_elements() {
        let text = "[\n{\"a\": 1},\n\n{\"b\": 2}\n]";
        assert_eq!(event_lines(text), [2, 4]);
        let text = "{\"response\": [\n {\"Event\": {}},\n {\"Event\": {}}]}";
        assert_eq!(event_lines(text), [2, 3]);
        assert_eq!(event_lines("\n\n{\"Event\": {}}"), [3]);
        let path = [Seg::Index(1), Seg::Key("b")];
        assert_eq!(locate("[\n{\"a\": 1},\n{\n\"b\": 2}\n]", &path), 4);
    }
}
