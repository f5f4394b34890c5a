//! Taint tracing: where a victim's money went (forward) or where money
//! came from (backward), under five models side by side, up to a hop
//! limit, stopping at tagged services, within one asset except across a
//! recorded conversion.
//!
//! The models ([`Model`]) differ in which part of a mixed balance or
//! transaction a payment is taken to carry; no one of them is the truth,
//! so every result carries each model's amount and a **confidence band**:
//! `low` and `high` are the least and the most over the four models that
//! conserve value (haircut, FIFO, LIFO, TIHO), and `central` is haircut's
//! (or the first of the others run, without haircut). Poison is not in the
//! band: it marks everything a tainted payment touches wholly tainted, so
//! its amounts are the reach of the money (an upper bound of exposure),
//! not an amount that can be claimed.
//!
//! Amounts are exact: the trace computes in whole base units of each asset
//! and rounds every division down, so that no model ever traces more than
//! was seeded (poison aside); results are exact decimals.
//!
//! The rules of each model are in [`split`] (within one flow) and in the
//! direction's module ([`forward`], [`backward`]) (at an address).

mod backward;
mod forward;
mod report;
mod split;
mod tape;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::asset::{Asset, Network};
use crate::flow::ConversionKind;
use crate::graph::{FlowGraph, LegIx, NodeIx, Units};
use crate::services::ServiceIndex;

/// A taint model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// Anything touched by taint is wholly tainted.
    Poison,
    /// Taint spreads pro rata by value.
    Haircut,
    /// First in, first out: value leaves in the order it arrived.
    Fifo,
    /// Last in, first out: the newest value leaves first.
    Lifo,
    /// Taint in, highest out: taint leaves by the largest outputs first.
    Tiho,
}

impl Model {
    pub const ALL: [Model; 5] = [
        Model::Poison,
        Model::Haircut,
        Model::Fifo,
        Model::Lifo,
        Model::Tiho,
    ];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Models(u8);

impl Models {
    pub const ALL: Models = Models(0b1_1111);

    pub fn only(model: Model) -> Models {
        Models(model.bit())
    }

    pub fn of(models: &[Model]) -> Models {
        Models(models.iter().fold(0, |b, m| b | m.bit()))
    }

    pub fn contains(self, model: Model) -> bool {
        self.0 & model.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Model> {
        Model::ALL.into_iter().filter(move |m| self.contains(*m))
    }

    pub(crate) fn poison(self) -> bool {
        self.contains(Model::Poison)
    }
    pub(crate) fn haircut(self) -> bool {
        self.contains(Model::Haircut)
    }
    pub(crate) fn fifo(self) -> bool {
        self.contains(Model::Fifo)
    }
    pub(crate) fn lifo(self) -> bool {
        self.contains(Model::Lifo)
    }
    pub(crate) fn tiho(self) -> bool {
        self.contains(Model::Tiho)
    }
}

impl Default for Models {
    fn default() -> Models {
        Models::ALL
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Where the seeded money went.
    #[default]
    Forward,
    /// Where the seeded money came from.
    Backward,
}

/// Where a trace starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Seed {
    /// What `address` received in flow `flow` (a victim's payment to a
    /// scam deposit address): all of it, or `amount` of it.
    Leg {
        flow: String,
        address: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Decimal>,
    },
    /// A wallet or a bank account. Forward: everything it sends (from
    /// `since` on) is wholly tainted. Backward: everything it received
    /// (from `since` on) is what is traced. In every asset it moved, or
    /// in `asset` only.
    Address {
        address: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<Asset>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<DateTime<Utc>>,
    },
}

/// How far and by which models to trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceOptions {
    pub direction: Direction,
    pub models: Models,
    /// Flows followed from a seed (5: the depth of the published studies
    /// of scam-compound money).
    pub max_hops: u8,
    /// Evidence paths kept for each freezable balance.
    pub max_paths: usize,
    /// Follow money on through a tagged service's recorded `exchange`
    /// conversion (a deposit the exchange paid out in another asset). By
    /// default a tagged service stops the trace like any other: the value
    /// is counted as reaching it (the cash-out point, where a freeze or a
    /// records request goes), and the conversion is listed as not
    /// followed, for a trace from its far side. Swaps and bridges are
    /// always crossed: a pool or a bridge cashes nothing out, the value
    /// stays the sender's.
    pub through_services: bool,
}

impl Default for TraceOptions {
    fn default() -> TraceOptions {
        TraceOptions {
            direction: Direction::Forward,
            models: Models::ALL,
            max_hops: 5,
            max_paths: 3,
            through_services: false,
        }
    }
}

/// Why a trace cannot start; each names the seed at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("seed {seed}: flow {flow} is not among the flows")]
    UnknownFlow { seed: usize, flow: String },
    #[error("seed {seed}: {address} is not {role} flow {flow}")]
    NotInFlow {
        seed: usize,
        flow: String,
        address: String,
        role: &'static str,
    },
    #[error("seed {seed}: {address} is in no flow{}", asset.as_ref().map(|a| format!(" of {a}")).unwrap_or_default())]
    UnknownAddress {
        seed: usize,
        address: String,
        asset: Option<Asset>,
    },
    #[error("seed {seed}: the amount {amount} is not between 0 and the leg's {leg}")]
    Amount {
        seed: usize,
        amount: Decimal,
        leg: Decimal,
    },
}

