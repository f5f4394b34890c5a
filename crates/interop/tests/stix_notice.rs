//! A purple notice's bundle checked with the OASIS libraries
//! (`stix2-validator`, `stix2`) of the test virtualenv, through the same
//! checker as `cordon export`'s bundles (crates/cli/tests/python/
//! stix_check.py).
//!
//! Under CI a missing virtualenv fails this test; elsewhere it is skipped,
//! loudly (`cordon_testkit::python`).

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use cordon_interop::stix::notice::{NoticeView, notice_bundle};
use serde_json::Value;

/// Warning codes of stix2-validator that Cordon's bundles raise on
/// purpose: 103, UUIDv5 ids (deterministic, so that a re-export updates
/// instead of duplicating). The CLI's export test justifies the same.
const JUSTIFIED_WARNINGS: [&str; 1] = ["103"];

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn pairs(items: &[(&str, usize)]) -> Vec<(String, usize)> {
    items.iter().map(|(s, n)| (s.to_string(), *n)).collect()
}

/// Runs the STIX checker of the CLI's tests on a bundle file and parses
/// its report; `None` when the virtualenv is missing outside CI.
fn stix_check(bundle: &Path) -> Option<Value> {
    let py = cordon_testkit::python()?;
    let script = cordon_testkit::workspace_root().join("crates/cli/tests/python/stix_check.py");
    let out = Command::new(py)
        .arg(&script)
        .arg(bundle)
        .output()
        .unwrap_or_else(|e| panic!("cannot start python for stix_check.py: {e}"));
    assert!(
        out.status.success(),
        "stix_check.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the helper prints JSON"))
}

#[test]
fn a_purple_notice_validates_and_loads_in_the_oasis_libraries() {
    let mo = pairs(&[
        ("investment", 40),
        ("romance", 3),
        ("channel:telegram", 12),
        ("recruitment:fake_job_offer", 7),
        ("control:debt_bondage", 2),
    ]);
    let countries = pairs(&[("TH", 30), ("KH", 12), ("MM", 1)]);
    let languages = pairs(&[("th", 20), ("en", 5)]);
    // A selector of every kind: each STIX pattern Cordon writes, and the
    // fuzzy kinds, which have none.
    let indicators: Vec<String> = [
        "phone:+85512345678",
        "email:recruit+hr@example.com",
        "domain:evil.vip",
        "url:https://trade.example.vip/login?ref=7",
        "ip:203.0.113.5",
        "ip:2001:db8::1",
        "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
        "eth:0x52908400098527886e0f7030069857d2e4169ee7",
        "iban:DE89370400440532013000",
        "bank:KH:ABAAKHPP:000123456",
        "telegram:@goodjob_hr",
        "passport:KE:AK1234567",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "name:nguyen van an",
        "company:golden dream ltd",
    ]
    .map(String::from)
    .to_vec();
    let view = NoticeView {
        id: "PN-1a2b3c4d5e6f",
        title: "Fake trading platforms recruiting through Telegram",
        summary: "Victims are approached on Telegram and moved to a fake exchange; \
                  workers are recruited with fake job offers and held by debt bondage.",
        author: "TH-DSI",
        tlp: Tlp::Clear,
        published: at("2026-11-20T08:00:00.123456Z"),
        modified: at("2026-11-20T08:00:00.123456Z"),
        mo: &mo,
        countries: &countries,
        languages: &languages,
        first_seen: Some(at("2026-01-03T10:00:00Z")),
        last_seen: Some(at("2026-10-30T18:00:00Z")),
        indicators: &indicators,
        network: "N-0a1b2c3d4e5f",
    };
    let bundle = notice_bundle(&view).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    let indicator_count = objects.iter().filter(|o| o["type"] == "indicator").count();
    assert_eq!(indicator_count, indicators.len() - 2);

    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("purple-notice.json");
    std::fs::write(&file, serde_json::to_string_pretty(&bundle).unwrap()).unwrap();
    let Some(check) = stix_check(&file) else {
        return;
    };
    eprintln!(
        "stix2-validator on {} objects: warnings by code {}; samples {}",
        check["objects"],
        check["warnings"],
        serde_json::to_string_pretty(&check["warning_samples"]).unwrap()
    );
    assert_eq!(check["objects"], objects.len());
    assert_eq!(
        check["errors"],
        Value::Array(vec![]),
        "stix2-validator errors"
    );
    assert_eq!(check["valid"], true, "stix2-validator: not valid");
    let unjustified: Vec<&String> = check["warnings"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|code| !JUSTIFIED_WARNINGS.contains(&code.as_str()))
        .collect();
    assert!(
        unjustified.is_empty(),
        "warnings with codes {unjustified:?}: {}",
        check["warning_samples"]
    );
    assert_eq!(check["bundle_loads"], true, "{}", check["unloadable"]);
    assert_eq!(
        check["unloadable"],
        Value::Array(vec![]),
        "objects stix2 cannot load"
    );
}
