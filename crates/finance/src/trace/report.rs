//! A sweep's raw records turned into results: exact decimals, bands,
//! services, freezable balances and their evidence paths.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::forward::{Parent, Sweep, Totals};
use super::{
    AddressAmount, AssetTotals, Band, Crossing, Freezable, Model, ModelAmounts, Models,
    ServiceAmount, Step, Trace, TraceOptions,
};
use crate::asset::Network;
use crate::graph::{AssetIx, FlowGraph, LegIx, NodeIx, Units};
use crate::services::ServiceIndex;

pub(super) fn amounts(
    g: &FlowGraph,
    asset: AssetIx,
    u: [Units; 5],
    models: Models,
) -> ModelAmounts {
    let d = |m: Model| models.contains(m).then(|| g.decimal(asset, u[m as usize]));
    ModelAmounts {
        poison: d(Model::Poison),
        haircut: d(Model::Haircut),
        fifo: d(Model::Fifo),
        lifo: d(Model::Lifo),
        tiho: d(Model::Tiho),
    }
}

/// low/high over the conserving models run, central = haircut's (or the
/// first conserving model run); poison alone when it is all that ran.
pub(super) fn band(a: &ModelAmounts) -> Band {
    let conserving: Vec<Decimal> = [a.haircut, a.fifo, a.lifo, a.tiho]
        .into_iter()
        .flatten()
        .collect();
    match conserving.first() {
        None => {
            let p = a.poison.unwrap_or_default();
            Band {
                low: p,
                central: p,
                high: p,
            }
        }
        Some(&first) => Band {
            low: conserving.iter().copied().min().unwrap_or_default(),
            central: a.haircut.unwrap_or(first),
            high: conserving.iter().copied().max().unwrap_or_default(),
        },
    }
}

/// The flow of output `out`, from the address of input `input` (or, with
/// no input known, of the flow's first input).
pub(super) fn step(g: &FlowGraph, input: LegIx, out: LegIx) -> Step {
    let f = g.leg_flow(out);
    let from = if input == LegIx::MAX {
        g.inputs(f).start
    } else {
        input
    };
    Step {
        flow: g.flow_id(f).to_owned(),
        time: g.flow_time(f),
        asset: g.asset(g.flow_asset(f)).clone(),
        from: g.node_name(g.leg_node(from)).to_owned(),
        to: g.node_name(g.leg_node(out)).to_owned(),
        amount: g.leg_amount(out),
    }
}

/// Who can freeze a token balance anywhere: its issuer.
fn issuer(symbol: &str) -> Option<&'static str> {
    match symbol {
        "USDT" => Some("Tether"),
        "USDC" => Some("Circle"),
        _ => None,
    }
}

struct Trails<'a> {
    g: &'a FlowGraph,
    sweep: &'a Sweep,
    index: FxHashMap<NodeIx, usize>,
    /// Each step made once: paths share their beginnings.
    steps: Vec<Step>,
    made: FxHashMap<(LegIx, LegIx), u32>,
}

impl Trails<'_> {
    fn step(&mut self, input: LegIx, out: LegIx) -> u32 {
        if let Some(&i) = self.made.get(&(input, out)) {
            return i;
        }
        let i = self.steps.len() as u32;
        self.steps.push(step(self.g, input, out));
        self.made.insert((input, out), i);
        i
    }

    /// The path, seed first, that ends with output `out` of a flow whose
    /// main tainted input was `input`.
    fn path(&mut self, input: LegIx, out: LegIx) -> Vec<u32> {
        let mut steps = vec![self.step(input, out)];
        let mut at = input;
        // Each holding's parent was reached earlier, so the walk ends; the
        // bound is a guard.
        for _ in 0..256 {
            if at == LegIx::MAX {
                break;
            }
            if let Some(&(before, received)) = self.sweep.via.get(&at) {
                steps.push(self.step(before, received));
                at = before;
                continue;
            }
            let Some(&hi) = self.index.get(&self.g.leg_node(at)) else {
                break;
            };
            match self.sweep.holdings[hi].parent {
                Parent::Source => break,
                Parent::Seed(l) => {
                    if l != out {
                        steps.push(self.step(LegIx::MAX, l));
                    }
                    break;
                }
                Parent::Flow { input, out } => {
                    steps.push(self.step(input, out));
                    at = input;
                }
            }
        }
        steps.reverse();
        steps
    }
}

fn totals(g: &FlowGraph, asset: AssetIx, t: &Totals, models: Models) -> AssetTotals {
    let a = |u: [Units; 5]| amounts(g, asset, u, models);
    AssetTotals {
        asset: g.asset(asset).clone(),
        network: g.asset(asset).network,
        seeded: a(t.seeded),
        at_services: a(t.services),
        held: a(t.held),
        fees: a(t.fees),
        beyond_limit: a(t.beyond),
        converted_out: a(t.converted_out),
        converted_in: a(t.converted_in),
    }
}

/// Per service and asset: the amounts and how many of its addresses.
pub(super) type PerService = FxHashMap<(u32, AssetIx), ([Units; 5], usize)>;