/// A seed found in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResolvedSeed {
    /// An output leg (forward) or a leg received (backward), `amount` of it.
    Leg { leg: LegIx, amount: Units },
    /// A holding, from a time (microseconds) on.
    Node { node: NodeIx, since: i64 },
}

fn resolve(g: &FlowGraph, seeds: &[Seed]) -> Result<Vec<ResolvedSeed>, TraceError> {
    let mut out = Vec::new();
    for (i, seed) in seeds.iter().enumerate() {
        match seed {
            Seed::Leg {
                flow,
                address,
                amount,
            } => {
                let f = g.find_flow(flow).ok_or_else(|| TraceError::UnknownFlow {
                    seed: i,
                    flow: flow.clone(),
                })?;
                let leg = g
                    .outputs(f)
                    .find(|&l| g.node_name(g.leg_node(l)) == address)
                    .ok_or_else(|| TraceError::NotInFlow {
                        seed: i,
                        flow: flow.clone(),
                        address: address.clone(),
                        role: "a receiver in",
                    })?;
                let whole = g.leg_units(leg);
                let units = match amount {
                    None => whole,
                    Some(a) => g
                        .units(g.flow_asset(f), *a)
                        .filter(|&u| u > 0 && u <= whole)
                        .ok_or(TraceError::Amount {
                            seed: i,
                            amount: *a,
                            leg: g.leg_amount(leg),
                        })?,
                };
                out.push(ResolvedSeed::Leg { leg, amount: units });
            }
            Seed::Address {
                address,
                asset,
                since,
            } => {
                let unknown = || TraceError::UnknownAddress {
                    seed: i,
                    address: address.clone(),
                    asset: asset.clone(),
                };
                let a = g.find_address(address).ok_or_else(unknown)?;
                let since = since.map_or(i64::MIN, |t| t.timestamp_micros());
                let before = out.len();
                for &node in g.address_nodes(a) {
                    if asset
                        .as_ref()
                        .is_none_or(|x| g.asset(g.node_asset(node)) == x)
                    {
                        out.push(ResolvedSeed::Node { node, since });
                    }
                }
                if out.len() == before {
                    return Err(unknown());
                }
            }
        }
    }
    Ok(out)
}

/// Traces `seeds` through `graph`, stopping at the `services`.
pub fn trace(
    graph: &FlowGraph,
    services: &ServiceIndex,
    seeds: &[Seed],
    options: &TraceOptions,
) -> Result<Trace, TraceError> {
    let resolved = resolve(graph, seeds)?;
    Ok(match options.direction {
        Direction::Forward => {
            let sweep = forward::sweep(graph, services, &resolved, options);
            report::forward(graph, services, &sweep, options)
        }
        Direction::Backward => backward::trace(graph, services, &resolved, options),
    })
}

fn network_name<S: serde::Serializer>(n: &Network, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(n.as_str())
}

/// An amount per model; `None` for a model not run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ModelAmounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poison: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub haircut: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fifo: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifo: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiho: Option<Decimal>,
}

impl ModelAmounts {
    pub fn get(&self, model: Model) -> Option<Decimal> {
        match model {
            Model::Poison => self.poison,
            Model::Haircut => self.haircut,
            Model::Fifo => self.fifo,
            Model::Lifo => self.lifo,
            Model::Tiho => self.tiho,
        }
    }
}

/// The spread of the value-conserving models (see the module's doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Band {
    pub low: Decimal,
    pub central: Decimal,
    pub high: Decimal,
}

/// Where the taint of one asset went, per model. For each conserving
/// model, `seeded + converted_in` = `at_services + held + fees +
/// beyond_limit + converted_out` + the units lost to rounding down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetTotals {
    pub asset: Asset,
    #[serde(serialize_with = "network_name")]
    pub network: Network,
    pub seeded: ModelAmounts,
    pub at_services: ModelAmounts,
    /// Still on the followed addresses at the end of the data.
    pub held: ModelAmounts,
    /// Paid to the network as fees.
    pub fees: ModelAmounts,
    /// Sent on from the hop limit.
    pub beyond_limit: ModelAmounts,
    pub converted_out: ModelAmounts,
    pub converted_in: ModelAmounts,
}

/// What reached one service in one asset (forward), or came from it
/// (backward).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceAmount {
    #[serde(serialize_with = "network_name")]
    pub network: Network,
    pub service: String,
    pub category: String,
    pub asset: Asset,
    /// How many of its addresses.
    pub addresses: usize,
    pub amounts: ModelAmounts,
    pub band: Band,
}

/// One address's part in a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressAmount {
    pub address: String,
    pub asset: Asset,
    /// Flows from the nearest seed.
    pub hop: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Forward: taint received. Backward: the traced value it supplied.
    pub amounts: ModelAmounts,
    /// Forward: taint still on it at the end of the data.
    pub held: ModelAmounts,
    pub band: Band,
}

