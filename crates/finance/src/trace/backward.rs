//! Backward tracing: where traced money came from, one sweep over the
//! flows in reverse time order, every model side by side.
//!
//! The traced value ("interest") starts on a received leg (or on all that
//! an address received). Within a flow it goes back from the outputs to
//! the inputs by the rules of [`super::split`] read backwards (the flow's
//! fee counts as a last, clean output): haircut gives input `i` the share
//! `⌊X × aᵢ / I⌋`, FIFO and LIFO map the outputs' stretches onto the
//! inputs laid end to end, TIHO gives the interest to the largest inputs
//! first, poison marks every input wholly.
//!
//! At a sender's address, the interest in a send goes back to the receipts
//! that funded it, by the balance the address held (walked forward from
//! the start of the data):
//! - **haircut**: every unit of the balance is equally likely from each
//!   receipt still in it, so receipt `r` supplies `⌊I × r / B⌋`, where `I`
//!   is the interest in the balance just after the receipt and `B` the
//!   balance (walking back, a send's interest joins `I`).
//! - **FIFO** and **LIFO**: the receipts whose value the send took, as the
//!   forward queue or stack took it ([`super::forward`]).
//! - **TIHO**: the largest earlier receipts first, each up to its amount
//!   (what it already supplied to later sends counted).
//! - **poison**: every earlier receipt wholly.
//!
//! Value a send took beyond the known balance (funds from before the data)
//! and interest left when the address's history runs out have no known
//! origin: they are counted as `held` in the totals. A sender at the hop
//! limit is recorded but not walked back (`beyond_limit`); a tagged service
//! stops the trace (the money came from it: `at_services`); a conversion's
//! sending leg continues at its receiving leg in the other asset.

use std::collections::{BinaryHeap, VecDeque};

use rustc_hash::FxHashMap;

use super::report::{PerService, amounts, band, service_list, sort_addresses};
use super::split::{Packet, split};
use super::tape::{Tape, push_interval};
use super::{AddressAmount, AssetTotals, Crossing, Models, ResolvedSeed, Trace, TraceOptions};
use crate::graph::{AssetIx, FlowGraph, FlowIx, LegIx, NodeIx, Units, mul_div_floor};
use crate::services::ServiceIndex;

/// Value from before the data.
const UNKNOWN: u32 = u32::MAX;

/// A stretch of a send taken from one receipt (a history position).
#[derive(Debug, Clone, Copy)]
struct Piece {
    receipt: u32,
    offset: Units,
    len: Units,
}

#[derive(Debug, Default)]
struct Origin {
    node: NodeIx,
    hop: u8,
    /// History positions at and after `cursor` have been walked back over.
    cursor: u32,
    balance: Units,
    haircut: Units,
    poison: bool,
    deficits: FxHashMap<u32, Units>,
    fifo: FxHashMap<u32, Vec<Piece>>,
    lifo: FxHashMap<u32, Vec<Piece>>,
    fifo_due: FxHashMap<u32, Tape>,
    lifo_due: FxHashMap<u32, Tape>,
    tiho_due: FxHashMap<u32, Units>,
    /// Receipts' positions, largest amount first.
    by_size: Vec<u32>,
    claimed: FxHashMap<u32, Units>,
    scheduled: Option<FlowIx>,
}

#[derive(Debug, Default, Clone)]
struct Record {
    hop: u8,
    supplied: [Units; 5],
    service: Option<u32>,
}

#[derive(Debug, Default, Clone)]
struct Totals {
    seeded: [Units; 5],
    services: [Units; 5],
    unknown: [Units; 5],
    beyond: [Units; 5],
    converted_out: [Units; 5],
    converted_in: [Units; 5],
}

fn add(to: &mut [Units; 5], a: [Units; 5]) {
    for (t, a) in to.iter_mut().zip(a) {
        *t += a;
    }
}

struct Engine<'g> {
    g: &'g FlowGraph,
    services: &'g ServiceIndex,
    models: Models,
    max_hops: u8,
    origins: Vec<Origin>,
    index: FxHashMap<NodeIx, usize>,
    records: FxHashMap<NodeIx, Record>,
    /// Interest on output legs from seeds and conversions, with its hop.
    due: FxHashMap<LegIx, (Packet, u8)>,
    heap: BinaryHeap<FlowIx>,
    totals: FxHashMap<AssetIx, Totals>,
    /// Conversions reached: number, interest (in the sending asset),
    /// whether followed.
    crossed: Vec<(usize, [Units; 5], bool)>,
    options: &'g TraceOptions,
}

