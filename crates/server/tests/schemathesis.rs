//! Property-based API testing with schemathesis (PyPI, pinned in
//! requirements.txt): it reads `/api/v1/openapi.json`, generates valid and
//! invalid requests for every operation and checks that the server never
//! answers 5xx and that every response matches the documented schema. It
//! runs as every role and as the anonymous public.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use chrono::Utc;
use cordon_core::ReportSubmission;
use cordon_server::{Config, TokenKey};
use cordon_store::{NewAgency, NewUser, Store};

/// The schemathesis command of the test virtualenv.
fn schemathesis() -> Option<PathBuf> {
    let python = cordon_testkit::python()?;
    let st = python.with_file_name("st");
    if st.exists() {
        return Some(st);
    }
    assert!(
        !cordon_testkit::services_required(),
        "schemathesis is missing from the test virtualenv: run scripts/test to install requirements.txt"
    );
    eprintln!("\n!!!!!!!! SKIPPED: schemathesis is not installed in the virtualenv !!!!!!!!\n");
    None
}

async fn seeded_store(dir: &std::path::Path) -> (Arc<dyn Store>, TokenKey, Vec<(String, String)>) {
    let url = format!("sqlite://{}/st.db", dir.display());
    let store: Arc<dyn Store> = Arc::new(cordon_store_sqlite::SqliteStore::open(&url).unwrap());
    let key = TokenKey::from_bytes([7; 32]);
    for code in ["KH-NCB", "GB-NCA"] {
        store
            .create_agency(&NewAgency {
                code: code.into(),
                name: format!("{code} desk"),
                country: code[..2].into(),
                kind: "police".into(),
                contact: format!("desk@{}.example", code.to_lowercase()),
            })
            .await
            .unwrap();
    }
    let mut tokens = Vec::new();
    for (agency, name, role) in [
        ("KH-NCB", "admin", "admin"),
        ("KH-NCB", "analyst", "analyst"),
        ("GB-NCA", "clerk", "contributor"),
    ] {
        let user = store
            .create_user(&NewUser {
                agency: agency.into(),
                name: name.into(),
                role: role.into(),
            })
            .await
            .unwrap();
        let token = cordon_server::auth::issue_token(store.as_ref(), &key, user.id, "schemathesis")
            .await
            .unwrap();
        tokens.push((role.to_owned(), token));
    }
    // Some data, so that reads, lists and hits return real bodies.
    let now = Utc::now();
    let mut reports = Vec::new();
    for (i, tlp) in ["CLEAR", "GREEN", "AMBER", "RED"].iter().enumerate() {
        let submission: ReportSubmission = serde_json::from_value(serde_json::json!({
            "id": format!("r{i}"),
            "kind": "fraud_complaint",
            "country": "GB",
            "marking": {"tlp": tlp, "recipients": if *tlp == "RED" { vec!["KH-NCB/analyst"] } else { vec![] }},
            "mo": ["investment"],
            "narrative": format!("victim paid via +85512345678 report {i}"),
            "selectors": ["+855 12 345 678", "scam@example.com"],
        }))
        .unwrap();
        reports.push(submission.validate(now).unwrap());
    }
    store.submit("GB-NCA", &reports, now).await.unwrap();
    (store, key, tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_survives_schemathesis_as_every_role() {
    let Some(st) = schemathesis() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (store, key, tokens) = seeded_store(dir.path()).await;
    let config = Config {
        rate_per_second: 0,
        ..Config::default()
    };
    let running = cordon_server::start(store, key, config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    running.ready().await;
    let spec = format!("http://{}/api/v1/openapi.json", running.addr);
    // A wrong token must fail the run, not only warn.
    let settings = dir.path().join("st.toml");
    std::fs::write(&settings, "[warnings]\nfail-on = [\"missing_auth\"]\n").unwrap();

    let mut callers: Vec<(String, Option<String>)> =
        tokens.into_iter().map(|(r, t)| (r, Some(t))).collect();
    callers.push(("public".into(), None));
    let mut failures = Vec::new();
    for (role, token) in callers {
        let work = dir.path().join(format!("run-{role}"));
        std::fs::create_dir_all(&work).unwrap();
        let junit = work.join("junit.xml");
        let mut cmd = Command::new(&st);
        cmd.current_dir(&work);
        if token.is_some() {
            cmd.arg("--config-file").arg(&settings);
        }
        cmd.args([
            "run",
            &spec,
            "--checks",
            "not_a_server_error,response_schema_conformance",
        ])
        .args(["--max-examples", "25", "--seed", "1", "--no-color"])
        .args(["--generation-database", "none"])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit);
        if let Some(token) = &token {
            cmd.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        // The alert stream answers an endless event stream, not one
        // response; tests/alerts.rs and the access suite read it.
        cmd.args(["--exclude-operation-id", "stream"]);
        // Money imports take files (JSON lines, CSV, YAML) that
        // schemathesis cannot write; tests/money.rs sends them good and
        // bad, line by line.
        for upload in ["import_flows", "import_conversions", "import_tags"] {
            cmd.args(["--exclude-operation-id", upload]);
        }
        if role != "admin" {
            // The federation's status is for admins; the admin run fuzzes it.
            cmd.args(["--exclude-operation-id", "federation_status"]);
        }
        if role == "contributor" {
            // Decisions are analysts': a contributor's answer is 403 by
            // design, which the warning above would take for a bad token.
            // The analyst and admin runs fuzz them.
            for decision in [
                "merge",
                "split",
                "set_status",
                "draft",
                "revise",
                "publish",
                "create",
                "delete",
                "create_webhook",
                "delete_webhook",
                "retry_dead_letter",
                "create_operation",
                "update_operation",
                "add_targets",
                "remove_targets",
                "add_task",
                "update_task",
                "add_log_entry",
                "get_interest",
                "set_interest",
                "issue_orange_notice",
                "ack_orange_notice",
                "federation_hits",
            ] {
                cmd.args(["--exclude-operation-id", decision]);
            }
        }
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .expect("schemathesis runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        eprintln!("---- schemathesis as {role} ----\n{stdout}");
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            failures.push(role);
        }
    }
    running.stop().await.unwrap();
    assert!(
        failures.is_empty(),
        "schemathesis found failures as {failures:?}; see the output above"
    );
}
