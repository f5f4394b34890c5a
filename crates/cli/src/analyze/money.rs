//! `cordon analyze --money DIR`: the money analysis scored against a
//! simulated world's money truth (`money_truth.json`).
//!
//! - Tracing: each network's victim payments are traced forward together,
//!   haircut model, 5 hops, over the world's flows, conversions and tags;
//!   the value the truth says reached each cash-out service within 5 hops
//!   is compared with the value traced to that service (by its name): the
//!   figure is the share of the truth's value traced to the right service,
//!   `Σ min(traced, truth) / Σ truth`, summed over networks. The same is
//!   printed with every payment traced on its own (`tracing_per_payment`),
//!   which the truth's pro rata sharing of a batch makes stricter than the
//!   world can tell apart (see [`Score`]).
//! - Mules: accounts flagged by mule detection against the truth's mule
//!   accounts (precision, recall), the truth's legitimate look-alikes
//!   (payroll, merchants…) included in the world to be told apart.
//!
//! Prints one JSON document.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use crate::output::say;
use anyhow::Context;
use cordon_finance::graph::FlowGraph;
use cordon_finance::import::jsonl;
use cordon_finance::mules::{self, MuleOptions};
use cordon_finance::services::ServiceIndex;
use cordon_finance::tags::Tags;
use cordon_finance::trace::{self, Direction, Model, Models, Seed, TraceOptions};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Hops within which the figure counts value.
const HOPS: u8 = 5;
/// A mule score at or above this flags the account: chosen on the world
/// of seed 7 (`by_threshold` in the output shows the trade-off: 0.3 lets
/// in legitimate look-alikes with a fan pattern and one quick pass) and
/// checked on seeds 3 and 11, where it gives the same precision and recall.
const FLAGGED: f64 = mules::FLAGGED;

#[derive(Deserialize)]
struct Truth {
    services: Vec<Service>,
    payments: Vec<Payment>,
    mules: Vec<Mule>,
    decoys: Vec<Decoy>,
}

#[derive(Deserialize)]
struct Service {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct Payment {
    flow: String,
    network: String,
    to: String,
    asset: cordon_finance::asset::Asset,
    amount: Decimal,
    usd: Decimal,
    reached: Vec<Reached>,
}

#[derive(Deserialize)]
struct Reached {
    service: String,
    hops: u8,
    value: Decimal,
}

#[derive(Deserialize)]
struct Mule {
    account: String,
}

#[derive(Deserialize)]
struct Decoy {
    address: String,
}

#[derive(Serialize)]
struct Score {
    flows: usize,
    payments: usize,
    /// The figure: each network's payments traced together.
    tracing: TraceScore,
    /// The same, each payment traced on its own and compared with its own
    /// share in the truth. Stricter than the world can tell apart: the
    /// truth shares a laundering batch's ends among its payments pro rata
    /// over the whole batch, while a payment's own trace follows the
    /// wallets its value actually went through, so two payments of one
    /// batch that part ways are scored against the batch's average.
    tracing_per_payment: TraceScore,
    mules: MuleScore,
    seconds: BTreeMap<&'static str, f64>,
}

#[derive(Serialize, Default)]
struct TraceScore {
    /// Traces whose seeds the trace refused (none is expected).
    untraced: usize,
    /// Value (US dollars) the truth says reached cash-out services within
    /// 5 hops.
    truth_value: Decimal,
    /// Of it, the value traced to the right service.
    traced_right: Decimal,
    /// traced_right / truth_value.
    traced_share: f64,
    /// Value traced to a service the truth does not name for the payments.
    traced_wrong: Decimal,
    /// Where the wrong value went, by service.
    wrong_by_service: BTreeMap<String, Decimal>,
    /// Where the missed value should have gone, by service.
    missed_by_service: BTreeMap<String, Decimal>,
}

impl TraceScore {
    fn rounded(mut self) -> TraceScore {
        self.traced_share = if self.truth_value.is_zero() {
            0.0
        } else {
            (self.traced_right / self.truth_value)
                .try_into()
                .unwrap_or(0.0)
        };
        for v in [
            &mut self.truth_value,
            &mut self.traced_right,
            &mut self.traced_wrong,
        ] {
            *v = v.round_dp(2);
        }
        for map in [&mut self.wrong_by_service, &mut self.missed_by_service] {
            for v in map.values_mut() {
                *v = v.round_dp(2);
            }
        }
        self
    }
}

/// What one scoring traces over.
struct Tracing<'a> {
    graph: &'a FlowGraph,
    services: &'a ServiceIndex,
    name_of: &'a HashMap<&'a str, &'a str>,
    rates: &'a HashMap<cordon_finance::asset::Asset, Decimal>,
}