/// The services' amounts, largest central amount first.
pub(super) fn service_list(
    g: &FlowGraph,
    services: &ServiceIndex,
    per_service: PerService,
    models: Models,
) -> Vec<ServiceAmount> {
    let mut list: Vec<ServiceAmount> = per_service
        .into_iter()
        .map(|((s, asset), (u, count))| {
            let s = services.service(s);
            let a = amounts(g, asset, u, models);
            ServiceAmount {
                network: g.asset(asset).network,
                service: s.name.clone(),
                category: s.category.clone(),
                asset: g.asset(asset).clone(),
                addresses: count,
                band: band(&a),
                amounts: a,
            }
        })
        .collect();
    list.sort_by(|a, b| {
        (b.band.central, b.band.high, &a.service, &a.asset).cmp(&(
            a.band.central,
            a.band.high,
            &b.service,
            &b.asset,
        ))
    });
    list
}

/// Addresses, largest central amount first.
pub(super) fn sort_addresses(addresses: &mut [AddressAmount]) {
    addresses.sort_by(|a, b| {
        (b.band.central, b.band.high, &a.address).cmp(&(a.band.central, a.band.high, &b.address))
    });
}

pub(super) fn forward(
    g: &FlowGraph,
    services: &ServiceIndex,
    sweep: &Sweep,
    options: &TraceOptions,
) -> Trace {
    let models = options.models;
    let mut trails = Trails {
        g,
        sweep,
        index: sweep
            .holdings
            .iter()
            .enumerate()
            .map(|(i, h)| (h.node, i))
            .collect(),
        steps: Vec::new(),
        made: FxHashMap::default(),
    };
    let mut totals_list: Vec<AssetTotals> = sweep
        .totals
        .iter()
        .map(|(&a, t)| totals(g, a, t, models))
        .collect();
    totals_list.sort_by(|a, b| a.asset.cmp(&b.asset));

    let mut addresses = Vec::new();
    let mut freezable = Vec::new();
    let mut per_service: PerService = FxHashMap::default();
    for hit in &sweep.services {
        let asset = g.node_asset(hit.node);
        let s = services.service(hit.service);
        let entry = per_service.entry((hit.service, asset)).or_default();
        for m in 0..5 {
            entry.0[m] += hit.received[m];
        }
        entry.1 += 1;
        let received = amounts(g, asset, hit.received, models);
        let b = band(&received);
        addresses.push(AddressAmount {
            address: g.node_name(hit.node).to_owned(),
            asset: g.asset(asset).clone(),
            hop: hit.hop,
            service: Some(s.name.clone()),
            amounts: received.clone(),
            held: ModelAmounts::default(),
            band: b,
        });
        let mut receipts = hit.receipts.clone();
        receipts.sort_by_key(|r| std::cmp::Reverse(r.2));
        freezable.push(Freezable {
            holder: s.name.clone(),
            category: s.category.clone(),
            address: g.node_name(hit.node).to_owned(),
            asset: g.asset(asset).clone(),
            amount: b.central,
            band: b,
            amounts: received,
            evidence: receipts
                .iter()
                .take(options.max_paths)
                .map(|&(input, out, _)| trails.path(input, out))
                .collect(),
        });
    }
    for h in &sweep.holdings {
        let asset = g.node_asset(h.node);
        let received = amounts(g, asset, h.received, models);
        let held = amounts(g, asset, h.held, models);
        let b = band(&received);
        addresses.push(AddressAmount {
            address: g.node_name(h.node).to_owned(),
            asset: g.asset(asset).clone(),
            hop: h.hop,
            service: None,
            amounts: received,
            held: held.clone(),
            band: b,
        });
        if h.held.iter().all(|&u| u == 0) {
            continue;
        }
        let a = g.asset(asset);
        let holder = if a.network == Network::Bank {
            Some(("bank", "bank"))
        } else {
            issuer(&a.symbol).map(|i| (i, "issuer"))
        };
        if let Some((holder, category)) = holder {
            let hb = band(&held);
            let evidence = match h.parent {
                Parent::Flow { input, out } => vec![trails.path(input, out)],
                Parent::Seed(l) => vec![trails.path(LegIx::MAX, l)],
                Parent::Source => Vec::new(),
            };
            freezable.push(Freezable {
                holder: holder.to_owned(),
                category: category.to_owned(),
                address: g.node_name(h.node).to_owned(),
                asset: a.clone(),
                amount: hb.central,
                band: hb,
                amounts: held,
                evidence,
            });
        }
    }
    let service_list = service_list(g, services, per_service, models);
    sort_addresses(&mut addresses);
    freezable.sort_by(|a, b| {
        (b.amount, b.band.high, &a.address).cmp(&(a.amount, a.band.high, &b.address))
    });
    let crossings = sweep
        .crossed
        .iter()
        .map(|c| {
            let asset = g.flow_asset(g.leg_flow(g.conversions()[c.conversion].from));
            Crossing::new(g, c.conversion, asset, c.amounts, models, c.followed)
        })
        .collect();
    Trace {
        direction: options.direction,
        models: models.iter().collect(),
        max_hops: options.max_hops,
        totals: totals_list,
        services: service_list,
        addresses,
        freezable,
        crossings,
        steps: trails.steps,
        unordered_conversions: sweep.backwards_conversions.clone(),
    }
}
