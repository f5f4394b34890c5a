//! Registrable domains agree with PyPI `tldextract` (private section of the
//! public suffix list included) on a generated corpus of ≥ 20,000 hostnames.
//!
//! Both sides judge by the same list: `scripts/oracle_domain.py` gives
//! tldextract the very rules file that the `psl` crate was compiled from
//! (found through `cargo metadata`), and draws hostnames from those rules,
//! so that what is compared is the algorithm — wildcards, exceptions, IDN,
//! case, trailing dots, bare suffixes — not two snapshots of a list that
//! changes every week.

use std::path::PathBuf;
use std::process::Command;

use cordon_core::{Hint, SelectorKind, selector::normalize_one};

const COUNT: usize = 20_000;
const SEED: usize = 7;
const REQUIRED: f64 = 0.999;

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
    let count = setting("CORDON_ORACLE_COUNT", COUNT).max(COUNT).to_string();
    let seed = setting("CORDON_ORACLE_SEED", SEED).to_string();
    let rules = psl_rules_file();
    let rules = rules.to_str().expect("cargo paths are utf-8");
    let Some(stdout) = cordon_testkit::run_python(
        "oracle_domain.py",
        &["--seed", &seed, "--count", &count, "--suffix-list", rules],
        None,
    ) else {
        return;
    };
    let text = String::from_utf8(stdout).expect("the oracle writes utf-8");

    let hint = Hint::kind(SelectorKind::Domain);
    let (mut total, mut agree) = (0usize, 0usize);
    let mut disagreements = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            eprintln!("{}", comment.trim());
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(input), Some(expected)) = (cols.next(), cols.next()) else {
            panic!("oracle line is not input<TAB>expected<TAB>suffix: {line:?}");
        };
        total += 1;
        let got = match normalize_one(input, &hint) {
            Ok(sel) => sel.value().to_owned(),
            Err(e) => format!("ERROR ({})", e.message),
        };
        let same = if expected == "ERROR" {
            got.starts_with("ERROR")
        } else {
            got == expected
        };
        if same {
            agree += 1;
        } else {
            disagreements.push((input.to_owned(), expected.to_owned(), got));
        }
    }
    assert!(
        total >= COUNT,
        "the oracle gave {total} hostnames; want {COUNT}"
    );
    let rate = agree as f64 / total as f64;
    eprintln!(
        "registrable domains: {agree}/{total} agree with tldextract on the same public suffix list ({:.3} %)",
        rate * 100.0
    );
    for (input, expected, got) in disagreements.iter().take(20) {
        eprintln!("  {input:?}: tldextract {expected:?}, cordon {got:?}");
    }
    assert!(
        rate >= REQUIRED,
        "agreement {:.3} % is below {:.1} %",
        rate * 100.0,
        REQUIRED * 100.0
    );
}

/// The public suffix list the `psl` crate was built from: `data/rules.txt`
/// in its package, located through `cargo metadata`. Only this machine's
/// platform is resolved: offline, the packages of other platforms (never
/// downloaded for a build here) would make cargo fail.
fn psl_rules_file() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    let host = String::from_utf8_lossy(&version.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names its host");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("cargo metadata is json");
    let manifest = meta["packages"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "psl"))
        .and_then(|p| p["manifest_path"].as_str())
        .expect("psl is a dependency of cordon-core");
    let rules = PathBuf::from(manifest)
        .with_file_name("data")
        .join("rules.txt");
    assert!(
        rules.exists(),
        "the psl crate ships its list at {}",
        rules.display()
    );
    rules
}
