//! Checking a report file before any write: the format by extension, the
//! checking itself in `cordon_core::ingest`.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use cordon_core::ingest::{self, Checked};

/// The formats a report file may have, decided by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonLines,
    Csv,
}

fn format_of(path: &Path) -> anyhow::Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jsonl" | "ndjson" | "json") => Ok(Format::JsonLines),
        Some("csv") => Ok(Format::Csv),
        _ => anyhow::bail!(
            "{}: unknown file type; use .jsonl (one report per line) or .csv",
            path.display()
        ),
    }
}

/// Checks every line of a report file. IO problems are errors; bad lines are
/// collected in [`Checked::errors`].
pub fn validate_file(path: &Path, now: DateTime<Utc>) -> anyhow::Result<Checked> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let checked = match format_of(path)? {
        Format::JsonLines => {
            ingest::validate_json_lines(BufReader::with_capacity(1 << 20, file), now)
        }
        Format::Csv => ingest::csv::validate(file, now),
    };
    checked.map_err(|e| anyhow::anyhow!("{}: line {e}", path.display()))
}
