//! Checking a report file before any write: the format by extension (and,
//! for `.json`, by content), the checking itself in `cordon_core::ingest`
//! and `cordon_interop`.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use cordon_core::ingest::{self, Checked, LineError};
use cordon_interop::misp::{self, feed};
use cordon_interop::stix::{self, ImportOptions};
use cordon_store::NewStixObject;

use super::sniff::{self, JsonKind};

/// The formats a report file may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonLines,
    Csv,
    StixBundle,
    MispEvents,
    /// A MISP feed, named by its `manifest.json`.
    MispFeed,
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    if is_feed_manifest(path) {
        return Ok(Format::MispFeed);
    }
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jsonl" | "ndjson") => Ok(Format::JsonLines),
        Some("json") => Ok(match sniff::sniff(path)? {
            JsonKind::Reports => Format::JsonLines,
            JsonKind::StixBundle => Format::StixBundle,
            JsonKind::MispEvents => Format::MispEvents,
        }),
        Some("csv") => Ok(Format::Csv),
        _ => anyhow::bail!(
            "{}: unknown file type; use .jsonl (one report per line), .csv or .json (reports, a STIX 2.1 bundle or MISP events)",
            path.display()
        ),
    }
}

/// Whether a path names a MISP feed: its `manifest.json`.
pub fn is_feed_manifest(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == feed::MANIFEST)
}

/// A checked file: its reports (or its bad lines) and, for a STIX bundle,
/// the objects of other tools to keep verbatim.
#[derive(Debug, Default)]
pub struct Loaded {
    pub checked: Checked,
    pub kept: Vec<NewStixObject>,
    /// What the user should know beyond counts (unusable observables).
    pub notes: Vec<String>,
    /// For a job of several files (a MISP feed): the file of each error in
    /// `checked.errors`, in order. Empty when the job is one file.
    pub error_files: Vec<PathBuf>,
}

impl Loaded {
    /// Each error as `FILE:LINE: field: message`, `path` being the job's.
    pub fn error_lines<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = String> + 'a {
        self.checked.errors.iter().enumerate().map(move |(i, e)| {
            let file = self.error_files.get(i).map_or(path, PathBuf::as_path);
            format!("{}:{e}", file.display())
        })
    }
}

/// Checks every line of a report file. IO problems are errors; bad lines are
/// collected in [`Checked::errors`].
pub fn validate_file(
    path: &Path,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> anyhow::Result<Loaded> {
    let format = format_of(path)?;
    if format == Format::MispFeed {
        return validate_feed(path, options, now);
    }
    if format == Format::MispEvents {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let events = misp::check_events(&text, options, now);
        return Ok(Loaded {
            notes: if events.errors.is_empty() {
                misp_notes(&events, events.reports.len())
            } else {
                Vec::new()
            },
            checked: Checked {
                lines: text.lines().count() as u64,
                reports: events.reports,
                errors: events.errors,
            },
            ..Loaded::default()
        });
    }
    if format == Format::StixBundle {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let bundle = stix::check_bundle(&text, options, now);
        let mut notes = vec![format!(
            "{} STIX objects: {} reports, {} kept verbatim, {} of Cordon's own rebuilt",
            bundle.objects,
            bundle.reports.len(),
            bundle.kept.len(),
            bundle.rebuilt
        )];
        if bundle.unusable_observables > 0 {
            notes.push(format!(
                "{} observables are not selectors Cordon can match (CIDR ranges, malformed numbers, or past {} per report); their objects are kept verbatim",
                bundle.unusable_observables,
                cordon_core::report::MAX_SELECTORS
            ));
        }
        return Ok(Loaded {
            checked: Checked {
                lines: text.lines().count() as u64,
                reports: bundle.reports,
                errors: bundle.errors,
            },
            kept: bundle.kept.into_iter().map(NewStixObject::from).collect(),
            notes,
            error_files: Vec::new(),
        });
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let checked = match format {
        Format::JsonLines => {
            ingest::validate_json_lines(BufReader::with_capacity(1 << 20, file), now)
        }
        Format::Csv => ingest::csv::validate(file, now),
        Format::StixBundle | Format::MispEvents | Format::MispFeed => {
            unreachable!("handled above")
        }
    };
    checked
        .map(|checked| Loaded {
            checked,
            ..Loaded::default()
        })
        .map_err(|e| anyhow::anyhow!("{}: line {e}", path.display()))
}

/// What an import of MISP events should tell beyond the report count.
fn misp_notes(events: &misp::CheckedEvents, reports: usize) -> Vec<String> {
    let mut notes = vec![format!(
        "{} MISP events: {} reports, {} attributes, {} sightings of {} attributes",
        events.events,
        reports,
        events.attributes,
        events.sightings.sightings,
        events.sightings.attributes,
    )];
    if events.unusable > 0 {
        notes.push(format!(
            "{} attribute values are not selectors Cordon can match (malformed numbers, chains Cordon does not know such as Monero, or past {} per report); they are left out",
            events.unusable,
            cordon_core::report::MAX_SELECTORS
        ));
    }
    notes
}

/// Checks a MISP feed whole: every event its manifest lists, each file
/// holding the event the manifest names. Files the manifest does not list
/// are not read.
fn validate_feed(
    manifest: &Path,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> anyhow::Result<Loaded> {
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(manifest).with_context(|| {
        format!(
            "cannot read {}: a MISP feed directory holds manifest.json and one <uuid>.json per event",
            manifest.display()
        )
    })?;
    let mut loaded = Loaded::default();
    let uuids = match feed::read_manifest(&text) {
        Ok(u) => u,
        Err(e) => {
            loaded.checked.errors.push(LineError {
                line: e.line as u64,
                field: None,
                message: e.message,
            });
            loaded.error_files.push(manifest.to_path_buf());
            return Ok(loaded);
        }
    };
    let mut total = misp::CheckedEvents::default();
    for uuid in &uuids {
        let file = dir.join(feed::event_file(uuid));
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                loaded.checked.errors.push(LineError {
                    line: 1,
                    field: None,
                    message: format!("listed in manifest.json but cannot be read: {e}"),
                });
                loaded.error_files.push(file);
                continue;
            }
        };
        let checked = feed::check_event_file(uuid, &text, options, now);
        loaded.checked.lines += text.lines().count() as u64;
        for e in checked.errors {
            loaded.checked.errors.push(e);
            loaded.error_files.push(file.clone());
        }
        loaded.checked.reports.extend(checked.reports);
        total.events += checked.events;
        total.attributes += checked.attributes;
        total.unusable += checked.unusable;
        total.sightings.sightings += checked.sightings.sightings;
        total.sightings.false_positives += checked.sightings.false_positives;
        total.sightings.attributes += checked.sightings.attributes;
    }
    if loaded.checked.errors.is_empty() {
        loaded.notes = misp_notes(&total, loaded.checked.reports.len());
    }
    Ok(loaded)
}
