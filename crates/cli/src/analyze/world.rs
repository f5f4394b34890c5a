//! `cordon analyze --world DIR`: a simulated world's reports grouped into
//! networks, scored against the world's truth.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use crate::output::say;
use anyhow::Context;
use chrono::Utc;
use cordon_analysis::compounds::{self, Compound};
use cordon_analysis::corpus::Corpus;
use cordon_analysis::live::LiveNetworks;
use cordon_analysis::networks::{self, Thresholds};
use cordon_analysis::perpetrators::{self, Role};
use cordon_analysis::{places, profile};
use cordon_core::ingest;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Truth {
    reports: Vec<TrueReport>,
    compounds: Vec<TrueCompound>,
    networks: Vec<TrueNetwork>,
    selectors: Vec<TrueSelector>,
}

#[derive(Deserialize)]
struct TrueSelector {
    selector: String,
    role: String,
}

#[derive(Deserialize)]
struct TrueNetwork {
    id: String,
    scams: Vec<String>,
    targets: Vec<String>,
    platforms: Vec<String>,
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
    /// The recall of an oracle that links two reports by any key they
    /// share (selector or site) only when the world says
    /// they are of one network: the most any grouping by these keys can
    /// reach (its precision is 1).
    key_recall_ceiling: f64,
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
    /// Victim-protection signals linked to compounds by their coordinates.
    #[serde(skip_serializing_if = "Option::is_none")]
    signals: Option<SignalScore>,
    profiles: ProfileScore,
    perpetrators: PerpetratorScore,
}

/// The five most central perpetrators of each network of ten reports or
/// more: how many were ranked, and the share whose role the world agrees
/// with (recruiter, handler or money mover).
#[derive(Serialize)]
struct PerpetratorScore {
    ranked: usize,
    role_right: f64,
}