fn position(g: &FlowGraph, node: NodeIx, leg: LegIx) -> u32 {
    let raw = g.history_raw(node);
    raw.partition_point(|&r| FlowGraph::event(r).leg < leg) as u32
}

fn take(run: &mut Piece, n: Units, front: bool) -> Piece {
    let p = Piece {
        receipt: run.receipt,
        offset: if front {
            run.offset
        } else {
            run.offset + run.len - n
        },
        len: n,
    };
    if front {
        run.offset += n;
    }
    run.len -= n;
    p
}

impl Origin {
    /// Walks the holding's history forward up to and including position
    /// `upto`, keeping what walking back needs.
    fn prepare(g: &FlowGraph, node: NodeIx, upto: u32, models: Models) -> Origin {
        let raw = g.history_raw(node);
        let mut o = Origin {
            node,
            hop: u8::MAX,
            cursor: upto + 1,
            ..Origin::default()
        };
        let mut fifo: VecDeque<Piece> = VecDeque::new();
        let mut lifo: Vec<Piece> = Vec::new();
        let mut receipts = Vec::new();
        for (p, &r) in raw[..=upto as usize].iter().enumerate() {
            let p = p as u32;
            let e = FlowGraph::event(r);
            let amount = g.leg_units(e.leg);
            if e.received {
                o.balance += amount;
                let piece = Piece {
                    receipt: p,
                    offset: 0,
                    len: amount,
                };
                if models.fifo() {
                    fifo.push_back(piece);
                }
                if models.lifo() {
                    lifo.push(piece);
                }
                receipts.push((amount, p));
                continue;
            }
            let deficit = amount.saturating_sub(o.balance);
            if deficit > 0 {
                o.deficits.insert(p, deficit);
                o.balance += deficit;
            }
            o.balance -= amount;
            let start = || {
                let mut v = Vec::new();
                if deficit > 0 {
                    v.push(Piece {
                        receipt: UNKNOWN,
                        offset: 0,
                        len: deficit,
                    });
                }
                v
            };
            if models.fifo() {
                let mut pieces = start();
                let mut left = amount - deficit;
                while left > 0 {
                    let Some(run) = fifo.front_mut() else { break };
                    let n = run.len.min(left);
                    pieces.push(take(run, n, true));
                    if run.len == 0 {
                        fifo.pop_front();
                    }
                    left -= n;
                }
                o.fifo.insert(p, pieces);
            }
            if models.lifo() {
                let mut taken = Vec::new();
                let mut left = amount - deficit;
                while left > 0 {
                    let Some(run) = lifo.last_mut() else { break };
                    let n = run.len.min(left);
                    taken.push(take(run, n, false));
                    if run.len == 0 {
                        lifo.pop();
                    }
                    left -= n;
                }
                let mut pieces = start();
                pieces.extend(taken.into_iter().rev());
                o.lifo.insert(p, pieces);
            }
        }
        if models.tiho() {
            receipts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            o.by_size = receipts.into_iter().map(|(_, p)| p).collect();
        }
        o
    }

    fn has_interest(&self) -> bool {
        self.haircut > 0
            || self.poison
            || !self.fifo_due.is_empty()
            || !self.lifo_due.is_empty()
            || !self.tiho_due.is_empty()
    }
}

/// `tape`'s stretches of a send, through the send's pieces, onto the
/// receipts (or the unknown, returned).
fn map_pieces(tape: &Tape, pieces: &[Piece], due: &mut FxHashMap<u32, Tape>) -> Units {
    let mut unknown = 0;
    let mut at = 0;
    for piece in pieces {
        let (lo, hi) = (at, at + piece.len);
        for &(s, e) in tape {
            let (s, e) = (s.max(lo), e.min(hi));
            if s >= e {
                continue;
            }
            if piece.receipt == UNKNOWN {
                unknown += e - s;
            } else {
                due.entry(piece.receipt)
                    .or_default()
                    .push((piece.offset + s - lo, piece.offset + e - lo));
            }
        }
        at = hi;
    }
    unknown
}

fn merged(mut tape: Tape) -> Tape {
    tape.sort_unstable();
    let mut out = Tape::with_capacity(tape.len());
    for (s, e) in tape {
        match out.last_mut() {
            Some(last) if last.1 >= s => last.1 = last.1.max(e),
            _ => push_interval(&mut out, s, e),
        }
    }
    out
}

