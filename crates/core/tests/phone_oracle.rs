//! Phone normalisation agrees with Google's libphonenumber (PyPI
//! `phonenumbers`) on a generated corpus of messy inputs with region hints.
//!
//! `scripts/oracle_phone.py` builds the corpus and the oracle's answer for
//! each line; the figure is ≥ 99.5 % agreement on ≥ 10,000 inputs.

use cordon_core::selector::{Region, normalize_one};
use cordon_core::{Hint, SelectorKind};

const COUNT: usize = 12_000;
const REQUIRED_AGREEMENT: f64 = 0.995;

#[test]
fn phone_normalisation_agrees_with_libphonenumber() {
    let count = COUNT.to_string();
    let Some(stdout) =
        cordon_testkit::run_python("oracle_phone.py", &["--seed", "7", "--count", &count], None)
    else {
        return;
    };
    let corpus = String::from_utf8(stdout).expect("the oracle writes utf-8");

    let mut total = 0usize;
    let mut agreed = 0usize;
    let mut disagreements = Vec::new();
    for line in corpus.lines() {
        let mut cols = line.split('\t');
        let (Some(region), Some(input), Some(expected), None) =
            (cols.next(), cols.next(), cols.next(), cols.next())
        else {
            panic!("oracle line is not region<TAB>input<TAB>expected: {line:?}");
        };
        let region = if region.is_empty() {
            None
        } else {
            Some(
                region
                    .parse::<Region>()
                    .expect("oracle regions are two letters"),
            )
        };
        let hint = Hint {
            kind: Some(SelectorKind::Phone),
            region,
        };
        let got = match normalize_one(input, &hint) {
            Ok(selector) => selector
                .as_str()
                .strip_prefix("phone:")
                .unwrap_or(selector.as_str())
                .to_owned(),
            Err(_) => "ERROR".to_owned(),
        };
        total += 1;
        if got == expected {
            agreed += 1;
        } else if disagreements.len() < 20 {
            disagreements.push(format!(
                "  region {:<2} input {input:?}: oracle {expected}, cordon {got}",
                region.as_ref().map_or("", Region::as_str)
            ));
        }
    }

    assert!(total >= 10_000, "the oracle corpus has only {total} lines");
    let rate = agreed as f64 / total as f64;
    println!(
        "phone oracle agreement: {agreed}/{total} = {:.3} %",
        rate * 100.0
    );
    if !disagreements.is_empty() {
        println!("first disagreements:\n{}", disagreements.join("\n"));
    }
    assert!(
        rate >= REQUIRED_AGREEMENT,
        "agreement {:.3} % is below {:.1} %; first disagreements:\n{}",
        rate * 100.0,
        REQUIRED_AGREEMENT * 100.0,
        disagreements.join("\n")
    );
}
