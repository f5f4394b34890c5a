//! Crypto laundering: victims' deposit addresses swept into the network's
//! collection wallets (co-spent on Bitcoin), batches laundered through
//! hops, splits to many wallets and re-merges, peel chains, swaps and
//! bridges, to exchanges' deposit addresses and OTC desks.

use std::collections::BTreeSet;

use super::coin::{Chain, Coin, MICRO, split_exact};
use super::ledger::Role;
use super::net::{End, Lot, Net, WalletRole};
use crate::world::END;

/// A payment's value arrived in a collection wallet.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    wallet: u32,
    coin: Coin,
    time: i64,
    payment: usize,
    units: u128,
}

#[derive(Debug, Clone, Copy)]
enum Move {
    Hop,
    Split,
    SplitMerge,
    Swap,
    Bridge,
    Desk,
    Peel,
    CashOut,
}

const TRON_USDT: &[(Move, u64)] = &[
    (Move::Hop, 30),
    (Move::SplitMerge, 14),
    (Move::Split, 12),
    (Move::Swap, 10),
    (Move::Bridge, 8),
    (Move::Desk, 8),
    (Move::CashOut, 18),
];
const ETH_USDT: &[(Move, u64)] = &[
    (Move::Hop, 30),
    (Move::SplitMerge, 14),
    (Move::Split, 10),
    (Move::Swap, 14),
    (Move::Desk, 4),
    (Move::CashOut, 28),
];
const NATIVE: &[(Move, u64)] = &[(Move::Hop, 40), (Move::Split, 20), (Move::CashOut, 40)];
const BTC_PEEL: &[(Move, u64)] = &[
    (Move::Peel, 60),
    (Move::Hop, 15),
    (Move::Split, 10),
    (Move::CashOut, 15),
];
const BTC_PLAIN: &[(Move, u64)] = &[
    (Move::Hop, 40),
    (Move::Split, 20),
    (Move::SplitMerge, 15),
    (Move::CashOut, 25),
];