impl<'g> Engine<'g> {
    /// Walks back over the event at `cursor - 1`: a send carrying `interest`,
    /// or a receipt, whose supplied interest is returned.
    fn cross(&mut self, oi: usize, interest: &Packet) -> Option<(LegIx, Packet)> {
        let g = self.g;
        let models = self.models;
        let asset = g.node_asset(self.origins[oi].node);
        let o = &mut self.origins[oi];
        o.cursor -= 1;
        let p = o.cursor;
        let e = FlowGraph::event(g.history_raw(o.node)[p as usize]);
        let amount = g.leg_units(e.leg);
        let mut unknown = [0; 5];
        if e.received {
            let haircut = if o.haircut > 0 && o.balance > 0 {
                mul_div_floor(o.haircut, amount, o.balance)
            } else {
                0
            };
            o.haircut -= haircut;
            o.balance -= amount.min(o.balance);
            let packet = Packet {
                poison: o.poison,
                haircut,
                tiho: o.tiho_due.remove(&p).unwrap_or(0),
                fifo: o.fifo_due.remove(&p).map(merged).unwrap_or_default(),
                lifo: o.lifo_due.remove(&p).map(merged).unwrap_or_default(),
            };
            return (!packet.is_clean()).then_some((e.leg, packet));
        }
        o.haircut += interest.haircut;
        o.poison |= interest.poison;
        o.balance += amount;
        if let Some(&d) = o.deficits.get(&p) {
            let share = if o.haircut > 0 {
                mul_div_floor(o.haircut, d, o.balance)
            } else {
                0
            };
            o.haircut -= share;
            unknown[1] += share;
            o.balance -= d;
        }
        if !interest.fifo.is_empty()
            && let Some(pieces) = o.fifo.get(&p)
        {
            unknown[2] += map_pieces(&interest.fifo, pieces, &mut o.fifo_due);
        }
        if !interest.lifo.is_empty()
            && let Some(pieces) = o.lifo.get(&p)
        {
            unknown[3] += map_pieces(&interest.lifo, pieces, &mut o.lifo_due);
        }
        if interest.tiho > 0 && models.tiho() {
            let mut left = interest.tiho;
            for &r in &o.by_size {
                if r >= p {
                    continue;
                }
                let size = g.leg_units(FlowGraph::event(g.history_raw(o.node)[r as usize]).leg);
                let claimed = o.claimed.entry(r).or_default();
                let n = (size - *claimed).min(left);
                if n > 0 {
                    *claimed += n;
                    *o.tiho_due.entry(r).or_default() += n;
                    left -= n;
                }
                if left == 0 {
                    break;
                }
            }
            unknown[4] += left;
        }
        add(&mut self.totals.entry(asset).or_default().unknown, unknown);
        None
    }

    /// Walks back over every event at or after leg `until`.
    fn retreat(&mut self, oi: usize, until: LegIx, found: &mut Vec<(LegIx, Packet)>) {
        loop {
            let o = &self.origins[oi];
            if o.cursor == 0 {
                break;
            }
            let raw = self.g.history_raw(o.node)[o.cursor as usize - 1];
            if FlowGraph::event(raw).leg < until {
                break;
            }
            if let Some(x) = self.cross(oi, &Packet::default()) {
                found.push(x);
            }
        }
    }

    fn schedule(&mut self, oi: usize) {
        let o = &self.origins[oi];
        if o.scheduled.is_some() || !o.has_interest() {
            return;
        }
        let raw = self.g.history_raw(o.node);
        let prev = raw[..o.cursor as usize]
            .iter()
            .rev()
            .map(|&r| FlowGraph::event(r))
            .find(|e| e.received);
        if let Some(e) = prev {
            let f = self.g.leg_flow(e.leg);
            self.origins[oi].scheduled = Some(f);
            self.heap.push(f);
        }
    }

