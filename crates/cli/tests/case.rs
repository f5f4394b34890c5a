//! `cordon case …` on an SQLite store, as the desks of three agencies would
//! use it: a case opened from a file walks the protocol, a refused move
//! names its field and changes nothing, screening and the outcome are
//! recorded, the case exports as HTCDS (JSON and CSV, only the standard's
//! fields and Cordon's extension); the person's name never reaches the
//! database file in clear; an agency not assigned to the case finds
//! nothing; the clocks escalate an overdue case once; a signals file with a
//! bad line opens nothing and names the line.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use common::{cordon, fails, ok};

/// The person's name and account: sealed, never in the file in clear.
const NAME: &str = "Kanyarat";
const FAMILY: &str = "Srisuk";
const ACCOUNT: &str = "she messaged her mother that she cannot leave the blue building";
const PASSPORT: &str = "passport:TH:AA9876543";
const RECRUITER: &str = "telegram:@jobs_bkk_recruit";
/// The ransom wallet: intelligence too.
const WALLET: &str = "trx:TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL";

/// A store with three agencies and a user each: Thailand's DSI and
/// Cambodia's NCB take the cases, Britain's NCA is not assigned to them.
fn store(d: &Path) -> String {
    let db = format!("sqlite://{}", d.join("cordon.db").display());
    for (code, country, kind, user, role) in [
        ("TH-DSI", "TH", "police", "somchai", "analyst"),
        ("KH-NCB", "KH", "ncb", "dara", "contributor"),
        ("GB-NCA", "GB", "police", "alice", "analyst"),
    ] {
        ok(
            &[
                "agency",
                "add",
                "--db",
                &db,
                "--code",
                code,
                "--name",
                code,
                "--country",
                country,
                "--kind",
                kind,
                "--contact",
                "desk@agency.example",
            ],
            d,
        );
        ok(
            &[
                "user", "add", "--db", &db, "--agency", code, "--name", user, "--role", role,
            ],
            d,
        );
    }
    db
}

fn opening(people: usize, received: Option<&str>) -> Value {
    let mut persons = vec![json!({
        "given_name": NAME, "family_name": FAMILY, "gender": "feminine",
        "birth_date": "1999-04-02", "languages": ["th"],
        "identifiers": [PASSPORT]
    })];
    for i in 1..people {
        persons.push(json!({ "given_name": format!("Companion{i}") }));
    }
    let mut opening = json!({
        "source": "family_report",
        "nationality": "TH",
        "compound": {"country": "KH"},
        "assigned": [
            {"agency": "TH-DSI", "role": "origin"},
            {"agency": "KH-NCB", "role": "destination"}
        ],
        "consent": true,
        "personal": {
            "people": persons,
            "recruitment": {"channel": "telegram", "promised_job": "customer service",
                            "selectors": [RECRUITER]},
            "account": ACCOUNT
        }
    });
    if let Some(at) = received {
        opening["received"] = json!(at);
    }
    opening
}

