//! Forward tracing: one sweep over the flows in time order, carrying every
//! model's taint through holdings' balances side by side.
//!
//! A holding is followed from the first flow that brings it taint. From
//! then on its balance is walked through its history in time order (clean
//! receipts add clean value; each send takes its share of the taint as the
//! model says), so that a send carries only value received before it. The
//! balance before the first taint is the sum of the holding's earlier
//! history. A send larger than the known balance is paid partly from funds
//! older than the data, counted clean (FIFO and LIFO place them oldest).
//!
//! Address rules, per model, for a send of `s` from a balance `B` holding
//! `T` tainted:
//! - **poison**: once tainted, every later send is wholly tainted.
//! - **haircut**: the send carries `⌊T × s / B⌋`.
//! - **FIFO**: the send takes the oldest `s` units of the balance queue.
//! - **LIFO**: the send takes the newest `s` units.
//! - **TIHO**: the send carries `min(T, s)`: tainted value leaves first,
//!   the address-level counterpart of "highest out".
//!
//! Only flows that a tainted holding sends in are visited: each followed
//! holding keeps its next send in a queue of flows ordered by time.
//!
//! Hops: a seed's holding is hop 0; a flow sent from hop `h` makes its
//! receivers hop `h + 1` (a holding keeps the lowest hop that reached it).
//! A holding at the hop limit keeps what reaches it and passes nothing on;
//! its later sends are counted as leaving the trace beyond the limit. A
//! tagged service stops the trace: what reaches it is recorded there. A
//! leg that a conversion continues (a swap, a bridge, an exchange's
//! deposit and withdrawal) passes its taint, at the conversion's rate, to
//! the conversion's sending leg in the other asset.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use super::split::{Packet, split};
use super::tape::Queue;
use super::{Models, ResolvedSeed, TraceOptions, crosses, hop_across};
use crate::graph::{AssetIx, FlowGraph, FlowIx, LegIx, NodeIx, Units, mul_div_floor};
use crate::services::{ServiceIndex, ServiceIx};

/// How a followed holding was first reached: the evidence trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Parent {
    /// Seeded at this output leg.
    Seed(LegIx),
    /// A seeded address: its own sends are the start.
    Source,
    /// Reached by output `out` of a flow whose main tainted input was
    /// `input`.
    Flow { input: LegIx, out: LegIx },
}

/// Per asset, per model ([`super::Model`] order): where the taint went.
#[derive(Debug, Clone, Default)]
pub(super) struct Totals {
    pub seeded: [Units; 5],
    pub services: [Units; 5],
    pub held: [Units; 5],
    pub fees: [Units; 5],
    pub beyond: [Units; 5],
    pub converted_out: [Units; 5],
    pub converted_in: [Units; 5],
}

fn add(to: &mut [Units; 5], a: [Units; 5]) {
    for (t, a) in to.iter_mut().zip(a) {
        *t += a;
    }
}

#[derive(Debug)]
pub(super) struct Holding {
    pub node: NodeIx,
    /// Next entry of the holding's history to apply.
    cursor: u32,
    balance: Units,
    haircut: Units,
    tiho: Units,
    fifo: Queue,
    lifo: Queue,
    poison: bool,
    /// A seeded address: sends from this time on are wholly tainted.
    source: Option<i64>,
    pub hop: u8,
    scheduled: Option<FlowIx>,
    pub received: [Units; 5],
    pub held: [Units; 5],
    pub parent: Parent,
}

/// A tagged service's address that taint reached.
#[derive(Debug)]
pub(super) struct ServiceHit {
    pub node: NodeIx,
    pub service: ServiceIx,
    pub hop: u8,
    pub received: [Units; 5],
    /// (main tainted input, the output leg received, its weight).
    pub receipts: Vec<(LegIx, LegIx, Units)>,
}

/// A conversion the trace crossed.
#[derive(Debug)]
pub(super) struct Crossed {
    pub conversion: usize,
    pub amounts: [Units; 5],
    pub followed: bool,
}

