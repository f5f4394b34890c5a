//! Bank transfers, one per row: transfer lists and statements that name
//! both the debtor's and the creditor's account.
//!
//! An account is an IBAN (checked, compacted: `iban:DE89…`), a canonical
//! selector (`bank:KH:ABAAKHPP:000123456`), or a national account number,
//! which needs its side's country and bank code (or BIC) columns to become
//! a `bank:` selector; the error names those columns when they are missing.
//! The amount is positive (the columns say the direction), the currency an
//! ISO 4217 code. The time is the value date, else the booking date, else
//! the date (midnight UTC when there is no time of day).

use super::columns::{Column, Header, cell};
use super::{Outcome, Row, cell_error};
use crate::asset::{Asset, Network};
use crate::flow::{Flow, Leg};
use crate::import::address::{bank_account, looks_like_iban, normalize_address};
use crate::import::amount::parse_amount;
use crate::import::time::parse_time;
use crate::import::{LineError, line_error};

/// Value date first: it is when the creditor had the money.
const DATE: &[&str] = &[
    "valuedate",
    "bookingdate",
    "date",
    "transactiondate",
    "executiondate",
    "datetime",
    "timestamp",
    "time",
];
const REFERENCE: &[&str] = &[
    "reference",
    "transactionid",
    "transactionreference",
    "endtoendid",
    "endtoendreference",
    "referencenumber",
    "ref",
    "id",
];
pub(super) const DEBTOR: &[&str] = &[
    "debtoriban",
    "debtoraccount",
    "fromiban",
    "fromaccount",
    "debitaccount",
    "debitiban",
    "payeriban",
    "payeraccount",
    "senderiban",
    "senderaccount",
    "originatoraccount",
    "orderingaccount",
];
pub(super) const CREDITOR: &[&str] = &[
    "creditoriban",
    "creditoraccount",
    "toiban",
    "toaccount",
    "creditaccount",
    "creditiban",
    "beneficiaryiban",
    "beneficiaryaccount",
    "payeeiban",
    "payeeaccount",
    "recipientiban",
    "recipientaccount",
];
const DEBTOR_COUNTRY: &[&str] = &[
    "debtorcountry",
    "fromcountry",
    "debitcountry",
    "payercountry",
    "sendercountry",
];
const DEBTOR_BANK: &[&str] = &[
    "debtorbankcode",
    "debtorbic",
    "debtorbank",
    "debtoragent",
    "frombankcode",
    "frombic",
    "frombank",
    "debitbankcode",
    "debitbic",
    "payerbankcode",
    "payerbic",
    "senderbankcode",
    "senderbic",
];
const CREDITOR_COUNTRY: &[&str] = &[
    "creditorcountry",
    "tocountry",
    "creditcountry",
    "beneficiarycountry",
    "payeecountry",
    "recipientcountry",
];
const CREDITOR_BANK: &[&str] = &[
    "creditorbankcode",
    "creditorbic",
    "creditorbank",
    "creditoragent",
    "tobankcode",
    "tobic",
    "tobank",
    "creditbankcode",
    "creditbic",
    "beneficiarybankcode",
    "beneficiarybic",
    "payeebankcode",
    "payeebic",
    "recipientbankcode",
    "recipientbic",
];
const AMOUNT: &[&str] = &["amount", "transactionamount", "transferamount", "value"];
const CURRENCY: &[&str] = &["currency", "ccy", "currencycode"];

/// One side of a transfer: its account column and the columns that place a
/// national account.
#[derive(Debug)]
struct Side {
    account: Column,
    country: Option<Column>,
    bank: Option<Column>,
    /// How the error names the missing columns: `Debtor` or `Creditor`.
    role: &'static str,
}

#[derive(Debug)]
struct Columns {
    date: Column,
    reference: Column,
    debtor: Side,
    creditor: Side,
    amount: Column,
    currency: Column,
}

