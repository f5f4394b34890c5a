//! The JSON-lines import of reports (`cordon import`, the API's batches).
#![no_main]

use chrono::{TimeZone, Utc};
use cordon_core::ingest::validate_json_lines;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    if let Err(e) = validate_json_lines(data, now) {
        assert!(e.line >= 1, "a line error names line {}", e.line);
    }
});
