//! Flows from CSV exports, their layout told from the header.
//!
//! Three layouts (docs/FLOWS.md lists every column name accepted):
//!
//! - **transfers**, one account or token transfer per row: Etherscan and
//!   Tronscan exports (`From`, `To`, `TokenValue`…), [`transfer`];
//! - **UTXO rows**, one row per input or output of a Bitcoin transaction,
//!   grouped into one flow per transaction, [`utxo`];
//! - **bank transfers**, debtor and creditor accounts, [`bank`].
//!
//! Header names match whatever their case, spacing and punctuation. A
//! header that fits none of the layouts is refused with the columns each
//! expects. The delimiter is `,`, `;` or tab, whichever the header line
//! holds most of (European banks export with `;`).

mod bank;
pub mod columns;
mod transfer;
mod utxo;

use std::io::Read;

use columns::Header;

use super::{Imported, LineError, Rejected, Skipped, finish, line_error};
use crate::asset::Network;
use crate::flow::Flow;

/// What the caller knows that a file may not say.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvOptions {
    /// The network of a transfer export whose addresses do not say it.
    pub network: Option<Network>,
}

/// The layouts a header can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Transfers,
    Utxo,
    Bank,
}

/// One data row: its line number and cells.
type Row = (u64, ::csv::StringRecord);

/// What a layout made of the rows.
#[derive(Debug, Default)]
struct Outcome {
    flows: Vec<Flow>,
    skipped: Vec<Skipped>,
    errors: Vec<LineError>,
}

/// Reads every row of a CSV export into flows, or every bad line.
pub fn flows_from_csv(
    mut input: impl Read,
    options: &CsvOptions,
) -> Result<Imported<Flow>, Rejected> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Rejected::one(1, None, format!("cannot read the file: {e}")))?;
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&bytes))
        .flexible(false)
        .from_reader(bytes.as_slice());
    let header = Header::new(
        reader
            .headers()
            .map_err(|e| Rejected::one(1, None, format!("cannot read the csv header: {e}")))?
            .iter()
            .map(str::to_owned),
    );
    let layout = detect(&header).map_err(|e| Rejected { errors: vec![e] })?;
    let mut rows: Vec<Row> = Vec::new();
    let mut errors = Vec::new();
    let mut lines = 1;
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                lines = lines.max(line);
                rows.push((line, r));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                lines = lines.max(line);
                errors.push(line_error(line, None, format!("not a csv row: {e}")));
            }
        }
    }
    let read = match layout {
        Layout::Transfers => transfer::read(&header, &rows, options),
        Layout::Utxo => utxo::read(&header, &rows, options),
        Layout::Bank => bank::read(&header, &rows),
    };
    errors.extend(read.errors);
    finish(
        Imported {
            lines,
            items: read.flows,
            skipped: read.skipped,
        },
        errors,
    )
}

/// Tells the layout from the header, or says which columns each expects.
pub fn detect(header: &Header) -> Result<Layout, LineError> {
    if header.has(bank::DEBTOR) || header.has(bank::CREDITOR) {
        return Ok(Layout::Bank);
    }
    if utxo::fits(header) {
        return Ok(Layout::Utxo);
    }
    if header.has(transfer::FROM) && header.has(transfer::TO) {
        return Ok(Layout::Transfers);
    }
    Err(line_error(
        1,
        None,
        "no known export layout in this header; expected one of: \
         transfers (Etherscan, Tronscan): a hash (Transaction Hash, Txhash, hash, transaction_id), a time (UnixTimestamp, DateTime (UTC), timestamp, block_timestamp), From (from_address), To (to_address) and a value (Value, TokenValue, Quantity, amount, quant, Value_IN(ETH)); \
         utxo rows (Blockchair-like): transaction_hash, is_input (or direction, side, type: input/output), recipient (address), value (satoshi) or amount (BTC), time; \
         bank transfers: Date (Value date, Booking date), Reference (Transaction ID), Debtor IBAN (From account, Debit account), Creditor IBAN (To account, Credit account), Amount, Currency",
    ))
}

/// `,`, `;` or tab: whichever the first line holds most of outside quotes.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in bytes.iter().take_while(|&&b| b != b'\n') {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], usize::from(i == 0)))
        .unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// An error in `column` on `line`.
fn cell_error(line: u64, column: &str, message: impl Into<String>) -> LineError {
    line_error(line, Some(column), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    #[test]
    fn the_delimiter_is_the_header_s_most_common() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2"), b',');
        assert_eq!(sniff_delimiter(b"Date;Amount;\"a,b\"\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
    }

    #[test]
    fn an_unknown_header_names_the_expected_columns() {
        let err = flows_from_csv(
            "when,who,how much\n2026-01-01,me,5\n".as_bytes(),
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err.errors.len(), 1);
        let e = &err.errors[0];
        assert_eq!(e.line, 1);
        for expected in ["Transaction Hash", "is_input", "Debtor IBAN", "TokenValue"] {
            assert!(e.message.contains(expected), "{}", e.message);
        }
    }

    const TRON: [&str; 3] = [
        "TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b",
        "TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS",
        "TVoXvVBo8kZqo1PfPYbjZ3Sv8Wc9BexQUr",
    ];

    proptest! {
        /// Transfers written as an explorer would (base units with
        /// decimals) read back as the same flows, in order.
        #[test]
        fn transfers_written_as_csv_read_back(
            rows in prop::collection::vec((0..3usize, 0..3usize, 1u64..1_000_000_000_000_000, 0u32..19, 1_600_000_000i64..1_900_000_000), 1..12)
        ) {
            let mut text = String::from("transaction_id,block_timestamp,from_address,to_address,quant,tokenAbbr,tokenDecimal\n");
            for (i, (from, to, units, decimals, secs)) in rows.iter().enumerate() {
                text.push_str(&format!("{i:064x},{}000,{},{},{units},USDT,{decimals}\n", secs, TRON[*from], TRON[*to]));
            }
            let got = flows_from_csv(text.as_bytes(), &CsvOptions::default()).unwrap();
            prop_assert_eq!(got.items.len(), rows.len());
            for (flow, (from, to, units, decimals, secs)) in got.items.iter().zip(&rows) {
                prop_assert_eq!(flow.value(), Decimal::from_i128_with_scale(*units as i128, *decimals));
                prop_assert_eq!(&flow.inputs[0].address, &format!("trx:{}", TRON[*from]));
                prop_assert_eq!(&flow.outputs[0].address, &format!("trx:{}", TRON[*to]));
                prop_assert_eq!(flow.time.timestamp(), *secs);
                prop_assert_eq!(flow.asset.to_string(), "USDT@tron");
            }
        }

        #[test]
        fn never_panics_on_any_rows(
            header in prop::sample::select(vec![
                "hash,timestamp,from,to,value,decimals\n",
                "txid,is_input,address,value,time,index\n",
                "Date;Reference;From account;To account;Amount;Currency;From country;From BIC\n",
                "",
            ]),
            body in "\\PC{0,300}",
        ) {
            let _ = flows_from_csv(format!("{header}{body}").as_bytes(), &CsvOptions::default());
        }
    }
}
