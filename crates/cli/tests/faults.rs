//! Dependency faults: PostgreSQL restarted under load, the replica bus
//! down and back, the disk full, slow clients. Meanwhile the service
//! answers with clear errors (`unavailable`, with `Retry-After`; never a
//! 500 or a hang), it recovers without an operator, and it loses nothing it
//! acknowledged.
//!
//! Each fault is made for real: a PostgreSQL cluster of the test's own
//! (initdb, stopped with `pg_ctl -m immediate`), a NATS server of its own,
//! a size-limited tmpfs under the SQLite file or a PostgreSQL tablespace,
//! raw sockets that send a byte at a time. Outside CI a test that cannot
//! make its fault (no PostgreSQL binaries, not allowed to mount) skips,
//! saying so loudly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{Served, analyst, assert_all_found, client, free_port, run_with, wait_ready};

/// Skips (`None`) or fails under CI, when a fault cannot be made here.
fn cannot<T>(what: &str) -> Option<T> {
    if cordon_testkit::services_required() {
        panic!("{what}; CI must be able to make this fault");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {what} !!!!!!!!\n");
    None
}

/// A refusal the writer met.
#[derive(Debug, Clone)]
struct Refusal {
    status: u16,
    code: String,
    message: String,
    retry_after: Option<String>,
    /// How long the refused request took.
    took: Duration,
}

/// A writer sending batches of reports until stopped, through whatever
/// happens to the server's dependencies.
struct Load {
    acked: Arc<Mutex<Vec<(String, String)>>>,
    refused: Arc<Mutex<Vec<Refusal>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Load {
    fn start(base: &str, token: &str, prefix: &str, narrative: usize) -> Load {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (acked, refused, stop) = (acked.clone(), refused.clone(), stop.clone());
            let (base, token, prefix) = (base.to_owned(), token.to_owned(), prefix.to_owned());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .unwrap();
                let filler = "x".repeat(narrative);
                for batch in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let items: Vec<(String, String)> = (0..10)
                        .map(|i| {
                            let id = format!("{prefix}-{}", batch * 10 + i);
                            let selector = format!("{id}@fault-test.org");
                            (id, selector)
                        })
                        .collect();
                    let body: Vec<Value> = items
                        .iter()
                        .map(|(id, s)| common::tip(id, s, &format!("fault report {id} {filler}")))
                        .collect();
                    let sent = Instant::now();
                    let answer = http
                        .post(format!("{base}/api/v1/reports"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send();
                    match answer {
                        Ok(r) if r.status() == 200 => acked.lock().unwrap().extend(items),
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let retry_after = r
                                .headers()
                                .get("retry-after")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            let body: Value = r.json().unwrap_or(Value::Null);
                            refused.lock().unwrap().push(Refusal {
                                status,
                                code: body["code"].as_str().unwrap_or_default().to_owned(),
                                message: body["message"].as_str().unwrap_or_default().to_owned(),
                                retry_after,
                                took: sent.elapsed(),
                            });
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        Err(e) => panic!("the server stopped answering: {e}"),
                    }
                }
            })
        };
        Load {
            acked,
            refused,
            stop,
            thread: Some(thread),
        }
    }

    fn acked(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    fn refused(&self) -> Vec<Refusal> {
        self.refused.lock().unwrap().clone()
    }

    /// Waits until `more` reports beyond `from` are acknowledged.
    fn wait_acked(&self, from: usize, more: usize, within: Duration, what: &str) {
        let deadline = Instant::now() + within;
        while self.acked() < from + more {
            assert!(
                Instant::now() < deadline,
                "{what}: no acknowledgement within {within:?}; refusals: {:?}",
                self.refused().last()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the writer; returns what it got acknowledged.
    fn finish(mut self) -> Vec<(String, String)> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().expect("the writer thread");
        }
        self.acked.lock().unwrap().clone()
    }
}

/// Every refusal is a clear, retryable `unavailable`, answered promptly.
fn assert_clear_refusals(refused: &[Refusal], within: Duration) {
    for r in refused {
        assert_eq!(
            (r.status, r.code.as_str()),
            (503, "unavailable"),
            "a fault must be refused as unavailable: {r:?}"
        );
        assert!(r.retry_after.is_some(), "no Retry-After: {r:?}");
        assert!(
            r.message.contains("retry") && r.message == r.message.to_lowercase(),
            "the message should say to retry, in lowercase: {r:?}"
        );
        assert!(r.took <= within, "refused only after {:?}: {r:?}", r.took);
    }
}

fn audit_intact(dir: &Path, db: &str, env: &[(&str, &str)]) {
    let verified = run_with(&["audit", "verify", "--db", db], dir, env);
    assert!(verified.contains("audit log intact"), "{verified}");
}

/// A PostgreSQL cluster of this test's own, so that stopping it touches no
/// other test.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> Option<PrivatePostgres> {
        let bin = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|b| b.join("initdb").exists());
        let Some(bin) = bin else {
            return cannot("PostgreSQL's server binaries (pg_config --bindir, initdb) are missing");
        };
        let dir = tempfile::tempdir().unwrap();
        let pg = PrivatePostgres {
            dir,
            bin,
            port: free_port(),
        };
        // initdb refuses root: the cluster belongs to `postgres`.
        if is_root() && !give_to_postgres(pg.dir.path()) {
            return cannot("cannot give a data directory to the postgres user");
        }
        let data = pg.data();
        let made = pg
            .as_owner(&pg.bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "initdb failed");
        pg.up();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn as_owner(&self, program: &Path) -> Command {
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl(&self, args: &[&str]) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let status = self
            .as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .args(args)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl {args:?} failed");
    }

    fn up(&self) {
        self.pg_ctl(&["-w", "start"]);
    }

    /// Stops at once, as a crash would: no checkpoint, clients cut off.
    fn crash(&self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A new database whose files are kept under `place` (a tablespace
    /// there), and its URL.
    fn database_on(&self, place: &Path) -> String {
        assert!(give_to_postgres(place), "cannot chown {}", place.display());
        let port = self.port.to_string();
        let made = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-q"])
            .arg("-c")
            .arg(format!(
                "CREATE TABLESPACE small LOCATION '{}'",
                place.display()
            ))
            .args(["-c", "CREATE DATABASE cordon TABLESPACE small"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            made,
            "cannot make a database in a tablespace at {}",
            place.display()
        );
        format!("postgres://postgres@127.0.0.1:{}/cordon", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn give_to_postgres(path: &Path) -> bool {
    Command::new("chown")
        .args(["postgres:postgres"])
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn postgres_crashing_under_load_is_refused_clearly_and_recovered_from() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = "ef".repeat(32);
    let env = [("CORDON_TOKEN_KEY", key.as_str())];
    let db = pg.url();
    let token = analyst(d, &db, &env);
    let bind = format!("127.0.0.1:{}", free_port());
    let served = Served::start_with(
        &["serve", "--db", &db, "--bind", &bind, "--rate", "0"],
        d,
        "serving",
        &env,
    );
    wait_ready(&served.base);
    let load = Load::start(&served.base, &token, "pg", 200);
    load.wait_acked(0, 200, Duration::from_secs(30), "before the crash");

    pg.crash();
    let down = load.refused().len();
    let deadline = Instant::now() + Duration::from_secs(30);
    while load.refused().len() < down + 3 {
        assert!(
            Instant::now() < deadline,
            "no refusal while PostgreSQL is down"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The process answers meanwhile, and reads from memory go on.
    let health = client().get(format!("{}/healthz", served.base)).send();
    assert_eq!(health.unwrap().status(), 200);
    std::thread::sleep(Duration::from_secs(2));

    pg.up();
    let at_restart = load.acked();
    load.wait_acked(
        at_restart,
        200,
        Duration::from_secs(60),
        "after PostgreSQL came back",
    );
    let refused = load.refused();
    let acked = load.finish();
    assert_clear_refusals(&refused, Duration::from_secs(10));
    assert_all_found(&served.base, &token, &acked);
    assert!(served.stop().success());
    audit_intact(d, &db, &env);
    eprintln!(
        "postgres crash: {} acknowledged, all present; {} refusals, all unavailable",
        acked.len(),
        refused.len()
    );
}

/// A size-limited tmpfs, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(path: PathBuf, mib: u32) -> Option<SmallDisk> {
        std::fs::create_dir_all(&path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            return cannot("cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN)");
        }
        Some(SmallDisk { path })
    }

    /// Remounts at `mib` MiB: more to free space, less (down to what is
    /// used) to leave little.
    fn resize(&self, mib: u32) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={mib}m")])
            .arg(&self.path)
            .status()
            .unwrap();
        assert!(status.success(), "remount failed");
    }

    fn used_mib(&self) -> u32 {
        let out = Command::new("df")
            .args(["-B1M", "--output=used"])
            .arg(&self.path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let used = text.lines().nth(1).map(str::trim).unwrap_or_default();
        used.parse()
            .unwrap_or_else(|_| panic!("df did not say what is used: {text}"))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

#[test]
fn a_full_disk_is_refused_clearly_and_writes_resume_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Some(disk) = SmallDisk::mount(d.join("disk"), 6) else {
        return;
    };
    let db = format!("sqlite://{}", disk.path.join("cordon.db").display());
    let token = analyst(d, &db, &[]);
    let seen = fill_the_disk_then_free_it(d, &db, &[], &token, &disk);
    eprintln!("sqlite, disk full: {seen}");
}

#[test]
fn a_full_disk_under_postgres_is_refused_clearly_and_writes_resume_when_space_returns() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    // The database's files go to a tablespace on a small tmpfs; the WAL
    // stays on the cluster's own disk, since PostgreSQL stops outright when
    // it cannot write WAL (the crash test covers a stopped PostgreSQL).
    let Some(disk) = SmallDisk::mount(pg.dir.path().join("small"), 64) else {
        return;
    };
    let db = pg.database_on(&disk.path);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = "ef".repeat(32);
    let env = [("CORDON_TOKEN_KEY", key.as_str())];
    // The schema and an analyst first, then 2 MiB left to fill.
    let token = analyst(d, &db, &env);
    disk.resize(disk.used_mib() + 2);
    let seen = fill_the_disk_then_free_it(d, &db, &env, &token, &disk);
    eprintln!("postgres, disk full: {seen}");
}

/// Serves `db`, sends reports until the disk under it is full, checks the
/// refusals and that what was acknowledged is readable meanwhile, grows the
/// disk and checks that writes resume with no restart and nothing is lost.
/// Says what it saw.
fn fill_the_disk_then_free_it(
    d: &Path,
    db: &str,
    env: &[(&str, &str)],
    token: &str,
    disk: &SmallDisk,
) -> String {
    let bind = format!("127.0.0.1:{}", free_port());
    let served = Served::start_with(
        &["serve", "--db", db, "--bind", &bind, "--rate", "0"],
        d,
        "serving",
        env,
    );
    wait_ready(&served.base);
    // Reports of 4 KiB fill a few MiB in a few seconds.
    let load = Load::start(&served.base, token, "disk", 4_000);
    let deadline = Instant::now() + Duration::from_secs(120);
    while load.refused().len() < 3 {
        assert!(Instant::now() < deadline, "the disk never filled");
        std::thread::sleep(Duration::from_millis(100));
    }
    let full_at = load.acked();
    // What was acknowledged is readable while the disk is full.
    assert_all_found(&served.base, token, &load.acked.lock().unwrap().clone());

    disk.resize(disk.used_mib() + 64);
    load.wait_acked(
        full_at,
        100,
        Duration::from_secs(60),
        "after space returned",
    );
    let refused = load.refused();
    let acked = load.finish();
    assert_clear_refusals(&refused, Duration::from_secs(10));
    // The refusal names the cause, so that the sender knows waiting alone
    // will not help.
    let named = refused
        .iter()
        .filter(|r| r.message.contains("disk is full"))
        .count();
    assert!(named > 0, "no refusal named the full disk: {refused:?}");
    assert_all_found(&served.base, token, &acked);
    assert!(served.stop().success());
    audit_intact(d, db, env);
    format!(
        "{full_at} acknowledged before it filled, {} in all, all present; {} refusals, all unavailable, {named} naming the full disk",
        acked.len(),
        refused.len()
    )
}

/// A NATS server with JetStream of this test's own.
struct PrivateNats {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl PrivateNats {
    fn start() -> Option<PrivateNats> {
        if Self::binary().is_none() {
            return cannot("the nats-server binary is missing");
        }
        let mut nats = PrivateNats {
            dir: tempfile::tempdir().unwrap(),
            port: free_port(),
            child: None,
        };
        nats.up();
        Some(nats)
    }

    fn binary() -> Option<&'static str> {
        ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|p| Path::new(p).exists())
    }

    fn up(&mut self) {
        let child = Command::new(Self::binary().expect("checked at start"))
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.down();
    }
}

fn submit(base: &str, token: &str, ids: std::ops::Range<usize>) -> Vec<(String, String)> {
    let items: Vec<(String, String)> = ids
        .map(|i| (format!("bus-{i}"), format!("bus-{i}@fault-test.org")))
        .collect();
    let body: Vec<Value> = items
        .iter()
        .map(|(id, s)| common::tip(id, s, "bus fault report"))
        .collect();
    let r = client()
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap_or_default());
    items
}

/// Waits until `base` finds every one of `acked`.
fn learns(base: &str, token: &str, acked: &[(String, String)], what: &str) {
    let selectors: Vec<&str> = acked.iter().map(|(_, s)| s.as_str()).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer: Value = client()
            .post(format!("{base}/api/v1/hits"))
            .bearer_auth(token)
            .json(&json!({ "selectors": selectors }))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let missing = answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["readable"].as_array().is_none_or(Vec::is_empty))
            .count();
        if missing == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {missing} reports never reached {base}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn replicas_keep_learning_while_the_bus_is_down_and_use_it_again_when_back() {
    let Some(schema) = common::PgSchema::create("bus_fault") else {
        return;
    };
    let Some(mut nats) = PrivateNats::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = "ab".repeat(32);
    let env = [("CORDON_TOKEN_KEY", key.as_str())];
    let db = schema.db.clone();
    let token = analyst(d, &db, &env);
    let stream = format!("FAULT{}", std::process::id());
    let nats_url = nats.url();
    let replica = |name: &str| {
        let bind = format!("127.0.0.1:{}", free_port());
        let served = Served::start_with(
            &[
                "serve",
                "--db",
                &db,
                "--bind",
                &bind,
                "--rate",
                "0",
                "--nats",
                &nats_url,
                "--nats-stream",
                &stream,
                "--replica",
                name,
            ],
            d,
            "serving",
            &env,
        );
        wait_ready(&served.base);
        served
    };
    let a = replica("a");
    let b = replica("b");
    let first = submit(&a.base, &token, 0..50);
    learns(&b.base, &token, &first, "bus up");

    nats.down();
    // Acknowledging never waits for the bus; the others poll the store.
    let second = submit(&a.base, &token, 50..100);
    learns(&b.base, &token, &second, "bus down");
    // A replica started while the bus is down serves all the same.
    let c = replica("c");
    learns(
        &c.base,
        &token,
        &[first.clone(), second.clone()].concat(),
        "new replica, bus down",
    );

    nats.up();
    let third = submit(&a.base, &token, 100..150);
    for (r, name) in [(&b, "b"), (&c, "c")] {
        learns(
            &r.base,
            &token,
            &third,
            &format!("bus back, replica {name}"),
        );
    }
    // Every replica rejoins the bus by itself.
    for r in [&a, &b, &c] {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let metrics = client()
                .get(format!("{}/metrics", r.base))
                .send()
                .unwrap()
                .text()
                .unwrap();
            if metrics.lines().any(|l| l == "cordon_bus_state 2") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} never rejoined the bus",
                r.base
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let all = [first, second, third].concat();
    for r in [&a, &b, &c] {
        assert_all_found(&r.base, &token, &all);
    }
    for r in [a, b, c] {
        assert!(r.stop().success());
    }
    audit_intact(d, &db, &env);
}

/// Opens a connection and sends `head`, then nothing.
fn stalled(addr: &str, head: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

#[test]
fn slow_clients_are_cut_off_and_never_hold_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("slow.db").display());
    let token = analyst(d, &db, &[]);
    let addr = format!("127.0.0.1:{}", free_port());
    let served = Served::start(
        &[
            "serve",
            "--db",
            &db,
            "--bind",
            &addr,
            "--rate",
            "0",
            "--header-timeout",
            "2",
            "--body-timeout",
            "3",
        ],
        d,
        "serving",
    );
    wait_ready(&served.base);
    let started = Instant::now();
    // Half a request line, and headers with no end (slowloris).
    let mut slow: Vec<TcpStream> = (0..150)
        .map(|i| {
            let head = if i % 2 == 0 {
                "POST /api/v1/hi".to_owned()
            } else {
                "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n".to_owned()
            };
            stalled(&addr, &head)
        })
        .collect();
    // Bodies that stop half-way.
    slow.extend((0..50).map(|_| {
        stalled(
            &addr,
            &format!(
                "POST /api/v1/hits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"selectors\": ["
            ),
        )
    }));
    // Others are served promptly meanwhile.
    for _ in 0..20 {
        let asked = Instant::now();
        let r = client()
            .post(format!("{}/api/v1/hits", served.base))
            .bearer_auth(&token)
            .json(&json!({"selectors": ["nobody@fault-test.org"]}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "a prompt client waited {:?} behind slow ones",
            asked.elapsed()
        );
    }
    // Every slow connection is closed by the server within its deadline
    // (and a little slack), not held open.
    for (i, mut s) in slow.into_iter().enumerate() {
        let mut rest = Vec::new();
        let closed = s.read_to_end(&mut rest).is_ok();
        assert!(
            closed,
            "slow connection {i} still open after {:?}",
            started.elapsed()
        );
        if i >= 150 {
            let text = String::from_utf8_lossy(&rest);
            assert!(
                text.is_empty() || text.starts_with("HTTP/1.1 4"),
                "a stalled body got {text}"
            );
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "slow connections were held for {:?}",
        started.elapsed()
    );
    assert!(served.stop().success());
}
