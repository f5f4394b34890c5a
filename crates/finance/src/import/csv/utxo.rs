//! Bitcoin transactions as rows, one per input or output (Blockchair-like
//! exports), grouped into one flow per transaction.
//!
//! A row says its transaction (`transaction_hash`), whether it is an input
//! or an output (`is_input` true/false, or `direction`/`side`/`type`
//! input/output), its address (`recipient`, `address`), its value (`value`
//! in satoshi, or `amount` in BTC) and the time. Inputs and outputs keep
//! the order of an `index` column, else the file's. The fee is inputs
//! minus outputs; a transaction whose outputs exceed its inputs, or that
//! has no input rows, is an error on its first line (the export is
//! incomplete). Its time is the latest of its rows' (an input row may
//! carry the time its output was created). A row of zero value (an
//! `OP_RETURN` output) is skipped.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::CsvOptions;
use super::columns::{Column, Header, cell};
use super::transfer::HASH;
use super::{Outcome, Row, cell_error};
use crate::asset::{Asset, Network};
use crate::flow::{Flow, Leg};
use crate::import::address::normalize_address;
use crate::import::amount::{from_base_units, parse_amount};
use crate::import::time::parse_time;
use crate::import::{LineError, Skipped, line_error};

const DIRECTION: &[&str] = &["isinput", "direction", "side", "io", "inout"];
/// `type` is read as a direction only in this layout (Blockchair's `type`
/// is the script type, which the error for it explains).
const DIRECTION_OR_TYPE: &[&str] = &["isinput", "direction", "side", "io", "inout", "type"];
const INDEX: &[&str] = &[
    "index",
    "n",
    "vout",
    "outputindex",
    "inputindex",
    "position",
];
const ADDRESS: &[&str] = &["recipient", "address", "addr"];
const SATOSHI: &[&str] = &[
    "value",
    "valuesat",
    "valuesats",
    "valuesatoshi",
    "satoshi",
    "satoshis",
    "amountsat",
    "amountsats",
];
const BTC: &[&str] = &["amount", "valuebtc", "amountbtc"];
const TIME: &[&str] = &[
    "time",
    "timestamp",
    "blocktime",
    "unixtimestamp",
    "blocktimestamp",
    "datetimeutc",
    "datetime",
    "date",
];

/// Whether a header is this layout's: a direction column, or `type` with a
/// hash and an address but no `From`/`To`.
pub(super) fn fits(header: &Header) -> bool {
    header.has(DIRECTION)
        || (header.has(&["type"])
            && header.has(HASH)
            && header.has(ADDRESS)
            && !header.has(super::transfer::FROM))
}

#[derive(Debug)]
struct Columns {
    hash: Column,
    direction: Column,
    index: Option<Column>,
    address: Column,
    /// The value column, and whether it is in satoshi.
    value: (Column, bool),
    time: Column,
}

impl Columns {
    fn of(header: &Header) -> Result<Columns, LineError> {
        let hash = header.find(HASH);
        let direction = header.find(DIRECTION_OR_TYPE);
        let address = header.find(ADDRESS);
        let value = header
            .find(SATOSHI)
            .map(|c| (c, true))
            .or_else(|| header.find(BTC).map(|c| (c, false)));
        let time = header.find(TIME);
        match (hash, direction, address, value, time) {
            (Some(hash), Some(direction), Some(address), Some(value), Some(time)) => Ok(Columns {
                hash,
                direction,
                index: header.find(INDEX),
                address,
                value,
                time,
            }),
            (hash, _, address, value, time) => {
                let mut missing = Vec::new();
                if hash.is_none() {
                    missing.push("transaction_hash (hash, txid)");
                }
                if address.is_none() {
                    missing.push("recipient (address)");
                }
                if value.is_none() {
                    missing.push("value (satoshi) or amount (BTC)");
                }
                if time.is_none() {
                    missing.push("time (timestamp, block_time)");
                }
                Err(line_error(
                    1,
                    None,
                    format!(
                        "rows of inputs and outputs need these columns, missing here: {}",
                        missing.join("; ")
                    ),
                ))
            }
        }
    }
}

/// One input or output row.
struct Part {
    line: u64,
    index: Option<u64>,
    leg: Leg,
}

/// A transaction's rows so far.
struct Transaction {
    hash: String,
    first_line: u64,
    time: DateTime<Utc>,
    inputs: Vec<Part>,
    outputs: Vec<Part>,
}

