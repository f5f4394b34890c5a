//! Where in an amount the tainted value sits, for the order-keeping models
//! (FIFO, LIFO): a leg's tape, and a holding's queue of value in the order
//! it arrived.
//!
//! A [`Tape`] lists the tainted stretches of one leg's amount as sorted,
//! disjoint `[start, end)` intervals of base units (empty: all clean). A
//! [`Queue`] is a holding's whole balance as runs of clean and tainted
//! value, oldest first; FIFO sends from its front, LIFO from its back.

use std::collections::VecDeque;

use crate::graph::{Units, mul_div_floor};

/// Tainted intervals of one amount, sorted and disjoint.
pub(crate) type Tape = Vec<(Units, Units)>;

pub(crate) fn tainted(tape: &Tape) -> Units {
    tape.iter().map(|(s, e)| e - s).sum()
}

/// The part of `tape` inside `[lo, hi)`, shifted to start at 0.
pub(crate) fn slice(tape: &[(Units, Units)], lo: Units, hi: Units, out: &mut Tape) {
    for &(s, e) in tape {
        if e <= lo {
            continue;
        }
        if s >= hi {
            break;
        }
        out.push((s.max(lo) - lo, e.min(hi) - lo));
    }
}

/// `tape` of an amount `from` stretched onto an amount `to` (a conversion
/// at its rate), rounding down.
pub(crate) fn rescale(tape: &Tape, from: Units, to: Units) -> Tape {
    let mut out: Tape = Vec::with_capacity(tape.len());
    for &(s, e) in tape {
        let (s, e) = (mul_div_floor(s, to, from), mul_div_floor(e, to, from));
        if e > s {
            out.push((s, e));
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    len: Units,
    tainted: bool,
}

/// A holding's balance in arrival order, as runs of clean and tainted value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Queue {
    runs: VecDeque<Run>,
    tainted: Units,
}

impl Queue {
    pub(crate) fn tainted(&self) -> Units {
        self.tainted
    }

    fn push(&mut self, len: Units, tainted: bool) {
        if len == 0 {
            return;
        }
        if tainted {
            self.tainted += len;
        }
        match self.runs.back_mut() {
            Some(r) if r.tainted == tainted => r.len += len,
            _ => self.runs.push_back(Run { len, tainted }),
        }
    }

    /// Value received: `amount` units whose tainted stretches are `tape`.
    pub(crate) fn receive(&mut self, amount: Units, tape: &[(Units, Units)]) {
        let mut at = 0;
        for &(s, e) in tape {
            self.push(s - at, false);
            self.push(e - s, true);
            at = e;
        }
        self.push(amount - at, false);
    }

    /// Clean value older than anything held (funds from before the data).
    pub(crate) fn prepend_clean(&mut self, len: Units) {
        if len == 0 {
            return;
        }
        match self.runs.front_mut() {
            Some(r) if !r.tainted => r.len += len,
            _ => self.runs.push_front(Run {
                len,
                tainted: false,
            }),
        }
    }

    /// FIFO: the oldest `amount` units leave; their tape.
    pub(crate) fn take_front(&mut self, mut amount: Units) -> Tape {
        let mut tape = Tape::new();
        let mut at = 0;
        while amount > 0 {
            let Some(r) = self.runs.front_mut() else {
                break;
            };
            let n = r.len.min(amount);
            if r.tainted {
                push_interval(&mut tape, at, at + n);
                self.tainted -= n;
            }
            r.len -= n;
            if r.len == 0 {
                self.runs.pop_front();
            }
            at += n;
            amount -= n;
        }
        tape
    }

    /// LIFO: the newest `amount` units leave; their tape, in arrival order.
    pub(crate) fn take_back(&mut self, amount: Units) -> Tape {
        // Taken newest first, then laid out oldest first.
        let mut pieces: Vec<Run> = Vec::new();
        let mut left = amount;
        while left > 0 {
            let Some(r) = self.runs.back_mut() else {
                break;
            };
            let n = r.len.min(left);
            if r.tainted {
                self.tainted -= n;
            }
            pieces.push(Run {
                len: n,
                tainted: r.tainted,
            });
            r.len -= n;
            if r.len == 0 {
                self.runs.pop_back();
            }
            left -= n;
        }
        let mut tape = Tape::new();
        let mut at = 0;
        for p in pieces.iter().rev() {
            if p.tainted {
                push_interval(&mut tape, at, at + p.len);
            }
            at += p.len;
        }
        tape
    }
}

/// Appends `[s, e)`, joining it to the last interval when they touch.
pub(crate) fn push_interval(tape: &mut Tape, s: Units, e: Units) {
    if e <= s {
        return;
    }
    match tape.last_mut() {
        Some(last) if last.1 == s => last.1 = e,
        _ => tape.push((s, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_takes_the_oldest_and_lifo_the_newest() {
        let mut q = Queue::default();
        q.receive(10, &[]);
        q.receive(5, &[(0, 5)]);
        q.receive(10, &[(2, 4)]);
        assert_eq!(q.tainted(), 7);
        let mut fifo = q.clone();
        assert_eq!(fifo.take_front(12), vec![(10, 12)]);
        assert_eq!(fifo.tainted(), 5);
        let mut lifo = q.clone();
        // The newest 12 units: the last 2 of the 5 (tainted) then the 10.
        assert_eq!(lifo.take_back(12), vec![(0, 2), (4, 6)]);
        assert_eq!(lifo.tainted(), 3);
    }

    #[test]
    fn slices_and_rescaling_keep_positions() {
        let mut out = Tape::new();
        slice(&[(2, 6), (8, 10)], 4, 9, &mut out);
        assert_eq!(out, vec![(0, 2), (4, 5)]);
        assert_eq!(rescale(&vec![(0, 50)], 100, 300), vec![(0, 150)]);
    }
}
