//! Selectors found in free text (narratives, job adverts, the public
//! check): every span lies in the text on character boundaries, and every
//! selector found is canonical.
#![no_main]

use cordon_core::selector::Region;
use cordon_core::selector::extract;
use cordon_core::{Hint, Selector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let region = ["TH", "KH", "MM", "PH", "GB"]
        .get(usize::from(pick) % 6)
        .and_then(|r| r.parse::<Region>().ok());
    let hint = Hint { kind: None, region };
    for found in extract(text, &hint) {
        let [start, end] = found.span;
        assert!(
            start <= end && end <= text.len(),
            "span {start}..{end} outside the text"
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "span {start}..{end} splits a character"
        );
        let back = Selector::parse_canonical(found.selector.as_str());
        assert!(
            back.is_ok(),
            "{:?} is not canonical: {back:?}",
            found.selector.as_str()
        );
    }
});
