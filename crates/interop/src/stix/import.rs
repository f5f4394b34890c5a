//! STIX 2.1 bundles from any tool → Cordon reports plus objects kept
//! verbatim.
//!
//! - A `report` becomes a Cordon report. One that Cordon wrote (it carries
//!   the Cordon extension) comes back exactly as it was; one of another
//!   tool becomes a `tip` whose selectors are the observables it references,
//!   directly, through `observed-data` and `grouping`, or in an
//!   `indicator`'s pattern.
//! - An `indicator` or `observed-data` that no report or grouping in the
//!   bundle references becomes a report of its own, when it names at least
//!   one observable Cordon can read.
//! - Every object of another tool is also kept verbatim, whatever Cordon
//!   made of it, and exported unchanged. Only Cordon's own objects (rebuilt
//!   from their reports) and the standard TLP marking-definitions (which
//!   Cordon writes itself) are not kept.
//!
//! Markings: an object's own TLP marking (TLP 2.0, TLP 1.0 or a TLP
//! definition in the bundle) decides who may read it; an object without
//! one takes the strictest marking of the objects that reference it, and
//! failing that the import's default, so an observable listed by a RED
//! report is never readable by more people than the report.

use std::collections::{BTreeSet, HashMap};

use cordon_core::report::{Location, SelectorInput};
use cordon_core::{Hint, Marking, ReportSubmission, Tlp};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::extension::{self, EXTENSION, ReportFields};
use super::object::Object;
use super::{is_identifier, pattern, sco, tlp};

/// What an import assumes where a bundle is silent.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The country of a report from another tool: the importing agency's.
    pub country: String,
    /// The marking of an object that has none and is referenced by nothing
    /// that has one.
    pub marking: Marking,
}

/// A report found in a bundle, not yet validated.
#[derive(Debug, Clone)]
pub struct ImportedReport {
    /// Index of the object it came from in the bundle's `objects`.
    pub index: usize,
    /// Line of the bundle text where that object starts.
    pub line: usize,
    pub submission: ReportSubmission,
    /// The owning agency a report Cordon wrote names (its extension's
    /// `agency`); `None` for other tools' reports. What a federated node
    /// keeps as the report's origin.
    pub agency: Option<String>,
}

/// An object of another tool, to keep verbatim.
#[derive(Debug, Clone)]
pub struct Kept {
    pub index: usize,
    pub line: usize,
    pub id: String,
    /// `modified`, else `created`, else "" for unversioned objects.
    pub version: String,
    pub spec_version: String,
    pub marking: Marking,
    /// The object's text exactly as it was in the bundle.
    pub json: String,
}

/// What a bundle holds for Cordon.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub bundle_id: String,
    /// How many objects the bundle held.
    pub objects: usize,
    pub reports: Vec<ImportedReport>,
    pub kept: Vec<Kept>,
    /// Objects Cordon wrote, rebuilt from their reports instead of kept.
    pub rebuilt: usize,
    /// Observables no selector could be made of (kept verbatim all the
    /// same), such as a CIDR range or a malformed phone number.
    pub unusable_observables: usize,
    /// For a TAXII envelope: every object's id and version ("" when it has
    /// none), in order, for the status of the request that added them.
    pub listed: Vec<(String, String)>,
}

/// Why a bundle cannot be imported: the object, line and field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {field}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl ImportError {
    pub(crate) fn new(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Deserialize)]
struct RawBundle<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    spec_version: Option<String>,
    #[serde(borrow)]
    objects: Option<Vec<&'a RawValue>>,
}

