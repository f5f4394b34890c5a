//! Every import format read from realistic sample files
//! (`tests/data/`), and every error path: the line and field named,
//! nothing imported.

use std::path::PathBuf;

use cordon_finance::asset::{Asset, Network};
use cordon_finance::flow::Flow;
use cordon_finance::import::csv::{CsvOptions, flows_from_csv};
use cordon_finance::import::jsonl::{conversions_from_json_lines, flows_from_json_lines};
use cordon_finance::import::{Imported, Rejected};
use rust_decimal::Decimal;
use rust_decimal::dec;

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csv(name: &str) -> Imported<Flow> {
    flows_from_csv(data(name).as_slice(), &CsvOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The (line, field) of every error of a rejected CSV text.
fn csv_errors(text: &str) -> Vec<(u64, Option<String>, String)> {
    csv_errors_with(text, CsvOptions::default())
}

fn csv_errors_with(text: &str, options: CsvOptions) -> Vec<(u64, Option<String>, String)> {
    let rejected: Rejected = flows_from_csv(text.as_bytes(), &options)
        .map(|ok| panic!("expected errors, imported {:?}", ok.items))
        .unwrap_err();
    rejected
        .errors
        .into_iter()
        .map(|e| (e.line, e.field, e.message))
        .collect()
}

fn fields(errors: &[(u64, Option<String>, String)]) -> Vec<(u64, Option<&str>)> {
    errors.iter().map(|(l, f, _)| (*l, f.as_deref())).collect()
}

#[test]
fn tronscan_trc20_rows_in_base_units_with_poisoning_and_failures_skipped() {
    let got = csv("tronscan_trc20.csv");
    assert_eq!(got.lines, 5);
    assert_eq!(got.items.len(), 2);
    let f = &got.items[0];
    assert_eq!(f.asset, Asset::new("USDT", Network::Tron));
    assert_eq!(
        f.inputs[0].address,
        "trx:TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b"
    );
    assert_eq!(
        f.outputs[0].address,
        "trx:TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS"
    );
    assert_eq!(f.value(), dec!(1500));
    assert_eq!(f.time.to_rfc3339(), "2026-01-02T03:04:05+00:00");
    assert_eq!(got.items[1].value(), dec!(1499));
    let skipped: Vec<u64> = got.skipped.iter().map(|s| s.line).collect();
    assert_eq!(skipped, [4, 5]);
    assert!(got.skipped[0].reason.contains("zero value"));
    assert!(got.skipped[1].reason.contains("OUT_OF_ENERGY"));
}

#[test]
fn etherscan_token_rows_in_units_share_a_hash_numbered() {
    let got = csv("etherscan_tokentx.csv");
    assert_eq!(got.items.len(), 3);
    assert_eq!(got.skipped.len(), 1);
    let usdt = Asset::new("USDT", Network::Ethereum);
    assert!(got.items.iter().all(|f| f.asset == usdt));
    assert_eq!(got.items[0].value(), dec!(12500));
    assert_eq!(got.items[1].value(), dec!(1250.5));
    assert_eq!(got.items[2].value(), dec!(11249.5));
    assert!(!got.items[0].id.contains('#'));
    assert!(got.items[1].id.ends_with("#1"), "{}", got.items[1].id);
    assert!(got.items[2].id.ends_with("#2"), "{}", got.items[2].id);
    assert_eq!(
        got.items[0].inputs[0].address,
        "eth:0x52908400098527886e0f7030069857d2e4169ee7"
    );
}

#[test]
fn etherscan_native_rows_take_value_in_or_out_and_skip_calls_and_errors() {
    let got = csv("etherscan_txlist.csv");
    let values: Vec<Decimal> = got.items.iter().map(Flow::value).collect();
    assert_eq!(values, [dec!(2.5), dec!(0.75)]);
    assert!(got.items.iter().all(|f| f.asset.to_string() == "ETH"));
    let skipped: Vec<u64> = got.skipped.iter().map(|s| s.line).collect();
    assert_eq!(skipped, [4, 5]);
    assert!(got.skipped[1].reason.contains("Error(0)"));
}

#[test]
fn utxo_rows_group_into_transactions_with_their_fee() {
    let got = csv("blockchair_utxo.csv");
    assert_eq!(got.items.len(), 2);
    let first = &got.items[0];
    assert_eq!(first.asset.to_string(), "BTC");
    assert_eq!(first.inputs.len(), 1);
    assert_eq!(first.inputs[0].amount, dec!(1));
    let outs: Vec<(&str, Decimal)> = first
        .outputs
        .iter()
        .map(|l| (l.address.as_str(), l.amount))
        .collect();
    assert_eq!(
        outs,
        [
            ("btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", dec!(0.6)),
            ("btc:1PTseXJbkW5oxE9HQY4FekyT4kzdmBDGZN", dec!(0.3999)),
        ]
    );
    assert_eq!(first.fee, dec!(0.0001));
    assert_eq!(first.time.to_rfc3339(), "2026-01-02T03:04:05+00:00");
    assert_eq!(got.items[1].inputs.len(), 2);
    assert_eq!(got.items[1].fee, dec!(0.0001));
    assert_eq!(got.skipped.len(), 1);
    assert_eq!(got.skipped[0].line, 5);
}

#[test]
fn bank_transfers_read_ibans_and_national_accounts() {
    let got = csv("bank_transfers.csv");
    assert_eq!(got.items.len(), 3);
    let [a, b, c] = &got.items[..] else {
        unreachable!()
    };
    assert_eq!(a.id, "REF-2026-0001");
    assert_eq!(a.asset.to_string(), "EUR@bank");
    assert_eq!(a.inputs[0].address, "iban:DE89370400440532013000");
    assert_eq!(a.outputs[0].address, "iban:GB82WEST12345698765432");
    assert_eq!(a.value(), dec!(1250));
    assert_eq!(b.outputs[0].address, "bank:KH:ABAAKHPP:000123456");
    assert_eq!(b.time.to_rfc3339(), "2026-01-03T00:00:00+00:00");
    assert_eq!(c.inputs[0].address, "bank:KH:ABAAKHPP:000123456");
    assert_eq!(c.outputs[0].address, "bank:TH:002:1234567890");
    assert_eq!(c.asset.to_string(), "USD@bank");
}

#[test]
fn cordon_json_lines_read_flows_and_conversions() {
    let flows = flows_from_json_lines(data("flows.jsonl").as_slice()).unwrap();
    assert_eq!(flows.lines, 5);
    assert_eq!(flows.items.len(), 4);
    assert_eq!(
        flows.items[3].outputs[0].address,
        "iban:GB82WEST12345698765432"
    );
    let conversions =
        conversions_from_json_lines(data("conversions.jsonl").as_slice(), Some(&flows.items))
            .unwrap();
    assert_eq!(conversions.items.len(), 2);
    assert_eq!(
        conversions.items[1].service.as_deref(),
        Some("iban:GB82WEST12345698765432")
    );
}

#[test]
fn a_file_with_one_bad_row_imports_nothing_and_names_every_bad_row() {
    let mut text = String::from_utf8(data("tronscan_trc20.csv")).unwrap();
    text = text.replacen(",1500000000,", ",1.5e9,", 1);
    text.push_str(&format!(
        "{},1767330245000,TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7c,TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS,5,USDT,6,,SUCCESS\n",
        "ab".repeat(32)
    ));
    text.push_str(&format!(
        "{},not a time,TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b,TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS,5,USDT,six,,maybe\n",
        "cd".repeat(32)
    ));
    let errors = csv_errors(&text);
    assert_eq!(
        fields(&errors),
        [
            (2, Some("quant")),
            (6, Some("from_address")),
            (7, Some("contractRet")),
        ],
        "{errors:#?}"
    );
    assert!(errors[0].2.contains("whole number"), "{}", errors[0].2);
    assert!(
        errors[1].2.contains("not an address on tron"),
        "{}",
        errors[1].2
    );
}

#[test]
fn transfer_rows_name_the_column_at_fault() {
    let header = "Txhash,UnixTimestamp,From,To,TokenValue,TokenSymbol\n";
    let from = "0x52908400098527886e0f7030069857d2e4169ee7";
    let to = "0x8617e340b3d01fa5f11f306f4090fd50e238070d";
    let rows = [
        format!("0xaa,1767323045,{from},{to},\"1,5\",USDT"),
        format!("0xbb,01/02/2026,{from},{to},5,USDT"),
        format!("0xcc,1767323045,{from},{to},5,US DT X"),
        format!("0xdd,1767323045,{from},,5,USDT"),
        format!("0xee,1767323045,{from},{to},-5,USDT"),
        format!("0xff,1767323045,{from},{to},5,USDT,extra"),
        format!("0x11,1767323045,nowhere,{to},5,USDT"),
    ];
    let errors = csv_errors(&(header.to_owned() + &rows.join("\n") + "\n"));
    assert_eq!(
        fields(&errors),
        [
            (2, Some("TokenValue")),
            (3, Some("UnixTimestamp")),
            (4, Some("TokenSymbol")),
            (5, Some("To")),
            (6, Some("TokenValue")),
            (7, None),
            (8, Some("From")),
        ],
        "{errors:#?}"
    );
    assert!(errors[0].2.contains("ambiguous"));
    assert!(errors[1].2.contains("ambiguous"));
    assert!(errors[4].2.contains("sign"));
    assert!(errors[6].2.contains("not an address on ethereum"));
}

#[test]
fn a_transfer_header_missing_columns_says_which() {
    let errors = csv_errors("hash,from,to,quant\n0xaa,a,b,5\n");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0].1.as_deref(), Some("quant"));
    assert!(errors[0].2.contains("decimals"));
    assert!(errors[1].2.contains("a time"), "{}", errors[1].2);
    let errors = csv_errors_with(
        "hash,timestamp,from,to,value\n0xaa,1767323045,a,b,5\n",
        CsvOptions {
            network: Some(Network::Bitcoin),
        },
    );
    assert!(errors[0].2.contains("utxo"), "{errors:#?}");
}

