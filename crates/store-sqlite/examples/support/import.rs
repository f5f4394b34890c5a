//! The import benchmark shared by both backends' `import_speed` examples: a
//! synthetic world of reports built directly (no parsing), submitted in
//! batches with two batches in flight, timed end to end.
//!
//! The world's shape follows the `large` simulated world: about 4 selectors
//! per report, three in four of them never seen before (about 3 selectors
//! per report distinct in all), the rest reused: mostly recent ones (a
//! network rotating its phones) and a few very hot ones (an exchange's
//! deposit address, a hosting domain). The selectors are normalised by the
//! core before the clock starts; only building reports and storing them is
//! timed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cordon_core::selector::{Hint, normalize_one};
use cordon_core::{Marking, Report, ReportKind, Selector, Tlp};
use cordon_store::{NewAgency, Store, SubmitOutcome};

/// What to import.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub reports: usize,
    pub batch: usize,
    pub in_flight: usize,
}

impl Plan {
    /// `--reports N --batch N --in-flight N` from the command line.
    pub fn from_args() -> Plan {
        let mut plan = Plan {
            reports: 1_000_000,
            batch: 5_000,
            in_flight: 2,
        };
        let args: Vec<String> = std::env::args().collect();
        for pair in args.windows(2) {
            let value = || pair[1].parse().expect("a number after the flag");
            match pair[0].as_str() {
                "--reports" => plan.reports = value(),
                "--batch" => plan.batch = value(),
                "--in-flight" => plan.in_flight = value(),
                _ => {}
            }
        }
        plan
    }
}

/// A small deterministic generator (SplitMix64): same seed, same world.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const AGENCIES: [&str; 8] = [
    "GB-NCA", "KH-NCB", "TH-DSI", "PH-PNP", "US-FBI", "DE-BKA", "AU-AFP", "KE-DCI",
];

/// The selector slots of every report, as indexes into a pool of distinct
/// selectors made beforehand.
fn plan_selectors(reports: usize, dice: &mut Dice) -> (Vec<[usize; 4]>, usize) {
    let mut next_new = 0usize;
    let mut slots = Vec::with_capacity(reports);
    for _ in 0..reports {
        let mut s = [0usize; 4];
        for slot in &mut s {
            let roll = dice.below(100);
            *slot = if roll < 75 || next_new < 1000 {
                next_new += 1;
                next_new - 1
            } else if roll < 97 {
                // Recently seen: a network still using its phones and wallets.
                next_new - 1 - dice.below(next_new.min(50_000))
            } else {
                // Shared infrastructure: the first thousand are hot.
                dice.below(1000)
            };
        }
        slots.push(s);
    }
    (slots, next_new)
}

/// Distinct canonical selectors made by the core: Cambodian and Thai
/// mobile numbers (ten million of each are valid) and email addresses.
fn make_pool(n: usize) -> Vec<Selector> {
    (0..n)
        .map(|i| {
            let text = match i % 3 {
                0 => format!("phone:+8551{:07}", i / 3),
                1 => format!("phone:+668{:08}", i / 3),
                _ => format!("email:recruiter{}@jobs{}.com", i / 3, i % 997),
            };
            normalize_one(&text, &Hint::default())
                .unwrap_or_else(|e| panic!("synthetic selector {text} does not normalise: {e}"))
        })
        .collect()
}

fn report(n: usize, selectors: &[usize; 4], pool: &[Selector], received: DateTime<Utc>) -> Report {
    let mut s: Vec<Selector> = selectors.iter().map(|&i| pool[i].clone()).collect();
    s.sort();
    s.dedup();
    let tlp = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::Amber, Tlp::Red][n % 5];
    Report {
        id: format!("r-{n:08}"),
        kind: ReportKind::ALL[n % 5],
        received: Some(received),
        country: ["GB", "KH", "TH", "PH", "US", "DE", "AU", "KE"][n % 8].into(),
        language: Some("en".into()),
        marking: Marking {
            tlp,
            recipients: if tlp == Tlp::Amber {
                vec!["KH-NCB".into()]
            } else {
                Vec::new()
            },
            hit_notification: !n.is_multiple_of(17),
        },
        grading: "B2".parse().ok(),
        mo: vec!["investment".into(), "channel:telegram".into()],
        narrative: Some(format!(
            "Victim {n} was contacted about a job offer abroad, moved to a compound and told to \
             recruit others through the numbers and addresses listed; losses reported in USDT."
        )),
        selectors: s,
        losses: Vec::new(),
        location: None,
    }
}

