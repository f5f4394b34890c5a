//! Building a [`FlowGraph`]: flows are added one at a time (so that a
//! large export never has to be held as `Flow` values), then laid out in
//! time order with each holding's history indexed.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::amount::{Amounts, to_units};
use super::intern::Interner;
use super::{AssetIx, FlowGraph, GraphConversion, NodeIx, RECEIVED};
use crate::asset::Asset;
use crate::flow::{Conversion, Flow, FlowError};

/// Why flows make no graph; each names the flow or conversion at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("flow {id}: {error}")]
    Flow { id: String, error: FlowError },
    #[error("flow {id} is there twice: a flow is added once")]
    DuplicateFlow { id: String },
    #[error("flow {id}: the amount {amount} does not fit 128 bits of base units of {asset}")]
    Amount {
        id: String,
        amount: Decimal,
        asset: String,
    },
    #[error("conversion {index}: {message}")]
    Conversion { index: usize, message: String },
    #[error("too many {what} for one graph (at most {max})")]
    TooLarge { what: &'static str, max: u64 },
}

/// Flows and conversions on their way into a [`FlowGraph`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    assets: Vec<Asset>,
    asset_ix: FxHashMap<Asset, AssetIx>,
    /// The most decimal places any leg of each asset uses.
    scales: Vec<u32>,
    addresses: Interner,
    nodes: FxHashMap<u64, NodeIx>,
    node_address: Vec<u32>,
    node_asset: Vec<AssetIx>,
    flow_ids: Interner,
    times: Vec<i64>,
    flow_asset: Vec<AssetIx>,
    leg_start: Vec<u32>,
    first_out: Vec<u32>,
    leg_node: Vec<NodeIx>,
    amounts: Vec<Decimal>,
    conversions: Vec<Conversion>,
    in_order: bool,
}

impl GraphBuilder {
    pub fn new() -> GraphBuilder {
        GraphBuilder::with_capacity(0, 0)
    }

    /// A builder sized for `flows` flows with `legs` legs in all.
    pub fn with_capacity(flows: usize, legs: usize) -> GraphBuilder {
        GraphBuilder {
            flow_ids: Interner::with_capacity(flows, flows * 66),
            addresses: Interner::with_capacity(flows / 2, flows * 20),
            times: Vec::with_capacity(flows),
            flow_asset: Vec::with_capacity(flows),
            leg_start: Vec::with_capacity(flows + 1),
            first_out: Vec::with_capacity(flows),
            leg_node: Vec::with_capacity(legs),
            amounts: Vec::with_capacity(legs),
            in_order: true,
            ..GraphBuilder::default()
        }
    }

    fn asset(&mut self, asset: &Asset) -> AssetIx {
        if let Some(&a) = self.asset_ix.get(asset) {
            return a;
        }
        let a = self.assets.len() as AssetIx;
        self.assets.push(asset.clone());
        self.asset_ix.insert(asset.clone(), a);
        self.scales.push(0);
        a
    }

    fn node(&mut self, address: &str, asset: AssetIx) -> NodeIx {
        let (a, _) = self.addresses.intern(address);
        let key = (u64::from(a) << 16) | u64::from(asset);
        let next = self.node_address.len() as NodeIx;
        let n = *self.nodes.entry(key).or_insert(next);
        if n == next {
            self.node_address.push(a);
            self.node_asset.push(asset);
        }
        n
    }

    /// Adds a flow after checking it.
    pub fn add_flow(&mut self, flow: &Flow) -> Result<(), GraphError> {
        flow.check().map_err(|error| GraphError::Flow {
            id: flow.id.clone(),
            error,
        })?;
        if self.times.len() >= u32::MAX as usize - 1 {
            return Err(GraphError::TooLarge {
                what: "flows",
                max: u64::from(u32::MAX) - 1,
            });
        }
        if self.leg_node.len() + flow.inputs.len() + flow.outputs.len() >= RECEIVED as usize {
            return Err(GraphError::TooLarge {
                what: "legs",
                max: u64::from(RECEIVED),
            });
        }
        let (_, new) = self.flow_ids.intern(&flow.id);
        if !new {
            return Err(GraphError::DuplicateFlow {
                id: flow.id.clone(),
            });
        }
        let asset = self.asset(&flow.asset);
        let time = flow.time.timestamp_micros();
        if self.times.last().is_some_and(|&t| t > time) {
            self.in_order = false;
        }
        self.times.push(time);
        self.flow_asset.push(asset);
        if self.leg_start.is_empty() {
            self.leg_start.push(0);
        }
        let scale = &mut self.scales[asset as usize];
        for leg in flow.inputs.iter().chain(&flow.outputs) {
            *scale = (*scale).max(leg.amount.scale());
        }
        for leg in &flow.inputs {
            let n = self.node(&leg.address, asset);
            self.leg_node.push(n);
            self.amounts.push(leg.amount);
        }
        self.first_out.push(self.leg_node.len() as u32);
        for leg in &flow.outputs {
            let n = self.node(&leg.address, asset);
            self.leg_node.push(n);
            self.amounts.push(leg.amount);
        }
        self.leg_start.push(self.leg_node.len() as u32);
        Ok(())
    }

    /// Adds a conversion; its legs are looked up when the graph is built.
    pub fn add_conversion(&mut self, conversion: Conversion) {
        self.conversions.push(conversion);
    }