#[derive(Debug, Default)]
pub(super) struct Sweep {
    pub holdings: Vec<Holding>,
    pub services: Vec<ServiceHit>,
    pub totals: FxHashMap<AssetIx, Totals>,
    pub crossed: Vec<Crossed>,
    /// A conversion's sending leg → (receiving flow's main input, the
    /// receiving leg): the evidence trail across assets.
    pub via: FxHashMap<LegIx, (LegIx, LegIx)>,
    /// Conversions whose sending flow comes before the receiving one.
    pub backwards_conversions: Vec<usize>,
}

struct Engine<'g> {
    g: &'g FlowGraph,
    services: &'g ServiceIndex,
    options: &'g TraceOptions,
    models: Models,
    max_hops: u8,
    index: FxHashMap<NodeIx, u32>,
    service_index: FxHashMap<NodeIx, u32>,
    heap: BinaryHeap<Reverse<FlowIx>>,
    seeds: FxHashMap<FlowIx, Vec<(LegIx, Units)>>,
    /// Conversion sending legs → their packet and hop.
    injected: FxHashMap<LegIx, (Packet, u8)>,
    out: Sweep,
}

impl Holding {
    fn new(node: NodeIx) -> Holding {
        Holding {
            node,
            cursor: 0,
            balance: 0,
            haircut: 0,
            tiho: 0,
            fifo: Queue::default(),
            lifo: Queue::default(),
            poison: false,
            source: None,
            hop: u8::MAX,
            scheduled: None,
            received: [0; 5],
            held: [0; 5],
            parent: Parent::Source,
        }
    }

    fn has_taint(&self) -> bool {
        self.source.is_some()
            || self.poison
            || self.haircut > 0
            || self.tiho > 0
            || self.fifo.tainted() > 0
            || self.lifo.tainted() > 0
    }

    /// What the balance holds tainted, per model.
    fn holding(&self) -> [Units; 5] {
        [
            if self.poison { self.balance } else { 0 },
            self.haircut,
            self.fifo.tainted(),
            self.lifo.tainted(),
            self.tiho,
        ]
    }

    fn receive(&mut self, amount: Units, p: &Packet, models: Models) {
        self.balance += amount;
        self.haircut += p.haircut;
        self.tiho += p.tiho;
        self.poison |= p.poison;
        if models.fifo() {
            self.fifo.receive(amount, &p.fifo);
        }
        if models.lifo() {
            self.lifo.receive(amount, &p.lifo);
        }
    }

    /// A send of `s` units at time `t`: the packet it carries.
    fn send(&mut self, s: Units, t: i64, models: Models) -> Packet {
        if let Some(since) = self.source {
            return if t >= since {
                Packet::full(s, models)
            } else {
                Packet::default()
            };
        }
        if s > self.balance {
            let older = s - self.balance;
            self.balance = s;
            if models.fifo() {
                self.fifo.prepend_clean(older);
            }
            if models.lifo() {
                self.lifo.prepend_clean(older);
            }
        }
        let haircut = if self.haircut > 0 {
            mul_div_floor(self.haircut, s, self.balance)
        } else {
            0
        };
        self.haircut -= haircut;
        let tiho = self.tiho.min(s);
        self.tiho -= tiho;
        self.balance -= s;
        Packet {
            poison: self.poison,
            haircut,
            tiho,
            fifo: if models.fifo() {
                self.fifo.take_front(s)
            } else {
                Vec::new()
            },
            lifo: if models.lifo() {
                self.lifo.take_back(s)
            } else {
                Vec::new()
            },
        }
    }
}

impl<'g> Engine<'g> {
    fn active(&self, h: &Holding) -> bool {
        h.hop < self.max_hops && h.has_taint()
    }

