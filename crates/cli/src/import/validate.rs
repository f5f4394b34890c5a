//! Checking a report file before any write: the format by extension (and,
//! for `.json`, by content), the checking itself in `cordon_core::ingest`
//! and `cordon_interop`.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use cordon_core::ingest::{self, Checked};
use cordon_interop::stix::{self, ImportOptions};
use cordon_store::NewStixObject;

/// The formats a report file may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonLines,
    Csv,
    StixBundle,
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jsonl" | "ndjson") => Ok(Format::JsonLines),
        Some("json") if is_stix_bundle(path)? => Ok(Format::StixBundle),
        Some("json") => Ok(Format::JsonLines),
        Some("csv") => Ok(Format::Csv),
        _ => anyhow::bail!(
            "{}: unknown file type; use .jsonl (one report per line), .csv or .json (reports, or a STIX 2.1 bundle)",
            path.display()
        ),
    }
}

/// Whether a `.json` file is one STIX bundle rather than reports: its
/// first JSON value is an object whose `type` is `bundle`.
fn is_stix_bundle(path: &Path) -> anyhow::Result<bool> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut values =
        serde_json::Deserializer::from_reader(BufReader::new(file)).into_iter::<Head>();
    Ok(matches!(values.next(), Some(Ok(Head { kind: Some(k) })) if k == "bundle"))
}

/// A checked file: its reports (or its bad lines) and, for a STIX bundle,
/// the objects of other tools to keep verbatim.
#[derive(Debug, Default)]
pub struct Loaded {
    pub checked: Checked,
    pub kept: Vec<NewStixObject>,
    /// What the user should know beyond counts (unusable observables).
    pub notes: Vec<String>,
}

/// Checks every line of a report file. IO problems are errors; bad lines are
/// collected in [`Checked::errors`].
pub fn validate_file(
    path: &Path,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> anyhow::Result<Loaded> {
    let format = format_of(path)?;
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
            kept: bundle
                .kept
                .into_iter()
                .map(|k| NewStixObject {
                    id: k.id,
                    version: k.version,
                    spec_version: k.spec_version,
                    marking: k.marking,
                    json: k.json,
                })
                .collect(),
            notes,
        });
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let checked = match format {
        Format::JsonLines => {
            ingest::validate_json_lines(BufReader::with_capacity(1 << 20, file), now)
        }
        Format::Csv => ingest::csv::validate(file, now),
        Format::StixBundle => unreachable!("handled above"),
    };
    checked
        .map(|checked| Loaded {
            checked,
            ..Loaded::default()
        })
        .map_err(|e| anyhow::anyhow!("{}: line {e}", path.display()))
}
