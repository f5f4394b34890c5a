//! How one flow passes taint from its inputs to its outputs, per model.
//!
//! A flow's inputs are spent at one moment; their order in time is not
//! known, only their order in the transaction. The rules:
//!
//! - **poison**: if any input is tainted, every output is wholly tainted.
//! - **haircut**: output `j` gets `⌊T × oⱼ / I⌋`, where `T` is the inputs'
//!   taint and `I` their total: every unit of the flow is equally tainted.
//! - **FIFO** and **LIFO**: the inputs are laid end to end in input order,
//!   the outputs in output order, the fee last (the convention of Anderson
//!   et al., "Bitcoin Redux", 2016); output `j` carries the tainted
//!   stretches that fall on its own stretch. (FIFO and LIFO differ at
//!   addresses, in which of the balance's value a send takes.)
//! - **TIHO** (taint in, highest out): the inputs' taint goes to the
//!   largest outputs first, each filled up to its amount (ties in output
//!   order), then to the fee.
//!
//! What no output gets is the fee's share (plus, for haircut, the units
//! lost to rounding down): it leaves the trace.

use super::tape::{Tape, rescale, slice, tainted};
use crate::graph::{Units, mul_div_floor};

/// The taint one leg carries, per model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Packet {
    pub poison: bool,
    pub haircut: Units,
    pub tiho: Units,
    pub fifo: Tape,
    pub lifo: Tape,
}

impl Packet {
    /// The same taint on a leg of `to` units instead of `from`: across a
    /// conversion, at its rate (rounded down, as everywhere).
    pub(crate) fn rescaled(&self, from: Units, to: Units) -> Packet {
        let scale = |u: Units| mul_div_floor(u, to, from);
        Packet {
            poison: self.poison,
            haircut: scale(self.haircut),
            tiho: scale(self.tiho),
            fifo: rescale(&self.fifo, from, to),
            lifo: rescale(&self.lifo, from, to),
        }
    }

    /// A leg of `amount` units wholly tainted, in every model asked for.
    pub(crate) fn full(amount: Units, models: super::Models) -> Packet {
        let tape = if amount > 0 {
            vec![(0, amount)]
        } else {
            Vec::new()
        };
        Packet {
            poison: models.poison(),
            haircut: if models.haircut() { amount } else { 0 },
            tiho: if models.tiho() { amount } else { 0 },
            fifo: if models.fifo() {
                tape.clone()
            } else {
                Vec::new()
            },
            lifo: if models.lifo() { tape } else { Vec::new() },
        }
    }

    pub(crate) fn is_clean(&self) -> bool {
        !self.poison
            && self.haircut == 0
            && self.tiho == 0
            && self.fifo.is_empty()
            && self.lifo.is_empty()
    }

    /// The tainted amount per model, [`super::Model`] order, for a leg of
    /// `amount` units (poison counts the whole leg).
    pub(crate) fn amounts(&self, amount: Units) -> [Units; 5] {
        [
            if self.poison { amount } else { 0 },
            self.haircut,
            tainted(&self.fifo),
            tainted(&self.lifo),
            self.tiho,
        ]
    }

    /// What to rank inputs by when choosing the one to show as evidence.
    pub(crate) fn weight(&self) -> Units {
        let a = self
            .haircut
            .max(self.tiho)
            .max(tainted(&self.fifo))
            .max(tainted(&self.lifo));
        if a == 0 && self.poison { 1 } else { a }
    }

    /// Keeps the larger taint of two claims on one leg (a seeded leg the
    /// trace also reaches): never their sum, which could exceed the leg.
    pub(crate) fn join(&mut self, other: Packet) {
        self.poison |= other.poison;
        self.haircut = self.haircut.max(other.haircut);
        self.tiho = self.tiho.max(other.tiho);
        if tainted(&other.fifo) > tainted(&self.fifo) {
            self.fifo = other.fifo;
        }
        if tainted(&other.lifo) > tainted(&self.lifo) {
            self.lifo = other.lifo;
        }
    }
}

/// The outputs' packets of a flow whose inputs carry `inputs` (amount and
/// packet per input leg) and whose outputs are `outputs` (amounts).
pub(crate) fn split(inputs: &[(Units, Packet)], outputs: &[Units], out: &mut Vec<Packet>) {
    out.clear();
    // An account transfer passes its one packet on whole.
    if let ([(a, p)], [o]) = (inputs, outputs)
        && a == o
    {
        out.push(p.clone());
        return;
    }
    out.resize(outputs.len(), Packet::default());
    let total_in: Units = inputs.iter().map(|(a, _)| a).sum();
    if total_in == 0 {
        return;
    }
    let poison = inputs.iter().any(|(_, p)| p.poison);
    let haircut: Units = inputs.iter().map(|(_, p)| p.haircut).sum();
    let tiho: Units = inputs.iter().map(|(_, p)| p.tiho).sum();
    for (j, &o) in outputs.iter().enumerate() {
        out[j].poison = poison;
        if haircut > 0 {
            out[j].haircut = mul_div_floor(haircut, o, total_in);
        }
    }
    if tiho > 0 {
        let mut order: Vec<usize> = (0..outputs.len()).collect();
        order.sort_by(|&a, &b| outputs[b].cmp(&outputs[a]));
        let mut left = tiho;
        for j in order {
            let n = left.min(outputs[j]);
            out[j].tiho = n;
            left -= n;
            if left == 0 {
                break;
            }
        }
    }
    for lifo in [false, true] {
        fn tape_of(p: &Packet, lifo: bool) -> &Tape {
            if lifo { &p.lifo } else { &p.fifo }
        }
        if inputs.iter().all(|(_, p)| tape_of(p, lifo).is_empty()) {
            continue;
        }
        let mut line: Tape = Vec::new();
        let mut at = 0;
        for (a, p) in inputs {
            for &(s, e) in tape_of(p, lifo) {
                super::tape::push_interval(&mut line, at + s, at + e);
            }
            at += a;
        }
        let mut at = 0;
        for (j, &o) in outputs.iter().enumerate() {
            let mut tape = Tape::new();
            slice(&line, at, at + o, &mut tape);
            if lifo {
                out[j].lifo = tape;
            } else {
                out[j].fifo = tape;
            }
            at += o;
        }
    }
}