    /// Applies the holding's history before leg `until` (all of it for
    /// `LegIx::MAX`); taint that leaves on the way goes beyond the trace.
    fn advance(&mut self, hi: usize, until: LegIx) {
        let g = self.g;
        let raw = g.history_raw(self.out.holdings[hi].node);
        let models = self.models;
        let asset = g.node_asset(self.out.holdings[hi].node);
        loop {
            let h = &mut self.out.holdings[hi];
            let Some(&entry) = raw.get(h.cursor as usize) else {
                break;
            };
            let e = FlowGraph::event(entry);
            if e.leg >= until {
                break;
            }
            h.cursor += 1;
            let amount = g.leg_units(e.leg);
            if e.received {
                h.receive(amount, &Packet::default(), models);
            } else {
                let p = h.send(amount, g.flow_micros(g.leg_flow(e.leg)), models);
                if !p.is_clean() {
                    let lost = p.amounts(amount);
                    add(&mut self.out.totals.entry(asset).or_default().beyond, lost);
                }
            }
        }
    }

    fn holding(&mut self, node: NodeIx) -> usize {
        if let Some(&i) = self.index.get(&node) {
            return i as usize;
        }
        let i = self.out.holdings.len();
        self.out.holdings.push(Holding::new(node));
        self.index.insert(node, i as u32);
        i
    }

    /// Queues the holding's next send, if it is followed and has none queued.
    fn schedule(&mut self, hi: usize) {
        let h = &self.out.holdings[hi];
        if h.scheduled.is_some() || !self.active(h) {
            return;
        }
        let raw = self.g.history_raw(h.node);
        let next = raw[h.cursor as usize..]
            .iter()
            .map(|&r| FlowGraph::event(r))
            .find(|e| !e.received);
        if let Some(e) = next {
            let f = self.g.leg_flow(e.leg);
            self.out.holdings[hi].scheduled = Some(f);
            self.heap.push(Reverse(f));
        }
    }

    fn run(&mut self) {
        let mut last = None;
        let mut inputs: Vec<(Units, Packet)> = Vec::new();
        let mut outs: Vec<Units> = Vec::new();
        let mut packets: Vec<Packet> = Vec::new();
        let mut senders: Vec<usize> = Vec::new();
        while let Some(Reverse(f)) = self.heap.pop() {
            if last == Some(f) {
                continue;
            }
            last = Some(f);
            self.flow(f, &mut inputs, &mut outs, &mut packets, &mut senders);
        }
        // What is left where the trace stopped.
        for hi in 0..self.out.holdings.len() {
            self.advance(hi, LegIx::MAX);
            let h = &mut self.out.holdings[hi];
            if h.source.is_none() {
                h.held = h.holding();
                let asset = self.g.node_asset(h.node);
                add(&mut self.out.totals.entry(asset).or_default().held, h.held);
            }
        }
    }