/// Modus-operandi profiles of the networks of ten reports or more, each
/// against the world's network most of its reports belong to: the mean
/// Jaccard similarity of the scam types, channels and reporting countries
/// that a tenth of its reports give, with the world's scam types,
/// platforms and target countries.
#[derive(Serialize)]
struct ProfileScore {
    networks: usize,
    scams: f64,
    channels: f64,
    countries: f64,
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

/// The simulated distress signals with coordinates, each offered the
/// compounds found near them (`cordon_analysis::compounds::near`, as the
/// case page offers them) and checked against where the world holds the
/// person: how often the nearest offer is the right compound, how often it
/// is among the five offered, and how often the right compound is one the
/// reports found at all (the most any offer can reach).
#[derive(Serialize)]
struct SignalScore {
    signals: usize,
    with_coordinates: usize,
    offered: usize,
    nearest_right: usize,
    in_five_right: usize,
    true_compound_found: usize,
    /// nearest_right / with_coordinates
    nearest_right_share: f64,
    /// nearest_right / offered
    nearest_precision: f64,
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
    let mut corpus = Corpus::new();
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
            corpus.add(&report);
            received.push(report.received);
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
    let corpus = corpus.reordered(&order);
    let named = corpus.named();
    let evidence = corpus.evidence();
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
    let key_recall_ceiling = networks::b_cubed(&linked_within(&corpus, &truth_of), &truth_of).1;
    let stands_for = majority(&found.of_report, &truth_of);
    let found_compounds =
        compounds::compounds(&corpus.located(0..ids.len() as u32), &found.of_report, 2);
    let compound_score = score_compounds(
        &found_compounds,
        &truth.compounds,
        &stands_for,
        &network_numbers,
    );
    let signal_score = score_signals(world, &found_compounds)?;
    let true_roles: HashMap<&str, &str> = truth
        .selectors
        .iter()
        .map(|s| (s.selector.as_str(), s.role.as_str()))
        .collect();
    let perpetrator_score = score_perpetrators(&found.of_report, &corpus, &true_roles);
    let profile_score = score_profiles(
        &found.of_report,
        &corpus,
        &truth.networks,
        &stands_for,
        &network_numbers,
    );
    let score = Score {
        reports: ids.len(),
        networks: found.count,
        alone: found.of_report.iter().filter(|n| n.is_none()).count(),
        true_networks: network_numbers.len(),
        precision,
        recall,
        key_recall_ceiling,
        shared_selectors: found.shared.len(),
        most_shared: found
            .shared
            .iter()
            .take(5)
            .map(|s| (corpus.key(s.selector).text.clone(), s.reports, s.groups))
            .collect(),
        read_seconds,
        resolve_seconds,
        joined,
        compounds: compound_score,
        signals: signal_score,
        profiles: profile_score,
        perpetrators: perpetrator_score,
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
    say!("{}", serde_json::to_string(&score)?);
    Ok(())
}

/// Reports grouped by every linking key they share, but only with reports
/// of their own true network: connected components, a report alone being
/// in none.
fn linked_within(corpus: &Corpus, truth_of: &[Option<u32>]) -> Vec<Option<u32>> {
    let mut parent: Vec<u32> = (0..truth_of.len() as u32).collect();
    fn root(parent: &mut [u32], mut r: u32) -> u32 {
        while parent[r as usize] != r {
            parent[r as usize] = parent[parent[r as usize] as usize];
            r = parent[r as usize];
        }
        r
    }
    let mut first_of: HashMap<(u32, u32), u32> = HashMap::new();
    for (r, keys) in corpus.named().iter().enumerate() {
        let Some(t) = truth_of[r] else { continue };
        for &k in keys {
            if corpus.key(k).evidence == cordon_analysis::networks::Evidence::Fuzzy {
                continue;
            }
            let first = *first_of.entry((k, t)).or_insert(r as u32);
            let (a, b) = (root(&mut parent, first), root(&mut parent, r as u32));
            parent[a as usize] = b;
        }
    }
    let roots: Vec<u32> = (0..parent.len() as u32)
        .map(|r| root(&mut parent, r))
        .collect();
    let mut size: HashMap<u32, usize> = HashMap::new();
    for &g in &roots {
        *size.entry(g).or_default() += 1;
    }
    roots.iter().map(|g| (size[g] >= 2).then_some(*g)).collect()
}

/// For each found network, the world's network most of its reports belong
/// to.
fn majority(network_of: &[Option<u32>], truth_of: &[Option<u32>]) -> HashMap<u32, u32> {
    let mut votes: HashMap<u32, HashMap<u32, usize>> = HashMap::new();
    for (found, truth) in network_of.iter().zip(truth_of) {
        if let (Some(f), Some(t)) = (found, truth) {
            *votes.entry(*f).or_default().entry(*t).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .filter_map(|(f, v)| {
            v.into_iter()
                .max_by_key(|(t, n)| (*n, std::cmp::Reverse(*t)))
                .map(|(t, _)| (f, t))
        })
        .collect()
}

fn score_compounds(
    found: &[Compound],
    world: &[TrueCompound],
    stands_for: &HashMap<u32, u32>,
    truth_numbers: &HashMap<&str, u32>,
) -> CompoundScore {
    let stands_for = |f: u32| stands_for.get(&f).copied();
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

fn score_signals(world: &Path, found: &[Compound]) -> anyhow::Result<Option<SignalScore>> {
    #[derive(Deserialize)]
    struct Truth {
        site: String,
    }
    let (signals, truth_path) = (
        world.join("protect").join("signals.jsonl"),
        world.join("protect").join("truth.jsonl"),
    );
    if !signals.exists() {
        return Ok(None);
    }
    let read = |p: &Path| {
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
    };
    let (signals_text, truth_text) = (read(&signals)?, read(&truth_path)?);
    let known: std::collections::HashSet<String> =
        found.iter().map(|c| c.site.to_string()).collect();
    let sites = || found.iter().enumerate().map(|(i, c)| (i, c.lat, c.lon));
    let mut score = SignalScore {
        signals: 0,
        with_coordinates: 0,
        offered: 0,
        nearest_right: 0,
        in_five_right: 0,
        true_compound_found: 0,
        nearest_right_share: 0.0,
        nearest_precision: 0.0,
    };
    for (n, (signal, truth)) in signals_text.lines().zip(truth_text.lines()).enumerate() {
        let signal: cordon_sim::Signal = serde_json::from_str(signal)
            .with_context(|| format!("{}:{}", signals.display(), n + 1))?;
        let truth: Truth = serde_json::from_str(truth)
            .with_context(|| format!("{}:{}", truth_path.display(), n + 1))?;
        score.signals += 1;
        let Some((lat, lon)) = signal
            .opening
            .personal
            .held
            .as_ref()
            .and_then(|h| h.lat.zip(h.lon))
        else {
            continue;
        };
        score.with_coordinates += 1;
        score.true_compound_found += usize::from(known.contains(&truth.site));
        let offers = compounds::near(sites(), lat, lon, compounds::NEAR_KM, 5);
        let right = |i: usize| found[i].site.to_string() == truth.site;
        score.offered += usize::from(!offers.is_empty());
        score.nearest_right += usize::from(offers.first().is_some_and(|o| right(o.0)));
        score.in_five_right += usize::from(offers.iter().any(|o| right(o.0)));
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    score.nearest_right_share = share(score.nearest_right, score.with_coordinates);
    score.nearest_precision = share(score.nearest_right, score.offered);
    Ok(Some(score))
}

fn score_profiles(
    network_of: &[Option<u32>],
    corpus: &Corpus,
    world: &[TrueNetwork],
    stands_for: &HashMap<u32, u32>,
    truth_numbers: &HashMap<&str, u32>,
) -> ProfileScore {
    let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
    for (r, n) in network_of.iter().enumerate() {
        if let Some(n) = n {
            members.entry(*n).or_default().push(r);
        }
    }
    let by_number: HashMap<u32, &TrueNetwork> = world
        .iter()
        .filter_map(|n| truth_numbers.get(n.id.as_str()).map(|&k| (k, n)))
        .collect();
    let jaccard = |a: &[&str], b: &[String]| {
        let union = a.len() + b.iter().filter(|x| !a.contains(&x.as_str())).count();
        let both = a.iter().filter(|x| b.iter().any(|y| y == *x)).count();
        if union == 0 {
            1.0
        } else {
            both as f64 / union as f64
        }
    };
    let (mut scored, mut scams, mut channels, mut countries) = (0, 0.0, 0.0, 0.0);
    for (network, reports) in &members {
        let Some(truth) = stands_for.get(network).and_then(|t| by_number.get(t)) else {
            continue;
        };
        if reports.len() < 10 {
            continue;
        }
        let p = profile::profile(reports.iter().map(|&r| corpus.facts(r as u32)));
        let common_countries: Vec<&str> = p
            .countries
            .iter()
            .filter(|(_, n)| *n * 10 >= p.reports)
            .map(|(c, _)| c.as_str())
            .collect();
        scored += 1;
        scams += jaccard(&p.common("scam", 0.1), &truth.scams);
        channels += jaccard(&p.common("channel", 0.1), &truth.platforms);
        countries += jaccard(&common_countries, &truth.targets);
    }
    let mean = |total: f64| {
        if scored == 0 {
            0.0
        } else {
            total / scored as f64
        }
    };
    ProfileScore {
        networks: scored,
        scams: mean(scams),
        channels: mean(channels),
        countries: mean(countries),
    }
}

fn score_perpetrators(
    network_of: &[Option<u32>],
    corpus: &Corpus,
    true_roles: &HashMap<&str, &str>,
) -> PerpetratorScore {
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for (r, n) in network_of.iter().enumerate() {
        if let Some(n) = n {
            members.entry(*n).or_default().push(r as u32);
        }
    }
    let (holders, sides) = (corpus.holders(), corpus.sides());
    let (mut ranked, mut right) = (0usize, 0usize);
    for reports in members.values().filter(|m| m.len() >= 10) {
        for p in perpetrators::perpetrators(reports, corpus.named(), &holders, &sides, 5) {
            ranked += 1;
            let world = true_roles
                .get(corpus.key(p.selector).text.as_str())
                .copied();
            let agrees = match (p.role, world) {
                (Role::Recruiter, Some(r)) => r.starts_with("recruiter_"),
                (Role::Handler, Some(r)) => {
                    matches!(
                        r,
                        "persona_handle" | "whats_app" | "contact_phone" | "compound_phone"
                    )
                }
                (Role::MoneyMover, Some(r)) => matches!(
                    r,
                    "collection_wallet" | "mule_account" | "deposit_address" | "laundering_service"
                ),
                _ => false,
            };
            right += usize::from(agrees);
        }
    }
    PerpetratorScore {
        ranked,
        role_right: if ranked == 0 {
            0.0
        } else {
            right as f64 / ranked as f64
        },
    }
}