/// One flow of an evidence path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub flow: String,
    pub time: DateTime<Utc>,
    pub asset: Asset,
    pub from: String,
    pub to: String,
    /// What `to` received in the flow.
    pub amount: Decimal,
}

/// A balance that someone can freeze: an account at a service, a token
/// balance its issuer can freeze, or a bank account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freezable {
    /// Who can freeze it: the service's name, the token's issuer
    /// (`Tether`, `Circle`), or `bank`.
    pub holder: String,
    /// The service's category, `issuer` or `bank`.
    pub category: String,
    pub address: String,
    pub asset: Asset,
    /// The central estimate (haircut's); the band and each model's amount
    /// follow.
    pub amount: Decimal,
    pub band: Band,
    pub amounts: ModelAmounts,
    /// Paths of flows, seed first, that carried the most of the amount:
    /// each a list of indexes into [`Trace::steps`] (paths share their
    /// beginnings; [`Trace::path`] spells one out).
    pub evidence: Vec<Vec<u32>>,
}

/// A conversion the trace crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Crossing {
    pub kind: ConversionKind,
    pub from_flow: String,
    pub to_flow: String,
    pub from_asset: Asset,
    pub to_asset: Asset,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The taint received at the converting leg, in `from_asset`.
    pub amounts: ModelAmounts,
    /// False where a tagged service stopped the trace at the conversion
    /// ([`TraceOptions::through_services`]).
    pub followed: bool,
}

impl Crossing {
    /// Conversion `ci` of `g`, with the taint that reached it in `asset`.
    fn new(
        g: &FlowGraph,
        ci: usize,
        asset: crate::graph::AssetIx,
        taint: [Units; 5],
        models: Models,
        followed: bool,
    ) -> Crossing {
        let conv = &g.conversions()[ci];
        let (ff, tf) = (g.leg_flow(conv.from), g.leg_flow(conv.to));
        Crossing {
            kind: conv.kind,
            from_flow: g.flow_id(ff).to_owned(),
            to_flow: g.flow_id(tf).to_owned(),
            from_asset: g.asset(g.flow_asset(ff)).clone(),
            to_asset: g.asset(g.flow_asset(tf)).clone(),
            service: conv.service.clone(),
            amounts: report::amounts(g, asset, taint, models),
            followed,
        }
    }
}

/// The hop the far side of conversion `c`, reached at `hop`, continues
/// from; `None` beyond the limit. A swap or a bridge is one move of the
/// value, so its two flows (into the pool or bridge and out of it) count
/// one hop; an exchange's deposit and withdrawal are two.
fn hop_across(c: &crate::graph::GraphConversion, hop: u8, max_hops: u8) -> Option<u8> {
    let far = match c.kind {
        ConversionKind::Exchange => hop,
        ConversionKind::Swap | ConversionKind::Bridge => hop.saturating_sub(1),
    };
    (far < max_hops).then_some(far)
}

/// Whether the trace goes on through conversion `c`, reached at `node`.
fn crosses(
    g: &FlowGraph,
    services: &ServiceIndex,
    c: &crate::graph::GraphConversion,
    node: NodeIx,
    options: &TraceOptions,
) -> bool {
    options.through_services
        || c.kind != ConversionKind::Exchange
        || services.service_of(g.node_address(node)).is_none()
}

/// A trace's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    pub direction: Direction,
    pub models: Vec<Model>,
    pub max_hops: u8,
    pub totals: Vec<AssetTotals>,
    /// Per service and asset, largest central amount first.
    pub services: Vec<ServiceAmount>,
    /// Every address the trace reached, largest central amount first.
    pub addresses: Vec<AddressAmount>,
    /// Forward only: what can be frozen, largest first.
    pub freezable: Vec<Freezable>,
    pub crossings: Vec<Crossing>,
    /// The flows of the evidence paths, each once.
    pub steps: Vec<Step>,
    /// Conversions reached whose sending flow precedes the receiving one;
    /// the taint stayed with the receiver.
    pub unordered_conversions: Vec<usize>,
}

impl Trace {
    /// The service amounts on one network.
    pub fn services_on(&self, network: Network) -> impl Iterator<Item = &ServiceAmount> {
        self.services.iter().filter(move |s| s.network == network)
    }

    pub fn totals_of(&self, asset: &Asset) -> Option<&AssetTotals> {
        self.totals.iter().find(|t| &t.asset == asset)
    }

    pub fn address(&self, address: &str) -> Option<&AddressAmount> {
        self.addresses.iter().find(|a| a.address == address)
    }

    /// An evidence path's steps.
    pub fn path(&self, path: &[u32]) -> Vec<&Step> {
        path.iter().map(|&i| &self.steps[i as usize]).collect()
    }

    pub fn service(&self, name: &str) -> Option<&ServiceAmount> {
        self.services.iter().find(|s| s.service == name)
    }
}

#[cfg(test)]
mod tests;
