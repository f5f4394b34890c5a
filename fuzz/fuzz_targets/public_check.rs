//! The public check: a job advert pasted by anyone, in any language, with
//! any country, answered by the risk model and the known selectors.
#![no_main]

use cordon_prevent::check::{Known, Question, answer_looking_up};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let country = ["TH", "KH", "MM", "PH", "GB", "ZZ"]
        .get(usize::from(pick) % 7)
        .copied();
    let language = ["en", "th", "my", "km", "tl", "zz"][usize::from(pick >> 4) % 6];
    let q = Question {
        text,
        country,
        language,
    };
    let answer = answer_looking_up(q, |selectors| {
        selectors
            .iter()
            .take(2)
            .map(|s| Known {
                selector: s.clone(),
                reports: 3,
            })
            .collect()
    });
    let _ = answer;
});
