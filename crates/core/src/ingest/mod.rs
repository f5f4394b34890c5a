//! Report files as agencies send them: JSON lines and CSV, checked line by
//! line (every bad line reported with its number and field) before anything
//! is written. Shared by `cordon import` and the server's uploads; reading
//! files from disk stays with the caller.

pub mod csv;

use std::fmt;
use std::io::BufRead;

use chrono::{DateTime, Utc};

use crate::{Report, ReportSubmission};

/// Lines read and checked together; bounds the raw text held in memory.
const BLOCK: usize = 65_536;

/// A bad line: its number (1-based), the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {field}: {}", self.line, self.message),
            None => write!(f, "{}: {}", self.line, self.message),
        }
    }
}

/// The outcome of checking one file.
#[derive(Debug, Default)]
pub struct Checked {
    pub lines: u64,
    pub reports: Vec<Report>,
    pub errors: Vec<LineError>,
}

/// Checks JSON lines; blank lines are skipped but still counted. Lines are
/// read in blocks so that the raw text of a large file is never all in memory.
pub fn validate_json_lines(input: impl BufRead, now: DateTime<Utc>) -> Result<Checked, LineError> {
    let mut checked = Checked::default();
    let mut block: Vec<(u64, String)> = Vec::with_capacity(BLOCK);
    let flush = |block: &mut Vec<(u64, String)>, checked: &mut Checked| {
        let (reports, errors) = check_parallel(block, |(line, text)| {
            let submission: ReportSubmission =
                serde_json::from_str(text).map_err(|e| LineError {
                    line: *line,
                    field: None,
                    message: format!("not a report: {e}"),
                })?;
            check_submission(*line, &submission, now)
        });
        checked.reports.extend(reports);
        checked.errors.extend(errors);
        block.clear();
    };
    for (i, line) in input.lines().enumerate() {
        let number = i as u64 + 1;
        let line = line.map_err(|e| LineError {
            line: number,
            field: None,
            message: format!("cannot read this line: {e}"),
        })?;
        checked.lines = number;
        if line.trim().is_empty() {
            continue;
        }
        block.push((number, line));
        if block.len() == BLOCK {
            flush(&mut block, &mut checked);
        }
    }
    flush(&mut block, &mut checked);
    Ok(checked)
}

/// Validates one submission, naming its line on failure.
pub fn check_submission(
    line: u64,
    submission: &ReportSubmission,
    now: DateTime<Utc>,
) -> Result<Report, LineError> {
    submission.validate(now).map_err(|e| LineError {
        line,
        field: Some(e.field),
        message: e.message,
    })
}

/// Builds every table and pattern that validation loads on first use
/// (phone metadata, bank registry, selector patterns, the MO taxonomy,
/// country codes) by validating one report that needs them all. A server
/// calls it before it listens, so that its first request is not the one
/// that pays (about 40 ms); it is also the check that they load.
pub fn warm_up() -> Result<Report, LineError> {
    let sample: ReportSubmission = serde_json::from_str(
        r#"{"kind": "fraud_complaint", "country": "KH", "language": "en", "grading": "B2",
            "mo": ["investment"],
            "narrative": "Recruiter @goodjob_hr on Telegram offered a job; call +855 12 345 678, pay to DE89 3704 0044 0532 0130 00 or TXyzAbcdefghijkmnopqrstuvwxyz12345 via jobs.recruit-example.vip, mail hr@recruit-example.vip",
            "selectors": ["+855 12 345 678", "DE89370400440532013000", "domain:recruit-example.vip",
                          "telegram:@goodjob_hr", "email:hr@recruit-example.vip"]}"#,
    )
    .map_err(|e| LineError {
        line: 1,
        field: None,
        message: format!("the warm-up report does not parse: {e}"),
    })?;
    check_submission(1, &sample, Utc::now())
}

/// Runs `check` over `items` on every core, keeping input order.
pub fn check_parallel<T: Sync>(
    items: &[T],
    check: impl Fn(&T) -> Result<Report, LineError> + Sync,
) -> (Vec<Report>, Vec<LineError>) {
    let mut reports = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for item in map_parallel(items, check) {
        match item {
            Ok(report) => reports.push(report),
            Err(e) => errors.push(e),
        }
    }
    (reports, errors)
}

/// `items.iter().map(f).collect()`, on every core, in input order: one
/// contiguous share of the items per thread. For CPU-bound work on data
/// already in memory (parsing, validating); a few items run inline.
pub fn map_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads == 1 || items.len() < 64 {
        return items.iter().map(f).collect();
    }
    let per_thread = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_thread)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            out.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_warm_up_report_uses_every_kind_of_table() {
        let report = warm_up().unwrap();
        assert!(report.selectors.len() >= 5, "{:?}", report.selectors);
    }

    #[test]
    fn map_parallel_keeps_input_order_at_every_size() {
        for n in [0, 1, 63, 64, 65, 1001] {
            let items: Vec<u64> = (0..n).collect();
            let squares = map_parallel(&items, |x| x * x);
            assert_eq!(
                squares,
                items.iter().map(|x| x * x).collect::<Vec<_>>(),
                "{n}"
            );
        }
    }

    #[test]
    fn reports_every_bad_line_by_number_and_field() {
        let input = concat!(
            r#"{"kind":"tip","country":"GB","narrative":"ok"}"#,
            "\n",
            "\n",
            r#"{"kind":"tip","country":"GB","selectors":["+855 12 345 678","DE00 1234 5678 9012 3456 78"]}"#,
            "\n",
            "not json\n",
            r#"{"kind":"tip","country":"GB","grading":"Q9","narrative":"x"}"#,
            "\n",
        );
        let checked = validate_json_lines(input.as_bytes(), now()).unwrap();
        assert_eq!(checked.lines, 5);
        assert_eq!(checked.reports.len(), 1);
        let summary: Vec<(u64, Option<&str>)> = checked
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![(3, Some("selectors[1]")), (4, None), (5, Some("grading"))]
        );
    }

    #[test]
    fn keeps_input_order_across_many_chunks() {
        let input: String = (0..(BLOCK * 2 + 17))
            .map(|i| format!("{{\"id\":\"r{i}\",\"kind\":\"tip\",\"country\":\"GB\",\"narrative\":\"n{i}\"}}\n"))
            .collect();
        let checked = validate_json_lines(input.as_bytes(), now()).unwrap();
        assert!(checked.errors.is_empty());
        let ids: Vec<String> = checked.reports.iter().map(|r| r.id.clone()).collect();
        let want: Vec<String> = (0..(BLOCK * 2 + 17)).map(|i| format!("r{i}")).collect();
        assert_eq!(ids, want);
    }
}
