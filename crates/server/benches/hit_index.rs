//! The in-memory hit index: build time, memory and lookup speed over
//! synthetic reports shaped like the large simulated world (about 3.2
//! distinct selectors a report, most selectors held by one report, a few by
//! many; 75 agencies).
//!
//! `HIT_INDEX_REPORTS` sets the number of reports (default 100,000; the
//! large world is 1,000,000). The memory figures are printed before the
//! timings.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use cordon_server::hits::index::{HitIndex, IndexedReport};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

struct Synthetic {
    agency: usize,
    id: String,
    tlp: Tlp,
    recipients: usize,
    received: DateTime<Utc>,
    selectors: Vec<String>,
}

/// SplitMix64: deterministic and dependency-free.
fn mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A selector of realistic shape and length (19 to 46 bytes), distinct for
/// distinct `n`.
fn selector(n: u64) -> String {
    let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20;
    match n % 5 {
        0 => format!("phone:+855{:09}", n * 7919 % 1_000_000_000),
        1 => format!("email:victim.{h:x}@mail.example.com"),
        2 => format!("telegram:@recruiter_{h:x}"),
        3 => format!("url:https://invest-{h:x}.example/login"),
        _ => format!("eth:0x{h:040x}"),
    }
}

const AGENCIES: usize = 75;

fn agency_code(i: usize) -> String {
    format!("A{i:02}-UNIT")
}

fn world(reports: usize) -> Vec<Synthetic> {
    let mut rng = 7;
    // A hot set of shared selectors (compound phones, wallets, domains)
    // that a tenth of the postings go to.
    let hot = (reports / 50).max(1) as u64;
    let mut next = hot;
    (0..reports)
        .map(|i| {
            let r = mix(&mut rng);
            let count = 3 + usize::from(r.is_multiple_of(5));
            let selectors = (0..count)
                .map(|_| {
                    if mix(&mut rng).is_multiple_of(10) {
                        selector(mix(&mut rng) % hot)
                    } else {
                        next += 1;
                        selector(next)
                    }
                })
                .collect();
            Synthetic {
                agency: (r >> 8) as usize % AGENCIES,
                id: format!(
                    "{}-{:08x}",
                    agency_code((r >> 8) as usize % AGENCIES),
                    r >> 32
                ),
                tlp: Tlp::ALL[(r >> 16) as usize % Tlp::ALL.len()],
                recipients: (r >> 24) as usize % 4,
                received: DateTime::from_timestamp(1_700_000_000 + i as i64 * 30, 0)
                    .expect("a valid time"),
                selectors,
            }
        })
        .collect()
}

fn build(reports: &[Synthetic], agencies: &[String], recipients: &[Vec<String>]) -> HitIndex {
    let mut index = HitIndex::new();
    for (seq, r) in reports.iter().enumerate() {
        let meta = IndexedReport {
            seq: seq as i64 + 1,
            agency: &agencies[r.agency],
            report_id: &r.id,
            tlp: r.tlp,
            recipients: &recipients[r.recipients],
            hit_notification: true,
            received: r.received,
        };
        index.put(&meta, r.selectors.iter().map(String::as_str));
    }
    index
}

fn hit_index(c: &mut Criterion) {
    let n: usize = std::env::var("HIT_INDEX_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let agencies: Vec<String> = (0..AGENCIES).map(agency_code).collect();
    let recipients = vec![
        Vec::new(),
        vec![agencies[1].clone()],
        vec![agencies[2].clone(), agencies[3].clone()],
        vec![agencies[4].clone()],
    ];
    let reports = world(n);

    let started = Instant::now();
    let index = build(&reports, &agencies, &recipients);
    let took = started.elapsed();
    let stats = index.stats();
    let text: usize = reports
        .iter()
        .flat_map(|r| &r.selectors)
        .map(String::len)
        .sum::<usize>()
        / reports
            .iter()
            .map(|r| r.selectors.len())
            .sum::<usize>()
            .max(1);
    println!(
        "hit index of {n} reports: {} selectors, {} postings, built in {:.2} s; \
         {} heap bytes = {:.1} bytes/selector (mean posted selector text {text} bytes)",
        stats.selectors,
        stats.postings,
        took.as_secs_f64(),
        stats.heap_bytes,
        stats.heap_bytes as f64 / stats.selectors as f64,
    );

    // Queries in an order unrelated to insertion, so that the index's caches
    // do not help; the query texts are copies made in order, as a request's
    // text would be at hand.
    let mut rng = 11;
    let known: Vec<String> = (0..100_000)
        .map(|_| {
            let r = &reports[mix(&mut rng) as usize % reports.len()];
            r.selectors[mix(&mut rng) as usize % r.selectors.len()].clone()
        })
        .collect();
    // The typical selector: held by one report.
    let single: Vec<String> = known
        .iter()
        .filter(|s| index.lookup(s).len() == 1)
        .cloned()
        .collect();
    let unknown: Vec<String> = (0..100_000u64)
        .map(|i| selector(u64::MAX / 2 + i))
        .collect();

    let mut group = c.benchmark_group("hit_index");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("lookup_hit", |b| {
        b.iter(|| {
            i = (i + 1) % known.len();
            let seqs: i64 = index.lookup(black_box(&known[i])).map(|h| h.seq).sum();
            black_box(seqs)
        })
    });
    let mut i = 0;
    group.bench_function("lookup_one_hit", |b| {
        b.iter(|| {
            i = (i + 1) % single.len();
            let seqs: i64 = index.lookup(black_box(&single[i])).map(|h| h.seq).sum();
            black_box(seqs)
        })
    });
    let mut i = 0;
    group.bench_function("lookup_miss", |b| {
        b.iter(|| {
            i = (i + 1) % unknown.len();
            black_box(index.lookup(black_box(&unknown[i])).len())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("hit_index_build");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(format!("{n}_reports"), |b| {
        b.iter(|| black_box(build(&reports, &agencies, &recipients).stats()))
    });
    group.finish();
}

criterion_group!(benches, hit_index);
criterion_main!(benches);