    fn flow(
        &mut self,
        f: FlowIx,
        inputs: &mut Vec<(Units, Packet)>,
        outs: &mut Vec<Units>,
        packets: &mut Vec<Packet>,
        senders: &mut Vec<usize>,
    ) {
        let g = self.g;
        let models = self.models;
        let time = g.flow_micros(f);
        let asset = g.flow_asset(f);
        inputs.clear();
        senders.clear();
        let mut hop = u8::MAX;
        let mut main: Option<(LegIx, Units)> = None;
        for l in g.inputs(f) {
            let amount = g.leg_units(l);
            let node = g.leg_node(l);
            let mut packet = Packet::default();
            let mut from_hop = u8::MAX;
            if let Some(&hi) = self.index.get(&node) {
                let hi = hi as usize;
                self.advance(hi, l);
                let active = self.active(&self.out.holdings[hi]);
                let h = &mut self.out.holdings[hi];
                h.cursor += 1;
                if h.scheduled == Some(f) {
                    h.scheduled = None;
                }
                let p = h.send(amount, time, models);
                if active {
                    packet = p;
                    from_hop = h.hop;
                } else if !p.is_clean() {
                    let lost = p.amounts(amount);
                    add(&mut self.out.totals.entry(asset).or_default().beyond, lost);
                }
                if !senders.contains(&hi) {
                    senders.push(hi);
                }
            }
            if let Some((p, h)) = self.injected.remove(&l) {
                packet.join(p);
                from_hop = from_hop.min(h);
            }
            if !packet.is_clean() {
                hop = hop.min(from_hop);
                let w = packet.weight();
                if main.is_none_or(|(_, mw)| w > mw) {
                    main = Some((l, w));
                }
            }
            inputs.push((amount, packet));
        }
        let seeds = self.seeds.remove(&f);
        if main.is_some() || seeds.is_some() {
            outs.clear();
            outs.extend(g.outputs(f).map(|l| g.leg_units(l)));
            if main.is_some() {
                split(inputs, outs, packets);
                let t_in: [Units; 5] = inputs.iter().fold([0; 5], |mut acc, (a, p)| {
                    add(&mut acc, p.amounts(*a));
                    acc
                });
                let t_out: [Units; 5] =
                    packets
                        .iter()
                        .zip(outs.iter())
                        .fold([0; 5], |mut acc, (p, a)| {
                            add(&mut acc, p.amounts(*a));
                            acc
                        });
                let mut fee = [0; 5];
                // Poison is not conserved (every output wholly tainted).
                for m in 1..5 {
                    fee[m] = t_in[m].saturating_sub(t_out[m]);
                }
                add(&mut self.out.totals.entry(asset).or_default().fees, fee);
            } else {
                packets.clear();
                packets.resize(outs.len(), Packet::default());
            }
            let main_leg = main.map(|(l, _)| l);
            let seeded: Vec<(LegIx, Units)> = seeds.unwrap_or_default();
            for (j, l) in g.outputs(f).enumerate() {
                let mut packet = std::mem::take(&mut packets[j]);
                let mut out_hop = hop.saturating_add(1);
                let mut parent = main_leg.map(|input| Parent::Flow { input, out: l });
                for &(sl, amount) in &seeded {
                    if sl == l {
                        let seed = Packet::full(amount, models);
                        add(
                            &mut self.out.totals.entry(asset).or_default().seeded,
                            seed.amounts(amount),
                        );
                        packet.join(seed);
                        out_hop = 0;
                        parent = Some(Parent::Seed(l));
                    }
                }
                if packet.is_clean() {
                    continue;
                }
                let parent = parent.unwrap_or(Parent::Seed(l));
                self.deliver(f, l, packet, out_hop, parent);
            }
        }
        for &hi in senders.iter() {
            self.schedule(hi);
        }
    }

    /// Passes the taint of leg `l`, which conversion `ci` continues, to the
    /// conversion's sending leg, at the conversion's rate.
    fn cross(&mut self, ci: usize, l: LegIx, packet: &Packet, input: LegIx, far_hop: u8) {
        let g = self.g;
        let c = &g.conversions()[ci];
        let (f, to_flow) = (g.leg_flow(l), g.leg_flow(c.to));
        let (amount, asset) = (g.leg_units(l), g.flow_asset(f));
        let taint = packet.amounts(amount);
        let to_amount = g.leg_units(c.to);
        let p = packet.rescaled(amount, to_amount);
        let to_asset = g.flow_asset(to_flow);
        add(
            &mut self.out.totals.entry(asset).or_default().converted_out,
            taint,
        );
        add(
            &mut self.out.totals.entry(to_asset).or_default().converted_in,
            p.amounts(to_amount),
        );
        self.out.crossed.push(Crossed {
            conversion: ci,
            amounts: taint,
            followed: true,
        });
        self.out.via.insert(c.to, (input, l));
        match self.injected.get_mut(&c.to) {
            Some((q, h)) => {
                q.join(p);
                *h = (*h).min(far_hop);
            }
            None => {
                self.injected.insert(c.to, (p, far_hop));
            }
        }
        self.heap.push(Reverse(to_flow));
    }

