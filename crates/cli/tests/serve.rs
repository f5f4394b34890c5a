//! `cordon serve`, `user`, `token`, `audit verify` and `demo` driven as an
//! operator would: real processes, a real SQLite file, real HTTP.

use std::path::Path;
use std::process::{Command, Output};
mod common;
use common::{Served, client, wait_ready};

fn cordon(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("CORDON_DB")
        .env_remove("CORDON_TOKEN_KEY")
        .output()
        .expect("the cordon binary runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "cordon failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_operator_serves_creates_tokens_revokes_them_and_verifies_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("x.db").display());
    let d = dir.path();
    for (code, country) in [("GB-NCA", "GB"), ("KH-NCB", "KH")] {
        ok(&cordon(
            &[
                "agency",
                "add",
                "--db",
                &db,
                "--code",
                code,
                "--name",
                "desk",
                "--country",
                country,
                "--kind",
                "police",
                "--contact",
                "desk@example.org",
            ],
            d,
        ));
    }
    // Bad input names what was wrong and changes nothing.
    let bad = cordon(
        &[
            "user", "add", "--db", &db, "--agency", "GB-NCA", "--name", "anna", "--role", "boss",
        ],
        d,
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--role"));
    let bad = cordon(
        &[
            "user",
            "add",
            "--db",
            &db,
            "--agency",
            "GB-NCA",
            "--name",
            "Anna Smith",
            "--role",
            "analyst",
        ],
        d,
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--name"));
    ok(&cordon(
        &[
            "user", "add", "--db", &db, "--agency", "GB-NCA", "--name", "anna", "--role", "analyst",
        ],
        d,
    ));
    ok(&cordon(
        &[
            "user", "add", "--db", &db, "--agency", "KH-NCB", "--name", "sokha", "--role",
            "analyst",
        ],
        d,
    ));
    let missing = cordon(
        &[
            "token", "create", "--db", &db, "--agency", "GB-NCA", "--user", "nobody",
        ],
        d,
    );
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cordon user add"));
    let anna = ok(&cordon(
        &[
            "token", "create", "--db", &db, "--agency", "GB-NCA", "--user", "anna",
        ],
        d,
    ))
    .trim()
    .to_owned();
    let sokha = ok(&cordon(
        &[
            "token", "create", "--db", &db, "--agency", "KH-NCB", "--user", "sokha",
        ],
        d,
    ))
    .trim()
    .to_owned();
    assert!(anna.starts_with("cordon_") && anna.len() == 50, "{anna}");
    // The key lives beside the database, never in it.
    assert!(dir.path().join("x.db.key").exists());

    let served = Served::start(
        &["serve", "--db", &db, "--bind", "127.0.0.1:0"],
        d,
        "serving",
    );
    wait_ready(&served.base);
    let http = client();
    let me: serde_json::Value = http
        .get(format!("{}/api/v1/me", served.base))
        .bearer_auth(&anna)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(me["agency"], "GB-NCA");
    let submitted = http
        .post(format!("{}/api/v1/reports", served.base))
        .bearer_auth(&anna)
        .json(&serde_json::json!({
            "id": "gb-1", "kind": "fraud_complaint", "country": "GB",
            "marking": {"tlp": "AMBER"},
            "narrative": "paid a recruiter", "selectors": ["+855 12 345 678"]
        }))
        .send()
        .unwrap();
    assert_eq!(submitted.status(), 200, "{}", submitted.text().unwrap());
    // KH-NCB may not read GB-NCA's AMBER report: a hit with contact only.
    let hits: serde_json::Value = http
        .get(format!("{}/api/v1/hits", served.base))
        .query(&[("selector", "+855 12-345-678")])
        .bearer_auth(&sokha)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(hits["readable"], serde_json::json!([]));
    assert_eq!(hits["held_elsewhere"][0]["agency"], "GB-NCA");
    assert_eq!(hits["held_elsewhere"][0]["contact"], "desk@example.org");
    // SIGTERM stops cleanly and writes the queued audit events.
    assert!(served.stop().success());

    let verified = ok(&cordon(&["audit", "verify", "--db", &db], d));
    assert!(
        verified.contains("audit log intact: 1 records"),
        "{verified}"
    );

    // Revoking a token stops it.
    let listed = ok(&cordon(
        &["token", "list", "--db", &db, "--agency", "GB-NCA"],
        d,
    ));
    let id = listed.split('\t').next().unwrap().trim().to_owned();
    assert!(listed.contains("live"), "{listed}");
    ok(&cordon(&["token", "revoke", "--db", &db, &id], d));
    let again = cordon(&["token", "revoke", "--db", &db, &id], d);
    assert!(!again.status.success());
    let served = Served::start(
        &["serve", "--db", &db, "--bind", "127.0.0.1:0"],
        d,
        "serving",
    );
    let refused = http
        .get(format!("{}/api/v1/me", served.base))
        .bearer_auth(&anna)
        .send()
        .unwrap();
    assert_eq!(refused.status(), 401);
    drop(served);

    // A tampered audit record is found.
    let path = dir.path().join("x.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
    }
    conn.execute_batch("UPDATE audit SET subject = replace(subject, 'phone', 'email')")
        .unwrap();
    drop(conn);
    let broken = cordon(&["audit", "verify", "--db", &db], d);
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("audit log is broken"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

#[test]
fn the_demo_serves_a_console_and_prints_a_login_per_agency() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let world = dir.path().join("world");
    let served = Served::start(
        &[
            "demo",
            "--db",
            &db,
            "--world",
            world.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
        ],
        dir.path(),
        "Console:",
    );
    let logins: Vec<(String, String, String)> = served
        .lines
        .iter()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[2].starts_with("cordon_"))
                .then(|| (f[0].to_owned(), f[1].to_owned(), f[2].to_owned()))
        })
        .collect();
    let roles: Vec<&str> = logins.iter().map(|l| l.1.as_str()).collect();
    // The three demo agencies, and the protection desk with the most of
    // the simulated signals' cases.
    assert_eq!(
        roles,
        ["admin", "analyst", "contributor", "analyst"],
        "{:?}",
        served.lines
    );
    assert!(
        served.lines.iter().any(|l| l.contains("protection:")),
        "{:?}",
        served.lines
    );
    wait_ready(&served.base);
    let http = client();
    for (agency, role, token) in &logins {
        let me: serde_json::Value = http
            .get(format!("{}/api/v1/me", served.base))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(&me["agency"], agency.as_str());
        assert_eq!(&me["role"], role.as_str());
    }
    let desk: serde_json::Value = http
        .get(format!("{}/api/v1/cases", served.base))
        .bearer_auth(&logins[3].2)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(desk.as_array().unwrap().len() >= 10, "{desk}");
    let login_page = http.get(format!("{}/login", served.base)).send().unwrap();
    assert_eq!(login_page.status(), 200);
    assert!(login_page.text().unwrap().contains("<form"));
    assert!(served.stop().success());
}