    fn flow(&mut self, f: FlowIx) {
        let g = self.g;
        let asset = g.flow_asset(f);
        let outputs = g.outputs(f);
        let mut packets: Vec<(Units, Packet)> = outputs
            .clone()
            .map(|l| (g.leg_units(l), Packet::default()))
            .collect();
        let mut hop = u8::MAX;
        let mut walked = Vec::new();
        let mut found = Vec::new();
        for l in outputs.clone() {
            let node = g.leg_node(l);
            if let Some(&oi) = self.index.get(&node)
                && self.origins[oi].scheduled == Some(f)
            {
                self.origins[oi].scheduled = None;
                self.retreat(oi, outputs.start, &mut found);
                walked.push(oi);
            }
            if let Some((p, h)) = self.due.remove(&l) {
                packets[(l - outputs.start) as usize].1.join(p);
                hop = hop.min(h);
            }
        }
        for (l, p) in found {
            if outputs.contains(&l) {
                let node = g.leg_node(l);
                hop = hop.min(self.index.get(&node).map_or(0, |&oi| self.origins[oi].hop));
                packets[(l - outputs.start) as usize].1.join(p);
            } else {
                // A receipt of a flow the sweep has passed: cannot happen
                // while every holding with interest has its receipt queued.
                let lost = p.amounts(g.leg_units(l));
                add(
                    &mut self
                        .totals
                        .entry(g.flow_asset(g.leg_flow(l)))
                        .or_default()
                        .unknown,
                    lost,
                );
            }
        }
        if packets.iter().any(|(_, p)| !p.is_clean()) {
            let total_in: Units = g.inputs(f).map(|l| g.leg_units(l)).sum();
            let total_out: Units = packets.iter().map(|(a, _)| a).sum();
            packets.push((total_in.saturating_sub(total_out), Packet::default()));
            let ins: Vec<Units> = g.inputs(f).map(|l| g.leg_units(l)).collect();
            let mut back = Vec::new();
            split(&packets, &ins, &mut back);
            let hop = hop.saturating_add(1);
            let inputs = g.inputs(f);
            // Last input first: walking an address back over its sends in
            // this flow goes from its last leg to its first.
            for l in inputs.clone().rev() {
                let packet = std::mem::take(&mut back[(l - inputs.start) as usize]);
                if !packet.is_clean() {
                    self.supply(f, l, packet, hop, asset);
                }
            }
        }
        for oi in walked {
            self.schedule(oi);
        }
    }

    /// Passes the interest in sending leg `l`, which continues conversion
    /// `ci`, back to the conversion's receiving leg, at its rate.
    fn cross_back(&mut self, ci: usize, l: LegIx, packet: &Packet, far_hop: u8) {
        let g = self.g;
        let c = &g.conversions()[ci];
        let (f, from_flow) = (g.leg_flow(l), g.leg_flow(c.from));
        let (amount, asset) = (g.leg_units(l), g.flow_asset(f));
        let taint = packet.amounts(amount);
        let from_amount = g.leg_units(c.from);
        let p = packet.rescaled(amount, from_amount);
        add(
            &mut self.totals.entry(asset).or_default().converted_out,
            taint,
        );
        let from_asset = g.flow_asset(from_flow);
        add(
            &mut self.totals.entry(from_asset).or_default().converted_in,
            p.amounts(from_amount),
        );
        self.crossed.push((ci, taint, true));
        match self.due.get_mut(&c.from) {
            Some((q, h)) => {
                q.join(p);
                *h = (*h).min(far_hop);
            }
            None => {
                self.due.insert(c.from, (p, far_hop));
            }
        }
        self.heap.push(from_flow);
    }

    fn supply(&mut self, f: FlowIx, l: LegIx, packet: Packet, hop: u8, asset: AssetIx) {
        let g = self.g;
        let amount = g.leg_units(l);
        let taint = packet.amounts(amount);
        let node = g.leg_node(l);
        let service = self.services.service_of(g.node_address(node));
        let record = self.records.entry(node).or_insert(Record {
            hop,
            service,
            ..Record::default()
        });
        record.hop = record.hop.min(hop);
        add(&mut record.supplied, taint);
        if let Some((ci, c)) = g.conversion_to(l)
            && g.leg_flow(c.from) < f
        {
            if !super::crosses(g, self.services, c, node, self.options) {
                self.crossed.push((ci, taint, false));
            } else {
                match super::hop_across(c, hop, self.max_hops) {
                    Some(far_hop) => self.cross_back(ci, l, &packet, far_hop),
                    None => add(&mut self.totals.entry(asset).or_default().beyond, taint),
                }
                return;
            }
        }
        if service.is_some() {
            add(&mut self.totals.entry(asset).or_default().services, taint);
            return;
        }
        if hop >= self.max_hops {
            add(&mut self.totals.entry(asset).or_default().beyond, taint);
            return;
        }
        let oi = match self.index.get(&node) {
            Some(&oi) => oi,
            None => {
                let upto = position(g, node, l);
                self.origins
                    .push(Origin::prepare(g, node, upto, self.models));
                self.index.insert(node, self.origins.len() - 1);
                self.origins.len() - 1
            }
        };
        let mut found = Vec::new();
        self.retreat(oi, l + 1, &mut found);
        debug_assert!(found.is_empty());
        self.cross(oi, &packet);
        let o = &mut self.origins[oi];
        o.hop = o.hop.min(hop);
        self.schedule(oi);
    }
}

