//! The flow graph: flows, their legs and the holdings that send and
//! receive them, in compact arrays ordered by time, for tracing,
//! clustering and mule detection over tens of millions of flows.
//!
//! A **holding** (a node) is one address's balance in one asset: an
//! Ethereum address that holds ETH and USDT is two holdings, because value
//! never changes asset inside an address. Flows are numbered in time order
//! (ties keep the order they were added in), and a flow's legs are numbered
//! inputs first, then outputs, so that leg order *is* time order, with a
//! flow's sends before its receipts. Each holding's history is then one
//! sorted run of leg numbers (compressed sparse rows), the sends and the
//! receipts together, which is what walking a balance through time needs.
//!
//! Memory (see [`FlowGraph::memory`]): 20 bytes a leg, about 18 bytes a
//! flow plus its id's text and 12 bytes of index, 10 bytes a holding, and
//! each address's text plus 16 bytes.

mod amount;
mod build;
mod intern;

use std::ops::Range;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::asset::Asset;
use crate::flow::ConversionKind;

pub use amount::{Units, mul_div_floor, to_decimal};
pub use build::{GraphBuilder, GraphError};

use amount::Amounts;
use intern::Interner;

/// A flow's number: its rank in time.
pub type FlowIx = u32;
/// A leg's number: legs of earlier flows have smaller numbers.
pub type LegIx = u32;
/// A holding's number: one address in one asset.
pub type NodeIx = u32;
/// An address's number.
pub type AddressIx = u32;
/// An asset's number in [`FlowGraph::assets`].
pub type AssetIx = u16;

/// Set on a history entry when the holding received the leg.
const RECEIVED: u32 = 1 << 31;

/// One entry of a holding's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub leg: LegIx,
    /// The holding received the leg (an output); otherwise it sent it (an
    /// input).
    pub received: bool,
}

/// A conversion whose legs were found in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphConversion {
    pub kind: ConversionKind,
    /// The output leg where value arrives in one asset...
    pub from: LegIx,
    /// ...and the input leg where it leaves in another.
    pub to: LegIx,
    pub service: Option<String>,
    pub evidence: String,
}

/// What the graph holds and the bytes it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GraphMemory {
    pub flows: usize,
    pub legs: usize,
    pub nodes: usize,
    pub addresses: usize,
    pub heap_bytes: usize,
    pub bytes_per_flow: usize,
}

#[derive(Debug, Clone)]
pub struct FlowGraph {
    assets: Vec<Asset>,
    /// Decimal places of each asset's base unit.
    scales: Vec<u32>,
    addresses: Interner,
    /// Flow `f`'s id is entry `f`.
    flow_ids: Interner,
    /// Microseconds since the epoch, non-decreasing.
    times: Vec<i64>,
    flow_asset: Vec<AssetIx>,
    /// Flow `f`'s legs are `leg_start[f]..leg_start[f + 1]`, its outputs
    /// from `first_out[f]`.
    leg_start: Vec<u32>,
    first_out: Vec<u32>,
    leg_node: Vec<NodeIx>,
    leg_flow: Vec<FlowIx>,
    amounts: Amounts,
    node_address: Vec<AddressIx>,
    node_asset: Vec<AssetIx>,
    /// Holding `n`'s history is `history[node_start[n]..node_start[n + 1]]`:
    /// leg numbers, ascending, with [`RECEIVED`] set on receipts.
    node_start: Vec<u32>,
    history: Vec<u32>,
    /// The holdings of address `a` are `address_nodes[address_start[a]..address_start[a + 1]]`.
    address_start: Vec<u32>,
    address_nodes: Vec<NodeIx>,
    conversions: Vec<GraphConversion>,
    conversion_from: FxHashMap<LegIx, u32>,
    conversion_to: FxHashMap<LegIx, u32>,
}

impl FlowGraph {
    /// The graph of `flows` (in any order) and the `conversions` between
    /// them; every flow is checked ([`crate::flow::Flow::check`]).
    pub fn build(
        flows: &[crate::flow::Flow],
        conversions: &[crate::flow::Conversion],
    ) -> Result<FlowGraph, GraphError> {
        let legs = flows.iter().map(|f| f.inputs.len() + f.outputs.len()).sum();
        let mut b = GraphBuilder::with_capacity(flows.len(), legs);
        for f in flows {
            b.add_flow(f)?;
        }
        for c in conversions {
            b.add_conversion(c.clone());
        }
        b.finish()
    }

    pub fn flow_count(&self) -> usize {
        self.times.len()
    }

    pub fn leg_count(&self) -> usize {
        self.leg_node.len()
    }

    pub fn node_count(&self) -> usize {
        self.node_address.len()
    }

    pub fn address_count(&self) -> usize {
        self.addresses.len()
    }

    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    pub fn asset(&self, a: AssetIx) -> &Asset {
        &self.assets[a as usize]
    }

    /// Decimal places of the asset's base unit in this graph.
    pub fn scale(&self, a: AssetIx) -> u32 {
        self.scales[a as usize]
    }

    /// `units` of asset `a` as an exact decimal.
    pub fn decimal(&self, a: AssetIx, units: Units) -> Decimal {
        to_decimal(units, self.scales[a as usize])
    }

    /// An amount of asset `a` in base units; `None` when it is negative or
    /// finer than any amount of the asset in the graph.
    pub fn units(&self, a: AssetIx, amount: Decimal) -> Option<Units> {
        amount::to_units(amount, self.scales[a as usize])
    }