impl Columns {
    fn of(header: &Header) -> Result<Columns, LineError> {
        let date = header.find(DATE);
        let reference = header.find(REFERENCE);
        let debtor = header.find(DEBTOR);
        let creditor = header.find(CREDITOR);
        let amount = header.find(AMOUNT);
        let currency = header.find(CURRENCY);
        match (date, reference, debtor, creditor, amount, currency) {
            (
                Some(date),
                Some(reference),
                Some(debtor),
                Some(creditor),
                Some(amount),
                Some(currency),
            ) => Ok(Columns {
                date,
                reference,
                debtor: Side {
                    account: debtor,
                    country: header.find(DEBTOR_COUNTRY),
                    bank: header.find(DEBTOR_BANK),
                    role: "Debtor",
                },
                creditor: Side {
                    account: creditor,
                    country: header.find(CREDITOR_COUNTRY),
                    bank: header.find(CREDITOR_BANK),
                    role: "Creditor",
                },
                amount,
                currency,
            }),
            (date, reference, debtor, creditor, amount, currency) => {
                let names = [
                    (date.is_none(), "Date (Value date, Booking date)"),
                    (
                        reference.is_none(),
                        "Reference (Transaction ID, End to end ID)",
                    ),
                    (
                        debtor.is_none(),
                        "Debtor IBAN (From account, Debit account)",
                    ),
                    (
                        creditor.is_none(),
                        "Creditor IBAN (To account, Credit account)",
                    ),
                    (amount.is_none(), "Amount"),
                    (currency.is_none(), "Currency"),
                ];
                let missing: Vec<&str> =
                    names.iter().filter(|(m, _)| *m).map(|(_, n)| *n).collect();
                Err(line_error(
                    1,
                    None,
                    format!(
                        "a bank transfer list needs these columns, missing here: {}",
                        missing.join("; ")
                    ),
                ))
            }
        }
    }
}

pub(super) fn read(header: &Header, rows: &[Row]) -> Outcome {
    let mut out = Outcome::default();
    let columns = match Columns::of(header) {
        Ok(c) => c,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let mut seen = std::collections::HashMap::new();
    for (line, record) in rows {
        if let Some(reference) = cell(record, Some(&columns.reference))
            && let Some(first) = seen.insert(reference.to_owned(), *line)
        {
            out.errors.push(cell_error(
                *line,
                &columns.reference.name,
                format!("transfer {reference} is already on line {first}"),
            ));
            continue;
        }
        match row(&columns, *line, record) {
            Ok(flow) => out.flows.push(flow),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

fn row(c: &Columns, line: u64, record: &::csv::StringRecord) -> Result<Flow, LineError> {
    let err = |column: &Column, message: String| cell_error(line, &column.name, message);
    let need = |column: &Column| {
        cell(record, Some(column)).ok_or_else(|| err(column, "this cell is empty".into()))
    };
    let reference = need(&c.reference)?;
    let time = parse_time(need(&c.date)?).map_err(|e| err(&c.date, e))?;
    let currency = need(&c.currency)?;
    let asset = Asset::parse(&format!("{currency}@bank"), None)
        .map_err(|e| err(&c.currency, e.to_string()))?;
    let amount = parse_amount(need(&c.amount)?).map_err(|e| err(&c.amount, e))?;
    if amount.is_zero() {
        return Err(err(&c.amount, "a transfer of zero moves nothing".into()));
    }
    let debtor = account(&c.debtor, line, record)?;
    let creditor = account(&c.creditor, line, record)?;
    let flow = Flow {
        id: reference.to_owned(),
        asset,
        time,
        inputs: vec![Leg {
            address: debtor,
            amount,
        }],
        outputs: vec![Leg {
            address: creditor,
            amount,
        }],
        fee: rust_decimal::Decimal::ZERO,
    };
    flow.check().map_err(|e| err(&c.amount, e.to_string()))?;
    Ok(flow)
}

fn account(side: &Side, line: u64, record: &::csv::StringRecord) -> Result<String, LineError> {
    let err = |column: &Column, message: String| cell_error(line, &column.name, message);
    let text = cell(record, Some(&side.account))
        .ok_or_else(|| err(&side.account, "this cell is empty".into()))?;
    if text.contains(':') || looks_like_iban(text) {
        return normalize_address(text, Network::Bank).map_err(|e| err(&side.account, e));
    }
    let country = cell(record, side.country.as_ref()).unwrap_or("");
    let bank = cell(record, side.bank.as_ref());
    let role = side.role;
    let Some(bank) = bank else {
        let how = match (&side.country, &side.bank) {
            (_, None) => {
                format!("add the columns '{role} country' and '{role} bank code' (or '{role} BIC')")
            }
            (_, Some(b)) => format!(
                "fill in its '{}' (and its country if that is no BIC)",
                b.name
            ),
        };
        return Err(err(
            &side.account,
            format!(
                "{text:?} is not an iban; an account without iban needs its country and bank code: {how}"
            ),
        ));
    };
    if country.is_empty() && side.country.is_none() && bank.len() < 8 {
        return Err(err(
            &side.account,
            format!(
                "{text:?} is not an iban and bank code {bank:?} is no bic; add the column '{role} country'"
            ),
        ));
    }
    bank_account(country, bank, text).map_err(|e| err(&side.account, e))
}