pub(super) fn trace(
    g: &FlowGraph,
    services: &ServiceIndex,
    seeds: &[ResolvedSeed],
    options: &TraceOptions,
) -> Trace {
    let models = options.models;
    let mut e = Engine {
        g,
        services,
        models,
        max_hops: options.max_hops,
        origins: Vec::new(),
        index: FxHashMap::default(),
        records: FxHashMap::default(),
        due: FxHashMap::default(),
        heap: BinaryHeap::new(),
        totals: FxHashMap::default(),
        crossed: Vec::new(),
        options,
    };
    let seed_leg = |e: &mut Engine, leg: LegIx, amount: Units| {
        let p = Packet::full(amount, models);
        let asset = g.flow_asset(g.leg_flow(leg));
        add(
            &mut e.totals.entry(asset).or_default().seeded,
            p.amounts(amount),
        );
        let record = e.records.entry(g.leg_node(leg)).or_default();
        record.service = services.service_of(g.node_address(g.leg_node(leg)));
        match e.due.get_mut(&leg) {
            Some((q, _)) => q.join(p),
            None => {
                e.due.insert(leg, (p, 0));
            }
        }
        e.heap.push(g.leg_flow(leg));
    };
    for seed in seeds {
        match *seed {
            ResolvedSeed::Leg { leg, amount } => seed_leg(&mut e, leg, amount),
            ResolvedSeed::Node { node, since } => {
                for ev in g.history(node) {
                    if ev.received && g.flow_micros(g.leg_flow(ev.leg)) >= since {
                        seed_leg(&mut e, ev.leg, g.leg_units(ev.leg));
                    }
                }
            }
        }
    }
    let mut last = None;
    while let Some(f) = e.heap.pop() {
        if last == Some(f) {
            continue;
        }
        last = Some(f);
        e.flow(f);
    }
    // Interest left when an address's history runs out: from before the data.
    for oi in 0..e.origins.len() {
        let mut found = Vec::new();
        e.retreat(oi, 0, &mut found);
        let o = &e.origins[oi];
        let asset = g.node_asset(o.node);
        let left = [0, o.haircut, 0, 0, 0];
        add(&mut e.totals.entry(asset).or_default().unknown, left);
        for (l, p) in found {
            let lost = p.amounts(g.leg_units(l));
            add(&mut e.totals.entry(asset).or_default().unknown, lost);
        }
    }
    report(g, services, &e, options)
}

fn report(g: &FlowGraph, services: &ServiceIndex, e: &Engine, options: &TraceOptions) -> Trace {
    let models = options.models;
    let mut totals: Vec<AssetTotals> = e
        .totals
        .iter()
        .map(|(&a, t)| {
            let m = |u: [Units; 5]| amounts(g, a, u, models);
            AssetTotals {
                asset: g.asset(a).clone(),
                network: g.asset(a).network,
                seeded: m(t.seeded),
                at_services: m(t.services),
                held: m(t.unknown),
                fees: m([0; 5]),
                beyond_limit: m(t.beyond),
                converted_out: m(t.converted_out),
                converted_in: m(t.converted_in),
            }
        })
        .collect();
    totals.sort_by(|a, b| a.asset.cmp(&b.asset));
    let mut per_service: PerService = FxHashMap::default();
    let mut addresses: Vec<AddressAmount> = e
        .records
        .iter()
        .filter(|(_, r)| r.supplied.iter().any(|&u| u > 0))
        .map(|(&node, r)| {
            let asset = g.node_asset(node);
            if let Some(s) = r.service {
                let entry = per_service.entry((s, asset)).or_default();
                add(&mut entry.0, r.supplied);
                entry.1 += 1;
            }
            let a = amounts(g, asset, r.supplied, models);
            AddressAmount {
                address: g.node_name(node).to_owned(),
                asset: g.asset(asset).clone(),
                hop: r.hop,
                service: r.service.map(|s| services.service(s).name.clone()),
                band: band(&a),
                amounts: a,
                held: Default::default(),
            }
        })
        .collect();
    sort_addresses(&mut addresses);
    let service_list = service_list(g, services, per_service, models);
    let crossings = e
        .crossed
        .iter()
        .map(|&(ci, u, followed)| {
            let asset = g.flow_asset(g.leg_flow(g.conversions()[ci].to));
            Crossing::new(g, ci, asset, u, models, followed)
        })
        .collect();
    Trace {
        direction: options.direction,
        models: models.iter().collect(),
        max_hops: options.max_hops,
        totals,
        services: service_list,
        addresses,
        freezable: Vec::new(),
        crossings,
        steps: Vec::new(),
        unordered_conversions: Vec::new(),
    }
}
