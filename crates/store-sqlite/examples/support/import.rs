//! The import benchmark shared by both backends' `import_speed` examples: a
//! synthetic world of reports built directly (no parsing), submitted in
//! batches, timed end to end.
//!
//! The world's shape follows the `large` simulated world: about 4.7
//! selectors per report, 3.2 of them never seen before, the rest reused:
//! very hot ones (an exchange's deposit address, a hosting domain), warm
//! ones (a network's phones and wallets) and any other, mostly first seen
//! long before (see `plan_selectors`). Like real ones
//! the selectors are random strings, mostly crypto addresses, then phones,
//! handles and e-mail addresses. They are normalised by the core before the
//! clock starts; only building reports and storing them is timed.
//!
//! It predicts the real figure: on SQLite in batches of 5,000, 38,000
//! reports/s here against 40,000 for the store's part of importing the
//! large world (the `import_world` example). Its former world, selectors
//! numbered in order and reuses of recent ones only, let the indexes and the
//! selector cache work in order as no real world does: it read 49,000
//! reports/s when the real import ran at 14,000.

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

/// Most selectors a synthetic report holds.
const SLOTS: usize = 5;

/// Every this-many-th selector is "warm": named again now and then.
const WARM_EVERY: usize = 128;

/// The selector slots of every report (4 or 5, 4.7 on average), as indexes
/// into a pool of distinct selectors made beforehand.
///
/// The reuses follow the large world's: of its 1.53 million links to a
/// selector seen before, a third go to 2,241 very hot selectors (more than
/// 100 reports each), two fifths to 25,000 warm ones (11 to 100) and a
/// quarter to any other; most name a selector first filed more than
/// 100,000 reports earlier, by another agency.
fn plan_selectors(reports: usize, dice: &mut Dice) -> (Vec<Vec<usize>>, usize) {
    let mut next_new = 0usize;
    let mut slots = Vec::with_capacity(reports);
    for _ in 0..reports {
        let n = if dice.below(10) < 7 { SLOTS } else { SLOTS - 1 };
        let s: Vec<usize> = (0..n)
            .map(|_| {
                let roll = dice.below(100);
                if roll < 68 || next_new < 2000 {
                    next_new += 1;
                    next_new - 1
                } else if roll < 79 {
                    // Shared infrastructure: an exchange's deposit address.
                    dice.below(2000)
                } else if roll < 93 {
                    // A network's phones and wallets, named again and again.
                    dice.below(next_new.div_ceil(WARM_EVERY)) * WARM_EVERY
                } else {
                    dice.below(next_new)
                }
            })
            .collect();
        slots.push(s);
    }
    (slots, next_new)
}

/// `x` mapped one to one onto `0..m` in a scattered order (an affine
/// permutation: the multiplier is prime to every power of ten).
fn scatter(x: u64, m: u64) -> u64 {
    ((u128::from(x) * 982_451_653 + 12_345) % u128::from(m)) as u64
}

/// Distinct canonical selectors made by the core, as random as real ones
/// and in the large world's mix: half Ethereum addresses of random hex,
/// Cambodian and Thai mobile numbers in scattered order, Telegram handles
/// and e-mail addresses with random names.
fn make_pool(n: usize, dice: &mut Dice) -> Vec<Selector> {
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let word = |dice: &mut Dice, len: usize| -> String {
        (0..len)
            .map(|_| char::from(alphabet[dice.below(alphabet.len())]))
            .collect()
    };
    let (mut kh, mut th) = (0u64, 0u64);
    (0..n)
        .map(|i| {
            let text = match i % 20 {
                0..10 => format!(
                    "eth:0x{:016x}{:016x}{:08x}",
                    dice.next(),
                    dice.next(),
                    dice.next() as u32
                ),
                10..13 => format!(
                    "telegram:@{}{}",
                    char::from(b'a' + dice.below(26) as u8),
                    word(dice, 11)
                ),
                13..15 => {
                    kh += 1;
                    assert!(kh < 2_000_000, "room for 2,000,000 cambodian phones");
                    let v = scatter(kh, 2_000_000);
                    let prefix = if v < 1_000_000 { 12 } else { 17 };
                    format!("phone:+855{prefix}{:06}", v % 1_000_000)
                }
                15..17 => {
                    th += 1;
                    let v = scatter(th, 200_000_000);
                    format!("phone:+66{}{:08}", 8 + v / 100_000_000, v % 100_000_000)
                }
                _ => format!(
                    "email:{}@mail{}.example.com",
                    word(dice, 10),
                    dice.below(1000)
                ),
            };
            normalize_one(&text, &Hint::default())
                .unwrap_or_else(|e| panic!("synthetic selector {text} does not normalise: {e}"))
        })
        .collect()
}

fn report(n: usize, selectors: &[usize], pool: &[Selector], received: DateTime<Utc>) -> Report {
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

/// CPU seconds (user + system) used so far by this process's threads whose
/// name starts with `prefix`, or by the whole process when `prefix` is empty
/// (Linux: a thread name is cut to 15 bytes; 0 elsewhere). On a shared machine the writer's CPU time varies
/// less than the wall time.
pub fn cpu_seconds(prefix: &str) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut total = 0.0;
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: utime is field 14, stime 15.
        let rest = stat.rsplit_once(')').map_or("", |r| r.1);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let get = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        total += (get(11) + get(12)) / ticks;
    }
    total
}

/// Runs the import and prints the figures.
pub async fn run<S: Store>(store: S, plan: Plan) {
    let mut dice = Dice(7);
    let prep = Instant::now();
    let (slots, distinct) = plan_selectors(plan.reports, &mut dice);
    let pool = Arc::new(make_pool(distinct, &mut dice));
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
    let (cpu_before, writer_before) = (cpu_seconds(""), cpu_seconds("cordon-sqlite-w"));
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
    let cpu = cpu_seconds("") - cpu_before;
    let writer_cpu = cpu_seconds("cordon-sqlite-w") - writer_before;
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
        "{}: import cpu {cpu:.1} s, of which the writer thread {writer_cpu:.1} s",
        store.backend(),
    );
    println!(
        "{}: counts in {:.0} ms; all {postings} postings paged in {:.1} s",
        store.backend(),
        counting.as_secs_f64() * 1000.0,
        scanning.as_secs_f64(),
    );
}
