//! Measures durable import speed of a simulated world (`cordon sim`) into
//! SQLite the way `cordon import` writes it: file by file, one batch at a
//! time, each durable before the next is sent. Reading and validating the
//! files happens first and is not timed, so the figure is the store's alone
//! (`cordon import` adds its validation, about 7.7 s for the large world on
//! two cores).
//!
//! ```sh
//! cargo run --release -p cordon-store-sqlite --example import_world -- \
//!     --world /tmp/w-large [--batch 5000] [--in-flight 1] [--files N] [--db PATH] \
//!     [--page-size BYTES] [--checkpoint-mib N] [--cache-mib N] [--selector-cache N]
//! ```
//!
//! Without `--db` the database goes to a temporary directory, removed after.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use cordon_core::{Report, ReportSubmission};
use cordon_store::{NewAgency, Store};
use cordon_store_sqlite::{SqliteOptions, SqliteStore};

fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    args.windows(2).find(|w| w[0] == name).map(|w| {
        w[1].parse()
            .unwrap_or_else(|_| panic!("a value after {name}"))
    })
}

/// The world's agencies and, for each that filed reports, its report file.
fn agencies(world: &Path) -> Vec<(NewAgency, Option<PathBuf>)> {
    let text = std::fs::read_to_string(world.join("agencies.json")).expect("agencies.json");
    let index: serde_json::Value = serde_json::from_str(&text).expect("an agency list");
    let rows = index["agencies"].as_array().expect("an agencies array");
    rows.iter()
        .map(|row| {
            let s = |k: &str| row[k].as_str().unwrap_or_default().to_owned();
            let agency = NewAgency {
                code: s("code"),
                name: s("name"),
                country: s("country"),
                kind: s("kind"),
                contact: format!("duty desk ({})", s("code")),
            };
            let file = (row["reports"].as_u64().unwrap_or(0) > 0).then(|| world.join(s("file")));
            (agency, file)
        })
        .collect()
}

/// Reads and validates a report file on every core.
fn load(path: &Path) -> Vec<Report> {
    let file = std::fs::File::open(path).expect("a report file");
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .map(|l| l.expect("a line"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let now = Utc::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = lines.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = lines
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|l| {
                            let s: ReportSubmission = serde_json::from_str(l).expect("a report");
                            s.validate(now).expect("a valid report")
                        })
                        .collect::<Vec<Report>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().expect("a validation thread"))
            .collect()
    })
}

/// Bytes this process caused to be written to storage (Linux).
fn write_bytes() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    let line = io.lines().find(|l| l.starts_with("write_bytes:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds (user, system) used so far by this process's threads whose
/// name starts with `prefix` (Linux).
fn thread_cpu(prefix: &str) -> (f64, f64) {
    let ticks = 100.0; // USER_HZ on Linux
    let mut total = (0.0, 0.0);
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return total;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
        let rest = stat.rsplit_once(')').map_or("", |r| r.1);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let get = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        total.0 += get(11) / ticks;
        total.1 += get(12) / ticks;
    }
    total
}

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let world: PathBuf = flag(&args, "--world").expect("--world DIR (a `cordon sim` folder)");
    let batch: usize = flag(&args, "--batch").unwrap_or(5000);
    let in_flight: usize = flag(&args, "--in-flight").unwrap_or(1);
    let files: usize = flag(&args, "--files").unwrap_or(usize::MAX);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path: String =
        flag(&args, "--db").unwrap_or_else(|| dir.path().join("world.db").display().to_string());

    let t = Instant::now();
    let agencies = agencies(&world);
    let mut work: Vec<(String, Vec<Report>)> = Vec::new();
    for (agency, file) in &agencies {
        if let Some(file) = file
            && work.len() < files
        {
            work.push((agency.code.clone(), load(file)));
        }
    }
    let total: usize = work.iter().map(|w| w.1.len()).sum();
    eprintln!(
        "loaded and validated {total} reports from {} files in {:.1} s (untimed)",
        work.len(),
        t.elapsed().as_secs_f64()
    );

    let mut options = SqliteOptions::default();
    if let Some(n) = flag(&args, "--page-size") {
        options.page_size = n;
    }
    if let Some(n) = flag(&args, "--checkpoint-mib") {
        options.checkpoint_mib = n;
    }
    if let Some(n) = flag::<i64>(&args, "--cache-mib") {
        options.writer_cache_kib = n * 1024;
    }
    if let Some(n) = flag(&args, "--selector-cache") {
        options.selector_cache = n;
    }
    let store = SqliteStore::open_with(&path, options).expect("open");
    for (agency, _) in &agencies {
        store.create_agency(agency).await.expect("create agency");
    }
    let store = Arc::new(store);
    let written_before = write_bytes().unwrap_or(0);
    let permits = Arc::new(tokio::sync::Semaphore::new(in_flight.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    for (agency, reports) in work {
        let reports = Arc::new(reports);
        for first in (0..reports.len()).step_by(batch) {
            let permit = permits.clone().acquire_owned().await.expect("open");
            let (store, reports, agency) = (store.clone(), reports.clone(), agency.clone());
            tasks.spawn(async move {
                let chunk = &reports[first..(first + batch).min(reports.len())];
                let t = Instant::now();
                store
                    .submit(&agency, chunk, Utc::now())
                    .await
                    .expect("submit");
                drop(permit);
                t.elapsed()
            });
            while let Some(done) = tasks.try_join_next() {
                slowest = slowest.max(done.expect("a batch"));
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        slowest = slowest.max(done.expect("a batch"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let written = write_bytes().unwrap_or(0).saturating_sub(written_before);
    let (user, sys) = thread_cpu("cordon-sqlite");
    let counts = store.counts().await.expect("counts");
    println!(
        "sqlite: imported {total} reports ({} selectors, {} links) in batches of {batch}, {in_flight} in flight, in {elapsed:.1} s: {:.0} reports/s durable; slowest batch {:.0} ms; {} MiB written; peak rss {} MiB",
        counts.selectors,
        counts.links,
        total as f64 / elapsed,
        slowest.as_secs_f64() * 1000.0,
        written / (1 << 20),
        peak_rss_mib().map_or("?".into(), |m| m.to_string()),
    );
    println!("writer thread cpu: {user:.1} s user, {sys:.1} s system");
    // What a server does at start: rebuild its hit index from every posting.
    let t = Instant::now();
    let (mut after, mut postings) = (0, 0usize);
    loop {
        let page = store
            .postings_after(after, 10_000)
            .await
            .expect("postings_after");
        let Some(last) = page.last() else { break };
        after = last.posting.seq;
        postings += page.len();
    }
    println!(
        "all {postings} postings paged in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    drop(store);
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok())
        .map(|m| m.len())
        .sum();
    println!("database file: {} MiB", size / (1024 * 1024));
}
