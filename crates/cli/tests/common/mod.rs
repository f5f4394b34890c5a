//! Running the `cordon` binary from the integration tests that share it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs cordon in `dir`, with no database named by the environment.
pub fn cordon(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("CORDON_DB")
        .output()
        .expect("the cordon binary runs")
}

/// Runs cordon, which must succeed; returns its stderr (where it reports).
pub fn ok(args: &[&str], dir: &Path) -> String {
    let out = cordon(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "cordon {} failed: {stderr}",
        args.join(" ")
    );
    stderr
}

/// Runs cordon, which must fail; returns its stderr.
pub fn fails(args: &[&str], dir: &Path) -> String {
    let out = cordon(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "cordon {} should have failed: {stderr}",
        args.join(" ")
    );
    stderr
}

/// A server process that is stopped (SIGTERM) when dropped.
pub struct Served {
    pub child: Child,
    pub base: String,
    /// Every stdout line read up to the address line.
    pub lines: Vec<String>,
}

impl Served {
    /// Starts `cordon ARGS` and reads stdout until a line holding
    /// `marker` and an http URL.
    pub fn start(args: &[&str], dir: &Path, marker: &str) -> Served {
        Served::start_with(args, dir, marker, &[])
    }

    /// [`Served::start`] with more environment (a PostgreSQL node's token
    /// key; `RUST_LOG`, warn unless given).
    pub fn start_with(args: &[&str], dir: &Path, marker: &str, env: &[(&str, &str)]) -> Served {
        Served::spawn(args, dir, marker, env, Stdio::inherit())
    }

    /// [`Served::start_with`], its log (stderr) written to `log`.
    pub fn start_logging(
        args: &[&str],
        dir: &Path,
        marker: &str,
        env: &[(&str, &str)],
        log: &Path,
    ) -> Served {
        let file = std::fs::File::create(log).expect("the log file can be created");
        Served::spawn(args, dir, marker, env, Stdio::from(file))
    }

    fn spawn(args: &[&str], dir: &Path, marker: &str, env: &[(&str, &str)], log: Stdio) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cordon"))
            .args(args)
            .current_dir(dir)
            .env_remove("CORDON_DB")
            .env_remove("CORDON_TOKEN_KEY")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the cordon binary runs");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        let base = loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line).unwrap();
            assert!(n > 0, "cordon exited before serving; output: {lines:?}");
            let line = line.trim_end().to_owned();
            lines.push(line.clone());
            if line.contains(marker)
                && let Some(at) = line.find("http://")
            {
                let url = line[at..].split_whitespace().next().unwrap();
                break url.trim_end_matches('/').to_owned();
            }
        };
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        Served { child, base, lines }
    }

    pub fn stop(mut self) -> std::process::ExitStatus {
        terminate(&self.child);
        let status = self.child.wait().unwrap();
        std::mem::forget(self);
        status
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client().get(format!("{base}/readyz")).send()
            && r.status() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "{base} never became ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A PostgreSQL schema of one test's own: `db` is the database URL that
/// keeps every table in it; the schema is dropped with this. `None` when
/// PostgreSQL is missing outside CI (testkit says so loudly).
pub struct PgSchema {
    pub db: String,
    url: String,
    schema: String,
}

impl PgSchema {
    pub fn create(name: &str) -> Option<PgSchema> {
        let url = cordon_testkit::postgres_url()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let schema = format!("cordon_{name}_{}_{nanos:x}", std::process::id());
        on_postgres(&url, &format!("CREATE SCHEMA {schema}")).expect("create the test schema");
        let sep = if url.contains('?') { '&' } else { '?' };
        Some(PgSchema {
            db: format!("{url}{sep}options=-csearch_path%3D{schema}"),
            url,
            schema,
        })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Err(e) = on_postgres(&self.url, &format!("DROP SCHEMA {} CASCADE", self.schema)) {
            eprintln!("could not drop test schema {}: {e}", self.schema);
        }
    }
}

/// Runs one statement on its own connection and runtime (also while a
/// failed test unwinds).
fn on_postgres(url: &str, statement: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        use sqlx::{Connection, Executor};
        let mut c = sqlx::PgConnection::connect(url)
            .await
            .map_err(|e| e.to_string())?;
        c.execute(statement).await.map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// A port nothing listens on now, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs cordon in `dir` with `env` (and no database or token key from the
/// environment otherwise); it must succeed. Returns its stdout, trimmed.
pub fn run_with(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("CORDON_DB")
        .env_remove("CORDON_TOKEN_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("the cordon binary runs");
    assert!(
        out.status.success(),
        "cordon {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Registers the agency KH-NCB with an analyst, sokha, on `db`; returns a
/// new API token of hers.
pub fn analyst(dir: &Path, db: &str, env: &[(&str, &str)]) -> String {
    let with_db = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--db", db]);
        run_with(&all, dir, env)
    };
    with_db(&[
        "agency",
        "add",
        "--code",
        "KH-NCB",
        "--name",
        "NCB Phnom Penh",
        "--country",
        "KH",
        "--kind",
        "ncb",
        "--contact",
        "desk@ncb.example",
    ]);
    with_db(&[
        "user", "add", "--agency", "KH-NCB", "--name", "sokha", "--role", "analyst",
    ]);
    with_db(&["token", "create", "--agency", "KH-NCB", "--user", "sokha"])
        .lines()
        .find(|l| l.starts_with("cordon_"))
        .expect("token create prints the token")
        .to_owned()
}

/// Every acknowledged `(report id, e-mail selector)` is found, exactly
/// once, by a batch hit query on its selector.
pub fn assert_all_found(base: &str, token: &str, acked: &[(String, String)]) {
    for chunk in acked.chunks(5_000) {
        let selectors: Vec<&str> = chunk.iter().map(|(_, s)| s.as_str()).collect();
        let answer: serde_json::Value = client()
            .post(format!("{base}/api/v1/hits"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "selectors": selectors }))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let results = answer["results"].as_array().unwrap();
        for ((id, selector), r) in chunk.iter().zip(results) {
            let ids: Vec<&str> = r["readable"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["report_id"].as_str().unwrap())
                .collect();
            assert_eq!(
                ids,
                [id.as_str()],
                "acknowledged {id} ({selector}) lost: {r}"
            );
        }
    }
}

/// An AMBER tip of KH-NCB naming one selector: the report the fault and
/// crash tests send by the thousand.
pub fn tip(id: &str, selector: &str, narrative: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "tip", "country": "KH",
        "marking": {"tlp": "AMBER"},
        "narrative": narrative,
        "selectors": [selector]
    })
}
