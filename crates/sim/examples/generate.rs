//! Generates a world and prints its summary and the time taken:
//! `cargo run --release -p cordon-sim --example generate -- large /tmp/world 7`.

use std::time::Instant;

use cordon_sim::{Scale, SimConfig, generate};

fn main() {
    let mut args = std::env::args().skip(1);
    let scale: Scale = args
        .next()
        .unwrap_or_else(|| "small".into())
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let out = args.next().unwrap_or_else(|| "sim-out".into());
    let seed: u64 = args
        .next()
        .map_or(7, |s| s.parse().expect("seed is a number"));
    let started = Instant::now();
    let summary = generate(&SimConfig { seed, scale }, out.as_ref(), &|done, total| {
        if done % 100_000 < 2048 || done == total {
            eprintln!("{done}/{total} reports");
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).expect("summary serialises")
    );
    println!(
        "{scale}: {} reports in {secs:.2} s ({:.0} reports/s)",
        summary.reports,
        summary.reports as f64 / secs
    );
}