impl Tracing<'_> {
    /// Traces each group of payments together (haircut, 5 hops, forward)
    /// and compares the value it finds at each service with the truth's
    /// sum over the group: `Σ min(traced, truth)` is right.
    fn tally(&self, groups: &[Vec<&Payment>], bar: &indicatif::ProgressBar) -> TraceScore {
        let options = TraceOptions {
            direction: Direction::Forward,
            models: Models::only(Model::Haircut),
            max_hops: HOPS,
            ..Default::default()
        };
        let mut score = TraceScore::default();
        for group in groups {
            bar.inc(1);
            let mut expected: HashMap<&str, Decimal> = HashMap::new();
            for p in group {
                let usd = dollars_per_unit(p);
                for r in p.reached.iter().filter(|r| r.hops <= HOPS) {
                    let name = self.name_of.get(r.service.as_str()).copied().unwrap_or("");
                    *expected.entry(name).or_default() += r.value * usd;
                    score.truth_value += r.value * usd;
                }
            }
            let seeds: Vec<Seed> = group
                .iter()
                .map(|p| Seed::Leg {
                    flow: p.flow.clone(),
                    address: p.to.clone(),
                    amount: None,
                })
                .collect();
            let Ok(traced) = trace::trace(self.graph, self.services, &seeds, &options) else {
                score.untraced += 1;
                continue;
            };
            let mut got: HashMap<&str, Decimal> = HashMap::new();
            for s in &traced.services {
                let rate = self.rates.get(&s.asset).copied().unwrap_or_default();
                *got.entry(s.service.as_str()).or_default() +=
                    s.amounts.haircut.unwrap_or_default() * rate;
            }
            for (name, want) in &expected {
                let value = got.get(name).copied().unwrap_or_default();
                *score
                    .missed_by_service
                    .entry((*name).to_owned())
                    .or_default() += (*want - value).max(Decimal::ZERO);
            }
            for (name, value) in got {
                let over = match expected.get(name) {
                    Some(want) => {
                        score.traced_right += value.min(*want);
                        (value - *want).max(Decimal::ZERO)
                    }
                    None => value,
                };
                score.traced_wrong += over;
                *score.wrong_by_service.entry(name.to_owned()).or_default() += over;
            }
        }
        score.rounded()
    }
}

fn dollars_per_unit(p: &Payment) -> Decimal {
    if p.amount.is_zero() {
        Decimal::ZERO
    } else {
        p.usd / p.amount
    }
}

#[derive(Serialize)]
struct MuleScore {
    truth: usize,
    flagged: usize,
    right: usize,
    precision: f64,
    recall: f64,
    /// Legitimate look-alikes flagged.
    decoys_flagged: usize,
    threshold: f64,
    /// (precision, recall) at other thresholds.
    by_threshold: BTreeMap<String, (f64, f64)>,
}

fn lines<T>(
    path: &Path,
    read: impl FnOnce(BufReader<File>) -> Result<T, cordon_finance::import::Rejected>,
) -> anyhow::Result<T> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    read(BufReader::new(file)).map_err(|r| anyhow::anyhow!("{}: {r}", path.display()))
}

