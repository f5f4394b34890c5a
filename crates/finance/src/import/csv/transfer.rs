//! Account and token transfers, one per row: Etherscan's and Tronscan's
//! exports and their look-alikes.
//!
//! Each row is one flow from `From` to `To`. The asset is the row's token
//! symbol on the network (`USDT` on Tron is `USDT@tron`); without a symbol,
//! a well-known token contract names it; without either, it is the
//! network's own coin (Etherscan's `Value_IN(ETH)`/`Value_OUT(ETH)` name
//! it in the header). The network is the caller's, or the addresses'
//! shape (`0x…` Ethereum, `T…` Tron).
//!
//! The value is in token units (`1,234.5`), except when the file has a
//! `decimals` (`tokenDecimal`) column: then it is a whole number of base
//! units shifted by the row's decimals. Tronscan's `quant` is always base
//! units, so it needs that column.
//!
//! The flow id is the hash, with `:<log index>` when the file has a log
//! index column. Without one, rows that share a hash (several transfers in
//! one transaction) are numbered in file order: `<hash>#1`, `<hash>#2`.
//! Rows that move nothing are skipped: a zero value (address-poisoning
//! transfers are zero) or a failed transaction (`Status`, `isError`,
//! `contractRet`).

use std::collections::HashMap;

use super::CsvOptions;
use super::columns::{Column, Header, cell};
use super::{Outcome, Row, cell_error};
use crate::asset::{Asset, Network};
use crate::flow::{Flow, Leg};
use crate::import::address::{network_of_shape, normalize_address};
use crate::import::amount::{from_base_units, parse_amount, parse_decimals};
use crate::import::time::parse_time;
use crate::import::{LineError, Skipped, line_error};

pub(super) const HASH: &[&str] = &["transactionhash", "txhash", "hash", "transactionid", "txid"];
const LOG_INDEX: &[&str] = &["logindex", "eventindex"];
/// Unix times first: they carry no time zone to misread.
const TIME: &[&str] = &[
    "unixtimestamp",
    "timestamp",
    "blocktimestamp",
    "blockts",
    "datetimeutc",
    "datetime",
    "time",
    "date",
];
pub(super) const FROM: &[&str] = &["from", "fromaddress", "sender", "senderaddress"];
pub(super) const TO: &[&str] = &[
    "to",
    "toaddress",
    "recipient",
    "recipientaddress",
    "receiver",
    "receiveraddress",
];
const VALUE: &[&str] = &[
    "tokenvalue",
    "quantity",
    "value",
    "amount",
    "quant",
    "amountstr",
];
/// Value columns that are always in base units.
const BASE_UNIT_VALUES: &[&str] = &["quant", "amountstr"];
const DECIMALS: &[&str] = &["decimals", "tokendecimal", "tokendecimals"];
const SYMBOL: &[&str] = &[
    "tokensymbol",
    "symbol",
    "tokenabbr",
    "token",
    "tokenname",
    "asset",
];
const CONTRACT: &[&str] = &["contractaddress", "tokenaddress", "contract"];
const STATUS: &[&str] = &[
    "status",
    "txreceiptstatus",
    "contractret",
    "finalresult",
    "result",
];
const IS_ERROR: &[&str] = &["iserror"];

