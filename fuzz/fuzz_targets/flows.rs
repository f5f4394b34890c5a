//! Money flows: CSV exports of block explorers and banks, flows and
//! conversions as JSON lines, amounts and addresses alone.
#![no_main]

use cordon_finance::asset::Network;
use cordon_finance::import::csv::{CsvOptions, flows_from_csv};
use cordon_finance::import::jsonl::{conversions_from_json_lines, flows_from_json_lines};
use cordon_finance::import::{address::normalize_address, amount::parse_amount};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let network = [
        Network::Bitcoin,
        Network::Ethereum,
        Network::Tron,
        Network::Bank,
    ]
    .get(usize::from(pick) % 5)
    .copied();
    let _ = flows_from_csv(rest, &CsvOptions { network });
    if let Ok(imported) = flows_from_json_lines(rest) {
        let _ = conversions_from_json_lines(rest, Some(&imported.items));
    }
    let _ = conversions_from_json_lines(rest, None);
    if let Ok(text) = std::str::from_utf8(rest) {
        let _ = parse_amount(text);
        if let Some(network) = network {
            let _ = normalize_address(text, network);
        }
    }
});