    /// Lays the flows out in time order and indexes each holding's history.
    pub fn finish(mut self) -> Result<FlowGraph, GraphError> {
        if self.leg_start.is_empty() {
            self.leg_start.push(0);
        }
        if !self.in_order {
            self.sort_by_time();
        }
        let flows = self.times.len();
        let legs = self.leg_node.len();

        // Base units: exact integers at each asset's finest scale.
        let mut amounts = Amounts::with_capacity(legs);
        let mut leg_flow = Vec::with_capacity(legs);
        for f in 0..flows {
            let asset = self.flow_asset[f];
            let scale = self.scales[asset as usize];
            for l in self.leg_start[f]..self.leg_start[f + 1] {
                let amount = self.amounts[l as usize];
                let units = to_units(amount, scale).ok_or_else(|| GraphError::Amount {
                    id: self.flow_ids.get(f as u32).to_owned(),
                    amount,
                    asset: self.assets[asset as usize].to_string(),
                })?;
                amounts.push(units);
                leg_flow.push(f as u32);
            }
        }
        drop(std::mem::take(&mut self.amounts));

        // Each holding's history: its legs in leg (= time) order.
        let nodes = self.node_address.len();
        let mut node_start = vec![0u32; nodes + 1];
        for &n in &self.leg_node {
            node_start[n as usize + 1] += 1;
        }
        for i in 0..nodes {
            node_start[i + 1] += node_start[i];
        }
        let mut fill = node_start.clone();
        let mut history = vec![0u32; legs];
        for f in 0..flows {
            for l in self.leg_start[f]..self.leg_start[f + 1] {
                let n = self.leg_node[l as usize] as usize;
                let received = if l >= self.first_out[f] { RECEIVED } else { 0 };
                history[fill[n] as usize] = l | received;
                fill[n] += 1;
            }
        }
        drop(fill);

        let addresses = self.addresses.len();
        let mut address_start = vec![0u32; addresses + 1];
        for &a in &self.node_address {
            address_start[a as usize + 1] += 1;
        }
        for i in 0..addresses {
            address_start[i + 1] += address_start[i];
        }
        let mut fill = address_start.clone();
        let mut address_nodes = vec![0u32; nodes];
        for (n, &a) in self.node_address.iter().enumerate() {
            address_nodes[fill[a as usize] as usize] = n as u32;
            fill[a as usize] += 1;
        }
        drop(fill);
        drop(std::mem::take(&mut self.nodes));

        self.addresses.shrink();
        self.flow_ids.shrink();
        let mut graph = FlowGraph {
            assets: self.assets,
            scales: self.scales,
            addresses: self.addresses,
            flow_ids: self.flow_ids,
            times: self.times,
            flow_asset: self.flow_asset,
            leg_start: self.leg_start,
            first_out: self.first_out,
            leg_node: self.leg_node,
            leg_flow,
            amounts,
            node_address: self.node_address,
            node_asset: self.node_asset,
            node_start,
            history,
            address_start,
            address_nodes,
            conversions: Vec::new(),
            conversion_from: FxHashMap::default(),
            conversion_to: FxHashMap::default(),
        };
        for (index, c) in self.conversions.into_iter().enumerate() {
            let resolved =
                resolve(&graph, &c).map_err(|message| GraphError::Conversion { index, message })?;
            let at = graph.conversions.len() as u32;
            graph.conversion_from.insert(resolved.from, at);
            graph.conversion_to.insert(resolved.to, at);
            graph.conversions.push(resolved);
        }
        Ok(graph)
    }

    /// Renumbers flows (and their legs) by time, ties in the order added.
    fn sort_by_time(&mut self) {
        let flows = self.times.len();
        let mut order: Vec<u32> = (0..flows as u32).collect();
        order.sort_by_key(|&f| self.times[f as usize]);
        let mut ids = Interner::with_capacity(flows, 0);
        let mut times = Vec::with_capacity(flows);
        let mut flow_asset = Vec::with_capacity(flows);
        let mut leg_start = Vec::with_capacity(flows + 1);
        let mut first_out = Vec::with_capacity(flows);
        let mut leg_node = Vec::with_capacity(self.leg_node.len());
        let mut amounts = Vec::with_capacity(self.amounts.len());
        leg_start.push(0);
        for &f in &order {
            let f = f as usize;
            ids.intern(self.flow_ids.get(f as u32));
            times.push(self.times[f]);
            flow_asset.push(self.flow_asset[f]);
            let (start, out, end) = (self.leg_start[f], self.first_out[f], self.leg_start[f + 1]);
            first_out.push(leg_node.len() as u32 + (out - start));
            leg_node.extend_from_slice(&self.leg_node[start as usize..end as usize]);
            amounts.extend_from_slice(&self.amounts[start as usize..end as usize]);
            leg_start.push(leg_node.len() as u32);
        }
        self.flow_ids = ids;
        self.times = times;
        self.flow_asset = flow_asset;
        self.leg_start = leg_start;
        self.first_out = first_out;
        self.leg_node = leg_node;
        self.amounts = amounts;
    }
}

/// The graph's legs of a conversion: `from` among its flow's outputs, `to`
/// among its flow's inputs.
fn resolve(graph: &FlowGraph, c: &Conversion) -> Result<GraphConversion, String> {
    let find = |flow: &str, address: &str, outputs: bool| {
        let f = graph
            .find_flow(flow)
            .ok_or_else(|| format!("flow {flow} is not among the flows"))?;
        let mut legs = if outputs {
            graph.outputs(f)
        } else {
            graph.inputs(f)
        };
        legs.find(|&l| graph.node_name(graph.leg_node(l)) == address)
            .ok_or_else(|| {
                format!(
                    "{address} is not {} flow {flow}",
                    if outputs {
                        "a receiver of"
                    } else {
                        "a sender of"
                    }
                )
            })
    };
    let from = find(&c.from.flow, &c.from.address, true)?;
    let to = find(&c.to.flow, &c.to.address, false)?;
    Ok(GraphConversion {
        kind: c.kind,
        from,
        to,
        service: c.service.clone(),
        evidence: c.evidence.clone(),
    })
}
