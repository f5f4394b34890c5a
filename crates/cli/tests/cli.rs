//! The `cordon` binary driven as a user would: real processes, real files,
//! a real SQLite store.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::cordon;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn add_agency(dir: &Path, db: &str, code: &str) {
    let out = cordon(
        &[
            "agency",
            "add",
            "--db",
            db,
            "--code",
            code,
            "--name",
            "National Crime Agency",
            "--country",
            "GB",
            "--kind",
            "police",
            "--contact",
            "ukfcu@nca.example",
        ],
        dir,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_file_with_a_bad_line_imports_nothing_and_names_every_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    add_agency(dir.path(), &db, "GB-NCA");
    let reports = dir.path().join("reports.jsonl");
    std::fs::write(
        &reports,
        concat!(
            r#"{"id":"a","kind":"fraud_complaint","country":"GB","selectors":["+855 12 345 678"]}"#, "\n",
            r#"{"id":"b","kind":"fraud_complaint","country":"GB","selectors":["DE00 1234 5678 9012 3456 78"]}"#, "\n",
            r#"{"id":"c","kind":"tip","country":"GB","narrative":"x","grading":"Z9"}"#, "\n",
        ),
    )
    .unwrap();
    let out = cordon(
        &["import", "--db", &db, "--agency", "GB-NCA", "reports.jsonl"],
        dir.path(),
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("reports.jsonl:2: selectors[0]:"), "{err}");
    assert!(err.contains("reports.jsonl:3: grading:"), "{err}");
    assert!(err.contains("nothing of this file was imported"), "{err}");

    // Fixing the file and importing again stores all three, once.
    std::fs::write(
        &reports,
        concat!(
            r#"{"id":"a","kind":"fraud_complaint","country":"GB","selectors":["+855 12 345 678"]}"#, "\n",
            r#"{"id":"b","kind":"fraud_complaint","country":"GB","selectors":["DE89 3704 0044 0532 0130 00"]}"#, "\n",
            r#"{"id":"c","kind":"tip","country":"GB","narrative":"call 012 345 678 in Phnom Penh","grading":"B2"}"#, "\n",
        ),
    )
    .unwrap();
    let out = cordon(
        &["import", "--db", &db, "--agency", "GB-NCA", "reports.jsonl"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("imported 3 reports (3 new or revised, 0 unchanged)"),
        "{}",
        text(&out.stderr)
    );
    let out = cordon(
        &["import", "--db", &db, "--agency", "GB-NCA", "reports.jsonl"],
        dir.path(),
    );
    assert!(
        text(&out.stderr).contains("imported 3 reports (0 new or revised, 3 unchanged)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn csv_imports_and_an_unknown_agency_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    std::fs::write(
        dir.path().join("r.csv"),
        "id,kind,country,tlp,selectors\nx1,fraud_complaint,TH,RED,+66 81 234 5678;hxxps://trade-usdt[.]vip\n",
    )
    .unwrap();
    let out = cordon(
        &["import", "--db", &db, "--agency", "TH-DSI", "r.csv"],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("agency 'TH-DSI' is not registered"),
        "{}",
        text(&out.stderr)
    );
    add_agency(dir.path(), &db, "TH-DSI");
    let out = cordon(
        &["import", "--db", &db, "--agency", "TH-DSI", "r.csv"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("imported 1 reports"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn agency_add_rejects_bad_input_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    let out = cordon(
        &[
            "agency",
            "add",
            "--db",
            &db,
            "--code",
            "nca",
            "--name",
            "x",
            "--country",
            "GB",
            "--kind",
            "police",
            "--contact",
            "c",
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("code:"), "{}", text(&out.stderr));
    let out = cordon(
        &[
            "agency",
            "add",
            "--db",
            &db,
            "--code",
            "GB-NCA",
            "--name",
            "x",
            "--country",
            "GB",
            "--kind",
            "army",
            "--contact",
            "c",
        ],
        dir.path(),
    );
    assert!(
        text(&out.stderr).contains("unknown agency kind 'army'"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_simulated_world_imports_whole_and_matches_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = cordon(
        &["sim", "--seed", "3", "--scale", "small", "--out", "world"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = format!("sqlite://{}", dir.path().join("w.db").display());
    let out = cordon(&["import", "--db", &db, "world"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("imported 10000 reports (10000 new or revised"),
        "{}",
        text(&out.stderr)
    );
    let out = cordon(&["agency", "list", "--db", &db], dir.path());
    let agencies: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("world/agencies.json")).unwrap())
            .unwrap();
    assert_eq!(
        text(&out.stdout).lines().count(),
        agencies["agencies"].as_array().unwrap().len()
    );
}

#[test]
fn normalize_is_a_stdin_filter() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args(["normalize", "--region", "KH"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("012 345 678\nhxxps://trade-usdt[.]vip/login\nnonsense\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["selectors"][0]["selector"], "phone:+85512345678");
    assert_eq!(
        lines[1]["selectors"][1]["selector"],
        "domain:trade-usdt.vip"
    );
    assert_eq!(lines[2]["error"]["code"], "unrecognized");
}

/// `cordon agency list | head -1`: a reader that closes the pipe early ends
/// the command quietly, without a panic (found while seeding the fuzz
/// corpora; `println!` panicked on the broken pipe).
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    for code in ["GB-NCA", "GB-SFO", "GB-FCA"] {
        add_agency(dir.path(), &db, code);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args(["agency", "list", "--db", &db])
        .current_dir(dir.path())
        .env_remove("CORDON_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before cordon has opened its store.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}