/// Runs a case command as `agency` (and `user`), which must succeed;
/// returns its JSON answer.
fn case(d: &Path, db: &str, agency: &str, user: Option<&str>, args: &[&str]) -> Value {
    let mut all = vec!["case", args[0], "--db", db, "--agency", agency];
    if let Some(user) = user {
        all.extend(["--user", user]);
    }
    all.extend(&args[1..]);
    let out = cordon(&all, d);
    assert!(
        out.status.success(),
        "cordon {} failed: {}",
        all.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cordon {} answered no JSON ({e}): {}",
            all.join(" "),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs a case command that must fail; returns its stderr.
fn refused(d: &Path, db: &str, agency: &str, user: Option<&str>, args: &[&str]) -> String {
    let mut all = vec!["case", args[0], "--db", db, "--agency", agency];
    if let Some(user) = user {
        all.extend(["--user", user]);
    }
    all.extend(&args[1..]);
    fails(&all, d)
}

fn open(d: &Path, db: &str, opening: &Value) -> String {
    let file = d.join("opening.json");
    std::fs::write(&file, opening.to_string()).unwrap();
    let answer = case(
        d,
        db,
        "TH-DSI",
        Some("somchai"),
        &["open", "--file", &file.display().to_string()],
    );
    answer["id"].as_str().unwrap().to_owned()
}

/// The field names an export may use: HTCDS v2's and the extension's.
fn allowed_fields() -> BTreeSet<String> {
    cordon_protect::htcds::fields()
        .keys()
        .cloned()
        .chain(
            cordon_protect::htcds::EXTENSION
                .iter()
                .map(|(name, ..)| (*name).to_owned()),
        )
        .collect()
}

/// Every byte SQLite keeps of the store: the database and its WAL.
fn database_bytes(d: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["cordon.db", "cordon.db-wal"] {
        if let Ok(b) = std::fs::read(d.join(name)) {
            bytes.extend(b);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_case_walks_the_protocol_and_exports_as_htcds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = store(d);
    let id = open(d, &db, &opening(1, None));
    assert!(id.starts_with("PC-"), "{id}");

    // Lists show the case to both assigned agencies, nothing personal.
    let listed = case(d, &db, "TH-DSI", None, &["list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["stage"], "signal_received");
    assert!(!listed.to_string().contains(NAME), "{listed}");
    let theirs = case(
        d,
        &db,
        "KH-NCB",
        None,
        &["list", "--stage", "signal_received"],
    );
    assert_eq!(theirs[0]["id"], id.as_str());
    assert!(
        refused(d, &db, "KH-NCB", None, &["list", "--stage", "rescued"])
            .contains("stage: unknown stage 'rescued'")
    );

    // Show opens the personal part for an assigned agency's member.
    let shown = case(d, &db, "KH-NCB", Some("dara"), &["show", &id]);
    assert_eq!(shown["personal"]["people"][0]["given_name"], NAME);
    assert_eq!(shown["personal"]["account"], ACCOUNT);
    assert_eq!(shown["timeline"][0]["by"], "TH-DSI/somchai");
    // …and the database holds it sealed only.
    let bytes = database_bytes(d);
    assert!(!bytes.is_empty());
    for clear in [NAME, FAMILY, ACCOUNT, PASSPORT] {
        assert!(!contains(&bytes, clear), "{clear} is in the database file");
    }

    // A write needs the user who acts.
    let err = refused(
        d,
        &db,
        "TH-DSI",
        None,
        &["move", &id, "--to", "verified", "--why", "x"],
    );
    assert!(err.contains("--user"), "{err}");

    let step = |to: &str| {
        let moved = case(
            d,
            &db,
            "TH-DSI",
            Some("somchai"),
            &["move", &id, "--to", to, "--why", &format!("reached {to}")],
        );
        assert_eq!(moved["stage"], to);
    };
    step("verified");
    step("located");
    // The protocol does not skip ahead: the refusal names the field.
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["move", &id, "--to", "shelter", "--why", "x"],
    );
    assert!(
        err.contains("to: cannot move from located to shelter"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["move", &id, "--to", "closed", "--why", "x"],
    );
    assert!(
        err.contains("to: closing a case needs a closure reason"),
        "{err}"
    );
    // Escaped: handed over without a planned rescue.
    step("extracted");
    step("screened");
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["move", &id, "--to", "shelter", "--why", "x"],
    );
    assert!(err.contains("to: record the screening outcome"), "{err}");
    assert_eq!(
        case(d, &db, "TH-DSI", None, &["list"])[0]["stage"],
        "screened",
        "a refused move changes nothing"
    );

    // Screening: repeated pairs, then a file; a bad indicator is named.
    let err = refused(
        d,
        &db,
        "KH-NCB",
        Some("dara"),
        &[
            "screen",
            &id,
            "--indicator",
            "no_such",
            "--presence",
            "present",
        ],
    );
    assert!(
        err.contains("[0].indicator: unknown indicator 'no_such'"),
        "{err}"
    );
    let err = refused(
        d,
        &db,
        "KH-NCB",
        Some("dara"),
        &["screen", &id, "--indicator", "ilo_deception"],
    );
    assert!(err.contains("--presence"), "{err}");
    let screened = case(
        d,
        &db,
        "KH-NCB",
        Some("dara"),
        &[
            "screen",
            &id,
            "--indicator",
            "ilo_deception",
            "--presence",
            "present",
            "--note",
            "promised an office job",
            "--indicator",
            "ilo_restriction_of_movement",
            "--presence",
            "present",
            "--note",
            "guards at the gate",
        ],
    );
    assert_eq!(screened["recorded"], 2);
    let evidence = d.join("evidence.json");
    std::fs::write(
        &evidence,
        json!([{"indicator": "ilo_retention_of_identity_documents", "presence": "present",
                "note": "passport taken on arrival"}])
        .to_string(),
    )
    .unwrap();
    case(
        d,
        &db,
        "KH-NCB",
        Some("dara"),
        &["screen", &id, "--file", &evidence.display().to_string()],
    );
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["outcome", &id, "--status", "victim", "--reasons", "x"],
    );
    assert!(err.contains("status: expected possible_victim"), "{err}");
    case(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &[
            "outcome",
            &id,
            "--status",
            "actual_victim",
            "--reasons",
            "deceived, held and her passport taken",
        ],
    );
    step("shelter");

    // Intelligence: the recruiter goes out, the person never does.
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["release", &id, "--selector", PASSPORT],
    );
    assert!(
        err.contains("selectors[0]: this selector names a person"),
        "{err}"
    );
    let released = case(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["release", &id, "--selector", RECRUITER, "--tlp", "GREEN"],
    );
    assert!(released["report"].is_string(), "{released}");
    let demanded = case(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &[
            "demand",
            &id,
            "--kind",
            "ransom_demand",
            "--selector",
            WALLET,
            "--message",
            "pay 8000 USDT or she is sold on",
            "--amount",
            "8000",
            "--currency",
            "usdt",
        ],
    );
    assert!(demanded["report"].is_string(), "{demanded}");
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &[
            "demand",
            &id,
            "--kind",
            "threat",
            "--selector",
            WALLET,
            "--message",
            "x",
        ],
    );
    assert!(
        err.contains("kind: expected ransom_demand or proof_of_life"),
        "{err}"
    );
    let task = case(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &[
            "task",
            &id,
            "--text",
            "book the shelter intake interview",
            "--due",
            "2030-01-10T09:00:00Z",
            "--for",
            "KH-NCB",
        ],
    );
    assert!(task["task"].as_str().unwrap().starts_with("T-"), "{task}");
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["task", &id, "--text", "x", "--due", "tomorrow"],
    );
    assert!(
        err.contains("--due: 'tomorrow' is not an RFC 3339 time"),
        "{err}"
    );
    case(
        d,
        &db,
        "KH-NCB",
        Some("dara"),
        &["note", &id, "--text", "she asked to call her mother"],
    );

    let shown = case(d, &db, "TH-DSI", Some("somchai"), &["show", &id]);
    assert_eq!(shown["stage"], "shelter");
    assert_eq!(shown["evidence"].as_array().unwrap().len(), 3, "{shown}");
    assert_eq!(shown["outcome"]["status"], "actual_victim");
    assert_eq!(
        shown["outcome"]["reasons"],
        "deceived, held and her passport taken"
    );
    assert_eq!(shown["non_punishment"], true);
    assert_eq!(shown["tasks"][0]["agency"], "KH-NCB");
    assert_eq!(shown["released"][0]["selectors"][0], RECRUITER);
    assert_eq!(shown["demands"][0]["currency"], "USDT");
    assert_eq!(
        shown["demands"][0]["message"],
        "pay 8000 USDT or she is sold on"
    );
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"open"));
    assert!(
        kinds.contains(&"note") && kinds.contains(&"task"),
        "{kinds:?}"
    );

    // HTCDS as JSON: only the standard's fields and the extension.
    let allowed = allowed_fields();
    let export = case(d, &db, "TH-DSI", None, &["export", &id]);
    assert_eq!(export["standard"], "HTCDS");
    assert_eq!(export["persons"].as_array().unwrap().len(), 1);
    let mut rows = vec![&export["case"]];
    for part in ["persons", "events", "organisations"] {
        rows.extend(export[part].as_array().unwrap());
    }
    for row in rows {
        for field in row.as_object().unwrap().keys() {
            assert!(allowed.contains(field), "{field} is not an HTCDS field");
        }
    }
    assert_eq!(export["persons"][0]["fcx_CordonCase"], id.as_str());
    // …and as CSV, one line per person.
    let out = d.join("case.csv");
    let out_arg = out.display().to_string();
    let csv_out = cordon(
        &[
            "case", "export", &id, "--db", &db, "--agency", "KH-NCB", "--format", "csv", "--out",
            &out_arg,
        ],
        d,
    );
    assert!(
        csv_out.status.success(),
        "{}",
        String::from_utf8_lossy(&csv_out.stderr)
    );
    assert!(csv_out.stdout.is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    for field in &header {
        assert!(allowed.contains(field), "{field} is not an HTCDS field");
    }
    assert!(header.iter().any(|h| h == "fcx_CordonCase"), "{header:?}");
    assert_eq!(reader.records().count(), 1);

    // An agency not assigned finds no case, as if there were none.
    for args in [
        vec!["show", id.as_str()],
        vec!["export", id.as_str()],
        vec!["note", id.as_str(), "--text", "x"],
        vec!["move", id.as_str(), "--to", "assessed", "--why", "x"],
    ] {
        let err = refused(d, &db, "GB-NCA", Some("alice"), &args);
        assert!(err.contains("no case found that you may read"), "{err}");
    }
    assert_eq!(
        case(d, &db, "GB-NCA", Some("alice"), &["list", "--closed"]),
        json!([])
    );
    assert_eq!(case(d, &db, "GB-NCA", None, &["embassy"])["cases"], 0);
    assert_eq!(case(d, &db, "TH-DSI", None, &["embassy"])["cases"], 1);
    // Until assigned.
    case(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["assign", &id, "--assign", "GB-NCA", "--role", "support"],
    );
    assert_eq!(
        case(d, &db, "GB-NCA", None, &["list"])[0]["id"],
        id.as_str()
    );

    // Every read was audited, in an intact chain.
    let conn = rusqlite::Connection::open(d.join("cordon.db")).unwrap();
    let count = |action: &str| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM audit WHERE action = ?1 AND subject = ?2",
            [action, id.as_str()],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(count("case_read"), 2);
    assert_eq!(count("case_export"), 2);
    ok(&["audit", "verify", "--db", &db], d);

    let bytes = database_bytes(d);
    for clear in [
        NAME,
        ACCOUNT,
        "guards at the gate",
        "book the shelter intake",
        "or she is sold on",
    ] {
        assert!(!contains(&bytes, clear), "{clear} is in the database file");
    }
}

