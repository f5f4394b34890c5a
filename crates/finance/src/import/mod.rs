//! Importing flows: Cordon's own JSON lines, and the CSV exports of block
//! explorers and banks (docs/FLOWS.md lists every format and column).
//!
//! A file is all or nothing, like `cordon import` of reports: every line is
//! checked, and a file with any bad line imports nothing; the answer is
//! every bad line with its number and the field (column or JSON path) at
//! fault. Lines that are fine but move nothing (a zero-value transfer, a
//! failed transaction) are left out on purpose and listed as skipped, so
//! that a count never silently differs. Amounts are exact decimals,
//! addresses canonical selectors, and every flow passes [`Flow::check`].
//!
//! [`Flow::check`]: crate::flow::Flow::check

pub mod address;
pub mod amount;
pub mod csv;
pub mod jsonl;
pub mod time;

use std::fmt;

pub use cordon_core::ingest::LineError;

/// What a file held: every item, and the lines left out on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported<T> {
    /// Lines read, the header and blank lines included.
    pub lines: u64,
    pub items: Vec<T>,
    pub skipped: Vec<Skipped>,
}

impl<T> Default for Imported<T> {
    fn default() -> Self {
        Imported {
            lines: 0,
            items: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

/// A line read and left out on purpose, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: u64,
    pub reason: String,
}

/// Why a file imported nothing: every bad line, in line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub errors: Vec<LineError>,
}

impl Rejected {
    pub(crate) fn one(line: u64, field: Option<&str>, message: impl Into<String>) -> Rejected {
        Rejected {
            errors: vec![line_error(line, field, message)],
        }
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bad line(s), nothing imported", self.errors.len())?;
        for e in &self.errors {
            write!(f, "\nline {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejected {}

fn line_error(line: u64, field: Option<&str>, message: impl Into<String>) -> LineError {
    LineError {
        line,
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

/// The result of a whole file: its items, or every error and nothing else.
fn finish<T>(imported: Imported<T>, mut errors: Vec<LineError>) -> Result<Imported<T>, Rejected> {
    if errors.is_empty() {
        Ok(imported)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(Rejected { errors })
    }
}