    pub fn flow_id(&self, f: FlowIx) -> &str {
        self.flow_ids.get(f)
    }

    pub fn find_flow(&self, id: &str) -> Option<FlowIx> {
        self.flow_ids.find(id)
    }

    pub fn flow_time(&self, f: FlowIx) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.times[f as usize]).unwrap_or_default()
    }

    /// Microseconds since the epoch.
    #[inline]
    pub fn flow_micros(&self, f: FlowIx) -> i64 {
        self.times[f as usize]
    }

    #[inline]
    pub fn flow_asset(&self, f: FlowIx) -> AssetIx {
        self.flow_asset[f as usize]
    }

    #[inline]
    pub fn inputs(&self, f: FlowIx) -> Range<LegIx> {
        self.leg_start[f as usize]..self.first_out[f as usize]
    }

    #[inline]
    pub fn outputs(&self, f: FlowIx) -> Range<LegIx> {
        self.first_out[f as usize]..self.leg_start[f as usize + 1]
    }

    #[inline]
    pub fn leg_node(&self, l: LegIx) -> NodeIx {
        self.leg_node[l as usize]
    }

    #[inline]
    pub fn leg_flow(&self, l: LegIx) -> FlowIx {
        self.leg_flow[l as usize]
    }

    #[inline]
    pub fn leg_units(&self, l: LegIx) -> Units {
        self.amounts.get(l as usize)
    }

    /// Whether the leg is an output (a receipt) of its flow.
    #[inline]
    pub fn is_output(&self, l: LegIx) -> bool {
        l >= self.first_out[self.leg_flow[l as usize] as usize]
    }

    pub fn leg_amount(&self, l: LegIx) -> Decimal {
        let f = self.leg_flow(l);
        self.decimal(self.flow_asset(f), self.leg_units(l))
    }

    pub fn node_address(&self, n: NodeIx) -> AddressIx {
        self.node_address[n as usize]
    }

    pub fn node_asset(&self, n: NodeIx) -> AssetIx {
        self.node_asset[n as usize]
    }

    /// The address text of a holding.
    pub fn node_name(&self, n: NodeIx) -> &str {
        self.addresses.get(self.node_address[n as usize])
    }

    pub fn address(&self, a: AddressIx) -> &str {
        self.addresses.get(a)
    }

    pub fn find_address(&self, address: &str) -> Option<AddressIx> {
        self.addresses.find(address)
    }

    /// The holdings of an address, one per asset it moved.
    pub fn address_nodes(&self, a: AddressIx) -> &[NodeIx] {
        let a = a as usize;
        &self.address_nodes[self.address_start[a] as usize..self.address_start[a + 1] as usize]
    }

    pub fn find_node(&self, address: &str, asset: &Asset) -> Option<NodeIx> {
        let a = self.find_address(address)?;
        self.address_nodes(a)
            .iter()
            .copied()
            .find(|&n| self.asset(self.node_asset(n)) == asset)
    }

    /// The raw history of a holding (see [`FlowGraph::event`]).
    #[inline]
    pub(crate) fn history_raw(&self, n: NodeIx) -> &[u32] {
        let n = n as usize;
        &self.history[self.node_start[n] as usize..self.node_start[n + 1] as usize]
    }

    #[inline]
    pub(crate) fn event(raw: u32) -> Event {
        Event {
            leg: raw & !RECEIVED,
            received: raw & RECEIVED != 0,
        }
    }

    /// A holding's sends and receipts in time order (a flow's sends before
    /// its receipts).
    pub fn history(&self, n: NodeIx) -> impl ExactSizeIterator<Item = Event> + '_ {
        self.history_raw(n).iter().map(|&raw| FlowGraph::event(raw))
    }

    pub fn conversions(&self) -> &[GraphConversion] {
        &self.conversions
    }

    /// The conversion (its number and itself) whose receiving leg is `l`.
    #[inline]
    pub fn conversion_from(&self, l: LegIx) -> Option<(usize, &GraphConversion)> {
        if self.conversion_from.is_empty() {
            return None;
        }
        self.conversion_from
            .get(&l)
            .map(|&c| (c as usize, &self.conversions[c as usize]))
    }

    /// The conversion (its number and itself) whose sending leg is `l`.
    #[inline]
    pub fn conversion_to(&self, l: LegIx) -> Option<(usize, &GraphConversion)> {
        if self.conversion_to.is_empty() {
            return None;
        }
        self.conversion_to
            .get(&l)
            .map(|&c| (c as usize, &self.conversions[c as usize]))
    }

    pub fn memory(&self) -> GraphMemory {
        let v4 = |v: &Vec<u32>| v.capacity() * 4;
        let heap_bytes = self.addresses.heap_bytes()
            + self.flow_ids.heap_bytes()
            + self.times.capacity() * 8
            + self.flow_asset.capacity() * 2
            + v4(&self.leg_start)
            + v4(&self.first_out)
            + v4(&self.leg_node)
            + v4(&self.leg_flow)
            + self.amounts.heap_bytes()
            + v4(&self.node_address)
            + self.node_asset.capacity() * 2
            + v4(&self.node_start)
            + v4(&self.history)
            + v4(&self.address_start)
            + v4(&self.address_nodes);
        GraphMemory {
            flows: self.flow_count(),
            legs: self.leg_count(),
            nodes: self.node_count(),
            addresses: self.address_count(),
            heap_bytes,
            bytes_per_flow: heap_bytes / self.flow_count().max(1),
        }
    }
}