    fn deliver(&mut self, f: FlowIx, l: LegIx, packet: Packet, hop: u8, parent: Parent) {
        let g = self.g;
        let models = self.models;
        let amount = g.leg_units(l);
        let asset = g.flow_asset(f);
        let taint = packet.amounts(amount);
        let input = match parent {
            Parent::Flow { input, .. } => input,
            _ => LegIx::MAX,
        };
        let node = g.leg_node(l);
        if let Some((ci, c)) = g.conversion_from(l) {
            if g.leg_flow(c.to) <= f {
                self.out.backwards_conversions.push(ci);
            } else if !crosses(g, self.services, c, node, self.options) {
                self.out.crossed.push(Crossed {
                    conversion: ci,
                    amounts: taint,
                    followed: false,
                });
            } else {
                match hop_across(c, hop, self.max_hops) {
                    Some(far_hop) => self.cross(ci, l, &packet, input, far_hop),
                    None => add(&mut self.out.totals.entry(asset).or_default().beyond, taint),
                }
                return;
            }
        }
        if let Some(s) = self.services.service_of(g.node_address(node)) {
            let si = match self.service_index.get(&node) {
                Some(&i) => i as usize,
                None => {
                    self.service_index
                        .insert(node, self.out.services.len() as u32);
                    self.out.services.push(ServiceHit {
                        node,
                        service: s,
                        hop,
                        received: [0; 5],
                        receipts: Vec::new(),
                    });
                    self.out.services.len() - 1
                }
            };
            let hit = &mut self.out.services[si];
            add(&mut hit.received, taint);
            hit.hop = hit.hop.min(hop);
            hit.receipts.push((input, l, packet.weight()));
            add(
                &mut self.out.totals.entry(asset).or_default().services,
                taint,
            );
            return;
        }
        let hi = self.holding(node);
        self.advance(hi, l);
        let h = &mut self.out.holdings[hi];
        if h.hop == u8::MAX {
            h.parent = parent;
        }
        h.cursor += 1;
        h.receive(amount, &packet, models);
        h.hop = h.hop.min(hop);
        add(&mut h.received, taint);
        self.schedule(hi);
    }
}

/// Runs the forward sweep from resolved seeds.
pub(super) fn sweep(
    g: &FlowGraph,
    services: &ServiceIndex,
    seeds: &[ResolvedSeed],
    options: &TraceOptions,
) -> Sweep {
    let models = options.models;
    let mut e = Engine {
        g,
        services,
        options,
        models,
        max_hops: options.max_hops,
        index: FxHashMap::default(),
        service_index: FxHashMap::default(),
        heap: BinaryHeap::new(),
        seeds: FxHashMap::default(),
        injected: FxHashMap::default(),
        out: Sweep::default(),
    };
    for seed in seeds {
        match *seed {
            ResolvedSeed::Leg { leg, amount } => {
                let f = g.leg_flow(leg);
                e.seeds.entry(f).or_default().push((leg, amount));
                e.heap.push(Reverse(f));
            }
            ResolvedSeed::Node { node, since } => {
                let hi = e.holding(node);
                let h = &mut e.out.holdings[hi];
                h.source = Some(since);
                h.hop = 0;
                h.parent = Parent::Source;
                // The first send from `since` on.
                let raw = g.history_raw(node);
                let start = raw
                    .iter()
                    .position(|&r| {
                        let ev = FlowGraph::event(r);
                        !ev.received && g.flow_micros(g.leg_flow(ev.leg)) >= since
                    })
                    .unwrap_or(raw.len());
                h.cursor = start as u32;
                e.schedule(hi);
            }
        }
    }
    e.run();
    // A source's sends are what it seeded.
    let sources: Vec<NodeIx> = e
        .out
        .holdings
        .iter()
        .filter(|h| h.source.is_some())
        .map(|h| h.node)
        .collect();
    for node in sources {
        let asset = g.node_asset(node);
        let since = e.out.holdings[e.index[&node] as usize].source.unwrap_or(0);
        let mut seeded = [0; 5];
        for ev in g.history(node) {
            if !ev.received && g.flow_micros(g.leg_flow(ev.leg)) >= since {
                add(
                    &mut seeded,
                    Packet::full(g.leg_units(ev.leg), models).amounts(g.leg_units(ev.leg)),
                );
            }
        }
        add(&mut e.out.totals.entry(asset).or_default().seeded, seeded);
    }
    e.out
}
