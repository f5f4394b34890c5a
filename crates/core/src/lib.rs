//! Cordon's domain core: selectors, markings, grading, reports and the
//! modus-operandi taxonomy.
//!
//! Architecture invariant: this crate does no IO and knows no HTTP or SQL.
//! Every function that takes outside input returns a typed error that says
//! what was wrong, and the same input gives the same output on every platform.

pub mod agency;
pub mod country;
pub mod grading;
pub mod ingest;
pub mod marking;
pub mod mo;
pub mod report;
pub mod selector;

pub use grading::Grading;
pub use marking::{Marking, Tlp};
pub use report::{Report, ReportError, ReportKind, ReportSubmission};
pub use selector::{Found, Hint, Selector, SelectorError, SelectorKind};