/// Reads a STIX 2.1 bundle. Nothing is partial: the first problem is
/// returned with its line and field, and then nothing should be stored.
pub fn import_bundle(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let bundle: RawBundle<'_> = serde_json::from_str(text)
        .map_err(|e| ImportError::new(e.line(), "bundle", format!("not a JSON object: {e}")))?;
    if bundle.kind.as_deref() != Some("bundle") {
        return Err(ImportError::new(
            1,
            "type",
            "a STIX bundle has \"type\": \"bundle\"",
        ));
    }
    if let Some(v) = bundle.spec_version.as_deref() {
        return Err(ImportError::new(
            1,
            "spec_version",
            format!(
                "this is a STIX {v} bundle; only STIX 2.1 is read (a 2.1 bundle has no spec_version of its own)"
            ),
        ));
    }
    let bundle_id = bundle.id.unwrap_or_default();
    if !bundle_id.starts_with("bundle--") || !is_identifier(&bundle_id) {
        return Err(ImportError::new(
            1,
            "id",
            format!("'{bundle_id}' is not a bundle identifier (bundle--<uuid>)"),
        ));
    }
    import_objects(
        text,
        bundle_id,
        bundle.objects.unwrap_or_default(),
        options,
        false,
    )
}

/// The objects of a TAXII envelope (`{"objects": […]}`, as POSTed to a
/// collection), read exactly as a bundle's.
pub fn import_envelope(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        objects: Option<Vec<&'a RawValue>>,
    }
    let envelope: Envelope<'_> = serde_json::from_str(text).map_err(|e| {
        ImportError::new(e.line(), "envelope", format!("not a TAXII envelope: {e}"))
    })?;
    let objects = envelope.objects.ok_or_else(|| {
        ImportError::new(
            1,
            "objects",
            "a TAXII envelope lists its objects under \"objects\"",
        )
    })?;
    import_objects(text, String::new(), objects, options, true)
}

fn import_objects<'a>(
    text: &'a str,
    bundle_id: String,
    raws: Vec<&'a RawValue>,
    options: &ImportOptions,
    list: bool,
) -> Result<Imported, ImportError> {
    // Objects come in text order, so their lines are counted as we go.
    let mut lines = LineCounter::default();
    let numbered: Vec<(usize, usize, &RawValue)> = raws
        .iter()
        .enumerate()
        .map(|(i, raw)| (lines.line_of(text, raw.get()), i, *raw))
        .collect();
    let objects =
        cordon_core::ingest::map_parallel(&numbered, |&(line, i, raw)| Object::parse(line, i, raw))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;

    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut versions: HashMap<(&str, &str), usize> = HashMap::with_capacity(objects.len());
    by_id.reserve(objects.len());
    for (i, o) in objects.iter().enumerate() {
        by_id.entry(o.id.as_ref()).or_default().push(i);
        let version = o.version.as_ref();
        if let Some(&j) = versions.get(&(o.id.as_ref(), version)) {
            if objects[j].raw != o.raw && objects[j].value() != o.value() {
                return Err(ImportError::new(
                    o.line,
                    format!("objects[{i}].id"),
                    format!(
                        "{} appears twice with version '{version}' and different content; a STIX version never changes",
                        o.id
                    ),
                ));
            }
        } else {
            versions.insert((o.id.as_ref(), version), i);
        }
    }

    // TLP levels that marking-definitions in this bundle state.
    let mut levels: HashMap<&str, Tlp> = HashMap::new();
    for o in &objects {
        if o.kind == "marking-definition"
            && let Some(t) = tlp::level_of_definition(o.value())
        {
            levels.insert(o.id.as_ref(), t);
        }
    }
    let markings = effective_markings(&objects, &by_id, &levels, options);

    let mut out = Imported {
        bundle_id,
        objects: objects.len(),
        listed: if list {
            objects
                .iter()
                .map(|o| (o.id.to_string(), o.version.to_string()))
                .collect()
        } else {
            Vec::new()
        },
        ..Imported::default()
    };

    // Objects that something in the bundle contains: they are described by
    // their container, not reports of their own.
    let mut contained: BTreeSet<&str> = BTreeSet::new();
    for o in &objects {
        if matches!(o.kind.as_ref(), "report" | "grouping") {
            for r in o.refs() {
                contained.insert(r);
            }
        }
    }

    // What each object makes, on every core: reading selectors is most of
    // the work of a bundle of other tools' indicators.
    let made = cordon_core::ingest::map_parallel(&objects, |o| {
        let i = o.index;
        Ok::<_, ImportError>(match o.kind.as_ref() {
            "report" if o.is_cordon() => (Some(cordon_report(o, i, &markings[i])?), 0),
            "report" => {
                let (submission, unusable) =
                    foreign_report(o, &objects, &by_id, &markings[i], options);
                (Some(submission), unusable)
            }
            "indicator" | "observed-data" if !contained.contains(o.id.as_ref()) => {
                let mut unusable = 0;
                let selectors = selectors_of(&[o.id.as_ref()], &objects, &by_id, &mut unusable);
                let submission = (!selectors.is_empty()).then(|| ReportSubmission {
                    id: Some(o.id.to_string()),
                    kind: Some("tip".into()),
                    country: Some(options.country.clone()),
                    received: received_of(o.value()),
                    narrative: narrative_of(o.value()),
                    marking: Some(markings[i].clone()),
                    selectors,
                    ..ReportSubmission::default()
                });
                (submission, unusable)
            }
            _ => (None, 0),
        })
    });
    for ((i, o), made) in objects.iter().enumerate().zip(made) {
        let (submission, unusable) = made?;
        out.unusable_observables += unusable;
        if let Some(submission) = submission {
            out.reports.push(ImportedReport {
                index: i,
                line: o.line,
                agency: o
                    .is_cordon()
                    .then(|| {
                        cordon_fields(o.value())?
                            .get("agency")?
                            .as_str()
                            .map(str::to_owned)
                    })
                    .flatten(),
                submission,
            });
        }
        // The TLP definitions are kept like any object: the kept objects
        // that use them are exported with them.
        if o.is_cordon() || o.id == extension::EXTENSION || o.id == extension::PUBLISHER {
            out.rebuilt += 1;
            continue;
        }
        out.kept.push(Kept {
            index: i,
            line: o.line,
            id: o.id.to_string(),
            version: o.version.to_string(),
            spec_version: o
                .spec_version
                .as_deref()
                .unwrap_or(super::SPEC_VERSION)
                .to_owned(),
            marking: markings[i].clone(),
            json: o.raw.to_owned(),
        });
    }
    Ok(out)
}

