//! The CSV import of reports (`cordon import`, the API's file upload).
#![no_main]

use chrono::{TimeZone, Utc};
use cordon_core::ingest::csv::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    if let Err(e) = validate(data, now) {
        assert!(e.line >= 1, "a line error names line {}", e.line);
    }
});
