//! IBAN validity agrees with PyPI `schwifty` on IBANs generated from every
//! country's registry structure, with and without errors (100 % required).
//!
//! `scripts/oracle_iban.py` writes `input<TAB>verdict` lines: schwifty's
//! compact IBAN when it validates, `ERROR` otherwise.

use cordon_core::selector::{Hint, SelectorKind, normalize_one};

#[test]
fn iban_validity_agrees_with_schwifty() {
    // CORDON_ORACLE_SEED / CORDON_ORACLE_COUNT widen the search by hand.
    let seed = std::env::var("CORDON_ORACLE_SEED").unwrap_or_else(|_| "20260301".to_owned());
    let count = std::env::var("CORDON_ORACLE_COUNT").unwrap_or_else(|_| "40".to_owned());
    let Some(stdout) = cordon_testkit::run_python(
        "oracle_iban.py",
        &["--seed", &seed, "--count", &count],
        None,
    ) else {
        return;
    };
    let text = String::from_utf8(stdout).expect("oracle prints utf-8");
    let hint = Hint::kind(SelectorKind::Iban);
    let mut total = 0usize;
    let mut valid = 0usize;
    let mut countries = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for line in text.lines() {
        let Some((input, verdict)) = line.split_once('\t') else {
            panic!("oracle line without a tab: {line:?}");
        };
        total += 1;
        let ours = match normalize_one(input, &hint) {
            Ok(sel) => {
                assert_eq!(sel.kind(), SelectorKind::Iban, "{input}");
                sel.value().to_owned()
            }
            Err(e) => format!("ERROR ({})", e.message),
        };
        if verdict != "ERROR" {
            valid += 1;
            countries.insert(verdict[..2].to_owned());
        }
        let agrees = if verdict == "ERROR" {
            ours.starts_with("ERROR")
        } else {
            ours == verdict
        };
        if !agrees {
            failures.push(format!("{input:?}: schwifty {verdict}, cordon {ours}"));
        }
    }
    eprintln!(
        "iban oracle: {} of {total} agree ({valid} valid, {} invalid; {} countries with valid ibans)",
        total - failures.len(),
        total - valid,
        countries.len()
    );
    assert!(total > 10_000, "oracle produced only {total} rows");
    assert!(
        countries.len() >= 127,
        "valid ibans for only {} countries",
        countries.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with schwifty:\n{}",
        failures.len(),
        failures
            .iter()
            .take(50)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
