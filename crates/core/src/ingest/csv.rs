//! Reports from CSV: one report per row under a header row.
//!
//! Columns (any order; only `kind`, `country` and one of `narrative` or
//! `selectors` are required): `id`, `kind`, `received`, `country`,
//! `language`, `tlp`, `recipients`, `hit_notification`, `grading`, `mo`,
//! `narrative`, `selectors`, `losses`, `lat`, `lon`, `place`. List columns
//! (`recipients`, `mo`, `selectors`, `losses`) separate items with `;`; a
//! loss is `AMOUNT CURRENCY`. An unknown column is an error, so that a
//! misspelt header never drops data silently.

use std::io::Read;

use crate::report::{Location, Loss, SelectorInput};
use crate::{Marking, ReportSubmission, Tlp};
use chrono::{DateTime, Utc};

use super::{Checked, LineError, check_parallel, check_submission};

const COLUMNS: [&str; 16] = [
    "id",
    "kind",
    "received",
    "country",
    "language",
    "tlp",
    "recipients",
    "hit_notification",
    "grading",
    "mo",
    "narrative",
    "selectors",
    "losses",
    "lat",
    "lon",
    "place",
];

/// Checks every row of a CSV report file.
pub fn validate(input: impl Read, now: DateTime<Utc>) -> Result<Checked, LineError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| LineError {
            line: 1,
            field: None,
            message: format!("cannot read the csv header: {e}"),
        })?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut checked = Checked::default();
    for h in &header {
        if !COLUMNS.contains(&h.as_str()) {
            checked.errors.push(LineError {
                line: 1,
                field: Some(h.clone()),
                message: format!(
                    "unknown column '{h}'; known columns: {}",
                    COLUMNS.join(", ")
                ),
            });
        }
    }
    if !checked.errors.is_empty() {
        checked.lines = 1;
        return Ok(checked);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                checked.lines = checked.lines.max(line);
                rows.push((line, r));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                checked.errors.push(LineError {
                    line,
                    field: None,
                    message: format!("not a csv row: {e}"),
                });
            }
        }
    }
    let (reports, errors) = check_parallel(&rows, |(line, record)| {
        let submission = submission_of(&header, record).map_err(|(field, message)| LineError {
            line: *line,
            field: Some(field),
            message,
        })?;
        check_submission(*line, &submission, now)
    });
    checked.reports = reports;
    checked.errors.extend(errors);
    checked.errors.sort_by_key(|e| e.line);
    Ok(checked)
}

/// Builds a submission from one row; errors name the column.
fn submission_of(
    header: &[String],
    record: &csv::StringRecord,
) -> Result<ReportSubmission, (String, String)> {
    let mut s = ReportSubmission::default();
    let mut marking: Option<Marking> = None;
    let (mut lat, mut lon, mut place) = (None, None, None);
    for (name, value) in header.iter().zip(record.iter()) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let owned = Some(value.to_owned());
        match name.as_str() {
            "id" => s.id = owned,
            "kind" => s.kind = owned,
            "received" => s.received = owned,
            "country" => s.country = owned,
            "language" => s.language = owned,
            "grading" => s.grading = owned,
            "narrative" => s.narrative = owned,
            "tlp" => {
                let tlp: Tlp = value
                    .parse()
                    .map_err(|e: crate::marking::TlpError| (name.clone(), e.to_string()))?;
                marking.get_or_insert_with(Marking::default).tlp = tlp;
            }
            "recipients" => marking.get_or_insert_with(Marking::default).recipients = list(value),
            "hit_notification" => {
                marking
                    .get_or_insert_with(Marking::default)
                    .hit_notification = match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => return Err((name.clone(), format!("'{value}' is not true or false"))),
                }
            }
            "mo" => s.mo = list(value),
            "selectors" => s.selectors = list(value).into_iter().map(SelectorInput::Text).collect(),
            "losses" => {
                s.losses = list(value)
                    .into_iter()
                    .map(|loss| {
                        let (amount, currency) =
                            loss.split_once(char::is_whitespace).ok_or_else(|| {
                                (
                                    name.clone(),
                                    format!(
                                        "loss '{loss}' is not 'AMOUNT CURRENCY' like '15000 USDT'"
                                    ),
                                )
                            })?;
                        Ok(Loss {
                            amount: amount.trim().to_owned(),
                            currency: currency.trim().to_owned(),
                        })
                    })
                    .collect::<Result<_, (String, String)>>()?
            }
            "lat" => lat = Some(number(name, value)?),
            "lon" => lon = Some(number(name, value)?),
            "place" => place = owned,
            other => return Err((other.to_owned(), format!("unknown column '{other}'"))),
        }
    }
    s.marking = marking;
    s.location = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(Location { lat, lon, place }),
        (None, None) => None,
        _ => return Err(("lat".into(), "give both lat and lon, or neither".into())),
    };
    Ok(s)
}

fn list(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn number(name: &str, value: &str) -> Result<f64, (String, String)> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| (name.to_owned(), format!("'{value}' is not a number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn reads_rows_into_reports() {
        let csv = "id,kind,country,tlp,recipients,mo,selectors,losses,lat,lon,place,narrative\n\
            gb-1,fraud_complaint,GB,RED,KH-NCB/sokha;TH-DSI/somchai,investment;channel:telegram,+855 12 345 678;hxxps://trade-usdt[.]vip,15000 USDT;200 GBP,16.69,98.51,Myawaddy,\"she said \"\"invest\"\"\"\n";
        let checked = validate(csv.as_bytes(), now()).unwrap();
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
        let r = &checked.reports[0];
        assert_eq!(r.id, "gb-1");
        assert_eq!(r.marking.tlp, Tlp::Red);
        assert_eq!(r.marking.recipients, vec!["KH-NCB/sokha", "TH-DSI/somchai"]);
        assert_eq!(r.mo, vec!["channel:telegram", "investment"]);
        assert_eq!(r.losses.len(), 2);
        assert_eq!(
            r.location.as_ref().unwrap().place.as_deref(),
            Some("Myawaddy")
        );
        let sels: Vec<&str> = r.selectors.iter().map(|s| s.as_str()).collect();
        assert!(sels.contains(&"phone:+85512345678"));
        assert!(sels.contains(&"domain:trade-usdt.vip"));
    }

    #[test]
    fn names_line_and_column_of_each_bad_row() {
        let csv = "kind,country,tlp,narrative,lat\n\
            tip,GB,GREEN,fine,\n\
            tip,GB,PURPLE,bad tlp,\n\
            tip,XXX,GREEN,bad country,\n\
            tip,GB,GREEN,bad lat,north\n";
        let checked = validate(csv.as_bytes(), now()).unwrap();
        assert_eq!(checked.reports.len(), 1);
        let got: Vec<(u64, &str)> = checked
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_deref().unwrap()))
            .collect();
        assert_eq!(got, vec![(3, "tlp"), (4, "country"), (5, "lat")]);
    }

    #[test]
    fn an_unknown_column_is_an_error_on_line_one() {
        let checked = validate("kind,country,narative\ntip,GB,x\n".as_bytes(), now()).unwrap();
        assert_eq!(checked.errors.len(), 1);
        assert_eq!(checked.errors[0].line, 1);
        assert_eq!(checked.errors[0].field.as_deref(), Some("narative"));
        assert!(checked.reports.is_empty());
    }
}
