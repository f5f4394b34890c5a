//! Mule detection: accounts (bank or crypto) whose flows look like money
//! laundering's relays, each pattern a scored indicator explained in plain
//! words.
//!
//! Indicators, each scored in [0, 1] on one holding (an account in one
//! asset); tagged services are left out (an exchange fans in by trade):
//!
//! - **fan-in**: `k` ≥ `min_fan` different senders within `window_hours`;
//!   score `min(1, 0.5 + 0.5 (k − min_fan) / min_fan)`.
//! - **fan-out**: the same over receivers.
//! - **rapid pass-through**: of the value received, the share sent on
//!   within `pass_hours` (receipts matched to sends first in, first out) is
//!   `r` ≥ 0.7, over at least two receipts; score `r`.
//! - **scatter-gather**: one source pays `k` ≥ `min_scatter` accounts that
//!   each pay on to one destination within `window_hours`; each of the
//!   three roles scores `min(1, 0.5 + 0.1 (k − min_scatter))`.
//! - **cycle**: money leaves the account and comes back through 1 to
//!   `max_cycle` − 1 other accounts within `window_hours`, each flow later
//!   than the one before; score 0.6 for one cycle, 0.8 for more.
//! - **relay for a suspect**: one receipt of which a share `r` ≥ 0.7 is
//!   sent on within `pass_hours`, where the sender of the receipt or a
//!   receiver of the sends scores `link_score` or more on the indicators
//!   above; score `r`. A mule used once hides its one relay among its
//!   everyday banking, and one quick pass alone is common (rent paid out
//!   of a salary): the suspect at the other end is what tells them apart.
//!   Only the other indicators count for the suspect, so suspicion does
//!   not spread from account to account.
//!
//! An account's score combines its indicators as independent evidence
//! (noisy-or): `1 − Π (1 − wᵢ sᵢ)`, with weights pass-through 0.6,
//! scatter-gather 0.6, relay for a suspect 0.6, cycle 0.5, fan-in 0.4,
//! fan-out 0.4: a relay pattern says more than many counterparties, which
//! shops and payroll accounts have too.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::asset::Network;
use crate::graph::{FlowGraph, FlowIx, NodeIx, Units};
use crate::services::ServiceIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    FanIn,
    FanOut,
    RapidPassThrough,
    ScatterGather,
    Cycle,
    RelayForSuspect,
}

