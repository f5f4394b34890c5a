//! `cordon analyze --world DIR`: a simulated world's reports grouped into
//! networks, scored against the world's truth.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use cordon_analysis::compounds::{self, Compound, Located};
use cordon_analysis::live::LiveNetworks;
use cordon_analysis::networks::{self, Evidence, Thresholds};
use cordon_analysis::places;
use cordon_core::ingest;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Truth {
    reports: Vec<TrueReport>,
    compounds: Vec<TrueCompound>,
}

#[derive(Deserialize)]
struct TrueCompound {
    lat: f64,
    lon: f64,
    networks: Vec<String>,
}

#[derive(Deserialize)]
struct TrueReport {
    id: String,
    network: Option<String>,
}

#[derive(Serialize)]
struct Score {
    reports: usize,
    networks: usize,
    /// Reports that share no usable selector with another.
    alone: usize,
    true_networks: usize,
    precision: f64,
    recall: f64,
    shared_selectors: usize,
    /// The most used of them: selector, reports, first-pass groups.
    most_shared: Vec<(String, usize, usize)>,
    read_seconds: f64,
    resolve_seconds: f64,
    /// With --holdout: the newest reports left out of the recomputation
    /// and joined one by one, and how long a join took (microseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    joined: Option<Joined>,
    compounds: CompoundScore,
}

/// Compounds found (sites located by two reports or more) against the
/// world's: how many match one (the same site), how many of the world's
/// are found, and for how many matched ones the network most of their
/// reports belong to is one the world says operates there.
#[derive(Serialize)]
struct CompoundScore {
    found: usize,
    true_compounds: usize,
    found_matching: usize,
    true_found: usize,
    network_right: usize,
}

#[derive(Serialize)]
struct Joined {
    reports: usize,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
}