/// Peak resident memory of this process, in MiB (Linux).
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Runs the import and prints the figures.
pub async fn run<S: Store>(store: S, plan: Plan) {
    let mut dice = Dice(7);
    let prep = Instant::now();
    let (slots, distinct) = plan_selectors(plan.reports, &mut dice);
    let pool = Arc::new(make_pool(distinct));
    eprintln!(
        "prepared {} distinct selectors for {} reports in {:.1} s (untimed)",
        distinct,
        plan.reports,
        prep.elapsed().as_secs_f64()
    );
    for code in AGENCIES {
        let agency = NewAgency {
            code: code.into(),
            name: code.into(),
            country: code[..2].into(),
            kind: "police".into(),
            contact: format!("duty@{}.example", code.to_ascii_lowercase()),
        };
        store.create_agency(&agency).await.expect("create agency");
    }

    let store = Arc::new(store);
    let received: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().expect("a time");
    let permits = Arc::new(tokio::sync::Semaphore::new(plan.in_flight.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    let mut window = (Instant::now(), 0usize);
    let mut done = 0usize;
    let mut slowest = Duration::ZERO;
    for (b, chunk) in slots.chunks(plan.batch).enumerate() {
        let first = b * plan.batch;
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore open");
        let store = Arc::clone(&store);
        let pool = Arc::clone(&pool);
        let chunk = chunk.to_vec();
        let agency = AGENCIES[b % AGENCIES.len()];
        tasks.spawn(async move {
            let reports: Vec<Report> = chunk
                .iter()
                .enumerate()
                .map(|(i, s)| report(first + i, s, &pool, received))
                .collect();
            let t = Instant::now();
            let out = store
                .submit(agency, &reports, Utc::now())
                .await
                .expect("submit");
            drop(permit);
            assert!(
                out.iter()
                    .all(|o| matches!(o, SubmitOutcome::Accepted { revision: 1, .. }))
            );
            (out.len(), t.elapsed())
        });
        while let Some(finished) = tasks.try_join_next() {
            let (n, took) = finished.expect("batch task");
            done += n;
            slowest = slowest.max(took);
        }
        if window.0.elapsed() >= Duration::from_secs(5) {
            let rate = (done - window.1) as f64 / window.0.elapsed().as_secs_f64();
            eprintln!("{done:>9} reports  {rate:>8.0} reports/s over the last 5 s");
            window = (Instant::now(), done);
        }
    }
    while let Some(finished) = tasks.join_next().await {
        let (n, took) = finished.expect("batch task");
        done += n;
        slowest = slowest.max(took);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let t = Instant::now();
    let counts = store.counts().await.expect("counts");
    let counting = t.elapsed();
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
    let scanning = t.elapsed();
    println!(
        "{}: imported {done} reports ({} selectors, {} links) in batches of {} in {elapsed:.1} s: {:.0} reports/s durable; slowest batch {:.0} ms; peak rss {} MiB",
        store.backend(),
        counts.selectors,
        counts.links,
        plan.batch,
        done as f64 / elapsed,
        slowest.as_secs_f64() * 1000.0,
        peak_rss_mib().map_or("?".into(), |m| m.to_string()),
    );
    println!(
        "{}: counts in {:.0} ms; all {postings} postings paged in {:.1} s",
        store.backend(),
        counting.as_secs_f64() * 1000.0,
        scanning.as_secs_f64(),
    );
}