impl Pattern {
    /// The weight of the pattern in an account's score.
    pub fn weight(self) -> f64 {
        match self {
            Pattern::RapidPassThrough | Pattern::ScatterGather | Pattern::RelayForSuspect => 0.6,
            Pattern::Cycle => 0.5,
            Pattern::FanIn | Pattern::FanOut => 0.4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub pattern: Pattern,
    pub score: f64,
    pub explanation: String,
    /// Flows that show it (a few).
    pub flows: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MuleScore {
    pub address: String,
    pub asset: String,
    pub score: f64,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MuleOptions {
    pub window_hours: i64,
    pub pass_hours: i64,
    pub min_fan: usize,
    pub min_scatter: usize,
    pub max_cycle: usize,
    /// Only accounts on these networks (all when empty).
    pub networks: Vec<Network>,
    /// Accounts scoring below are left out.
    pub min_score: f64,
    /// A counterparty scoring this much makes a quick relay to or from it
    /// an indicator.
    pub link_score: f64,
}

impl Default for MuleOptions {
    fn default() -> MuleOptions {
        MuleOptions {
            window_hours: 72,
            pass_hours: 24,
            min_fan: 5,
            min_scatter: 3,
            max_cycle: 4,
            networks: Vec::new(),
            min_score: 0.2,
            link_score: 0.5,
        }
    }
}

/// The score at or above which an account is flagged as a mule: on the
/// simulated money worlds it gives precision ≥ 0.97 and recall ≥ 0.8
/// (docs/BENCHMARKS.md, `cordon analyze --money`).
pub const FLAGGED: f64 = 0.4;

const HOUR: i64 = 3_600_000_000;
const EVIDENCE: usize = 5;

struct Ctx<'g> {
    g: &'g FlowGraph,
    services: &'g ServiceIndex,
    o: &'g MuleOptions,
}

impl Ctx<'_> {
    fn eligible(&self, n: NodeIx) -> bool {
        let net = self.g.asset(self.g.node_asset(n)).network;
        (self.o.networks.is_empty() || self.o.networks.contains(&net))
            && self.services.service_of(self.g.node_address(n)).is_none()
    }

    /// The other side's holdings of a flow: senders for a receipt, receivers
    /// for a send.
    fn others(&self, n: NodeIx, f: FlowIx, received: bool) -> impl Iterator<Item = NodeIx> + '_ {
        let legs = if received {
            self.g.inputs(f)
        } else {
            self.g.outputs(f)
        };
        legs.map(|l| self.g.leg_node(l)).filter(move |&m| m != n)
    }

    fn amount(&self, n: NodeIx, u: Units) -> String {
        let a = self.g.node_asset(n);
        format!("{} {}", self.g.decimal(a, u), self.g.asset(a).symbol)
    }

    fn ids(&self, flows: impl IntoIterator<Item = FlowIx>) -> Vec<String> {
        flows
            .into_iter()
            .take(EVIDENCE)
            .map(|f| self.g.flow_id(f).to_owned())
            .collect()
    }

    /// Most distinct counterparties within the window, on one side.
    fn fan(&self, n: NodeIx, received: bool) -> Option<Indicator> {
        let events: Vec<(i64, FlowIx)> = self
            .g
            .history(n)
            .filter(|e| e.received == received)
            .map(|e| {
                let f = self.g.leg_flow(e.leg);
                (self.g.flow_micros(f), f)
            })
            .collect();
        let window = self.o.window_hours * HOUR;
        let mut count: FxHashMap<NodeIx, u32> = FxHashMap::default();
        let (mut lo, mut best, mut best_at) = (0, 0, (0, 0));
        for hi in 0..events.len() {
            for m in self.others(n, events[hi].1, received) {
                *count.entry(m).or_default() += 1;
            }
            while events[hi].0 - events[lo].0 > window {
                for m in self.others(n, events[lo].1, received) {
                    let c = count.get_mut(&m).expect("counted on entry");
                    *c -= 1;
                    if *c == 0 {
                        count.remove(&m);
                    }
                }
                lo += 1;
            }
            if count.len() > best {
                best = count.len();
                best_at = (lo, hi);
            }
        }
        if best < self.o.min_fan {
            return None;
        }
        let k = best as f64;
        let min = self.o.min_fan as f64;
        let (pattern, side) = if received {
            (Pattern::FanIn, "received from")
        } else {
            (Pattern::FanOut, "sent to")
        };
        Some(Indicator {
            pattern,
            score: (0.5 + 0.5 * (k - min) / min).min(1.0),
            explanation: format!(
                "{side} {best} different accounts within {} hours",
                self.o.window_hours
            ),
            flows: self.ids(events[best_at.0..=best_at.1].iter().map(|e| e.1)),
        })
    }

    fn pass_through(&self, n: NodeIx) -> Option<Indicator> {
        let g = self.g;
        let mut queue: std::collections::VecDeque<(i64, Units)> = Default::default();
        let (mut received, mut quick, mut receipts, mut balance) = (0u128, 0u128, 0usize, 0u128);
        let mut quick_receipts = FxHashSet::default();
        let mut flows = Vec::new();
        for e in g.history(n) {
            let f = g.leg_flow(e.leg);
            let t = g.flow_micros(f);
            let a = g.leg_units(e.leg);
            if e.received {
                queue.push_back((t, a));
                received += a;
                receipts += 1;
                balance += a;
                continue;
            }
            balance = balance.saturating_sub(a);
            let mut left = a;
            while left > 0 {
                let Some(front) = queue.front_mut() else {
                    break;
                };
                let take = front.1.min(left);
                if t - front.0 <= self.o.pass_hours * HOUR {
                    quick += take;
                    quick_receipts.insert(front.0);
                    if flows.len() < EVIDENCE {
                        flows.push(f);
                    }
                }
                front.1 -= take;
                left -= take;
                if front.1 == 0 {
                    queue.pop_front();
                }
            }
        }
        if received == 0 || quick_receipts.len() < 2 {
            return None;
        }
        let r = quick as f64 / received as f64;
        if r < 0.7 {
            return None;
        }
        let kept = balance as f64 / received as f64;
        Some(Indicator {
            pattern: Pattern::RapidPassThrough,
            score: r,
            explanation: format!(
                "passed on {:.0} % of the {} it received within {} hours ({} receipts); keeps {:.0} %",
                r * 100.0,
                self.amount(n, received),
                self.o.pass_hours,
                receipts,
                kept * 100.0
            ),
            flows: self.ids(flows),
        })
    }

    /// Receipts of which 70 % or more was sent on within `pass_hours`:
    /// (the receipt's flow, the sends' flows, the share sent on).
    fn quick_relays(&self, n: NodeIx) -> Vec<(FlowIx, Vec<FlowIx>, f64)> {
        let g = self.g;
        let events: Vec<(i64, FlowIx, Units, bool)> = g
            .history(n)
            .map(|e| {
                let f = g.leg_flow(e.leg);
                (g.flow_micros(f), f, g.leg_units(e.leg), e.received)
            })
            .collect();
        let mut out = Vec::new();
        for (i, &(t, f, amount, received)) in events.iter().enumerate() {
            if !received || amount == 0 {
                continue;
            }
            let sends: Vec<(FlowIx, Units)> = events[i + 1..]
                .iter()
                .take_while(|e| e.0 - t <= self.o.pass_hours * HOUR)
                .filter(|e| !e.3)
                .map(|e| (e.1, e.2))
                .collect();
            let sent: Units = sends.iter().map(|s| s.1).sum();
            let r = (sent.min(amount) as f64) / amount as f64;
            if r >= 0.7 {
                out.push((f, sends.into_iter().map(|s| s.0).collect(), r));
            }
        }
        out
    }

    /// A quick relay whose other end is a suspect (see the module's notes).
    fn relay_for_suspect(&self, n: NodeIx, suspects: &FxHashMap<NodeIx, f64>) -> Option<Indicator> {
        let g = self.g;
        let mut best: Option<(f64, FlowIx, Vec<FlowIx>, NodeIx)> = None;
        for (receipt, sends, r) in self.quick_relays(n) {
            let ends = self
                .others(n, receipt, true)
                .chain(sends.iter().flat_map(|&f| self.others(n, f, false)));
            let suspect = ends
                .filter(|m| suspects.get(m).is_some_and(|&s| s >= self.o.link_score))
                .max_by(|a, b| suspects[a].total_cmp(&suspects[b]));
            if let Some(m) = suspect
                && best.as_ref().is_none_or(|b| r > b.0)
            {
                best = Some((r, receipt, sends, m));
            }
        }
        let (r, receipt, sends, suspect) = best?;
        Some(Indicator {
            pattern: Pattern::RelayForSuspect,
            score: r,
            explanation: format!(
                "passed on {:.0} % of a receipt within {} hours, to or from {}, which scores {:.2} as a mule",
                r * 100.0,
                self.o.pass_hours,
                g.node_name(suspect),
                suspects[&suspect]
            ),
            flows: self.ids(std::iter::once(receipt).chain(sends)),
        })
    }

    /// Temporal cycles back to `n`: (path of holdings, flows).
    fn cycles(&self, n: NodeIx) -> Vec<Vec<FlowIx>> {
        let window = self.o.window_hours * HOUR;
        let mut found = Vec::new();
        let mut path: Vec<FlowIx> = Vec::new();
        let mut nodes: Vec<NodeIx> = vec![n];
        // A depth-first walk; its state is all in the arguments.
        #[allow(clippy::too_many_arguments)]
        fn walk(
            c: &Ctx,
            n: NodeIx,
            at: NodeIx,
            after: i64,
            start: i64,
            window: i64,
            path: &mut Vec<FlowIx>,
            nodes: &mut Vec<NodeIx>,
            found: &mut Vec<Vec<FlowIx>>,
        ) {
            if found.len() >= EVIDENCE || path.len() >= c.o.max_cycle {
                return;
            }
            // Busy accounts are not followed: too many ways round.
            if c.g.history(at).len() > 500 {
                return;
            }
            for e in c.g.history(at).filter(|e| !e.received) {
                let f = c.g.leg_flow(e.leg);
                let t = c.g.flow_micros(f);
                if t < after || (start != i64::MIN && t - start > window) {
                    continue;
                }
                let start = if start == i64::MIN { t } else { start };
                for m in c.others(at, f, false).collect::<Vec<_>>() {
                    path.push(f);
                    if m == n && path.len() >= 2 {
                        found.push(path.clone());
                    } else if !nodes.contains(&m) && c.eligible(m) {
                        nodes.push(m);
                        walk(c, n, m, t, start, window, path, nodes, found);
                        nodes.pop();
                    }
                    path.pop();
                }
            }
        }
        walk(
            self,
            n,
            n,
            i64::MIN,
            i64::MIN,
            window,
            &mut path,
            &mut nodes,
            &mut found,
        );
        found
    }
}

/// Scores every eligible account; the ones at or above `min_score`, highest
/// first.
pub fn detect(graph: &FlowGraph, services: &ServiceIndex, options: &MuleOptions) -> Vec<MuleScore> {
    let c = Ctx {
        g: graph,
        services,
        o: options,
    };
    let mut found: FxHashMap<NodeIx, Vec<Indicator>> = FxHashMap::default();
    let nodes = graph.node_count() as NodeIx;
    for n in 0..nodes {
        if !c.eligible(n) || graph.history(n).len() < 2 {
            continue;
        }
        let mut add = |i: Option<Indicator>| {
            if let Some(i) = i {
                found.entry(n).or_default().push(i);
            }
        };
        add(c.fan(n, true));
        add(c.fan(n, false));
        add(c.pass_through(n));
        let cycles = c.cycles(n);
        if let Some(first) = cycles.first() {
            let route: Vec<&str> = first
                .iter()
                .map(|&f| graph.node_name(graph.leg_node(graph.inputs(f).start)))
                .chain(std::iter::once(graph.node_name(n)))
                .collect();
            add(Some(Indicator {
                pattern: Pattern::Cycle,
                score: if cycles.len() > 1 { 0.8 } else { 0.6 },
                explanation: format!(
                    "money went round {} within {} hours{}",
                    route.join(" → "),
                    options.window_hours,
                    if cycles.len() > 1 {
                        format!(" ({} cycles)", cycles.len())
                    } else {
                        String::new()
                    }
                ),
                flows: c.ids(first.iter().copied()),
            }));
        }
    }
    scatter_gather(&c, &mut found);
    let suspects: FxHashMap<NodeIx, f64> = found
        .iter()
        .map(|(&n, indicators)| (n, combined(indicators)))
        .collect();
    for n in 0..nodes {
        if c.eligible(n)
            && graph.history(n).len() >= 2
            && let Some(i) = c.relay_for_suspect(n, &suspects)
        {
            found.entry(n).or_default().push(i);
        }
    }
    let mut scores: Vec<MuleScore> = found
        .into_iter()
        .map(|(n, indicators)| MuleScore {
            address: graph.node_name(n).to_owned(),
            asset: graph.asset(graph.node_asset(n)).to_string(),
            score: combined(&indicators),
            indicators,
        })
        .filter(|s| s.score >= options.min_score)
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
    scores
}

/// Indicators combined as independent evidence (noisy-or).
fn combined(indicators: &[Indicator]) -> f64 {
    1.0 - indicators
        .iter()
        .map(|i| 1.0 - i.pattern.weight() * i.score)
        .product::<f64>()
}

/// Sources that scatter to several accounts which gather to one destination.
fn scatter_gather(c: &Ctx, found: &mut FxHashMap<NodeIx, Vec<Indicator>>) {
    let g = c.g;
    let window = c.o.window_hours * HOUR;
    for s in 0..g.node_count() as NodeIx {
        if !c.eligible(s) {
            continue;
        }
        // (destination) → (intermediary → the two flows).
        let mut via: FxHashMap<NodeIx, FxHashMap<NodeIx, (FlowIx, FlowIx)>> = FxHashMap::default();
        let sends: Vec<FlowIx> = g
            .history(s)
            .filter(|e| !e.received)
            .map(|e| g.leg_flow(e.leg))
            .collect();
        if sends.len() < c.o.min_scatter {
            continue;
        }
        for &f in &sends {
            let t = g.flow_micros(f);
            for b in c.others(s, f, false) {
                if !c.eligible(b) || g.history(b).len() > 500 {
                    continue;
                }
                for e in g.history(b).filter(|e| !e.received) {
                    let f2 = g.leg_flow(e.leg);
                    let t2 = g.flow_micros(f2);
                    if f2 <= f || t2 - t > window {
                        continue;
                    }
                    for d in c.others(b, f2, false) {
                        if d != s {
                            via.entry(d).or_default().entry(b).or_insert((f, f2));
                        }
                    }
                }
            }
        }
        for (d, bs) in via {
            if bs.len() < c.o.min_scatter {
                continue;
            }
            let k = bs.len();
            let score = (0.5 + 0.1 * (k - c.o.min_scatter) as f64).min(1.0);
            let flows: Vec<FlowIx> = bs.values().flat_map(|&(a, b)| [a, b]).collect();
            let names = format!(
                "{} paid {k} accounts that each paid {} within {} hours",
                g.node_name(s),
                g.node_name(d),
                c.o.window_hours
            );
            let mut roles: Vec<(NodeIx, String)> = vec![
                (s, format!("scatters: {names}")),
                (d, format!("gathers: {names}")),
            ];
            roles.extend(bs.keys().map(|&b| (b, format!("relays: {names}"))));
            for (n, explanation) in roles {
                let list = found.entry(n).or_default();
                if list.iter().any(|i| i.pattern == Pattern::ScatterGather) {
                    continue;
                }
                list.push(Indicator {
                    pattern: Pattern::ScatterGather,
                    score,
                    explanation,
                    flows: c.ids(flows.iter().copied()),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};
    use rust_decimal::{Decimal, dec};

    use super::*;
    use crate::flow::{Flow, Leg};

    fn eur(id: &str, hours: i64, from: &str, to: &str, amount: Decimal) -> Flow {
        let t: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
        Flow {
            id: id.into(),
            asset: "EUR".parse().unwrap(),
            time: t + Duration::hours(hours),
            inputs: vec![Leg {
                address: format!("iban:{from}"),
                amount,
            }],
            outputs: vec![Leg {
                address: format!("iban:{to}"),
                amount,
            }],
            fee: Decimal::ZERO,
        }
    }

    fn scores(flows: &[Flow]) -> Vec<MuleScore> {
        let g = FlowGraph::build(flows, &[]).unwrap();
        detect(&g, &ServiceIndex::none(), &MuleOptions::default())
    }

    fn of<'a>(s: &'a [MuleScore], a: &str) -> Option<&'a MuleScore> {
        s.iter().find(|m| m.address == format!("iban:{a}"))
    }

    fn has(s: &MuleScore, p: Pattern) -> bool {
        s.indicators.iter().any(|i| i.pattern == p)
    }

    #[test]
    fn a_mule_collects_from_many_victims_and_passes_it_on_fast() {
        let mut flows = Vec::new();
        // Six victims pay M within two days; M forwards each within hours.
        for v in 0..6 {
            flows.push(eur(
                &format!("v{v}"),
                v * 8,
                &format!("V{v}"),
                "M",
                dec!(1000),
            ));
            flows.push(eur(&format!("o{v}"), v * 8 + 3, "M", "BOSS", dec!(990)));
        }
        let s = scores(&flows);
        let m = of(&s, "M").unwrap();
        assert!(has(m, Pattern::FanIn));
        assert!(has(m, Pattern::RapidPassThrough));
        let pass = m
            .indicators
            .iter()
            .find(|i| i.pattern == Pattern::RapidPassThrough)
            .unwrap();
        // 6 × 990 of 6000 within 24 hours: 99 %.
        assert!((pass.score - 0.99).abs() < 1e-9);
        assert!(
            pass.explanation
                .starts_with("passed on 99 % of the 6000 EUR"),
            "{}",
            pass.explanation
        );
        // fan-in 6 ≥ 5: 0.5 + 0.5 × 1/5 = 0.6; combined 1 − (1 − 0.4 × 0.6)(1 − 0.6 × 0.99).
        let expected = 1.0 - (1.0 - 0.4 * 0.6) * (1.0 - 0.6 * 0.99);
        assert!((m.score - expected).abs() < 1e-9, "{}", m.score);
        // The victims did nothing suspicious.
        assert!(of(&s, "V0").is_none());
    }

    #[test]
    fn scatter_gather_and_cycles_are_found() {
        let mut flows = vec![];
        for b in 0..3 {
            flows.push(eur(
                &format!("s{b}"),
                b,
                "SRC",
                &format!("B{b}"),
                dec!(3000),
            ));
            flows.push(eur(
                &format!("g{b}"),
                b + 10,
                &format!("B{b}"),
                "DST",
                dec!(2900),
            ));
        }
        flows.push(eur("c1", 100, "X", "Y", dec!(500)));
        flows.push(eur("c2", 105, "Y", "Z", dec!(490)));
        flows.push(eur("c3", 110, "Z", "X", dec!(480)));
        let s = scores(&flows);
        for a in ["SRC", "DST", "B0", "B1", "B2"] {
            assert!(has(of(&s, a).unwrap(), Pattern::ScatterGather), "{a}");
        }
        let x = of(&s, "X").unwrap();
        let cycle = x
            .indicators
            .iter()
            .find(|i| i.pattern == Pattern::Cycle)
            .unwrap();
        assert_eq!(
            cycle.explanation,
            "money went round iban:X → iban:Y → iban:Z → iban:X within 72 hours"
        );
        assert_eq!(cycle.flows, ["c1", "c2", "c3"]);
    }

    #[test]
    fn a_mule_used_once_is_found_through_the_suspect_it_relays_for() {
        let mut flows = Vec::new();
        // M collects from six victims and passes it on fast: a suspect.
        for v in 0..6 {
            flows.push(eur(
                &format!("v{v}"),
                v * 8,
                &format!("V{v}"),
                "M",
                dec!(1000),
            ));
            flows.push(eur(&format!("o{v}"), v * 8 + 3, "M", "ONCE", dec!(990)));
        }
        // ONCE has a salary and pays rent and shops; one day it passes on
        // M's money within hours.
        for month in 0..4 {
            let h = month * 720;
            flows.push(eur(
                &format!("sal{month}"),
                h + 100,
                "EMPLOYER",
                "ONCE",
                dec!(3000),
            ));
            flows.push(eur(
                &format!("rent{month}"),
                h + 130,
                "ONCE",
                "LANDLORD",
                dec!(900),
            ));
        }
        flows.push(eur("pass", 44, "ONCE", "BOSS", dec!(5900)));
        // HONEST also pays most of one receipt on the same day, but to and
        // from accounts nobody suspects.
        flows.push(eur("h1", 0, "FRIEND", "HONEST", dec!(2000)));
        flows.push(eur("h2", 5, "HONEST", "GARAGE", dec!(1800)));
        flows.push(eur("h3", 500, "EMPLOYER", "HONEST", dec!(3000)));
        let s = scores(&flows);
        let once = of(&s, "ONCE").unwrap();
        let relay = once
            .indicators
            .iter()
            .find(|i| i.pattern == Pattern::RelayForSuspect)
            .unwrap();
        assert!(
            relay.explanation.contains("iban:M, which scores"),
            "{}",
            relay.explanation
        );
        assert!(
            relay.flows.contains(&"pass".to_owned()),
            "{:?}",
            relay.flows
        );
        assert!(once.score >= 0.4, "{}", once.score);
        assert!(of(&s, "HONEST").is_none());
        // Suspicion does not spread on: BOSS received from ONCE only.
        assert!(of(&s, "BOSS").is_none_or(|b| !has(b, Pattern::RelayForSuspect)));
    }
}