/// Line numbers of slices of one text, taken in increasing order.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: usize,
}

impl LineCounter {
    fn line_of(&mut self, text: &str, slice: &str) -> usize {
        let at = (slice.as_ptr() as usize)
            .saturating_sub(text.as_ptr() as usize)
            .min(text.len());
        if at >= self.offset {
            self.line += memchr_count(&text.as_bytes()[self.offset..at]);
            self.offset = at;
        }
        self.line + 1
    }
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The version of an object: `modified`, else `created`, else "".
pub fn version_of(object: &Value) -> &str {
    object
        .get("modified")
        .or_else(|| object.get("created"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The Cordon extension's entry of an object, when it has one.
fn cordon_fields(object: &Value) -> Option<&Value> {
    object.get("extensions")?.get(EXTENSION)
}

/// The marking of every object: its own, else the strictest of what
/// references it, else the default.
fn effective_markings(
    objects: &[Object<'_>],
    by_id: &HashMap<&str, Vec<usize>>,
    levels: &HashMap<&str, Tlp>,
    options: &ImportOptions,
) -> Vec<Marking> {
    let own: Vec<Option<Marking>> = objects
        .iter()
        .map(|o| {
            let level = o
                .marking_refs
                .iter()
                .filter_map(|id| tlp::level_of_id(id).or_else(|| levels.get(id.as_ref()).copied()))
                .max_by_key(|t| tlp::strictness(*t))?;
            // Only a Cordon report's fields name recipients; the marker
            // of every other derived object has no report_id.
            let fields = (o.kind == "report" && o.is_cordon())
                .then(|| cordon_fields(o.value()))
                .flatten()
                .filter(|f| f.get("report_id").is_some())
                .and_then(|f| ReportFields::deserialize(f).ok());
            Some(Marking {
                tlp: level,
                recipients: fields
                    .as_ref()
                    .map(|f| f.recipients.clone())
                    .unwrap_or_default(),
                hit_notification: fields.is_none_or(|f| f.hit_notification),
            })
        })
        .collect();
    let mut inherited: Vec<Option<Marking>> = vec![None; objects.len()];
    // Containers nest a few levels at most (report → observed-data → SCO);
    // repeat until nothing changes.
    for _ in 0..8 {
        let mut changed = false;
        for (c, o) in objects.iter().enumerate() {
            let mut children = o.refs().peekable();
            if children.peek().is_none() {
                continue;
            }
            let Some(m) = own[c].clone().or_else(|| inherited[c].clone()) else {
                continue;
            };
            for r in children {
                for &child in by_id.get(r).map(Vec::as_slice).unwrap_or_default() {
                    if own[child].is_some() {
                        continue;
                    }
                    let next = match &inherited[child] {
                        None => m.clone(),
                        Some(have) => stricter(have, &m),
                    };
                    if inherited[child].as_ref() != Some(&next) {
                        inherited[child] = Some(next);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    // An object nothing contains but others use (a marking- or
    // extension-definition, an author's identity) describes those objects:
    // whoever may read one of them may read it.
    let mut laxest: HashMap<&str, Marking> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        let Some(m) = own[i].as_ref().or(inherited[i].as_ref()) else {
            continue;
        };
        for d in o.definitions_used() {
            match laxest.get_mut(d) {
                Some(have) if have != m => *have = laxer(have, m),
                Some(_) => {}
                None => {
                    laxest.insert(d, m.clone());
                }
            }
        }
    }
    objects
        .iter()
        .zip(own.into_iter().zip(inherited))
        .map(|(o, (own, inherited))| {
            own.or(inherited)
                .or_else(|| laxest.get(o.id.as_ref()).cloned())
                .unwrap_or_else(|| options.marking.clone())
        })
        .collect()
}

/// The less strict of two markings; at one level, the recipients either
/// names.
fn laxer(a: &Marking, b: &Marking) -> Marking {
    match tlp::strictness(a.tlp).cmp(&tlp::strictness(b.tlp)) {
        std::cmp::Ordering::Less => a.clone(),
        std::cmp::Ordering::Greater => b.clone(),
        std::cmp::Ordering::Equal => {
            let mut recipients = a.recipients.clone();
            recipients.extend(b.recipients.iter().cloned());
            recipients.sort();
            recipients.dedup();
            Marking {
                tlp: a.tlp,
                recipients,
                hit_notification: a.hit_notification || b.hit_notification,
            }
        }
    }
}

/// The stricter of two markings; at one level, only the recipients both
/// name.
fn stricter(a: &Marking, b: &Marking) -> Marking {
    match tlp::strictness(a.tlp).cmp(&tlp::strictness(b.tlp)) {
        std::cmp::Ordering::Greater => a.clone(),
        std::cmp::Ordering::Less => b.clone(),
        std::cmp::Ordering::Equal => Marking {
            tlp: a.tlp,
            recipients: a
                .recipients
                .iter()
                .filter(|r| b.recipients.contains(r))
                .cloned()
                .collect(),
            hit_notification: a.hit_notification && b.hit_notification,
        },
    }
}

/// A report Cordon wrote: its fields come back exactly.
fn cordon_report(
    o: &Object<'_>,
    i: usize,
    marking: &Marking,
) -> Result<ReportSubmission, ImportError> {
    let fields = ReportFields::deserialize(cordon_fields(o.value()).unwrap_or(&Value::Null))
        .map_err(|e| {
            ImportError::new(
                o.line,
                format!("objects[{i}].extensions.{EXTENSION}"),
                format!("the Cordon report fields are malformed: {e}"),
            )
        })?;
    Ok(ReportSubmission {
        id: Some(fields.report_id),
        kind: Some(fields.kind),
        received: fields.received,
        country: Some(fields.country),
        language: fields.language,
        marking: Some(Marking {
            tlp: marking.tlp,
            recipients: fields.recipients,
            hit_notification: fields.hit_notification,
        }),
        grading: fields.grading,
        mo: fields.mo,
        narrative: o
            .value()
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        selectors: fields
            .selectors
            .into_iter()
            .map(SelectorInput::Text)
            .collect(),
        losses: fields.losses,
        location: fields.location.map(|l| Location {
            lat: l.lat,
            lon: l.lon,
            place: l.place,
        }),
    })
}

/// A report of another tool: a tip with what Cordon can read of it, and
/// how many observables it names that Cordon cannot use.
fn foreign_report(
    o: &Object<'_>,
    objects: &[Object<'_>],
    by_id: &HashMap<&str, Vec<usize>>,
    marking: &Marking,
    options: &ImportOptions,
) -> (ReportSubmission, usize) {
    let refs: Vec<&str> = o.refs().collect();
    let mut unusable = 0;
    let mut selectors = selectors_of(&refs, objects, by_id, &mut unusable);
    // A report holds at most MAX_SELECTORS; the rest stay findable in the
    // kept objects only.
    if selectors.len() > cordon_core::report::MAX_SELECTORS {
        unusable += selectors.len() - cordon_core::report::MAX_SELECTORS;
        selectors.truncate(cordon_core::report::MAX_SELECTORS);
    }
    let language = o
        .value()
        .get("lang")
        .and_then(Value::as_str)
        .filter(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_owned);
    let submission = ReportSubmission {
        id: Some(o.id.to_string()),
        kind: Some("tip".into()),
        received: received_of(o.value()),
        country: Some(options.country.clone()),
        language,
        marking: Some(marking.clone()),
        narrative: narrative_of(o.value()),
        selectors,
        ..ReportSubmission::default()
    };
    (submission, unusable)
}

/// When an object says its information was received: `published`,
/// `valid_from`, `first_observed`, else `created`.
fn received_of(object: &Value) -> Option<String> {
    ["published", "valid_from", "first_observed", "created"]
        .iter()
        .find_map(|k| object.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The narrative of an object of another tool: its name and description.
fn narrative_of(object: &Value) -> Option<String> {
    let mut parts: Vec<&str> = ["name", "description"]
        .iter()
        .filter_map(|k| object.get(*k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
        .collect();
    if parts.is_empty()
        && let Some(p) = object.get("pattern").and_then(Value::as_str)
    {
        parts.push(p);
    }
    let text = parts.join("\n\n");
    (!text.is_empty()).then(|| truncate(text, cordon_core::report::MAX_NARRATIVE))
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The selectors Cordon can read from the objects `roots` name: the
/// observables themselves, those of `observed-data` and `grouping`, and
/// those an `indicator`'s pattern compares against. Inputs that Cordon
/// cannot normalise are counted in `unusable` and left out.
fn selectors_of(
    roots: &[&str],
    objects: &[Object<'_>],
    by_id: &HashMap<&str, Vec<usize>>,
    unusable: &mut usize,
) -> Vec<SelectorInput> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<(&str, u8)> = roots.iter().map(|r| (*r, 0)).collect();
    while let Some((id, depth)) = stack.pop() {
        if !visited.insert(id) {
            continue;
        }
        for &j in by_id.get(id).map(Vec::as_slice).unwrap_or_default() {
            let o = &objects[j];
            let inputs = match o.kind.as_ref() {
                "observed-data" | "grouping" if depth < 3 => {
                    stack.extend(o.refs().map(|r| (r, depth + 1)));
                    Vec::new()
                }
                "indicator" => match o.value().get("pattern").and_then(Value::as_str) {
                    Some(p)
                        if o.value().get("pattern_type").and_then(Value::as_str)
                            == Some("stix") =>
                    {
                        pattern::observations(p)
                            .into_iter()
                            .flat_map(|obs| {
                                let get = |k: &str| obs.equals.get(k).cloned();
                                sco::selector_inputs(&obs.kind, &get)
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                },
                _ => sco::inputs_of_object(o.value()),
            };
            for input in inputs {
                match usable(&input) {
                    Some(canonical) => {
                        if seen.insert(canonical) {
                            out.push(input);
                        }
                    }
                    None => *unusable += 1,
                }
            }
        }
    }
    out
}

/// The canonical text of a selector input, when Cordon can normalise it.
fn usable(input: &SelectorInput) -> Option<String> {
    let found = match input {
        SelectorInput::Text(t) => cordon_core::selector::normalize(t, &Hint::default()),
        SelectorInput::Typed { kind, value, .. } => {
            cordon_core::selector::normalize(value, &Hint::kind(kind.parse().ok()?))
        }
    };
    let found = found.ok()?;
    (!found.is_empty()).then(|| {
        found
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// A bundle checked whole: the reports validated as any submission is,
/// the objects to keep, and every problem with its line and field.
#[derive(Debug, Default)]
pub struct CheckedBundle {
    pub reports: Vec<cordon_core::Report>,
    pub kept: Vec<Kept>,
    pub errors: Vec<cordon_core::ingest::LineError>,
    /// How many objects the bundle held, were rebuilt from reports, and
    /// named observables no selector could be made of.
    pub objects: usize,
    pub rebuilt: usize,
    pub unusable_observables: usize,
    /// See [`Imported::listed`].
    pub listed: Vec<(String, String)>,
    /// When nothing is in error: each report's owning agency as its Cordon
    /// extension names it, in the order of `reports`.
    pub owners: Vec<Option<String>>,
}

/// Reads a bundle and validates every report in it exactly as a submitted
/// report is validated: the one import path of the CLI and of TAXII.
pub fn check_bundle(
    text: &str,
    options: &ImportOptions,
    now: chrono::DateTime<chrono::Utc>,
) -> CheckedBundle {
    check(import_bundle(text, options), now)
}

/// [`check_bundle`] for the objects of a TAXII envelope.
pub fn check_envelope(
    text: &str,
    options: &ImportOptions,
    now: chrono::DateTime<chrono::Utc>,
) -> CheckedBundle {
    check(import_envelope(text, options), now)
}

fn check(
    imported: Result<Imported, ImportError>,
    now: chrono::DateTime<chrono::Utc>,
) -> CheckedBundle {
    use cordon_core::ingest::LineError;
    let imported = match imported {
        Ok(i) => i,
        Err(e) => {
            return CheckedBundle {
                errors: vec![LineError {
                    line: e.line as u64,
                    field: Some(e.field),
                    message: e.message,
                }],
                ..CheckedBundle::default()
            };
        }
    };
    let mut out = CheckedBundle {
        objects: imported.objects,
        rebuilt: imported.rebuilt,
        unusable_observables: imported.unusable_observables,
        kept: imported.kept,
        listed: imported.listed,
        ..CheckedBundle::default()
    };
    // Validation is most of the work: on every core, in bundle order.
    let (reports, errors) = cordon_core::ingest::check_parallel(&imported.reports, |r| {
        r.submission.validate(now).map_err(|e| LineError {
            line: r.line as u64,
            field: Some(format!(
                "objects[{}] ({}): {}",
                r.index,
                report_source(r),
                e.field
            )),
            message: e.message,
        })
    });
    out.reports = reports;
    if errors.is_empty() {
        out.owners = imported.reports.into_iter().map(|r| r.agency).collect();
    }
    out.errors.extend(errors);
    out
}

fn report_source(r: &ImportedReport) -> &str {
    r.submission.id.as_deref().unwrap_or("report")
}
