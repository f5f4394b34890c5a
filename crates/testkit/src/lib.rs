//! Test support shared by Cordon's crates: where the pinned Python peers
//! live, the headless browser ([`chromedriver`], [`chromium_binary`]), and
//! whether the external services must be present.
//!
//! Under CI (`CI=true` or `CORDON_REQUIRE_SERVICES=1`) a missing peer or
//! service fails the test. On a laptop without them the test is skipped,
//! loudly, on stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

mod browser;
pub use browser::{
    ChromeDriver, chrome_capabilities, chromedriver, chromedriver_binary, chromium_binary,
};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("testkit lives in crates/testkit")
        .to_path_buf()
}

/// True when a missing peer or service must fail rather than skip.
pub fn services_required() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CORDON_REQUIRE_SERVICES") || set("CI")
}

/// Skips (returns `None`) or fails, depending on [`services_required`].
fn missing<T>(what: &str, how: &str) -> Option<T> {
    if services_required() {
        panic!("{what} is required under CI but missing: {how}");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {what} is missing ({how}) !!!!!!!!\n");
    None
}

/// The Python interpreter of the test virtualenv, which holds the pinned
/// peers and oracles (`requirements.txt`). `CORDON_PYTHON` overrides it.
pub fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("CORDON_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    if candidate.exists() {
        Some(candidate)
    } else {
        missing(
            "the python test virtualenv",
            "run scripts/test once, or set CORDON_PYTHON to a python with requirements.txt installed",
        )
    }
}

/// Runs a Python script from `scripts/` with the test virtualenv and returns
/// its stdout; `None` when the virtualenv is missing outside CI.
pub fn run_python(script: &str, args: &[&str], stdin: Option<&[u8]>) -> Option<Vec<u8>> {
    use std::io::Write;
    use std::process::Stdio;
    let py = python()?;
    let mut child = Command::new(py)
        .arg(workspace_root().join("scripts").join(script))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start python for {script}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin was piped");
        let input = input.to_vec();
        // Write from a thread so a large input cannot deadlock against a
        // full stdout pipe.
        std::thread::spawn(move || pipe.write_all(&input));
    }
    let out = child.wait_with_output().expect("python ran");
    assert!(out.status.success(), "{script} failed with {}", out.status);
    Some(out.stdout)
}

/// The PostgreSQL server URL for tests (`CORDON_TEST_POSTGRES`, default the
/// machine's `postgres://postgres@127.0.0.1:5432/test`), if it answers.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("CORDON_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if port_open(&url, 5432) {
        Some(url)
    } else {
        missing(
            "postgresql",
            &format!("nothing answers at {url}; set CORDON_TEST_POSTGRES"),
        )
    }
}

/// The NATS server URL for tests (`CORDON_TEST_NATS`, default
/// `nats://127.0.0.1:4222`), if it answers.
pub fn nats_url() -> Option<String> {
    let url =
        std::env::var("CORDON_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    if port_open(&url, 4222) {
        Some(url)
    } else {
        missing(
            "nats",
            &format!("nothing answers at {url}; set CORDON_TEST_NATS"),
        )
    }
}

/// Whether a TCP connection to the URL's host and port succeeds.
fn port_open(url: &str, default_port: u16) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().unwrap_or(default_port)),
        None => (host_port, default_port),
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    use std::net::ToSocketAddrs;
    let Ok(addrs) = (host, port).to_socket_addrs() else {
        return false;
    };
    addrs.into_iter().any(|a| {
        std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2)).is_ok()
    })
}
