//! Cordon's own flow files: JSON lines of [`Flow`]s, and of
//! [`Conversion`]s, as serde writes them (docs/FLOWS.md).
//!
//! Fields are read one by one so that an error names its JSON path
//! (`inputs[1].amount`); an unknown field is an error, so that a misspelt
//! one never drops data. Amounts are decimal strings (a JSON number is
//! refused: it may have been a float), addresses are normalised to
//! canonical selectors on the asset's network, and every flow passes
//! [`Flow::check`]. A flow id may appear once per file.

use std::collections::HashMap;
use std::io::BufRead;

use cordon_core::ingest::map_parallel;
use cordon_core::selector::{Hint, normalize_one};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::address::normalize_address;
use super::amount::parse_amount;
use super::time::parse_time;
use super::{Imported, Rejected, finish, line_error};
use crate::asset::{Asset, Network};
use crate::flow::{Conversion, ConversionKind, Flow, Leg, LegRef};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    id: String,
    asset: String,
    time: String,
    inputs: Vec<RawLeg>,
    outputs: Vec<RawLeg>,
    #[serde(default)]
    fee: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeg {
    address: String,
    amount: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConversion {
    kind: ConversionKind,
    from: RawLegRef,
    to: RawLegRef,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    evidence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLegRef {
    flow: String,
    address: String,
}

type FieldError = (String, String);

/// Reads flows, one JSON object per line; blank lines are skipped.
pub fn flows_from_json_lines(input: impl BufRead) -> Result<Imported<Flow>, Rejected> {
    let (lines, count) = read_lines(input)?;
    let results = map_parallel(&lines, |(line, text)| {
        flow_of_line(text).map_err(|(field, message)| line_error(*line, Some(&field), message))
    });
    let mut imported = Imported {
        lines: count,
        ..Imported::default()
    };
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for ((line, _), result) in lines.iter().zip(results) {
        match result {
            Ok(flow) => {
                if let Some(first) = seen.insert(flow.id.clone(), *line) {
                    errors.push(line_error(
                        *line,
                        Some("id"),
                        format!("flow {} is already on line {first}", flow.id),
                    ));
                } else {
                    imported.items.push(flow);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    finish(imported, errors)
}

/// Reads conversions, one JSON object per line. With `flows`, each one is
/// also checked against them: the receiving leg is an output of its flow,
/// the sending leg an input of its flow, and the two flows' assets differ.
pub fn conversions_from_json_lines(
    input: impl BufRead,
    flows: Option<&[Flow]>,
) -> Result<Imported<Conversion>, Rejected> {
    let (lines, count) = read_lines(input)?;
    let by_id: Option<HashMap<&str, &Flow>> =
        flows.map(|fs| fs.iter().map(|f| (f.id.as_str(), f)).collect());
    let mut imported = Imported {
        lines: count,
        ..Imported::default()
    };
    let mut errors = Vec::new();
    for (line, text) in &lines {
        let checked = conversion_of_line(text).and_then(|c| match &by_id {
            Some(flows) => check_against(&c, flows).map(|()| c),
            None => Ok(c),
        });
        match checked {
            Ok(c) => imported.items.push(c),
            Err((field, message)) => errors.push(line_error(*line, Some(&field), message)),
        }
    }
    finish(imported, errors)
}

/// Reads attribution tags, one JSON object per line (a [`Tag`] as serde
/// writes it); each is checked and its address made canonical.
///
/// [`Tag`]: crate::tags::Tag
pub fn tags_from_json_lines(input: impl BufRead) -> Result<Imported<crate::tags::Tag>, Rejected> {
    let (lines, count) = read_lines(input)?;
    let mut imported = Imported {
        lines: count,
        ..Imported::default()
    };
    let mut errors = Vec::new();
    for (line, text) in &lines {
        let tag = serde_json::from_str::<crate::tags::Tag>(text)
            .map_err(|e| ("tag".to_owned(), format!("not a tag: {e}")))
            .and_then(|mut t| {
                t.address = crate::tags::money_selector(&t.address)
                    .map_err(|e| (e.field.clone(), e.message.clone()))?;
                t.check()
                    .map_err(|e| (e.field.clone(), e.message.clone()))?;
                Ok(t)
            });
        match tag {
            Ok(t) => imported.items.push(t),
            Err((field, message)) => errors.push(line_error(*line, Some(&field), message)),
        }
    }
    finish(imported, errors)
}

/// Numbered non-blank lines, and the count of all lines.
fn read_lines(input: impl BufRead) -> Result<(Vec<(u64, String)>, u64), Rejected> {
    let mut lines = Vec::new();
    let mut count = 0;
    for (i, line) in input.lines().enumerate() {
        let number = i as u64 + 1;
        let text =
            line.map_err(|e| Rejected::one(number, None, format!("cannot read this line: {e}")))?;
        count = number;
        if !text.trim().is_empty() {
            lines.push((number, text));
        }
    }
    Ok((lines, count))
}

fn flow_of_line(text: &str) -> Result<Flow, FieldError> {
    let raw: RawFlow =
        serde_json::from_str(text).map_err(|e| ("flow".to_owned(), format!("not a flow: {e}")))?;
    let asset = Asset::parse(&raw.asset, None).map_err(|e| ("asset".to_owned(), e.to_string()))?;
    let time = parse_time(&raw.time).map_err(|e| ("time".to_owned(), e))?;
    let inputs = legs("inputs", raw.inputs, asset.network)?;
    let outputs = legs("outputs", raw.outputs, asset.network)?;
    let fee = match raw.fee {
        None => Decimal::ZERO,
        Some(v) => json_amount(&v).map_err(|e| ("fee".to_owned(), e))?,
    };
    let flow = Flow {
        id: raw.id.trim().to_owned(),
        asset,
        time,
        inputs,
        outputs,
        fee,
    };
    flow.check().map_err(|e| (e.field, e.message))?;
    Ok(flow)
}

fn legs(side: &str, raw: Vec<RawLeg>, network: Network) -> Result<Vec<Leg>, FieldError> {
    raw.into_iter()
        .enumerate()
        .map(|(i, leg)| {
            let address = normalize_address(&leg.address, network)
                .map_err(|e| (format!("{side}[{i}].address"), e))?;
            let amount =
                json_amount(&leg.amount).map_err(|e| (format!("{side}[{i}].amount"), e))?;
            Ok(Leg { address, amount })
        })
        .collect()
}

/// An amount in Cordon's JSON: a decimal string.
fn json_amount(value: &serde_json::Value) -> Result<Decimal, String> {
    match value {
        serde_json::Value::String(s) => parse_amount(s),
        serde_json::Value::Number(n) => Err(format!(
            "amount {n} is a JSON number; write it as a decimal string, \"{n}\", so that no float rounds it"
        )),
        other => Err(format!("amount {other} is not a decimal string")),
    }
}

fn conversion_of_line(text: &str) -> Result<Conversion, FieldError> {
    let raw: RawConversion = serde_json::from_str(text)
        .map_err(|e| ("conversion".to_owned(), format!("not a conversion: {e}")))?;
    let from = leg_ref("from", raw.from)?;
    let to = leg_ref("to", raw.to)?;
    let service = match raw.service {
        Some(s) if !s.trim().is_empty() => {
            Some(money_address(&s).map_err(|e| ("service".to_owned(), e))?)
        }
        _ => None,
    };
    Ok(Conversion {
        kind: raw.kind,
        from,
        to,
        service,
        evidence: raw.evidence,
    })
}

fn leg_ref(side: &str, raw: RawLegRef) -> Result<LegRef, FieldError> {
    if raw.flow.trim().is_empty() {
        return Err((format!("{side}.flow"), "the flow id is empty".into()));
    }
    let address = money_address(&raw.address).map_err(|e| (format!("{side}.address"), e))?;
    Ok(LegRef {
        flow: raw.flow.trim().to_owned(),
        address,
    })
}

/// A canonical wallet or account selector, whatever its network.
fn money_address(text: &str) -> Result<String, String> {
    let selector = normalize_one(text, &Hint::default()).map_err(|e| format!("{text:?}: {e}"))?;
    let canonical = selector.into_string();
    if Network::of_address(&canonical).is_none() {
        return Err(format!(
            "{canonical} is not a wallet or account (btc:, eth:, trx:, iban:, bank:)"
        ));
    }
    Ok(canonical)
}

fn check_against(c: &Conversion, flows: &HashMap<&str, &Flow>) -> Result<(), FieldError> {
    let from = flows.get(c.from.flow.as_str()).ok_or_else(|| {
        (
            "from.flow".to_owned(),
            format!("no flow {} among the flows", c.from.flow),
        )
    })?;
    let to = flows.get(c.to.flow.as_str()).ok_or_else(|| {
        (
            "to.flow".to_owned(),
            format!("no flow {} among the flows", c.to.flow),
        )
    })?;
    if !from.outputs.iter().any(|l| l.address == c.from.address) {
        return Err((
            "from.address".to_owned(),
            format!("{} receives nothing in flow {}", c.from.address, from.id),
        ));
    }
    if !to.inputs.iter().any(|l| l.address == c.to.address) {
        return Err((
            "to.address".to_owned(),
            format!("{} sends nothing in flow {}", c.to.address, to.id),
        ));
    }
    if from.asset == to.asset {
        return Err((
            "to.flow".to_owned(),
            format!(
                "a conversion changes asset, but both flows move {}",
                from.asset
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    const T: &str = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";
    const U: &str = "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
    const E: &str = "eth:0x52908400098527886e0f7030069857d2e4169ee7";

    fn errors(r: Result<Imported<Flow>, Rejected>) -> Vec<(u64, String)> {
        r.unwrap_err()
            .errors
            .into_iter()
            .map(|e| (e.line, e.field.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn flows_read_with_bare_addresses_made_canonical() {
        let input = concat!(
            r#"{"id":"tx1","asset":"USDT-TRC20","time":"2026-01-02T03:04:05Z","inputs":[{"address":"TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7","amount":"1,500.25"}],"outputs":[{"address":"trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","amount":"1500.25"}]}"#,
            "\n\n",
            r#"{"id":"tx2","asset":"BTC","time":"2026-01-02 03:04:05","inputs":[{"address":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","amount":"1"}],"outputs":[{"address":"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2","amount":"0.9999"}],"fee":"0.0001"}"#,
            "\n",
        );
        let imported = flows_from_json_lines(input.as_bytes()).unwrap();
        assert_eq!(imported.lines, 3);
        assert_eq!(imported.items.len(), 2);
        let f = &imported.items[0];
        assert_eq!(f.asset.to_string(), "USDT@tron");
        assert_eq!(f.inputs[0].address, T);
        assert_eq!(f.outputs[0].address, U);
        assert_eq!(f.value(), dec!(1500.25));
        assert_eq!(imported.items[1].fee, dec!(0.0001));
    }

    #[test]
    fn every_bad_line_is_named_with_its_field_and_nothing_imported() {
        let good = format!(
            r#"{{"id":"ok","asset":"USDT@tron","time":"2026-01-02T03:04:05Z","inputs":[{{"address":"{T}","amount":"5"}}],"outputs":[{{"address":"{U}","amount":"5"}}]}}"#
        );
        let input = [
            good.clone(),
            "not json".to_owned(),
            good.replace("\"5\"}]}", "5}]}").replace("\"ok\"", "\"n\""),
            good.replace("USDT@tron", "USDT").replace("\"ok\"", "\"a\""),
            good.replace(U, E).replace("\"ok\"", "\"b\""),
            good.replace("2026-01-02T03:04:05Z", "01/02/2026")
                .replace("\"ok\"", "\"c\""),
            good.replace(
                "\"amount\":\"5\"}],\"outputs\"",
                "\"amount\":\"6\"}],\"outputs\"",
            )
            .replace("\"ok\"", "\"d\""),
            good.replace("\"inputs\"", "\"sender\":1,\"inputs\"")
                .replace("\"ok\"", "\"e\""),
            good.clone(),
            good.replace("\"5\"}],\"outputs\"", "\"1e1\"}],\"outputs\"")
                .replace("\"ok\"", "\"f\""),
        ]
        .join("\n");
        let got = errors(flows_from_json_lines(input.as_bytes()));
        assert_eq!(
            got,
            [
                (2, "flow".to_owned()),
                (3, "outputs[0].amount".to_owned()),
                (4, "asset".to_owned()),
                (5, "outputs[0].address".to_owned()),
                (6, "time".to_owned()),
                (7, "outputs[0].amount".to_owned()),
                (8, "flow".to_owned()),
                (9, "id".to_owned()),
                (10, "inputs[0].amount".to_owned()),
            ]
        );
    }

    #[test]
    fn conversions_are_checked_against_their_flows() {
        let flows = flows_from_json_lines(
            format!(
                "{}\n{}\n",
                format_args!(r#"{{"id":"in","asset":"USDT@tron","time":"2026-01-02T03:04:05Z","inputs":[{{"address":"{T}","amount":"5"}}],"outputs":[{{"address":"{U}","amount":"5"}}]}}"#),
                format_args!(r#"{{"id":"out","asset":"USDT@ethereum","time":"2026-01-02T04:04:05Z","inputs":[{{"address":"{E}","amount":"5"}}],"outputs":[{{"address":"eth:0x0000000000000000000000000000000000000001","amount":"5"}}]}}"#),
            )
            .as_bytes(),
        )
        .unwrap()
        .items;
        let ok = format!(
            r#"{{"kind":"bridge","from":{{"flow":"in","address":"{U}"}},"to":{{"flow":"out","address":"0x52908400098527886E0F7030069857D2E4169EE7"}},"evidence":"bridge event"}}"#
        );
        let c = conversions_from_json_lines(ok.as_bytes(), Some(&flows)).unwrap();
        assert_eq!(c.items[0].to.address, E);
        assert_eq!(c.items[0].kind, ConversionKind::Bridge);
        let bad = [
            ok.replace("\"in\"", "\"nope\""),
            ok.replace(
                &format!("\"flow\":\"in\",\"address\":\"{U}\""),
                &format!("\"flow\":\"in\",\"address\":\"{T}\""),
            ),
            ok.replace("bridge\"", "teleport\""),
            ok.replace("\"out\"", "\"in\""),
            ok.replace("bridge event", "x\",\"service\":\"phone:+85512345678"),
        ]
        .join("\n");
        let err = conversions_from_json_lines(bad.as_bytes(), Some(&flows)).unwrap_err();
        let got: Vec<(u64, Option<&str>)> = err
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (1, Some("from.flow")),
                (2, Some("from.address")),
                (3, Some("conversion")),
                (4, Some("to.address")),
                (5, Some("service")),
            ],
            "{err}"
        );
    }

    fn arb_flow() -> impl Strategy<Value = Flow> {
        let addresses = prop::sample::select(vec![T, U]);
        (
            "[a-f0-9]{8,64}",
            addresses.clone(),
            addresses,
            1u64..1_000_000_000_000,
            0u32..12,
            0i64..2_000_000_000,
        )
            .prop_map(|(id, from, to, units, scale, secs)| {
                let amount = Decimal::from_i128_with_scale(units as i128, scale).normalize();
                Flow {
                    id,
                    asset: "USDT@tron".parse().unwrap(),
                    time: chrono::DateTime::from_timestamp(secs, 0).unwrap(),
                    inputs: vec![Leg {
                        address: from.to_owned(),
                        amount,
                    }],
                    outputs: vec![Leg {
                        address: to.to_owned(),
                        amount,
                    }],
                    fee: Decimal::ZERO,
                }
            })
    }

    proptest! {
        /// A flow written as a JSON line reads back equal.
        #[test]
        fn a_flow_written_reads_back_equal(flows in prop::collection::vec(arb_flow(), 1..8)) {
            let mut flows = flows;
            for (i, f) in flows.iter_mut().enumerate() {
                f.id = format!("{}:{i}", f.id);
            }
            let text: String = flows
                .iter()
                .map(|f| serde_json::to_string(f).unwrap() + "\n")
                .collect();
            let back = flows_from_json_lines(text.as_bytes()).unwrap();
            prop_assert_eq!(back.items, flows);
        }

        #[test]
        fn never_panics_on_any_line(s in "\\PC{0,200}") {
            let _ = flows_from_json_lines(s.as_bytes());
            let _ = conversions_from_json_lines(s.as_bytes(), Some(&[]));
        }
    }
}

#[cfg(test)]
mod tag_lines {
    use super::*;

    #[test]
    fn tags_read_one_per_line_and_bad_lines_are_named() {
        let good = r#"{"address":"TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS","label":"Big Exchange","category":"exchange","source":"sim","confidence":90}"#;
        let read = tags_from_json_lines(good.as_bytes()).unwrap();
        assert_eq!(read.items.len(), 1);
        assert_eq!(
            read.items[0].address,
            "trx:TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS"
        );
        let bad = format!(
            "{good}\n{{\"address\":\"nowhere\",\"label\":\"x\",\"category\":\"exchange\",\"source\":\"s\",\"confidence\":1}}"
        );
        let refused = tags_from_json_lines(bad.as_bytes()).unwrap_err();
        assert_eq!(refused.errors.len(), 1);
        assert_eq!(refused.errors[0].line, 2);
    }
}
