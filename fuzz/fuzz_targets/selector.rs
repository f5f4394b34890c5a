//! Selector normalisation: any text, with or without a kind or region
//! hint. What it gives must be canonical: read back with
//! `Selector::parse_canonical` (as the store and peers do), it is itself.
#![no_main]

use cordon_core::selector::{Region, normalize};
use cordon_core::{Hint, Selector, SelectorKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kinds = SelectorKind::ALL;
    let kind = kinds.get(usize::from(pick) % (kinds.len() + 1)).copied();
    let region = ["TH", "KH", "MM", "PH", "GB", "US", "IN", "CN"]
        .get(usize::from(pick >> 4) % 9)
        .and_then(|r| r.parse::<Region>().ok());
    let hint = Hint { kind, region };
    if let Ok(selectors) = normalize(text, &hint) {
        for s in selectors {
            match Selector::parse_canonical(s.as_str()) {
                Ok(again) => assert_eq!(again, s, "canonical text read back differs"),
                Err(e) => panic!("{:?} from {text:?} is not read back: {e}", s.as_str()),
            }
        }
    }
});