#[test]
fn utxo_errors_name_the_transaction_s_first_line() {
    let b0 = "1Q6QrJaDC4Jhfyk5HLDDRrCGWFoaqiCCVQ";
    let b1 = "1PTseXJbkW5oxE9HQY4FekyT4kzdmBDGZN";
    let text = format!(
        "txid,direction,address,value,time\n\
         t1,in,{b0},1000,1767323045\n\
         t1,out,{b1},2000,1767323045\n\
         t2,out,{b1},2000,1767323045\n\
         t3,pubkeyhash,{b1},2000,1767323045\n\
         t4,in,{b0},1.5,1767323045\n\
         t5,in,,1000,1767323045\n\
         t6,in,{b0},1000,1767323045\n\
         t6,out,1PTseXJbkW5oxE9HQY4FekyT4kzdmBDGZM,900,1767323045\n"
    );
    let errors = csv_errors(&text);
    assert_eq!(
        fields(&errors),
        [
            (2, Some("value")),
            (4, Some("direction")),
            (5, Some("direction")),
            (6, Some("value")),
            (7, Some("address")),
            (8, Some("direction")),
            (9, Some("address")),
        ],
        "{errors:#?}"
    );
    assert!(errors[0].2.contains("exceed inputs"));
    assert!(errors[1].2.contains("no input rows"));
    assert!(errors[2].2.contains("script type"));
}

