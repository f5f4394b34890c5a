//! `cordon backup` while the server takes reports, and `cordon restore`
//! into a new path: the restored store holds every report acknowledged
//! before the backup began, its audit chain verifies, and the old tokens
//! still work (the token key travels with the backup). Bad input changes
//! nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

mod common;
use common::{Served, client, cordon, fails, ok, wait_ready};

fn report(i: usize) -> serde_json::Value {
    json!({
        "id": format!("b-{i}"), "kind": "tip", "country": "KH",
        "narrative": format!("backup report {i}"),
        "selectors": [format!("b{i}@backup-test.org")]
    })
}

#[test]
fn a_backup_taken_while_serving_restores_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("live.db").display());
    let token = common::analyst(d, &db, &[]);
    let port = common::free_port();
    let bind = format!("127.0.0.1:{port}");
    let base = format!("http://{bind}");
    let served = Served::start(
        &["serve", "--db", &db, "--bind", &bind, "--rate", "0"],
        d,
        "serving",
    );
    wait_ready(&base);

    // A writer keeps submitting while the backup runs: the backup is online.
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (base, token, acked, stop) = (base.clone(), token.clone(), acked.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = client()
                    .post(format!("{base}/api/v1/reports"))
                    .bearer_auth(&token)
                    .json(&json!([report(i)]))
                    .send()
                    .unwrap();
                assert_eq!(r.status(), 200);
                i += 1;
                acked.store(i, Ordering::SeqCst);
            }
        })
    };
    while acked.load(Ordering::SeqCst) < 200 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let before = acked.load(Ordering::SeqCst);
    let backup = d.join("backup.db");
    let said = ok(
        &["backup", "--db", &db, "--out", backup.to_str().unwrap()],
        d,
    );
    assert!(
        said.contains("backed up") && said.contains("token key"),
        "{said}"
    );
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(served.stop().success());

    // Bad input names what is wrong and writes nothing.
    let again = fails(
        &["backup", "--db", &db, "--out", backup.to_str().unwrap()],
        d,
    );
    assert!(again.contains("exists"), "{again}");
    let junk = d.join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let bad = fails(
        &[
            "restore",
            "--from",
            junk.to_str().unwrap(),
            "--db",
            &format!("sqlite://{}", d.join("x.db").display()),
        ],
        d,
    );
    assert!(bad.contains("junk.db"), "{bad}");
    assert!(!d.join("x.db").exists());
    let over = fails(
        &["restore", "--from", backup.to_str().unwrap(), "--db", &db],
        d,
    );
    assert!(over.contains("exists"), "{over}");
    let pg = fails(
        &["backup", "--db", "postgres://127.0.0.1/test", "--out", "x"],
        d,
    );
    assert!(pg.contains("pg_dump"), "{pg}");

    // The restore: every report acknowledged before the backup, the chain
    // intact, the old token good.
    let restored = format!("sqlite://{}", d.join("restored.db").display());
    let said = ok(
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--db",
            &restored,
        ],
        d,
    );
    assert!(said.contains("restored"), "{said}");
    let verified =
        String::from_utf8_lossy(&cordon(&["audit", "verify", "--db", &restored], d).stdout)
            .into_owned();
    assert!(verified.contains("audit log intact"), "{verified}");
    let served = Served::start(
        &["serve", "--db", &restored, "--bind", &bind, "--rate", "0"],
        d,
        "serving",
    );
    wait_ready(&base);
    for i in [0, before / 2, before - 1] {
        let r = client()
            .get(format!("{base}/api/v1/reports/KH-NCB/b-{i}"))
            .bearer_auth(&token)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "b-{i} is missing from the restored store");
    }
    assert!(served.stop().success());
}