pub fn score(world: &Path) -> anyhow::Result<()> {
    let mut seconds = BTreeMap::new();
    let started = Instant::now();
    let flows = lines(&world.join("flows.jsonl"), jsonl::flows_from_json_lines)?.items;
    let conversions = lines(&world.join("conversions.jsonl"), |r| {
        jsonl::conversions_from_json_lines(r, None)
    })?
    .items;
    let tags = lines(&world.join("tags.jsonl"), jsonl::tags_from_json_lines)?.items;
    let truth: Truth = serde_json::from_reader(BufReader::new(
        File::open(world.join("money_truth.json"))
            .with_context(|| format!("{} holds no money_truth.json", world.display()))?,
    ))
    .context("money_truth.json does not parse")?;
    seconds.insert("read", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let graph = FlowGraph::build(&flows, &conversions).map_err(|e| anyhow::anyhow!("{e}"))?;
    let services = ServiceIndex::new(&graph, &Tags::new(tags));
    seconds.insert("graph", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let name_of: HashMap<&str, &str> = truth
        .services
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    // In US dollars, so that payments in every asset weigh by their worth.
    let rates = dollar_rates(&truth.payments, &flows, &conversions);
    let tracing = Tracing {
        graph: &graph,
        services: &services,
        name_of: &name_of,
        rates: &rates,
    };
    let mut by_network: BTreeMap<&str, Vec<&Payment>> = BTreeMap::new();
    for p in &truth.payments {
        by_network.entry(p.network.as_str()).or_default().push(p);
    }
    let networks: Vec<Vec<&Payment>> = by_network.into_values().collect();
    let singles: Vec<Vec<&Payment>> = truth.payments.iter().map(|p| vec![p]).collect();
    let bar = crate::progress::bar((networks.len() + singles.len()) as u64, "tracing payments");
    let per_network = tracing.tally(&networks, &bar);
    let per_payment = tracing.tally(&singles, &bar);
    bar.finish_and_clear();
    seconds.insert("trace", started.elapsed().as_secs_f64());

    let started = Instant::now();
    // Mule accounts are bank accounts: the wallets a network moves crypto
    // through are its own, not a mule's (the truth lists none).
    let options = MuleOptions {
        networks: vec![cordon_finance::asset::Network::Bank],
        ..MuleOptions::default()
    };
    let scored = mules::detect(&graph, &services, &options);
    let flagged: HashSet<String> = scored
        .iter()
        .filter(|m| m.score >= FLAGGED)
        .map(|m| m.address.clone())
        .collect();
    let mules_truth: HashSet<&str> = truth.mules.iter().map(|m| m.account.as_str()).collect();
    let decoys: HashSet<&str> = truth.decoys.iter().map(|d| d.address.as_str()).collect();
    let hit = flagged
        .iter()
        .filter(|a| mules_truth.contains(a.as_str()))
        .count();
    // Precision and recall at other thresholds, to show the trade-off.
    let by_threshold: BTreeMap<String, (f64, f64)> = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
        .into_iter()
        .map(|t| {
            let f: HashSet<&str> = scored
                .iter()
                .filter(|m| m.score >= t)
                .map(|m| m.address.as_str())
                .collect();
            let h = f.iter().filter(|a| mules_truth.contains(**a)).count();
            let p = if f.is_empty() {
                0.0
            } else {
                h as f64 / f.len() as f64
            };
            let r = if mules_truth.is_empty() {
                0.0
            } else {
                h as f64 / mules_truth.len() as f64
            };
            (format!("{t:.1}"), (p, r))
        })
        .collect();
    seconds.insert("mules", started.elapsed().as_secs_f64());

    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let score = Score {
        flows: flows.len(),
        payments: truth.payments.len(),
        tracing: per_network,
        tracing_per_payment: per_payment,
        mules: MuleScore {
            truth: mules_truth.len(),
            flagged: flagged.len(),
            right: hit,
            precision: ratio(hit, flagged.len()),
            recall: ratio(hit, mules_truth.len()),
            decoys_flagged: flagged
                .iter()
                .filter(|a| decoys.contains(a.as_str()))
                .count(),
            threshold: FLAGGED,
            by_threshold,
        },
        seconds,
    };
    say!("{}", serde_json::to_string_pretty(&score)?);
    Ok(())
}

/// US dollars per unit of each asset: from the payments (the truth gives
/// each one's dollar value), then across the recorded conversions for
/// assets no victim paid in (TRX after a swap), so that value traced in a
/// swapped asset is weighed at its own worth.
fn dollar_rates(
    payments: &[Payment],
    flows: &[cordon_finance::flow::Flow],
    conversions: &[cordon_finance::flow::Conversion],
) -> HashMap<cordon_finance::asset::Asset, Decimal> {
    use cordon_finance::asset::Asset;
    let mut sums: HashMap<Asset, (Decimal, Decimal)> = HashMap::new();
    for p in payments {
        let e = sums.entry(p.asset.clone()).or_default();
        e.0 += p.usd;
        e.1 += p.amount;
    }
    let mut rates: HashMap<Asset, Decimal> = sums
        .into_iter()
        .filter(|(_, (_, amount))| !amount.is_zero())
        .map(|(a, (usd, amount))| (a, usd / amount))
        .collect();
    let by_id: HashMap<&str, &cordon_finance::flow::Flow> =
        flows.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut learned: HashMap<Asset, (Decimal, Decimal)> = HashMap::new();
    for c in conversions {
        let (Some(from), Some(to)) = (
            by_id.get(c.from.flow.as_str()),
            by_id.get(c.to.flow.as_str()),
        ) else {
            continue;
        };
        let got: Decimal = from
            .outputs
            .iter()
            .filter(|l| l.address == c.from.address)
            .map(|l| l.amount)
            .sum();
        let sent: Decimal = to
            .inputs
            .iter()
            .filter(|l| l.address == c.to.address)
            .map(|l| l.amount)
            .sum();
        if let (Some(rate), false) = (rates.get(&from.asset), rates.contains_key(&to.asset))
            && !sent.is_zero()
        {
            let e = learned.entry(to.asset.clone()).or_default();
            e.0 += got * rate;
            e.1 += sent;
        }
    }
    for (asset, (usd, amount)) in learned {
        if !amount.is_zero() {
            rates.insert(asset, usd / amount);
        }
    }
    rates
}
