//! Times as explorers and banks write them, read as UTC.
//!
//! Accepted (docs/FLOWS.md, "Times"): RFC 3339 (`2026-01-02T03:04:05Z`,
//! any offset); `2026-01-02 03:04:05` and `2026-01-02T03:04:05` with an
//! optional fraction and an optional ` UTC`, read as UTC (Etherscan's
//! "DateTime (UTC)", Blockchair's `time`); a date alone, `2026-01-02` or
//! the European `02.01.2026`, read as midnight UTC; Unix time as digits,
//! in seconds up to 11 digits and in milliseconds from 12 (Tron's
//! `block_timestamp`). Slashed dates (`01/02/2026`) are refused: day/month
//! and month/day cannot be told apart.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Reads one time.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the time is empty".into());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t
            .parse()
            .map_err(|_| format!("unix time {t:?} is out of range"))?;
        let time = if t.len() >= 12 {
            DateTime::from_timestamp_millis(n)
        } else {
            DateTime::from_timestamp(n, 0)
        };
        return time.ok_or_else(|| format!("unix time {t:?} is out of range"));
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(t) {
        return Ok(time.with_timezone(&Utc));
    }
    let naive = t
        .strip_suffix("UTC")
        .or_else(|| t.strip_suffix("Z"))
        .unwrap_or(t)
        .trim();
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(naive, format) {
            return Ok(Utc.from_utc_datetime(&time));
        }
    }
    for format in ["%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(naive, format) {
            return Ok(Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN)));
        }
    }
    if t.contains('/') {
        return Err(format!(
            "date {t:?} is ambiguous (day/month or month/day); export ISO dates such as 2026-01-31"
        ));
    }
    Err(format!(
        "{t:?} is not a time; write 2026-01-31T10:00:00Z, 2026-01-31 10:00:00 (UTC), 2026-01-31, 31.01.2026 or unix seconds"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn explorer_and_bank_times_read_as_utc() {
        for (text, want) in [
            ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"),
            ("2026-01-02T10:04:05+07:00", "2026-01-02T03:04:05Z"),
            ("2026-01-02 03:04:05", "2026-01-02T03:04:05Z"),
            ("2026-01-02 03:04:05 UTC", "2026-01-02T03:04:05Z"),
            ("2026-01-02T03:04:05", "2026-01-02T03:04:05Z"),
            ("2026-01-02 03:04", "2026-01-02T03:04:00Z"),
            ("2026-01-02", "2026-01-02T00:00:00Z"),
            ("02.01.2026", "2026-01-02T00:00:00Z"),
            ("1767323045", "2026-01-02T03:04:05Z"),
            ("1767323045000", "2026-01-02T03:04:05Z"),
        ] {
            assert_eq!(parse_time(text), Ok(utc(want)), "{text}");
        }
    }

    #[test]
    fn ambiguous_and_bad_times_say_why() {
        assert!(parse_time("01/02/2026").unwrap_err().contains("ambiguous"));
        assert!(parse_time("yesterday").unwrap_err().contains("not a time"));
        assert!(parse_time("").unwrap_err().contains("empty"));
        assert!(parse_time("2026-02-30").is_err());
        assert!(parse_time("99999999999999999999").is_err());
    }
}