#[test]
fn bank_rows_without_iban_name_the_missing_columns() {
    let text = "Date,Reference,From account,To account,Amount,Currency\n\
                2026-01-02,R1,DE89370400440532013000,000123456,100,EUR\n\
                2026-01-02,R2,DE89370400440532013001,GB82WEST12345698765432,100,EUR\n\
                2026-01-02,R3,DE89370400440532013000,GB82WEST12345698765432,100,EURO\n\
                2026-01-02,R1,DE89370400440532013000,GB82WEST12345698765432,100,EUR\n\
                2026-01-02,R5,DE89370400440532013000,GB82WEST12345698765432,\"1.234,50\",EUR\n\
                2026-01-02,,DE89370400440532013000,GB82WEST12345698765432,100,EUR\n";
    let errors = csv_errors(text);
    assert_eq!(
        fields(&errors),
        [
            (2, Some("To account")),
            (3, Some("From account")),
            (4, Some("Currency")),
            (5, Some("Reference")),
            (6, Some("Amount")),
            (7, Some("Reference")),
        ],
        "{errors:#?}"
    );
    assert!(
        errors[0]
            .2
            .contains("'Creditor country' and 'Creditor bank code'"),
        "{}",
        errors[0].2
    );
    assert!(errors[3].2.contains("already on line 2"));
    assert!(errors[4].2.contains("decimal comma"));
    let errors = csv_errors("Date,Debtor IBAN,Creditor IBAN,Amount\n2026-01-02,a,b,1\n");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].2.contains("Reference") && errors[0].2.contains("Currency"));
}

#[test]
fn malformed_csv_rows_are_errors_not_panics() {
    for text in [
        "",
        "\n",
        "a\n",
        "from,to\n\"unterminated\n",
        "\u{feff}Txhash,UnixTimestamp,From,To,Value\n",
        "is_input,value\n1\n",
    ] {
        match flows_from_csv(text.as_bytes(), &CsvOptions::default()) {
            Ok(got) => assert!(got.items.is_empty(), "{text:?}"),
            Err(e) => assert!(!e.errors.is_empty(), "{text:?}"),
        }
    }
}