/// Tokens named by their contract when a file has no symbol column.
const KNOWN_CONTRACTS: &[(Network, &str, &str)] = &[
    (Network::Tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT"),
    (Network::Tron, "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8", "USDC"),
    (
        Network::Ethereum,
        "0xdac17f958d2ee523a2206206994597c13d831ec7",
        "USDT",
    ),
    (
        Network::Ethereum,
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
        "USDC",
    ),
];

/// Where a row's value is.
#[derive(Debug)]
enum Value {
    /// One column, in token units or (with decimals) base units.
    One(Column),
    /// Etherscan's `Value_IN(ETH)` and `Value_OUT(ETH)`: whichever is not
    /// zero; the symbol in parentheses is the coin.
    InOut {
        inflow: Column,
        outflow: Option<Column>,
        symbol: Option<String>,
    },
}

#[derive(Debug)]
struct Columns {
    hash: Column,
    log_index: Option<Column>,
    time: Column,
    from: Column,
    to: Column,
    value: Value,
    decimals: Option<Column>,
    symbol: Option<Column>,
    contract: Option<Column>,
    status: Option<Column>,
    is_error: Option<Column>,
}

impl Columns {
    fn of(header: &Header) -> Result<Columns, Vec<LineError>> {
        let mut missing = Vec::new();
        let mut need = |aliases: &[&str], what: &str| {
            let c = header.find(aliases);
            if c.is_none() {
                missing.push(what.to_owned());
            }
            c
        };
        let hash = need(
            HASH,
            "a hash (Transaction Hash, Txhash, hash, transaction_id)",
        );
        let time = need(
            TIME,
            "a time (UnixTimestamp, DateTime (UTC), timestamp, block_timestamp)",
        );
        let from = need(FROM, "From (from_address)");
        let to = need(TO, "To (to_address)");
        let value = match header.find(VALUE) {
            Some(c) => Some(Value::One(c)),
            None => header.find_prefix("valuein").map(|inflow| {
                let symbol = inflow
                    .name
                    .split_once('(')
                    .and_then(|(_, rest)| rest.split_once(')'))
                    .map(|(s, _)| s.trim().to_owned());
                Value::InOut {
                    outflow: header.find_prefix("valueout"),
                    inflow,
                    symbol,
                }
            }),
        };
        if value.is_none() {
            missing.push(
                "a value (Value, TokenValue, Quantity, amount, quant, Value_IN(ETH))".to_owned(),
            );
        }
        let decimals = header.find(DECIMALS);
        let mut errors = Vec::new();
        if let Some(Value::One(c)) = &value
            && decimals.is_none()
            && BASE_UNIT_VALUES.contains(&super::columns::fold(&c.name).as_str())
        {
            errors.push(cell_error(
                1,
                &c.name,
                format!(
                    "{} is in base units; the file needs a decimals (tokenDecimal) column to read it",
                    c.name
                ),
            ));
        }
        if !missing.is_empty() {
            errors.push(line_error(
                1,
                None,
                format!(
                    "a transfer export needs these columns, missing here: {}",
                    missing.join("; ")
                ),
            ));
        }
        match (hash, time, from, to, value) {
            (Some(hash), Some(time), Some(from), Some(to), Some(value)) if errors.is_empty() => {
                Ok(Columns {
                    hash,
                    log_index: header.find(LOG_INDEX),
                    time,
                    from,
                    to,
                    value,
                    decimals,
                    symbol: header.find(SYMBOL),
                    contract: header.find(CONTRACT),
                    status: header.find(STATUS),
                    is_error: header.find(IS_ERROR),
                })
            }
            _ => Err(errors),
        }
    }
}

/// A row made a flow, or left out.
enum Made {
    Flow(Flow),
    Skip(String),
}

pub(super) fn read(header: &Header, rows: &[Row], options: &CsvOptions) -> Outcome {
    let mut out = Outcome::default();
    let columns = match Columns::of(header) {
        Ok(c) => c,
        Err(errors) => {
            out.errors = errors;
            return out;
        }
    };
    let mut made: Vec<(u64, Flow)> = Vec::new();
    for (line, record) in rows {
        match row(&columns, record, options) {
            Ok(Made::Flow(f)) => made.push((*line, f)),
            Ok(Made::Skip(reason)) => out.skipped.push(Skipped {
                line: *line,
                reason,
            }),
            Err((column, message)) => out.errors.push(cell_error(*line, &column, message)),
        }
    }
    number_shared_hashes(&mut made, columns.log_index.is_some(), &mut out.errors);
    out.flows = made.into_iter().map(|(_, f)| f).collect();
    out
}

fn row(
    c: &Columns,
    record: &::csv::StringRecord,
    options: &CsvOptions,
) -> Result<Made, (String, String)> {
    let err = |column: &Column, message: String| (column.name.clone(), message);
    let get = |column: &Column| cell(record, Some(column));
    let need =
        |column: &Column| get(column).ok_or_else(|| err(column, "this cell is empty".into()));

    if let Some(reason) = failed(c, record)? {
        return Ok(Made::Skip(reason));
    }
    let hash = need(&c.hash)?;
    let from_text = need(&c.from)?;
    let to_text = need(&c.to)?;
    let network = match options.network {
        Some(n) => n,
        None => network_of_shape(from_text)
            .or_else(|| network_of_shape(to_text))
            .ok_or_else(|| {
                err(
                    &c.from,
                    format!(
                        "cannot tell the network of {from_text:?}; say it (ethereum or tron) when importing"
                    ),
                )
            })?,
    };
    if network == Network::Bitcoin || network == Network::Bank {
        return Err(err(
            &c.from,
            format!(
                "{} does not move as account transfers; use the {} layout",
                network.as_str(),
                if network == Network::Bank {
                    "bank"
                } else {
                    "utxo rows"
                }
            ),
        ));
    }
    let asset = asset_of(c, record, network)?;
    let (value_column, value_text) = match &c.value {
        Value::One(col) => (col, need(col)?),
        Value::InOut {
            inflow, outflow, ..
        } => {
            let inflow_text = get(inflow).unwrap_or("0");
            let is_zero = |t: &str| t.bytes().all(|b| matches!(b, b'0' | b'.' | b','));
            match outflow {
                Some(o) if is_zero(inflow_text) => (o, get(o).unwrap_or("0")),
                _ => (inflow, inflow_text),
            }
        }
    };
    let amount = match &c.decimals {
        Some(dc) => {
            let decimals = parse_decimals(need(dc)?).map_err(|e| err(dc, e))?;
            from_base_units(value_text, decimals)
        }
        None => parse_amount(value_text),
    }
    .map_err(|e| err(value_column, e))?;
    if amount.is_zero() {
        return Ok(Made::Skip(
            "the transfer moves nothing (zero value: a contract call or address poisoning)".into(),
        ));
    }
    let time = parse_time(need(&c.time)?).map_err(|e| err(&c.time, e))?;
    let from = normalize_address(from_text, network).map_err(|e| err(&c.from, e))?;
    let to = normalize_address(to_text, network).map_err(|e| err(&c.to, e))?;
    let id = match c.log_index.as_ref().and_then(get) {
        Some(index) => format!("{hash}:{index}"),
        None => hash.to_owned(),
    };
    let flow = Flow {
        id,
        asset,
        time,
        inputs: vec![Leg {
            address: from,
            amount,
        }],
        outputs: vec![Leg {
            address: to,
            amount,
        }],
        fee: rust_decimal::Decimal::ZERO,
    };
    flow.check().map_err(|e| err(value_column, e.to_string()))?;
    Ok(Made::Flow(flow))
}

/// Why a row's transaction failed, if its status says so.
fn failed(c: &Columns, record: &::csv::StringRecord) -> Result<Option<String>, (String, String)> {
    if let Some(col) = &c.is_error
        && let Some(v) = cell(record, Some(col))
    {
        return match v {
            "0" | "false" => Ok(None),
            "1" | "true" => Ok(Some(format!("the transaction failed ({} {v})", col.name))),
            _ => Err((col.name.clone(), format!("{v:?} is not 0 or 1"))),
        };
    }
    let Some(col) = &c.status else {
        return Ok(None);
    };
    let Some(v) = cell(record, Some(col)) else {
        return Ok(None);
    };
    let lower = v.to_ascii_lowercase();
    let ok = [
        "success",
        "successful",
        "succeeded",
        "ok",
        "1",
        "true",
        "confirmed",
    ];
    let bad = ["error", "fail", "revert", "out_of", "0", "false"];
    if ok.contains(&lower.as_str()) {
        Ok(None)
    } else if bad.iter().any(|b| lower.starts_with(b)) {
        Ok(Some(format!("the transaction failed ({} {v})", col.name)))
    } else {
        Err((
            col.name.clone(),
            format!(
                "status {v:?} is neither a success (success, 1) nor a failure (error, fail, revert, 0)"
            ),
        ))
    }
}

fn asset_of(
    c: &Columns,
    record: &::csv::StringRecord,
    network: Network,
) -> Result<Asset, (String, String)> {
    if let Some(col) = &c.symbol
        && let Some(symbol) = cell(record, Some(col))
    {
        return Asset::parse(symbol, Some(network)).map_err(|e| (col.name.clone(), e.to_string()));
    }
    if let Value::InOut {
        symbol: Some(symbol),
        inflow,
        ..
    } = &c.value
    {
        return Asset::parse(symbol, Some(network))
            .map_err(|e| (inflow.name.clone(), e.to_string()));
    }
    if let Some(col) = &c.contract
        && let Some(contract) = cell(record, Some(col))
    {
        return known_contract(network, contract)
            .map(|symbol| Asset::new(symbol, network))
            .ok_or_else(|| {
                (
                    col.name.clone(),
                    format!("token contract {contract} is not one Cordon knows; give the token's symbol in a TokenSymbol column"),
                )
            });
    }
    let native = network.native().unwrap_or("");
    Ok(Asset::new(native, network))
}

fn known_contract(network: Network, contract: &str) -> Option<&'static str> {
    KNOWN_CONTRACTS
        .iter()
        .find(|(n, c, _)| *n == network && c.eq_ignore_ascii_case(contract))
        .map(|(_, _, s)| *s)
}

/// Gives rows that share a transaction hash (several transfers in one
/// transaction, and no log index to tell them apart) ids numbered in file
/// order; with a log index, a repeated id is an error.
fn number_shared_hashes(
    made: &mut [(u64, Flow)],
    has_log_index: bool,
    errors: &mut Vec<LineError>,
) {
    let mut count: HashMap<String, usize> = HashMap::new();
    for (_, f) in made.iter() {
        *count.entry(f.id.clone()).or_default() += 1;
    }
    let mut seen: HashMap<String, (usize, u64)> = HashMap::new();
    for (line, f) in made.iter_mut() {
        if count[&f.id] < 2 {
            continue;
        }
        let entry = seen.entry(f.id.clone()).or_insert((0, *line));
        entry.0 += 1;
        if has_log_index {
            if entry.0 > 1 {
                errors.push(line_error(
                    *line,
                    None,
                    format!("transfer {} is already on line {}", f.id, entry.1),
                ));
            }
        } else {
            f.id = format!("{}#{}", f.id, entry.0);
        }
    }
}
