//! Registrable domains agree with PyPI `tldextract` (private section of the
//! public suffix list included) on a generated corpus of ≥ 20,000 hostnames.
//!
//! `scripts/oracle_domain.py` makes the corpus and tldextract's answers,
//! offline, from tldextract's bundled list snapshot. The `psl` crate compiles
//! a newer list: rules were added and removed in between (retired brand TLDs
//! such as `.juniper`, private entries such as `dd-dns.de`), and no
//! algorithm can agree with both lists there. So a disagreement counts as a
//! *list difference* when the `psl` crate itself, asked directly, does not
//! have the rule tldextract matched (or has a more specific one under it);
//! every other disagreement is *real*. The raw agreement is printed; the
//! agreement on hostnames whose answer does not hinge on a list difference
//! must reach 99.9 %, and list differences must stay a small share, so that
//! a broken list (say, one without its private section) cannot pass as
//! "differences".

use cordon_core::{Hint, SelectorKind, selector::normalize_one};

const COUNT: usize = 20_000;
const SEED: usize = 7;
const REQUIRED: f64 = 0.999;
/// Share of the corpus that may hinge on list differences: about 1.5 % for
/// lists 19 months apart.
const MAX_LIST_DIFFERENCES: f64 = 0.05;

struct Case<'a> {
    input: &'a str,
    expected: &'a str,
    oracle_suffix: &'a str,
}

#[test]
fn registrable_domains_agree_with_tldextract() {
    // `CORDON_ORACLE_COUNT` and `CORDON_ORACLE_SEED` run a larger or other
    // corpus by hand; the defaults are what CI runs.
    let setting = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let wanted = setting("CORDON_ORACLE_COUNT", COUNT).max(COUNT);
    let count = wanted.to_string();
    let seed = setting("CORDON_ORACLE_SEED", SEED).to_string();
    let Some(stdout) = cordon_testkit::run_python(
        "oracle_domain.py",
        &["--seed", &seed, "--count", &count],
        None,
    ) else {
        return;
    };
    let text = String::from_utf8(stdout).expect("the oracle writes utf-8");
    let mut cases = Vec::with_capacity(wanted);
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            eprintln!("{}", comment.trim());
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(input), Some(expected), Some(oracle_suffix)) =
            (cols.next(), cols.next(), cols.next())
        else {
            panic!("oracle line is not input<TAB>expected<TAB>suffix: {line:?}");
        };
        cases.push(Case {
            input,
            expected,
            oracle_suffix,
        });
    }
    assert!(
        cases.len() >= COUNT,
        "the oracle gave {} hostnames; want {COUNT}",
        cases.len()
    );

    let hint = Hint::kind(SelectorKind::Domain);
    let mut agree = 0usize;
    let mut list_differences = 0usize;
    let mut real = Vec::new();
    let mut listed = Vec::new();
    for case in &cases {
        let got = match normalize_one(case.input, &hint) {
            Ok(sel) => sel.value().to_owned(),
            Err(e) => format!("ERROR ({})", e.message),
        };
        let same = if case.expected == "ERROR" {
            got.starts_with("ERROR")
        } else {
            got == case.expected
        };
        if same {
            agree += 1;
        } else if is_list_difference(case) {
            list_differences += 1;
            listed.push((case, got));
        } else {
            real.push((case, got));
        }
    }

    let total = cases.len();
    let raw_rate = agree as f64 / total as f64;
    let comparable = total - list_differences;
    let rate = agree as f64 / comparable as f64;
    let list_share = list_differences as f64 / total as f64;
    eprintln!(
        "registrable domains: {agree}/{total} agree with tldextract on its bundled list ({:.3} %); \
         {list_differences} disagreements are public suffix list differences ({:.2} %), {} are real; \
         agreement where the lists agree: {agree}/{comparable} ({:.3} %)",
        raw_rate * 100.0,
        list_share * 100.0,
        real.len(),
        rate * 100.0,
    );
    let shown = real
        .iter()
        .map(|d| (d, "real"))
        .chain(listed.iter().map(|d| (d, "list difference")));
    for ((case, got), why) in shown.take(20) {
        eprintln!(
            "  {:?}: tldextract {:?} (suffix {:?}), cordon {:?} [{why}]",
            case.input, case.expected, case.oracle_suffix, got,
        );
    }
    assert!(
        rate >= REQUIRED,
        "agreement {:.3} % is below {:.1} %",
        rate * 100.0,
        REQUIRED * 100.0
    );
    assert!(
        list_share <= MAX_LIST_DIFFERENCES,
        "{:.2} % of hostnames hinge on public suffix list differences; more than {:.0} % means a list is broken, not merely newer",
        list_share * 100.0,
        MAX_LIST_DIFFERENCES * 100.0
    );
}

/// True when tldextract's answer rests on a rule the `psl` crate's list
/// lacks, or `psl` has a more specific rule below tldextract's suffix.
fn is_list_difference(case: &Case<'_>) -> bool {
    let oracle = case.oracle_suffix;
    if oracle.is_empty() {
        return false;
    }
    if psl_suffix(oracle).as_deref() != Some(oracle) {
        return true;
    }
    psl_suffix(case.input)
        .is_some_and(|s| s.len() > oracle.len() && s.ends_with(&format!(".{oracle}")))
}

/// The public suffix the `psl` crate finds for a hostname, in the oracle's
/// form (IDNA ASCII, lowercase); `None` when it knows none.
fn psl_suffix(input: &str) -> Option<String> {
    let ascii = idna::domain_to_ascii(input.trim_end_matches('.')).ok()?;
    let suffix = psl::suffix(ascii.as_bytes())?;
    if !suffix.is_known() {
        return None;
    }
    std::str::from_utf8(suffix.as_bytes())
        .ok()
        .map(str::to_owned)
}
