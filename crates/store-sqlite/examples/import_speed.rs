//! Measures durable import speed into SQLite: a synthetic 1,000,000-report
//! world shaped like the large simulated one (random selectors, 4.7 per
//! report) in batches of 5,000, one at a time as `cordon import` sends
//! them. See `support/import.rs`; `import_world` measures a real world.
//!
//! ```sh
//! cargo run --release -p cordon-store-sqlite --example import_speed -- \
//!     [--reports 1000000] [--batch 5000] [--in-flight 1] [--db PATH] [--selector-cache N]
//! ```
//!
//! Without `--db` the database goes to a temporary directory, removed after.

#[path = "support/import.rs"]
mod import;

use cordon_store_sqlite::{SqliteOptions, SqliteStore};

#[tokio::main]
async fn main() {
    let mut plan = import::Plan::from_args();
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--in-flight") {
        // As `cordon import` sends them.
        plan.in_flight = 1;
    }
    let given = args
        .windows(2)
        .find(|w| w[0] == "--db")
        .map(|w| w[1].clone());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = given.unwrap_or_else(|| dir.path().join("import.db").display().to_string());
    let mut options = SqliteOptions::default();
    if let Some(n) = args.windows(2).find(|w| w[0] == "--selector-cache") {
        options.selector_cache = n[1].parse().expect("a number after --selector-cache");
    }
    let store = SqliteStore::open_with(&path, options).expect("open the sqlite store");
    import::run(store, plan).await;
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok())
        .map(|m| m.len())
        .sum();
    println!("database file: {} MiB", size / (1024 * 1024));
}
