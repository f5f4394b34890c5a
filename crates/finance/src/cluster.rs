//! Address clustering on UTXO chains: which addresses one owner controls,
//! each merge kept with its evidence, reversible, and guarded against
//! superclusters.
//!
//! Heuristics, applied to every transaction of a UTXO asset (Bitcoin) in
//! time order; each yields merges of two addresses with the heuristic and
//! the flow as evidence:
//!
//! - **Co-spend** (multi-input): all input addresses of a transaction are
//!   one owner's, since spending needs every input's key. Not applied to a
//!   CoinJoin-like transaction (see [`ClusterOptions::coinjoin_equal_outputs`]),
//!   whose inputs are many owners' by design; those are listed instead.
//! - **Peel chain**: a transaction with one input address and two outputs
//!   of different amounts whose larger output's address next sends in
//!   another such transaction, and so on, at least
//!   [`ClusterOptions::min_peel_steps`] transactions in a row: each larger
//!   output is change, merged with its transaction's input address.
//! - **One-time change**: in a transaction with exactly two outputs, not
//!   CoinJoin-like, output `c` is change (merged with the first input
//!   address) when all of these hold:
//!   1. `c`'s address is none of the inputs' addresses;
//!   2. this output is the first time `c`'s address appears in the data,
//!      and it never receives again (later it only spends);
//!   3. the other output's address does not satisfy rule 2 (it appeared
//!      before or receives again), so that exactly one output qualifies;
//!   4. `c`'s amount is not round (a round amount, a multiple of 0.0001 of
//!      the asset, looks like a payment);
//!   5. when every input address has one script type (`1…`, `3…`,
//!      `bc1q…` of 42 or 62 characters, `bc1p…`), `c`'s address has it too.
//!
//! The **supercluster guard**: a merge that would join two clusters tagged
//! with different services is refused and reported, never applied (one
//! wrong change guess must not fuse two exchanges). Merges are applied in
//! flow order, co-spend before peel chain before one-time change within a
//! flow, so the outcome does not depend on anything but the data.
//!
//! **Undo**: any merge, all merges of a flow, or all merges of a heuristic
//! can be switched off (and on again); the clusters are recomputed from the
//! remaining merges, with the guard, in the same order.

use serde::Serialize;

use crate::graph::{AddressIx, FlowGraph, FlowIx, LegIx, NodeIx, Units};
use crate::services::{ServiceIndex, ServiceIx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Heuristic {
    CoSpend,
    PeelChain,
    OneTimeChange,
}

/// Two addresses found to be one owner's, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub heuristic: Heuristic,
    pub flow: FlowIx,
    pub a: AddressIx,
    pub b: AddressIx,
}

/// What became of a merge when the clusters were last computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It joined two clusters.
    Joined,
    /// The addresses were in one cluster already.
    Redundant,
    /// Refused: the clusters were tagged with these two services.
    Refused(ServiceIx, ServiceIx),
    /// Switched off by an undo.
    Undone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterOptions {
    pub co_spend: bool,
    pub peel_chain: bool,
    pub one_time_change: bool,
    /// Transactions in a row that make a peel chain (3).
    pub min_peel_steps: u32,
    /// A transaction with at least this many outputs of one amount, and at
    /// least as many distinct input addresses, is CoinJoin-like (3).
    pub coinjoin_equal_outputs: usize,
}

impl Default for ClusterOptions {
    fn default() -> ClusterOptions {
        ClusterOptions {
            co_spend: true,
            peel_chain: true,
            one_time_change: true,
            min_peel_steps: 3,
            coinjoin_equal_outputs: 3,
        }
    }
}

const NONE: u32 = u32::MAX;

/// Clusters of addresses, with every merge and its outcome.
#[derive(Debug, Clone)]
pub struct Clustering {
    merges: Vec<Merge>,
    outcomes: Vec<Outcome>,
    off: Vec<bool>,
    /// Each address's cluster root (kept flat).
    root: Vec<u32>,
    /// The service tagged on each address, then on each root.
    tagged: Vec<u32>,
    service: Vec<u32>,
    coinjoins: Vec<FlowIx>,
}

/// The script type of a bitcoin address, when its text says it.
fn script_type(address: &str) -> Option<u8> {
    let a = address.strip_prefix("btc:")?;
    let lower = a.get(..4).map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("bc1q") if a.len() == 42 => Some(1),
        Some("bc1q") if a.len() == 62 => Some(2),
        Some("bc1p") => Some(3),
        _ => match a.as_bytes().first() {
            Some(b'1') => Some(4),
            Some(b'3') => Some(5),
            _ => None,
        },
    }
}