impl Net<'_> {
    /// Launders every crypto payment of the network.
    pub fn launder_crypto(&mut self) {
        let arrivals = self.sweep();
        self.batches(arrivals);
    }

    /// Moves each payment from its deposit address into a collection
    /// wallet within hours. The value that arrives is the payment's
    /// contribution to a batch; fees and what never moved are its own.
    fn sweep(&mut self) -> Vec<Arrival> {
        let mut arrivals = Vec::new();
        let mut btc: Vec<(u32, i64, usize)> = Vec::new();
        let mut extra: [Vec<u32>; 3] = Default::default();
        let mut used = BTreeSet::new();
        for p in 0..self.payments.len() {
            let (coin, to, units, time, hint) = {
                let pay = &self.payments[p];
                (pay.coin, pay.to, pay.units, pay.time, pay.wallet)
            };
            if coin.chain() == Chain::Bank {
                continue;
            }
            let wallet = self.collection(coin.chain(), time, hint, &mut extra);
            used.insert(wallet);
            let delay = self.delay(300, 30 * 3_600);
            if coin.is_utxo() {
                btc.push((wallet, time + delay, p));
                continue;
            }
            let lot = Lot {
                addr: to,
                coin,
                units,
                source: units,
                hops: 0,
                time,
            };
            let arrived = self.send(lot, wallet, delay, Role::Launder);
            self.settle_alone(p);
            if let Some(l) = arrived {
                arrivals.push(Arrival {
                    wallet,
                    coin,
                    time: l.time,
                    payment: p,
                    units: l.units,
                });
            }
        }
        // Bitcoin deposit addresses are swept together, a day's at a time.
        btc.sort_by_key(|&(w, t, p)| (w, t, p));
        let mut i = 0;
        while i < btc.len() {
            let (w, t0, _) = btc[i];
            let mut j = i + 1;
            while j < btc.len() && btc[j].0 == w && btc[j].1 - t0 <= 86_400 && j - i < 20 {
                j += 1;
            }
            let group: Vec<(usize, u128)> = btc[i..j]
                .iter()
                .map(|&(_, _, p)| (p, self.payments[p].units))
                .collect();
            let lots: Vec<Lot> = btc[i..j]
                .iter()
                .map(|&(_, t, p)| Lot {
                    addr: self.payments[p].to,
                    coin: Coin::Btc,
                    units: self.payments[p].units,
                    source: self.payments[p].units,
                    hops: 0,
                    time: t,
                })
                .collect();
            let gathered = self.gather(lots, w, 0, Role::Launder);
            self.take_ends();
            match gathered {
                Some(l) => {
                    let total: u128 = group.iter().map(|g| g.1).sum();
                    let weights: Vec<u128> = group.iter().map(|g| g.1).collect();
                    let fees = split_exact(total - l.units, &weights);
                    for (&(p, units), fee) in group.iter().zip(fees) {
                        self.credit(p, End::Fee, fee);
                        arrivals.push(Arrival {
                            wallet: w,
                            coin: Coin::Btc,
                            time: l.time,
                            payment: p,
                            units: units - fee,
                        });
                    }
                }
                None => {
                    for &(p, units) in &group {
                        self.credit(p, End::Remaining, units);
                    }
                }
            }
            i = j;
        }
        for w in used {
            self.wallets.push((w, WalletRole::Collection, None));
        }
        arrivals
    }

    /// The ends recorded so far belong to payment `p` alone.
    fn settle_alone(&mut self, p: usize) {
        for (end, value) in self.take_ends() {
            self.credit(p, end, value);
        }
    }

    /// The collection wallet on `chain` at time `t`: the one the report
    /// names, else the network's wallets in rotation, else a new one.
    fn collection(
        &mut self,
        chain: Chain,
        t: i64,
        hint: Option<u32>,
        extra: &mut [Vec<u32>; 3],
    ) -> u32 {
        if let Some(w) = hint {
            return w;
        }
        let net = self.network();
        let pool: Vec<u32> = net
            .pools
            .wallets
            .iter()
            .copied()
            .filter(|&e| Chain::of(&self.world.entries[e as usize].canonical) == chain)
            .collect();
        if !pool.is_empty() {
            // One wallet per chain at a time, replaced as the period goes.
            let span = (END - net.start).max(1);
            let i = ((t - net.start).clamp(0, span) as i128 * pool.len() as i128 / span as i128)
                as usize;
            let e = pool[i.min(pool.len() - 1)];
            let text = self.world.entries[e as usize].canonical.clone();
            return self.book.named(&text);
        }
        let list = &mut extra[chain.index()];
        if list.is_empty() {
            for _ in 0..1 + self.dice.below(2) {
                let text = super::ledger::crypto_address(&mut self.dice, chain);
                list.push(self.book.fresh(&text));
            }
        }
        list[self.dice.index(list.len())]
    }

    /// Cuts each collection wallet's arrivals into batches (enough value,
    /// or waited long enough) and launders each.
    fn batches(&mut self, mut arrivals: Vec<Arrival>) {
        arrivals.sort_by_key(|a| (a.wallet, a.coin, a.time, a.payment));
        let mut batch: Vec<Arrival> = Vec::new();
        for a in arrivals {
            let same = batch
                .first()
                .is_some_and(|b| b.wallet == a.wallet && b.coin == a.coin);
            if !batch.is_empty() && (!same || a.time - batch[0].time > self.style.max_wait) {
                self.launch(std::mem::take(&mut batch));
            }
            batch.push(a);
            let units: u128 = batch.iter().map(|b| b.units).sum();
            if a.coin.usd(units, a.time) >= self.style.threshold {
                self.launch(std::mem::take(&mut batch));
            }
        }
        if !batch.is_empty() {
            self.launch(batch);
        }
    }

    fn launch(&mut self, batch: Vec<Arrival>) {
        let last = batch.iter().map(|a| a.time).max().unwrap_or(0);
        let units: u128 = batch.iter().map(|a| a.units).sum();
        let lot = Lot {
            addr: batch[0].wallet,
            coin: batch[0].coin,
            units,
            source: units,
            hops: 1,
            time: last,
        };
        let contributions: Vec<(usize, u128)> =
            batch.iter().map(|a| (a.payment, a.units)).collect();
        // The hop at which the batch's value reaches services, at most:
        // within five for nearly all, much further for a few.
        let limit = match self.dice.below(100) {
            0..=19 => 2,
            20..=54 => 3,
            55..=79 => 4,
            80..=95 => 5,
            _ => self.dice.between(6, 10) as u8,
        };
        self.route(lot, limit);
        self.settle(&contributions);
    }

    /// Moves a lot on; it reaches services by hop `limit`.
    fn route(&mut self, lot: Lot, limit: u8) {
        // Moves left before the flow that cashes out.
        let room = limit.saturating_sub(lot.hops.saturating_add(1));
        if room == 0 || self.usd(&lot) < 500 * MICRO {
            return self.cash_out_split(lot);
        }
        let table = match lot.coin {
            Coin::UsdtTron => TRON_USDT,
            Coin::UsdtEth => ETH_USDT,
            Coin::Btc if self.style.peel => BTC_PEEL,
            Coin::Btc => BTC_PLAIN,
            _ => NATIVE,
        };
        let total: u64 = table.iter().map(|m| m.1).sum();
        let mut x = self.dice.below(total);
        let mut choice = Move::CashOut;
        for &(m, w) in table {
            if x < w {
                choice = m;
                break;
            }
            x -= w;
        }
        if matches!(choice, Move::SplitMerge) && room < 2 {
            choice = Move::Hop;
        }
        let chain = lot.coin.chain();
        match choice {
            Move::Hop => {
                let w = self.wallet(chain, WalletRole::Hop);
                let delay = self.crypto_delay();
                if let Some(l) = self.send(lot, w, delay, Role::Launder) {
                    self.route(l, limit);
                }
            }
            Move::Split => {
                let k = 2 + self.dice.below(3) as usize;
                for l in self.split(lot, k).into_iter().flatten() {
                    self.route(l, limit);
                }
            }
            Move::SplitMerge => {
                let k = 3 + self.dice.below(6) as usize;
                let mut parts = Vec::new();
                for l in self.split(lot, k).into_iter().flatten() {
                    if room >= 3 && self.dice.chance(500) {
                        let w = self.wallet(chain, WalletRole::Hop);
                        let delay = self.crypto_delay();
                        parts.extend(self.send(l, w, delay, Role::Launder));
                    } else {
                        parts.push(l);
                    }
                }
                let merge = self.wallet(chain, WalletRole::Merge);
                let delay = self.crypto_delay();
                if let Some(m) = self.gather(parts, merge, delay, Role::Launder) {
                    self.route(m, limit);
                }
            }
            Move::Swap => {
                let to = if chain == Chain::Tron {
                    Coin::Trx
                } else {
                    Coin::Eth
                };
                if let Some(l) = self.swap(lot, to) {
                    self.route(l, limit);
                }
            }
            Move::Bridge => {
                if let Some(l) = self.bridge(lot) {
                    self.route(l, limit);
                }
            }
            Move::Desk => {
                let desk = *self.dice.pick(&self.style.desks);
                let addr = self.desk_address(desk, chain);
                self.cash_out(lot, desk, addr);
            }
            Move::Peel => self.peel(lot, limit),
            Move::CashOut => self.cash_out_split(lot),
        }
    }

    /// Splits a lot over `k` new wallets, unevenly.
    fn split(&mut self, lot: Lot, k: usize) -> Vec<Option<Lot>> {
        let chain = lot.coin.chain();
        let targets: Vec<(u32, u128)> = (0..k)
            .map(|_| {
                let w = self.wallet(chain, WalletRole::Split);
                (w, u128::from(self.dice.between(3, 12)))
            })
            .collect();
        let delay = self.crypto_delay();
        let spacing = self.delay(60, 900);
        self.fan(lot, &targets, delay, spacing, Role::Launder)
    }

    /// A peel chain: each transaction peels a small part off to an
    /// exchange (or a desk, or a wallet that cashes out later) and sends
    /// the change to a new address, again and again.
    fn peel(&mut self, lot: Lot, limit: u8) {
        let n = self.dice.between(3, 10);
        let mut cur = lot;
        for _ in 0..n {
            if self.usd(&cur) < 1_000 * MICRO || cur.hops.saturating_add(1) >= limit {
                break;
            }
            let room = limit - cur.hops - 1;
            let pct = u128::from(self.dice.between(4, 20));
            let (dest, svc) = match self.dice.below(100) {
                0..=74 => {
                    let e = *self.dice.pick(&self.style.exchanges);
                    (self.deposit_at(e, Chain::Bitcoin), Some(e))
                }
                75..=84 => {
                    let d = *self.dice.pick(&self.style.desks);
                    (self.desk_address(d, Chain::Bitcoin), Some(d))
                }
                _ if room >= 2 => (self.wallet(Chain::Bitcoin, WalletRole::Hop), None),
                _ => {
                    let e = *self.dice.pick(&self.style.exchanges);
                    (self.deposit_at(e, Chain::Bitcoin), Some(e))
                }
            };
            let change = self.wallet(Chain::Bitcoin, WalletRole::Peel);
            let role = if svc.is_some() {
                Role::CashOut
            } else {
                Role::Launder
            };
            let delay = self.delay(600, 6 * 3_600);
            let parts = self.fan(cur, &[(dest, pct), (change, 100 - pct)], delay, 0, role);
            match (parts[0], parts[1]) {
                (Some(peeled), Some(rest)) => {
                    match svc {
                        Some(s) => self.arrive(peeled, s),
                        None => self.route(peeled, limit),
                    }
                    cur = rest;
                }
                _ => return,
            }
        }
        self.cash_out_split(cur);
    }

    /// Cashes a lot out at one to three of the network's exchanges and
    /// desks; now and then a little stays behind.
    fn cash_out_split(&mut self, lot: Lot) {
        let lot = if self.dice.chance(80) {
            let cut = self.dice.between(5, 30);
            self.keep(lot, cut)
        } else {
            lot
        };
        let chain = lot.coin.chain();
        let n = if self.usd(&lot) < 20_000 * MICRO {
            1
        } else {
            match self.dice.below(100) {
                0..=49 => 1,
                50..=84 => 2,
                _ => 3,
            }
        };
        let dests: Vec<(u32, usize)> = (0..n)
            .map(|_| {
                if lot.coin.is_token() && self.dice.chance(200) {
                    let d = *self.dice.pick(&self.style.desks);
                    (self.desk_address(d, chain), d)
                } else {
                    let e = *self.dice.pick(&self.style.exchanges);
                    (self.deposit_at(e, chain), e)
                }
            })
            .collect();
        if n == 1 {
            let (addr, svc) = dests[0];
            return self.cash_out(lot, svc, addr);
        }
        let targets: Vec<(u32, u128)> = dests
            .iter()
            .map(|&(a, _)| (a, u128::from(self.dice.between(2, 10))))
            .collect();
        let delay = self.crypto_delay();
        let spacing = self.delay(300, 3_600);
        let parts = self.fan(lot, &targets, delay, spacing, Role::CashOut);
        for (part, &(_, svc)) in parts.into_iter().zip(&dests) {
            if let Some(l) = part {
                self.arrive(l, svc);
            }
        }
    }
}