#[test]
fn a_group_splits_and_merges_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = store(d);
    let id = open(d, &db, &opening(3, None));
    let split = case(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &[
            "split",
            &id,
            "--person",
            "2",
            "--why",
            "moved to another compound",
        ],
    );
    let new = split["id"].as_str().unwrap().to_owned();
    assert_ne!(new, id);
    let shown = case(d, &db, "KH-NCB", None, &["show", &new]);
    assert_eq!(shown["personal"]["people"][0]["given_name"], "Companion2");
    assert_eq!(shown["split_from"], id.as_str());
    let err = refused(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &["split", &id, "--person", "7", "--why", "x"],
    );
    assert!(err.contains("people: no person 7"), "{err}");
    case(
        d,
        &db,
        "TH-DSI",
        Some("somchai"),
        &[
            "merge",
            &id,
            "--from",
            &new,
            "--why",
            "found together again",
        ],
    );
    let merged = case(d, &db, "TH-DSI", None, &["show", &id]);
    assert_eq!(merged["personal"]["people"].as_array().unwrap().len(), 3);
    let gone = case(d, &db, "TH-DSI", None, &["show", &new]);
    assert_eq!(gone["stage"], "closed");
    assert_eq!(gone["merged_into"], id.as_str());
}

#[test]
fn the_clocks_escalate_an_overdue_case_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = store(d);
    let two_days_ago = (Utc::now() - Duration::days(2)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let late = open(d, &db, &opening(1, Some(&two_days_ago)));
    let fresh = open(d, &db, &opening(1, None));

    let overdue = case(d, &db, "TH-DSI", None, &["list", "--overdue"]);
    assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
    assert_eq!(overdue[0]["id"], late.as_str());
    assert_eq!(overdue[0]["escalated"], Value::Null);

    let clocks = |d: &Path| -> Value {
        let out = cordon(&["case", "clocks", "--db", &db], d);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(clocks(d), json!({"escalated": 1}));
    // Once per level: a second round owes nothing.
    assert_eq!(clocks(d), json!({"escalated": 0}));
    let shown = case(d, &db, "KH-NCB", Some("dara"), &["show", &late]);
    assert_eq!(shown["escalated"], "assigned");
    assert_eq!(
        shown["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "escalate"
    );
    let shown = case(d, &db, "KH-NCB", Some("dara"), &["show", &fresh]);
    assert_eq!(shown["escalated"], Value::Null);

    // The deployment's targets: supervisors are told an hour after the
    // due time, so the late case escalates to them now.
    let targets = d.join("clocks.json");
    std::fs::write(&targets, r#"{"supervisors_after_hours": 1}"#).unwrap();
    let targets = targets.display().to_string();
    let out = cordon(
        &["case", "clocks", "--db", &db, "--case-clocks", &targets],
        d,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!({"escalated": 1})
    );
    let shown = case(d, &db, "TH-DSI", None, &["show", &late]);
    assert_eq!(shown["escalated"], "supervisors");
    let err = fails(
        &[
            "case",
            "clocks",
            "--db",
            &db,
            "--case-clocks",
            "missing.json",
        ],
        d,
    );
    assert!(
        err.contains("--case-clocks: cannot read missing.json"),
        "{err}"
    );
}

/// One signal line of the simulator's shape.
fn signal(id: &str, raised_by: &str, received: &str, opening: Value) -> String {
    json!({"id": id, "received": received, "raised_by": raised_by, "opening": opening}).to_string()
}

#[test]
fn a_signals_file_with_a_bad_line_opens_nothing_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = store(d);
    let at =
        |days: i64| (Utc::now() - Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut escaped = opening(1, None);
    escaped["source"] = json!("escaped_worker");
    escaped["assigned"] = json!([{"agency": "TH-DSI", "role": "origin"}]);
    let mut bad = opening(1, None);
    bad["nationality"] = json!("XX");
    let mut unknown = opening(1, None);
    unknown["assigned"][1]["agency"] = json!("LA-MPS");
    let write = |lines: &[String]| {
        std::fs::write(d.join("signals.jsonl"), lines.join("\n") + "\n").unwrap();
    };
    write(&[
        signal("SIG-000001", "TH-DSI", &at(3), opening(1, None)),
        signal("SIG-000002", "TH-DSI", &at(2), bad),
        signal("SIG-000003", "KH-NCB", &at(1), escaped.clone()),
        signal("SIG-000004", "KH-NCB", &at(1), unknown),
        "{\"id\": \"SIG-000005\"}".to_owned(),
    ]);
    let err = fails(
        &["case", "signals", "--db", &db, "--file", "signals.jsonl"],
        d,
    );
    assert!(
        err.contains("signals.jsonl:2: opening.nationality:"),
        "{err}"
    );
    assert!(
        err.contains(
            "signals.jsonl:4: opening.assigned[1].agency: agency 'LA-MPS' is not registered"
        ),
        "{err}"
    );
    assert!(err.contains("signals.jsonl:5: missing field"), "{err}");
    assert!(!err.contains("signals.jsonl:1:"), "{err}");
    assert!(
        err.contains("3 of 5 lines are bad; nothing of this file was imported"),
        "{err}"
    );
    for agency in ["TH-DSI", "KH-NCB"] {
        assert_eq!(case(d, &db, agency, None, &["list"]), json!([]));
    }

    write(&[
        signal("SIG-000001", "TH-DSI", &at(3), opening(1, None)),
        signal("SIG-000003", "KH-NCB", &at(1), escaped),
    ]);
    let out = cordon(
        &["case", "signals", "--db", &db, "--file", "signals.jsonl"],
        d,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["opened"], 2);
    assert_eq!(answer["cases"][0]["signal"], "SIG-000001");
    let first = answer["cases"][0]["case"].as_str().unwrap();
    let shown = case(d, &db, "TH-DSI", None, &["show", first]);
    assert_eq!(shown["timeline"][0]["by"], "TH-DSI/intake");
    // The signal's time is when the clock started: three days ago, overdue.
    assert_eq!(shown["overdue"], true);
    // The receiving agency takes the case it was not named in, as support.
    let escaped = answer["cases"][1]["case"].as_str().unwrap();
    let theirs = case(d, &db, "KH-NCB", None, &["list"]);
    let escaped_case = theirs
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == escaped)
        .unwrap_or_else(|| panic!("{escaped} not in {theirs}"));
    assert!(
        escaped_case["assigned"]
            .as_array()
            .unwrap()
            .contains(&json!({"agency": "KH-NCB", "role": "support", "embassy": true})),
        "{escaped_case}"
    );
    assert_eq!(
        case(d, &db, "TH-DSI", None, &["list"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The same file again opens nothing new: each signal's id is its
    // reference, and a re-sent signal answers with the case it opened.
    let again = cordon(
        &["case", "signals", "--db", &db, "--file", "signals.jsonl"],
        d,
    );
    assert!(again.status.success());
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["cases"], answer["cases"]);
    assert_eq!(
        case(d, &db, "TH-DSI", None, &["list"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn the_indicators_are_listed_without_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = cordon(&["case", "indicators"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &list.as_array().unwrap()[0];
    for field in ["id", "framework", "dimension", "strength", "label", "help"] {
        assert!(first.get(field).is_some(), "{field} missing: {first}");
    }
    assert!(!dir.path().join("cordon.db").exists());
    // A document written to a file is its owner's alone.
    let out = cordon(
        &["case", "indicators", "--out", "indicators.json"],
        dir.path(),
    );
    assert!(out.status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("indicators.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
}
