//! Crash safety: reports are sent at full speed while the server is
//! killed with SIGKILL at random points. After each restart every report
//! the server acknowledged is there and intact, the hit index answers for
//! each of them, and at the end the audit chain verifies. SQLite and
//! PostgreSQL alike.
//!
//! CI runs a short form (`CORDON_CRASH_KILLS`, default 5 per backend); the
//! long form (`CORDON_CRASH_KILLS=20` or more) is recorded in
//! docs/RELIABILITY.md.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{Served, client, free_port, run_with as run, wait_ready};

fn kills() -> usize {
    std::env::var("CORDON_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

/// A small generator of kill times: a different schedule every run, and
/// the seed printed so that a failing schedule can be replayed.
struct Dice(u64);

impl Dice {
    fn new() -> Dice {
        let seed = std::env::var("CORDON_CRASH_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(7, |d| d.as_nanos() as u64)
            });
        eprintln!("crash schedule seed {seed} (CORDON_CRASH_SEED replays it)");
        Dice(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Sends batches until the server stops answering; returns how many
/// batches it acknowledged, each acknowledged id pushed to `acked`.
fn writer(base: String, token: String, round: usize, acked: Arc<Mutex<Vec<(String, String)>>>) {
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for batch in 0.. {
        let items: Vec<(String, String)> = (0..25)
            .map(|i| {
                let id = format!("c{round}-{}", batch * 25 + i);
                let selector = format!("{id}@crash-test.org");
                (id, selector)
            })
            .collect();
        let body: Vec<Value> = items
            .iter()
            .map(|(id, s)| common::tip(id, s, &format!("crash-safety report {id}")))
            .collect();
        let answer = http
            .post(format!("{base}/api/v1/reports"))
            .bearer_auth(&token)
            .json(&body)
            .send();
        match answer {
            Ok(r) if r.status() == 200 => acked.lock().unwrap().extend(items),
            Ok(r) if r.status().is_client_error() => {
                panic!("the batch was refused: {}", r.text().unwrap_or_default())
            }
            // The server died under the request: nothing acknowledged.
            _ => return,
        }
    }
}

/// Every acknowledged report is found, and the newest ones read back
/// intact.
fn verify(base: &str, token: &str, acked: &[(String, String)]) {
    common::assert_all_found(base, token, acked);
    for (id, selector) in acked.iter().rev().take(50) {
        let (status, body) = {
            let r = client()
                .get(format!("{base}/api/v1/reports/KH-NCB/{id}"))
                .bearer_auth(token)
                .send()
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().unwrap())
        };
        assert_eq!(status, 200, "{id}: {body}");
        assert_eq!(
            body["report"]["narrative"],
            format!("crash-safety report {id}")
        );
        assert_eq!(
            body["report"]["selectors"],
            json!([format!("email:{selector}")])
        );
        assert_eq!(body["revision"], 1, "{id} written twice: {body}");
    }
}

fn crash_run(db: &str, env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let with_db = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--db", db]);
        run(&all, d, env)
    };
    let token = common::analyst(d, db, env);
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let base = format!("http://{bind}");
    let args = ["serve", "--db", db, "--bind", &bind, "--rate", "0"];
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut dice = Dice::new();
    let started = Instant::now();
    for round in 0..kills() {
        let served = Served::start_with(&args, d, "serving", env);
        wait_ready(&base);
        // What was acknowledged before the last kill is all here.
        verify(&base, &token, &acked.lock().unwrap());
        let w = {
            let (base, token, acked) = (base.clone(), token.clone(), acked.clone());
            std::thread::spawn(move || writer(base, token, round, acked))
        };
        std::thread::sleep(Duration::from_millis(150 + dice.below(600)));
        // SIGKILL, mid-write: no chance to finish anything.
        drop(served);
        w.join().unwrap();
    }
    let served = Served::start_with(&args, d, "serving", env);
    wait_ready(&base);
    let acked = acked.lock().unwrap().clone();
    verify(&base, &token, &acked);
    assert!(served.stop().success());
    let verified = with_db(&["audit", "verify"]);
    assert!(verified.contains("audit log intact"), "{verified}");
    eprintln!(
        "{}: {} kills, {} reports acknowledged and all present, in {:.1} s",
        db.split(':').next().unwrap_or("db"),
        kills(),
        acked.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(!acked.is_empty(), "the writer never got an answer");
}

#[test]
fn sqlite_loses_nothing_acknowledged_across_kills() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("crash.db").display());
    crash_run(&db, &[]);
}

#[test]
fn postgres_loses_nothing_acknowledged_across_kills() {
    let Some(schema) = common::PgSchema::create("crash") else {
        return;
    };
    let key = "cd".repeat(32);
    crash_run(&schema.db, &[("CORDON_TOKEN_KEY", key.as_str())]);
}