pub(super) fn read(header: &Header, rows: &[Row], options: &CsvOptions) -> Outcome {
    let mut out = Outcome::default();
    let columns = match Columns::of(header) {
        Ok(c) => c,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    if let Some(n) = options.network
        && n != Network::Bitcoin
    {
        out.errors.push(line_error(
            1,
            None,
            format!(
                "rows of inputs and outputs are a bitcoin layout, not {}",
                n.as_str()
            ),
        ));
        return out;
    }
    let mut order: Vec<Transaction> = Vec::new();
    let mut by_hash: HashMap<String, usize> = HashMap::new();
    for (line, record) in rows {
        match part(&columns, *line, record) {
            Ok(None) => out.skipped.push(Skipped {
                line: *line,
                reason: "the row moves nothing (zero value, such as OP_RETURN data)".into(),
            }),
            Ok(Some((hash, is_input, time, p))) => {
                let i = *by_hash.entry(hash.clone()).or_insert_with(|| {
                    order.push(Transaction {
                        hash,
                        first_line: *line,
                        time,
                        inputs: Vec::new(),
                        outputs: Vec::new(),
                    });
                    order.len() - 1
                });
                let tx = &mut order[i];
                tx.time = tx.time.max(time);
                if is_input {
                    tx.inputs.push(p);
                } else {
                    tx.outputs.push(p);
                }
            }
            Err(e) => out.errors.push(e),
        }
    }
    for tx in order {
        match flow_of(tx, &columns) {
            Ok(f) => out.flows.push(f),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

type Parsed = Option<(String, bool, DateTime<Utc>, Part)>;

fn part(c: &Columns, line: u64, record: &::csv::StringRecord) -> Result<Parsed, LineError> {
    let err = |column: &Column, message: String| cell_error(line, &column.name, message);
    let need = |column: &Column| {
        cell(record, Some(column)).ok_or_else(|| err(column, "this cell is empty".into()))
    };
    let hash = need(&c.hash)?;
    let is_input = direction(need(&c.direction)?).map_err(|e| err(&c.direction, e))?;
    let (value_column, satoshi) = &c.value;
    let value_text = need(value_column)?;
    let amount = if *satoshi {
        from_base_units(value_text, 8)
    } else {
        parse_amount(value_text)
    }
    .map_err(|e| err(value_column, e))?;
    if amount.is_zero() {
        return Ok(None);
    }
    let Some(address_text) = cell(record, Some(&c.address)) else {
        return Err(err(
            &c.address,
            "this row moves value but names no address".into(),
        ));
    };
    let address =
        normalize_address(address_text, Network::Bitcoin).map_err(|e| err(&c.address, e))?;
    let time = parse_time(need(&c.time)?).map_err(|e| err(&c.time, e))?;
    let index = match cell(record, c.index.as_ref()) {
        Some(t) => Some(t.parse::<u64>().map_err(|_| {
            err(
                c.index.as_ref().unwrap_or(&c.hash),
                format!("index {t:?} is not a whole number"),
            )
        })?),
        None => None,
    };
    Ok(Some((
        hash.to_owned(),
        is_input,
        time,
        Part {
            line,
            index,
            leg: Leg { address, amount },
        },
    )))
}

/// `true` for an input row.
fn direction(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "input" | "in" | "vin" | "i" | "spent" | "sender" => Ok(true),
        "false" | "0" | "no" | "output" | "out" | "vout" | "o" | "received" | "recipient" => {
            Ok(false)
        }
        _ => Err(format!(
            "{text:?} says neither input (true, input, in, vin) nor output (false, output, out, vout); a script type such as pubkeyhash is not a direction"
        )),
    }
}

fn flow_of(mut tx: Transaction, c: &Columns) -> Result<Flow, LineError> {
    let value_column = &c.value.0.name;
    if tx.inputs.is_empty() {
        return Err(cell_error(
            tx.first_line,
            &c.direction.name,
            format!(
                "transaction {} has output rows but no input rows; this layout needs a row for every input and output",
                tx.hash
            ),
        ));
    }
    if tx.outputs.is_empty() {
        return Err(cell_error(
            tx.first_line,
            &c.direction.name,
            format!("transaction {} has input rows but no output rows", tx.hash),
        ));
    }
    for parts in [&mut tx.inputs, &mut tx.outputs] {
        parts.sort_by_key(|p| p.index);
    }
    let sent: Decimal = tx.inputs.iter().map(|p| p.leg.amount).sum();
    let received: Decimal = tx.outputs.iter().map(|p| p.leg.amount).sum();
    if received > sent {
        let lines: Vec<String> = tx
            .inputs
            .iter()
            .chain(&tx.outputs)
            .map(|p| p.line.to_string())
            .collect();
        return Err(cell_error(
            tx.first_line,
            value_column,
            format!(
                "transaction {}: outputs ({received}) exceed inputs ({sent}) on lines {}; is an input row missing?",
                tx.hash,
                lines.join(", ")
            ),
        ));
    }
    let flow = Flow {
        id: tx.hash,
        asset: Asset::new("BTC", Network::Bitcoin),
        time: tx.time,
        inputs: tx.inputs.into_iter().map(|p| p.leg).collect(),
        outputs: tx.outputs.into_iter().map(|p| p.leg).collect(),
        fee: sent - received,
    };
    flow.check()
        .map_err(|e| cell_error(tx.first_line, value_column, e.to_string()))?;
    Ok(flow)
}
