//! Bank laundering through mules: victims pay first-level mule accounts
//! (those the reports name), which gather a day or two of payments (fan-in)
//! and pass them on within hours (rapid pass-through) to second-level mules
//! (fan-out), keeping a cut; second-level mules pay OTC desks and
//! exchanges, or a collector who gathers from several of them first
//! (scatter-gather); now and then money goes round a cycle back to the
//! first mule. An exchange that takes a mule's deposit pays crypto out,
//! recorded as a conversion.
//!
//! Many mules also bank for themselves (a salary in, rent and shopping
//! out), as the real ones, recruited from ordinary account holders, do.

use cordon_finance::flow::ConversionKind;

use super::coin::{Chain, Coin, MICRO};
use super::ledger::{RawConversion, Role};
use super::net::{CYCLE, Level, Lot, MuleMark, Net, SCATTER_GATHER, WalletRole};
use crate::data::Tables;
use crate::report::wide_accounts;
use crate::world::{END, START};

/// The network's second-level mules and collectors, in order of first use.
#[derive(Debug, Default)]
struct Web {
    seconds: Vec<u32>,
    collectors: Vec<u32>,
}

impl Net<'_> {
    /// Launders every bank payment of the network.
    pub fn launder_bank(&mut self) {
        let mut arrivals: Vec<(u32, Coin, i64, usize, u128)> = Vec::new();
        for p in 0..self.payments.len() {
            let pay = &self.payments[p];
            if pay.coin.chain() != Chain::Bank {
                continue;
            }
            let (to, coin, time, units) = (pay.to, pay.coin, pay.time, pay.units);
            // A victim told to pay a laundering service's account pays an
            // OTC desk directly.
            if let Some(svc) = self.services.owner(self.book.addr(to)) {
                let lot = Lot {
                    addr: to,
                    coin,
                    units,
                    source: units,
                    hops: 0,
                    time,
                };
                self.arrive(lot, svc);
                self.settle(&[(p, units)]);
                continue;
            }
            arrivals.push((to, coin, time, p, units));
        }
        if arrivals.is_empty() {
            return;
        }
        arrivals.sort_by_key(|a| (a.0, a.1, a.2, a.3));
        let firsts = {
            let mut m: Vec<u32> = arrivals.iter().map(|a| a.0).collect();
            m.dedup();
            m.len()
        };
        let web = self.web(firsts);
        let mut batch: Vec<(u32, Coin, i64, usize, u128)> = Vec::new();
        for a in arrivals {
            let same = batch.first().is_some_and(|b| b.0 == a.0 && b.1 == a.1);
            if !batch.is_empty() && (!same || a.2 - batch[0].2 > 72 * 3_600 || batch.len() >= 12) {
                self.mule_batch(std::mem::take(&mut batch), &web);
            }
            batch.push(a);
        }
        if !batch.is_empty() {
            self.mule_batch(batch, &web);
        }
        self.everyday_banking();
    }

    /// Second-level mules and collectors, in the countries mules bank in.
    fn web(&mut self, firsts: usize) -> Web {
        let t = Tables::get();
        let countries: Vec<usize> = self
            .world
            .mule_countries
            .iter()
            .copied()
            .filter(|&c| wide_accounts(&t.countries[c]))
            .collect();
        let seconds = (firsts * 3 / 2).max(3);
        let mut web = Web::default();
        for _ in 0..seconds {
            let c = *self.dice.pick(&countries);
            web.seconds.push(self.account(c));
        }
        for _ in 0..(seconds / 5).max(1) {
            let c = *self.dice.pick(&countries);
            web.collectors.push(self.account(c));
        }
        web
    }

    fn mark(&mut self, addr: u32, level: Level, flags: u8, time: i64) {
        let m = self.mules.entry(addr).or_insert(MuleMark {
            level,
            flags: 0,
            first: time,
        });
        m.flags |= flags;
        m.first = m.first.min(time);
    }

    /// Picks from a web list near the point in time (mules are used for a
    /// while, then dropped).
    fn near(&mut self, list: &[u32], t: i64) -> u32 {
        let start = self.network().start;
        super::victims::rotate(list, start, t, &mut self.dice)
    }

    /// One first-level mule's batch: fan-in done, now fan-out.
    fn mule_batch(&mut self, batch: Vec<(u32, Coin, i64, usize, u128)>, web: &Web) {
        let first = batch[0].0;
        let units: u128 = batch.iter().map(|a| a.4).sum();
        let last = batch.iter().map(|a| a.2).max().unwrap_or(0);
        let contributions: Vec<(usize, u128)> = batch.iter().map(|a| (a.3, a.4)).collect();
        self.mark(first, Level::First, 0, batch[0].2);
        let lot = Lot {
            addr: first,
            coin: batch[0].1,
            units,
            source: units,
            hops: 0,
            time: last,
        };
        let commission = self.style.commission;
        let lot = self.keep(lot, commission);
        let k = if self.usd(&lot) < 3_000 * MICRO {
            1
        } else {
            2 + self.dice.index(3)
        };
        let mut targets: Vec<(u32, u128)> = Vec::new();
        for _ in 0..k * 2 {
            if targets.len() == k {
                break;
            }
            let s = self.near(&web.seconds, last);
            if !targets.iter().any(|t| t.0 == s) {
                targets.push((s, u128::from(self.dice.between(3, 10))));
            }
        }
        let delay = self.delay(3_600, 20 * 3_600);
        let spacing = self.delay(600, 5_400);
        let parts: Vec<Lot> = self
            .fan(lot, &targets, delay, spacing, Role::Launder)
            .into_iter()
            .flatten()
            .collect();
        let mut gathered = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            self.mark(part.addr, Level::Second, 0, part.time);
            let cut = self.dice.between(5, 30);
            let part = self.keep(part, cut);
            if i == 0 && web.seconds.len() >= 2 && self.dice.chance(40) {
                self.cycle(part, first, web);
                continue;
            }
            match self.dice.below(100) {
                0..=44 => self.bank_cash_out(part, true),
                45..=79 => self.bank_cash_out(part, false),
                _ => gathered.push(part),
            }
        }
        if !gathered.is_empty() {
            let t = gathered.iter().map(|l| l.time).max().unwrap_or(last);
            let collector = self.near(&web.collectors, t);
            let spread = gathered.len() >= 2;
            let delay = self.delay(2 * 3_600, 24 * 3_600);
            if let Some(c) = self.gather(gathered, collector, delay, Role::Launder) {
                let flags = if spread { SCATTER_GATHER } else { 0 };
                self.mark(collector, Level::Collector, flags, c.time);
                if spread {
                    self.mark(first, Level::First, SCATTER_GATHER, last);
                }
                let cut = self.dice.between(5, 20);
                let c = self.keep(c, cut);
                let desk = self.dice.chance(500);
                self.bank_cash_out(c, desk);
            }
        }
        self.settle(&contributions);
    }

    /// Round a cycle: second-level mule → another → back to the first
    /// mule, which then pays it out.
    fn cycle(&mut self, part: Lot, first: u32, web: &Web) {
        let a = part.addr;
        let mut b = self.near(&web.seconds, part.time);
        if b == a {
            b = web.seconds
                [(web.seconds.iter().position(|&s| s == a).unwrap_or(0) + 1) % web.seconds.len()];
        }
        let d1 = self.delay(2 * 3_600, 30 * 3_600);
        let Some(l) = self.send(part, b, d1, Role::Launder) else {
            return;
        };
        self.mark(b, Level::Second, 0, l.time);
        let d2 = self.delay(2 * 3_600, 30 * 3_600);
        let Some(back) = self.send(l, first, d2, Role::Launder) else {
            return;
        };
        for m in [first, a, b] {
            self.mark(m, Level::Second, CYCLE, back.time);
        }
        let desk = self.dice.chance(500);
        self.bank_cash_out(back, desk);
    }

    /// Pays a lot to an OTC desk's account, or to an exchange's
    /// client-funds account, which then pays crypto out to the network
    /// (a conversion) and the network moves it on to a desk.
    fn bank_cash_out(&mut self, lot: Lot, desk: bool) {
        let delay = self.delay(2 * 3_600, 36 * 3_600);
        if desk {
            let d = *self.dice.pick(&self.style.desks);
            let addr = self.desk_address(d, Chain::Bank);
            if let Some(a) = self.send(lot, addr, delay, Role::CashOut) {
                self.arrive(a, d);
            }
            return;
        }
        let services = self.services;
        let e = *self.dice.pick(&self.style.exchanges);
        let fiat = services.list[e].own[Chain::Bank.index()].clone();
        let fiat = self.book.named(&fiat[self.dice.index(fiat.len())]);
        let Some(a) = self.send(lot, fiat, delay, Role::CashOut) else {
            return;
        };
        let fin = self.book.flows.len() as u32 - 1;
        self.arrive(a, e);
        let t = a.time + self.delay(2 * 3_600, 2 * 86_400);
        if t >= END {
            return;
        }
        let usdt = a.coin.convert(a.units, Coin::UsdtTron, t, 10);
        if usdt == 0 {
            return;
        }
        let hot = self.book.named(services.list[e].main(Chain::Tron));
        let w = self.wallet(Chain::Tron, WalletRole::ExchangeWithdrawal);
        let fout = self.book.flow(
            Coin::UsdtTron,
            t,
            Role::Service,
            &[(hot, usdt)],
            &[(w, usdt)],
            0,
        );
        self.book.conversions.push(RawConversion {
            kind: ConversionKind::Exchange,
            from: (fin, fiat),
            to: (fout, hot),
            evidence: "exchange's account statement",
        });
        let t2 = t + self.delay(3_600, 3 * 86_400);
        if t2 < END {
            let d = *self.dice.pick(&self.style.desks);
            let addr = self.desk_address(d, Chain::Tron);
            self.book.flow(
                Coin::UsdtTron,
                t2,
                Role::Onward,
                &[(w, usdt)],
                &[(addr, usdt)],
                0,
            );
        }
    }

    /// Mules' own banking: three in ten have a salary coming in and rent
    /// and shopping going out, around the months they were used.
    fn everyday_banking(&mut self) {
        let t = Tables::get();
        let mules: Vec<(u32, i64)> = self.mules.iter().map(|(&a, m)| (a, m.first)).collect();
        for (mule, first) in mules {
            if !self.dice.chance(300) {
                continue;
            }
            let Some(country) = t.country(&self.book.addr(mule)[5..7]) else {
                continue;
            };
            let coin = Coin::fiat_of_country(country);
            let employer = self.account(country);
            let landlord = self.account(country);
            let shop = self.account(country);
            let salary_usd = u128::from(self.dice.between(600, 2_500)) * MICRO;
            let start = (first - self.delay(30, 180) * 86_400).max(START);
            for month in 0..self.dice.between(3, 12) as i64 {
                let payday = start + month * 30 * 86_400;
                if payday >= END {
                    break;
                }
                let salary = coin.units_for_usd(salary_usd, payday).max(100);
                self.book.flow(
                    coin,
                    payday,
                    Role::Background,
                    &[(employer, salary)],
                    &[(mule, salary)],
                    0,
                );
                for (to, share) in [(landlord, 30), (shop, 12)] {
                    let at = payday + self.delay(86_400, 20 * 86_400);
                    if at < END {
                        let amount = salary * share / 100;
                        self.book.flow(
                            coin,
                            at,
                            Role::Background,
                            &[(mule, amount)],
                            &[(to, amount)],
                            0,
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::net::End;

    #[test]
    fn end_order_puts_services_first() {
        assert!(End::Service { svc: 0, hops: 9 } < End::Remaining);
        assert!(End::Remaining < End::Fee);
    }
}