/// Buffers a scan reuses from flow to flow.
#[derive(Debug, Default)]
struct Scratch {
    amounts: Vec<Units>,
    addresses: Vec<AddressIx>,
}

struct Scan<'g> {
    g: &'g FlowGraph,
}

impl Scan<'_> {
    fn address(&self, l: LegIx) -> AddressIx {
        self.g.node_address(self.g.leg_node(l))
    }

    /// The position of leg `l` in its holding's history.
    fn position(&self, node: NodeIx, l: LegIx) -> usize {
        self.g
            .history_raw(node)
            .partition_point(|&r| FlowGraph::event(r).leg < l)
    }

    /// Whether output `l` is its holding's first appearance and the holding
    /// never receives again.
    fn one_time(&self, l: LegIx) -> bool {
        let node = self.g.leg_node(l);
        let mut history = self.g.history(node);
        history.next().map(|e| e.leg) == Some(l) && history.all(|e| !e.received)
    }

    /// `scratch` is reused across flows: millions of flows are scanned.
    fn coinjoin_like(&self, f: FlowIx, min_equal: usize, scratch: &mut Scratch) -> bool {
        let outs = self.g.outputs(f);
        if outs.len() < min_equal {
            return false;
        }
        let amounts = &mut scratch.amounts;
        amounts.clear();
        amounts.extend(outs.map(|l| self.g.leg_units(l)));
        amounts.sort_unstable();
        let most = amounts
            .chunk_by(|a, b| a == b)
            .map(<[Units]>::len)
            .max()
            .unwrap_or(0);
        if most < min_equal {
            return false;
        }
        let inputs = &mut scratch.addresses;
        inputs.clear();
        inputs.extend(self.g.inputs(f).map(|l| self.address(l)));
        inputs.sort_unstable();
        inputs.dedup();
        inputs.len() >= most
    }

    /// A peel step: one input address, two outputs of different amounts;
    /// its larger output.
    fn peel(&self, f: FlowIx) -> Option<LegIx> {
        let g = self.g;
        let ins = g.inputs(f);
        let first = self.address(ins.start);
        if ins.clone().any(|l| self.address(l) != first) {
            return None;
        }
        let outs = g.outputs(f);
        if outs.len() != 2 {
            return None;
        }
        let (x, y) = (outs.start, outs.start + 1);
        match g.leg_units(x).cmp(&g.leg_units(y)) {
            std::cmp::Ordering::Greater => Some(x),
            std::cmp::Ordering::Less => Some(y),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The next flow in which the receiver of output `l` sends, if it is a
    /// peel step spent by that receiver alone.
    fn next_peel(&self, l: LegIx) -> Option<FlowIx> {
        let node = self.g.leg_node(l);
        let at = self.position(node, l);
        let next = self.g.history_raw(node)[at + 1..]
            .iter()
            .map(|&r| FlowGraph::event(r))
            .find(|e| !e.received)?;
        let f = self.g.leg_flow(next.leg);
        self.peel(f)?;
        Some(f)
    }

    fn round(&self, f: FlowIx, l: LegIx) -> bool {
        let scale = self.g.scale(self.g.flow_asset(f));
        let unit = 10u128.pow(scale.saturating_sub(4));
        self.g.leg_units(l).is_multiple_of(unit)
    }

    /// The change output of `f` by the one-time change rules.
    fn one_time_change(&self, f: FlowIx) -> Option<LegIx> {
        let g = self.g;
        let outs = g.outputs(f);
        if outs.len() != 2 {
            return None;
        }
        let inputs: Vec<AddressIx> = g.inputs(f).map(|l| self.address(l)).collect();
        let fresh: Vec<LegIx> = outs
            .clone()
            .filter(|&l| !inputs.contains(&self.address(l)) && self.one_time(l))
            .collect();
        let [c] = fresh[..] else { return None };
        if self.round(f, c) {
            return None;
        }
        let types: Vec<Option<u8>> = inputs.iter().map(|&a| script_type(g.address(a))).collect();
        if let Some(&Some(t)) = types.first()
            && types.iter().all(|&x| x == Some(t))
            && script_type(g.address(self.address(c))) != Some(t)
        {
            return None;
        }
        Some(c)
    }
}

impl Clustering {
    /// Clusters the addresses of `graph`'s UTXO flows.
    pub fn build(
        graph: &FlowGraph,
        services: &ServiceIndex,
        options: &ClusterOptions,
    ) -> Clustering {
        let scan = Scan { g: graph };
        let flows = graph.flow_count() as FlowIx;
        let utxo: Vec<bool> = graph.assets().iter().map(|a| a.network.is_utxo()).collect();
        let is_utxo = |f: FlowIx| utxo[graph.flow_asset(f) as usize];

        // Peel chains: each step's length to the chain's end (walked from
        // the last flow back) and from its start.
        let mut peel_in_chain = vec![
            false;
            if options.peel_chain {
                flows as usize
            } else {
                0
            }
        ];
        if options.peel_chain {
            let mut after = vec![0u32; flows as usize];
            let mut next = vec![NONE; flows as usize];
            for f in (0..flows).rev() {
                if !is_utxo(f) {
                    continue;
                }
                if let Some(l) = scan.peel(f) {
                    after[f as usize] = 1;
                    if let Some(n) = scan.next_peel(l) {
                        next[f as usize] = n;
                        after[f as usize] = 1 + after[n as usize];
                    }
                }
            }
            let mut before = vec![0u32; flows as usize];
            for f in 0..flows {
                if after[f as usize] == 0 {
                    continue;
                }
                before[f as usize] = before[f as usize].max(1);
                let n = next[f as usize];
                if n != NONE {
                    before[n as usize] = before[n as usize].max(before[f as usize] + 1);
                }
            }
            for f in 0..flows as usize {
                peel_in_chain[f] = after[f] > 0 && before[f] + after[f] > options.min_peel_steps;
            }
        }

        let mut merges = Vec::new();
        let mut coinjoins = Vec::new();
        let mut scratch = Scratch::default();
        let mut seen: Vec<AddressIx> = Vec::new();
        for f in 0..flows {
            if !is_utxo(f) {
                continue;
            }
            let ins = graph.inputs(f);
            let first = scan.address(ins.start);
            if scan.coinjoin_like(f, options.coinjoin_equal_outputs, &mut scratch) {
                coinjoins.push(f);
                continue;
            }
            if options.co_spend {
                seen.clear();
                seen.push(first);
                for l in ins.clone().skip(1) {
                    let a = scan.address(l);
                    if !seen.contains(&a) {
                        seen.push(a);
                        merges.push(Merge {
                            heuristic: Heuristic::CoSpend,
                            flow: f,
                            a: first,
                            b: a,
                        });
                    }
                }
            }
            if options.peel_chain
                && peel_in_chain[f as usize]
                && let Some(l) = scan.peel(f)
                && scan.address(l) != first
            {
                merges.push(Merge {
                    heuristic: Heuristic::PeelChain,
                    flow: f,
                    a: first,
                    b: scan.address(l),
                });
            }
            if options.one_time_change
                && let Some(c) = scan.one_time_change(f)
                && !merges.last().is_some_and(|m| {
                    m.flow == f && m.heuristic == Heuristic::PeelChain && m.b == scan.address(c)
                })
            {
                merges.push(Merge {
                    heuristic: Heuristic::OneTimeChange,
                    flow: f,
                    a: first,
                    b: scan.address(c),
                });
            }
        }
        let addresses = graph.address_count();
        let tagged: Vec<u32> = (0..addresses as AddressIx)
            .map(|a| services.service_of(a).unwrap_or(NONE))
            .collect();
        let mut c = Clustering {
            off: vec![false; merges.len()],
            outcomes: Vec::new(),
            merges,
            root: Vec::new(),
            service: Vec::new(),
            tagged,
            coinjoins,
        };
        c.recompute();
        c
    }

    /// Replays the merges that are on, in order, with the guard.
    fn recompute(&mut self) {
        let n = self.tagged.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        let mut size = vec![1u32; n];
        self.service.clone_from(&self.tagged);
        self.outcomes.clear();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        for (i, m) in self.merges.iter().enumerate() {
            if self.off[i] {
                self.outcomes.push(Outcome::Undone);
                continue;
            }
            let (ra, rb) = (find(&mut parent, m.a), find(&mut parent, m.b));
            if ra == rb {
                self.outcomes.push(Outcome::Redundant);
                continue;
            }
            let (sa, sb) = (self.service[ra as usize], self.service[rb as usize]);
            if sa != NONE && sb != NONE && sa != sb {
                self.outcomes.push(Outcome::Refused(sa, sb));
                continue;
            }
            let (big, small) = if size[ra as usize] >= size[rb as usize] {
                (ra, rb)
            } else {
                (rb, ra)
            };
            parent[small as usize] = big;
            size[big as usize] += size[small as usize];
            if self.service[big as usize] == NONE {
                self.service[big as usize] = self.service[small as usize];
            }
            self.outcomes.push(Outcome::Joined);
        }
        for x in 0..n as u32 {
            let r = find(&mut parent, x);
            parent[x as usize] = r;
        }
        self.root = parent;
    }

    /// The cluster of an address, named by one of its addresses.
    pub fn cluster_of(&self, a: AddressIx) -> AddressIx {
        self.root[a as usize]
    }

    pub fn same(&self, a: AddressIx, b: AddressIx) -> bool {
        self.root[a as usize] == self.root[b as usize]
    }

    /// The addresses of `a`'s cluster.
    pub fn members(&self, a: AddressIx) -> Vec<AddressIx> {
        let r = self.root[a as usize];
        (0..self.root.len() as AddressIx)
            .filter(|&x| self.root[x as usize] == r)
            .collect()
    }

    /// The service the cluster of `a` is tagged with.
    pub fn service_of(&self, a: AddressIx) -> Option<ServiceIx> {
        let s = self.service[self.root[a as usize] as usize];
        (s != NONE).then_some(s)
    }

    pub fn cluster_count(&self) -> usize {
        self.root
            .iter()
            .enumerate()
            .filter(|&(x, &r)| x as u32 == r)
            .count()
    }

    pub fn merges(&self) -> &[Merge] {
        &self.merges
    }

    pub fn outcome(&self, merge: usize) -> Outcome {
        self.outcomes[merge]
    }

    /// Merges refused by the supercluster guard, with the two services.
    pub fn refused(&self) -> impl Iterator<Item = (&Merge, ServiceIx, ServiceIx)> {
        self.merges
            .iter()
            .zip(&self.outcomes)
            .filter_map(|(m, o)| match *o {
                Outcome::Refused(a, b) => Some((m, a, b)),
                _ => None,
            })
    }

    /// CoinJoin-like transactions, left out of co-spend and change.
    pub fn coinjoins(&self) -> &[FlowIx] {
        &self.coinjoins
    }

    /// The merges that join `a` to `b`, in path order: why they are one
    /// owner's. `None` when they are not.
    pub fn explain(&self, a: AddressIx, b: AddressIx) -> Option<Vec<Merge>> {
        if !self.same(a, b) {
            return None;
        }
        if a == b {
            return Some(Vec::new());
        }
        let r = self.root[a as usize];
        let mut edges: rustc_hash::FxHashMap<AddressIx, Vec<usize>> = Default::default();
        for (i, m) in self.merges.iter().enumerate() {
            if self.outcomes[i] == Outcome::Joined && self.root[m.a as usize] == r {
                edges.entry(m.a).or_default().push(i);
                edges.entry(m.b).or_default().push(i);
            }
        }
        let mut came: rustc_hash::FxHashMap<AddressIx, usize> = Default::default();
        let mut queue = std::collections::VecDeque::from([a]);
        while let Some(x) = queue.pop_front() {
            if x == b {
                break;
            }
            for &i in edges.get(&x).map_or(&[][..], Vec::as_slice) {
                let m = self.merges[i];
                let y = if m.a == x { m.b } else { m.a };
                if y != a && !came.contains_key(&y) {
                    came.insert(y, i);
                    queue.push_back(y);
                }
            }
        }
        let mut path = Vec::new();
        let mut x = b;
        while x != a {
            let m = self.merges[*came.get(&x)?];
            path.push(m);
            x = if m.a == x { m.b } else { m.a };
        }
        path.reverse();
        Some(path)
    }

    fn switch(&mut self, on: bool, pick: impl Fn(&Merge) -> bool) -> usize {
        let mut n = 0;
        for (i, m) in self.merges.iter().enumerate() {
            if pick(m) && self.off[i] == on {
                self.off[i] = !on;
                n += 1;
            }
        }
        if n > 0 {
            self.recompute();
        }
        n
    }

    /// Switches a merge off and recomputes the clusters without it.
    pub fn undo(&mut self, merge: usize) -> bool {
        if merge >= self.merges.len() || self.off[merge] {
            return false;
        }
        self.off[merge] = true;
        self.recompute();
        true
    }

    /// Switches off every merge made from one flow; how many.
    pub fn undo_flow(&mut self, flow: FlowIx) -> usize {
        self.switch(false, |m| m.flow == flow)
    }

    /// Switches off every merge of one heuristic; how many.
    pub fn undo_heuristic(&mut self, heuristic: Heuristic) -> usize {
        self.switch(false, |m| m.heuristic == heuristic)
    }

    /// Switches merges back on.
    pub fn redo_all(&mut self) -> usize {
        self.switch(true, |_| true)
    }

    /// Bytes the clustering holds.
    pub fn heap_bytes(&self) -> usize {
        self.merges.capacity() * std::mem::size_of::<Merge>()
            + self.outcomes.capacity() * std::mem::size_of::<Outcome>()
            + self.off.capacity()
            + (self.root.capacity() + self.tagged.capacity() + self.service.capacity()) * 4
    }
}

#[cfg(test)]
mod tests;
