//! `cordon normalize`: bulk cleaning of selectors, one JSON line per input line.
//!
//! A line is first taken whole as one selector (of `--kind` when given).
//! When that fails and no kind was forced, the selectors found inside the
//! line as free text are reported instead; when there are none, the error of
//! the whole-line attempt is reported, so that a user learns why their input
//! was not understood (FORMATS.md "`cordon normalize` output").

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use cordon_core::selector::{self, Region};
use cordon_core::{Hint, SelectorError, SelectorKind};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Region (ISO 3166-1 alpha-2) for national phone numbers and accounts.
    #[arg(long)]
    region: Option<String>,
    /// Treat every line as this kind of selector (phone, email, domain, url,
    /// ip, crypto, iban, bank, handle, passport, hash, name, company).
    #[arg(long)]
    kind: Option<String>,
    /// Each line is `REGION<TAB>INPUT`: the region applies to that line only
    /// (for mixed-country exports).
    #[arg(long)]
    region_column: bool,
}

#[derive(Serialize)]
struct Line<'a> {
    input: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    selectors: Option<Vec<cordon_core::Found>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody<'a>>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: &'a str,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let hint = Hint {
        kind: args
            .kind
            .as_deref()
            .map(str::parse::<SelectorKind>)
            .transpose()
            .context("--kind")?,
        region: args
            .region
            .as_deref()
            .map(str::parse::<Region>)
            .transpose()
            .context("--region")?,
    };
    let stdin = io::stdin().lock();
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    normalize_lines(stdin, &mut out, &hint, args.region_column)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Normalises every line of `input` to `out`; generic so tests can drive it.
fn normalize_lines(
    input: impl BufRead,
    out: &mut impl Write,
    hint: &Hint,
    region_column: bool,
) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    for (number, line) in input.split(b'\n').enumerate() {
        let line = line.context("reading stdin")?;
        let text = String::from_utf8_lossy(&line);
        let mut text = text.strip_suffix('\r').unwrap_or(&text);
        let mut line_hint = *hint;
        if region_column {
            let (region, rest) = text.split_once('\t').with_context(|| {
                format!(
                    "line {}: expected REGION<TAB>INPUT with --region-column",
                    number + 1
                )
            })?;
            if !region.trim().is_empty() {
                line_hint.region = Some(
                    region
                        .parse()
                        .with_context(|| format!("line {}: region column", number + 1))?,
                );
            }
            text = rest;
        }
        let result = normalize_line(text, &line_hint);
        let record = match &result {
            Ok(found) => Line {
                input: text,
                selectors: Some(found.clone()),
                error: None,
            },
            Err(e) => Line {
                input: text,
                selectors: None,
                error: Some(ErrorBody {
                    code: e.code.as_str(),
                    message: &e.message,
                }),
            },
        };
        buf.clear();
        serde_json::to_writer(&mut buf, &record)?;
        buf.push(b'\n');
        out.write_all(&buf)?;
    }
    Ok(())
}

fn normalize_line(text: &str, hint: &Hint) -> Result<Vec<cordon_core::Found>, SelectorError> {
    let start = text.len() - text.trim_start().len();
    let end = start + text.trim().len();
    match selector::normalize(text, hint) {
        Ok(selectors) => Ok(selectors
            .into_iter()
            .map(|selector| cordon_core::Found {
                selector,
                span: [start, end],
            })
            .collect()),
        Err(e) if hint.kind.is_none() => {
            let found = selector::extract(text, hint);
            if found.is_empty() { Err(e) } else { Ok(found) }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(input: &str, hint: &Hint) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        normalize_lines(input.as_bytes(), &mut out, hint, false).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn matches_the_formats_examples() {
        let lines = run_on("call +855 12 345 678\nDE00 1234\n", &Hint::default());
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            serde_json::json!({"input": "call +855 12 345 678", "selectors": [{"selector": "phone:+85512345678", "span": [5, 20]}]})
        );
        assert_eq!(lines[1]["input"], "DE00 1234");
        assert!(
            lines[1]["error"]["code"]
                .as_str()
                .unwrap()
                .starts_with("invalid_")
                || lines[1]["error"]["code"] == "unrecognized"
        );
    }

    #[test]
    fn a_url_line_yields_url_and_domain_over_the_whole_line() {
        let lines = run_on(
            "  hxxps://trade-usdt[.]vip/login?utm_source=x  ",
            &Hint::default(),
        );
        let sels: Vec<&str> = lines[0]["selectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["selector"].as_str().unwrap())
            .collect();
        assert_eq!(
            sels,
            vec!["url:https://trade-usdt.vip/login", "domain:trade-usdt.vip"]
        );
        assert_eq!(lines[0]["selectors"][0]["span"], serde_json::json!([2, 45]));
    }

    #[test]
    fn a_forced_kind_reports_that_kinds_error() {
        let hint = Hint {
            kind: Some(SelectorKind::Phone),
            region: Some("KH".parse().unwrap()),
        };
        let lines = run_on("012 345 678\nnot a phone\n", &hint);
        assert_eq!(lines[0]["selectors"][0]["selector"], "phone:+85512345678");
        assert_eq!(lines[1]["error"]["code"], "invalid_phone");
    }

    #[test]
    fn the_region_column_applies_per_line() {
        let mut out = Vec::new();
        normalize_lines(
            "KH\t012 345 678\nTH\t081 234 5678\n".as_bytes(),
            &mut out,
            &Hint::kind(SelectorKind::Phone),
            true,
        )
        .unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["input"], "012 345 678");
        assert_eq!(lines[0]["selectors"][0]["selector"], "phone:+85512345678");
        assert_eq!(lines[1]["selectors"][0]["selector"], "phone:+66812345678");
        let mut out = Vec::new();
        let err = normalize_lines("no tab here\n".as_bytes(), &mut out, &Hint::default(), true)
            .unwrap_err();
        assert!(format!("{err:#}").contains("line 1"));
    }

    #[test]
    fn every_line_gets_exactly_one_output_line_in_order() {
        let input = "a\n\nb\r\n+44 20 7946 0958\n";
        let lines = run_on(input, &Hint::default());
        let inputs: Vec<&str> = lines.iter().map(|l| l["input"].as_str().unwrap()).collect();
        assert_eq!(inputs, vec!["a", "", "b", "+44 20 7946 0958"]);
        assert_eq!(lines[1]["error"]["code"], "empty");
    }
}