pub fn score(
    world: &Path,
    out: Option<&Path>,
    thresholds: &Thresholds,
    holdout: f64,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let truth_path = world.join("truth.json");
    let truth: Truth = serde_json::from_reader(BufReader::new(
        File::open(&truth_path).with_context(|| format!("cannot open {}", truth_path.display()))?,
    ))
    .with_context(|| format!("{}: not a world's truth", truth_path.display()))?;
    let true_network: HashMap<String, Option<String>> = truth
        .reports
        .into_iter()
        .map(|r| (r.id, r.network))
        .collect();

    let dir = world.join("reports");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let now = Utc::now();
    let mut ids: Vec<String> = Vec::new();
    let mut received = Vec::new();
    let mut locations = Vec::new();
    let mut named: Vec<Vec<u32>> = Vec::new();
    let mut selector_ids: HashMap<String, u32> = HashMap::new();
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let total: u64 = files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = crate::progress::bytes(total, "reading reports");
    for path in &files {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size = file.metadata().map_or(0, |m| m.len());
        let checked = ingest::validate_json_lines(BufReader::with_capacity(1 << 20, file), now)
            .map_err(|e| anyhow::anyhow!("{}: line {e}", path.display()))?;
        if let Some(e) = checked.errors.first() {
            anyhow::bail!("{}: line {e}", path.display());
        }
        for report in checked.reports {
            // A located report also names its site.
            let site = report
                .location
                .as_ref()
                .and_then(|l| places::site_key(l.lat, l.lon));
            let keys = report
                .selectors
                .iter()
                .map(|s| {
                    let kind = if s.kind().is_fuzzy() {
                        Evidence::Fuzzy
                    } else {
                        Evidence::Selector
                    };
                    (s.as_str(), kind)
                })
                .chain(site.as_deref().map(|k| (k, Evidence::Place)));
            let list = keys
                .map(|(key, kind)| {
                    *selector_ids.entry(key.to_owned()).or_insert_with(|| {
                        evidence.push(kind);
                        texts.push(key.to_owned());
                        (texts.len() - 1) as u32
                    })
                })
                .collect();
            named.push(list);
            received.push(report.received);
            locations.push(report.location);
            ids.push(report.id);
        }
        bar.inc(size);
    }
    bar.finish_and_clear();
    let read_seconds = started.elapsed().as_secs_f64();

    // Reports in the order they were received, so that a holdout is the
    // newest of them, as a live exchange would see them arrive.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| (received[i], i));
    let ids: Vec<String> = order.iter().map(|&i| std::mem::take(&mut ids[i])).collect();
    let named: Vec<Vec<u32>> = order
        .iter()
        .map(|&i| std::mem::take(&mut named[i]))
        .collect();
    let located: Vec<Located> = order
        .iter()
        .enumerate()
        .filter_map(|(at, &i)| {
            locations[i].take().map(|l| Located {
                report: at as u32,
                lat: l.lat,
                lon: l.lon,
                place: l.place,
            })
        })
        .collect();
    let kept = ids.len() - (ids.len() as f64 * holdout / 100.0).round() as usize;

    let resolving = Instant::now();
    let mut found = networks::resolve(&named[..kept], &evidence, thresholds);
    let resolve_seconds = resolving.elapsed().as_secs_f64();
    let joined = (kept < ids.len()).then(|| {
        let mut live = LiveNetworks::new(&named[..kept], evidence.clone(), &found);
        let mut micros: Vec<f64> = named[kept..]
            .iter()
            .map(|selectors| {
                let started = Instant::now();
                live.join(selectors);
                started.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        found.of_report = live.of_report().to_vec();
        micros.sort_by(f64::total_cmp);
        let at = |q: f64| micros[((micros.len() - 1) as f64 * q) as usize];
        Joined {
            reports: micros.len(),
            p50_us: at(0.5),
            p99_us: at(0.99),
            max_us: micros[micros.len() - 1],
        }
    });

    let mut network_numbers: HashMap<&str, u32> = HashMap::new();
    let mut truth_of = Vec::with_capacity(ids.len());
    for id in &ids {
        let network = true_network
            .get(id)
            .with_context(|| format!("report {id} is not in {}", truth_path.display()))?;
        truth_of.push(network.as_deref().map(|n| {
            let next = network_numbers.len() as u32;
            *network_numbers.entry(n).or_insert(next)
        }));
    }
    let (precision, recall) = networks::b_cubed(&found.of_report, &truth_of);
    let compound_score = score_compounds(
        &compounds::compounds(&located, &found.of_report, 2),
        &truth.compounds,
        &found.of_report,
        &truth_of,
        &network_numbers,
    );
    let score = Score {
        reports: ids.len(),
        networks: found.count,
        alone: found.of_report.iter().filter(|n| n.is_none()).count(),
        true_networks: network_numbers.len(),
        precision,
        recall,
        shared_selectors: found.shared.len(),
        most_shared: found
            .shared
            .iter()
            .take(5)
            .map(|s| (texts[s.selector as usize].clone(), s.reports, s.groups))
            .collect(),
        read_seconds,
        resolve_seconds,
        joined,
        compounds: compound_score,
    };
    if let Some(path) = out {
        let mut writer = csv::Writer::from_path(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        writer.write_record(["report", "network"])?;
        for (id, network) in ids.iter().zip(&found.of_report) {
            let network = network.map(|n| n.to_string()).unwrap_or_default();
            writer.write_record([id.as_str(), network.as_str()])?;
        }
        writer
            .flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("{}", serde_json::to_string(&score)?);
    Ok(())
}

fn score_compounds(
    found: &[Compound],
    world: &[TrueCompound],
    network_of: &[Option<u32>],
    truth_of: &[Option<u32>],
    truth_numbers: &HashMap<&str, u32>,
) -> CompoundScore {
    // Each found network stands for the true network most of its reports
    // belong to.
    let mut votes: HashMap<u32, HashMap<u32, usize>> = HashMap::new();
    for (found, truth) in network_of.iter().zip(truth_of) {
        if let (Some(f), Some(t)) = (found, truth) {
            *votes.entry(*f).or_default().entry(*t).or_default() += 1;
        }
    }
    let stands_for = |f: u32| {
        votes
            .get(&f)
            .and_then(|v| v.iter().max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t))))
            .map(|(t, _)| *t)
    };
    let sites: HashMap<_, &TrueCompound> = world
        .iter()
        .filter_map(|c| places::site(c.lat, c.lon).map(|s| (s, c)))
        .collect();
    let mut found_matching = 0;
    let mut network_right = 0;
    let mut matched_sites = std::collections::HashSet::new();
    for c in found {
        let Some(t) = sites.get(&c.site) else {
            continue;
        };
        found_matching += 1;
        matched_sites.insert(c.site);
        let right = c
            .networks
            .first()
            .and_then(|(f, _)| stands_for(*f))
            .is_some_and(|n| {
                t.networks
                    .iter()
                    .any(|name| truth_numbers.get(name.as_str()) == Some(&n))
            });
        network_right += usize::from(right);
    }
    CompoundScore {
        found: found.len(),
        true_compounds: world.len(),
        found_matching,
        true_found: matched_sites.len(),
        network_right,
    }
}
