//! Victims' payments: the reported victims' exactly as their reports say
//! (the deposit addresses listed, the mule account named, the loss
//! stated), and as many again unreported, with heavy-tailed amounts.
//!
//! A crypto victim pays from an exchange (a withdrawal straight to the
//! scam's deposit address) or from a wallet of their own that an exchange
//! funded first; amounts escalate over weeks, as in pig-butchering. A bank
//! victim pays a mule account one to three times.

use super::Paid;
use super::PaidTo;
use super::coin::{Chain, Coin, MICRO, split_exact};
use super::ledger::{Role, crypto_address};
use super::net::{Net, Payment};
use crate::data::Tables;
use crate::dice::{Dice, Weighted};
use crate::report::wide_accounts;
use crate::world::{END, START};

impl Net<'_> {
    /// The payments behind one report.
    pub fn reported(&mut self, paid: &Paid) {
        match &paid.to {
            PaidTo::Crypto {
                coin,
                deposits,
                wallet,
            } => {
                let deposits: Vec<u32> = deposits.iter().map(|d| self.book.fresh(d)).collect();
                // Some reported deposit addresses are in public abuse
                // databases by now: an investigator holds those tags.
                for &d in &deposits {
                    if self.dice.chance(150) {
                        self.book
                            .tag(d, "reported scam deposit", "scam_deposit", 50);
                    }
                }
                let wallet = wallet.map(|e| {
                    let text = self.world.entries[e as usize].canonical.clone();
                    self.book.named(&text)
                });
                let usd = u128::from(paid.cents) * super::coin::fx(&paid.currency) / 100;
                self.crypto_victim(Some(&paid.report), *coin, &deposits, usd, paid.time, wallet);
            }
            PaidTo::Bank { account } => {
                let text = self.world.entries[*account as usize].canonical.clone();
                let to = self.book.named(&text);
                let coin = Coin::fiat_of_country(paid.country as usize);
                let k = 1 + self.dice.below(3) as usize;
                self.bank_victim(
                    Some(&paid.report),
                    paid.country as usize,
                    coin,
                    to,
                    u128::from(paid.cents),
                    k,
                    paid.time,
                );
            }
        }
    }

    /// Victims who never reported, paying within `window`.
    pub fn unreported(&mut self, count: usize, window: (i64, i64)) {
        let net = self.network();
        for _ in 0..count {
            let t = window.0 + self.dice.below((window.1 - window.0) as u64) as i64;
            let country = net.targets[net.target_table.draw(&mut self.dice)];
            let usd = loss_usd(&mut self.dice);
            let k = 1 + self.dice.below(4) as usize;
            if self.dice.chance(250) {
                let p = &net.pools;
                let entry = if !p.laundering.is_empty() && self.dice.chance(50) {
                    *self.dice.pick(&p.laundering)
                } else {
                    rotate(&p.mules, net.start, t, &mut self.dice)
                };
                let text = self.world.entries[entry as usize].canonical.clone();
                let to = self.book.named(&text);
                let coin = Coin::fiat_of_country(country);
                let cents = super::coin::mul_div(usd, 100, coin.price(t)).max(100);
                self.bank_victim(None, country, coin, to, cents, k, t);
                continue;
            }
            let coin = match self.dice.below(100) {
                0..=69 => Coin::UsdtTron,
                70..=81 => Coin::UsdtEth,
                82..=91 => Coin::Btc,
                _ => Coin::Eth,
            };
            let deposits: Vec<u32> = (0..k)
                .map(|_| {
                    let text = crypto_address(&mut self.dice, coin.chain());
                    self.book.fresh(&text)
                })
                .collect();
            self.crypto_victim(None, coin, &deposits, usd, t, None);
        }
    }

    /// When a victim's `k` payments were made, before `until` (the report,
    /// or the last payment): over one to twelve weeks, never before the
    /// network or the period began.
    fn schedule(&mut self, k: usize, until: i64) -> Vec<i64> {
        // Room before for an exchange to fund a victim's wallet.
        let lo = (START + 4 * 86_400).max(self.network().start);
        let last = (until - self.delay(3_600, 3 * 86_400)).clamp(lo, END - 1);
        let span = self.delay(7, 84) * 86_400;
        let first = (last - span).max(lo);
        let mut times: Vec<i64> = (0..k)
            .map(|i| {
                let at = first + (last - first) * i as i64 / (k.max(2) - 1) as i64;
                (at + self.dice.below(7_200) as i64).clamp(lo, END - 1)
            })
            .collect();
        times.sort_unstable();
        times
    }

    /// A crypto victim paying `usd` micro-dollars into `deposits`, one
    /// payment each.
    fn crypto_victim(
        &mut self,
        report: Option<&str>,
        coin: Coin,
        deposits: &[u32],
        usd: u128,
        until: i64,
        wallet: Option<u32>,
    ) {
        let k = deposits.len();
        let times = self.schedule(k, until);
        // Escalating payments: each larger than the last, roughly.
        let weights: Vec<u128> = (0..k)
            .map(|i| 1 + 2 * i as u128 + u128::from(self.dice.below(3)))
            .collect();
        let usds = split_exact(usd.max(50 * MICRO), &weights);
        let units: Vec<u128> = usds
            .iter()
            .zip(&times)
            .map(|(&u, &t)| coin.units_for_usd(u, t).max(1))
            .collect();
        let chain = coin.chain();
        let exchange = self.services.exchange(&mut self.dice);
        let hot = self.services.list[exchange].main(chain).to_owned();
        let hot = self.book.named(&hot);
        let own = self.dice.chance(450);
        let mut source = hot;
        let mut balance = 0u128;
        if own {
            // The exchange funds the victim's own wallet first.
            let text = crypto_address(&mut self.dice, chain);
            source = self.book.fresh(&text);
            let total: u128 = units.iter().sum();
            let reserve = match coin {
                Coin::Btc => 40_000 * k as u128,
                Coin::Eth => 21_000 * 40 * 1_000_000_000 * k as u128,
                _ => 0,
            };
            balance = total + reserve + total * u128::from(self.dice.below(50)) / 1000;
            let t = times[0] - self.delay(3_600, 3 * 86_400);
            self.pay_from_hot(coin, hot, source, balance, t, Role::VictimFunding);
        }
        for i in 0..k {
            let (t, to, amount) = (times[i], deposits[i], units[i]);
            let flow = if own {
                let fee = self.fee(coin, 1, 2, source, to, t);
                if coin.is_utxo() {
                    let change = balance.saturating_sub(amount + fee);
                    let (outputs, fee): (Vec<(u32, u128)>, u128) = if change >= 1_000 {
                        (vec![(to, amount), (source, change)], fee)
                    } else {
                        (vec![(to, amount)], balance - amount)
                    };
                    let f =
                        self.book
                            .flow(coin, t, Role::Payment, &[(source, balance)], &outputs, fee);
                    balance = if change >= 1_000 { change } else { 0 };
                    f
                } else {
                    balance = balance.saturating_sub(amount + fee);
                    self.book.flow(
                        coin,
                        t,
                        Role::Payment,
                        &[(source, amount)],
                        &[(to, amount)],
                        fee,
                    )
                }
            } else {
                self.pay_from_hot(coin, hot, to, amount, t, Role::Payment)
            };
            self.payments.push(Payment {
                flow,
                report: report.map(str::to_owned),
                coin,
                units: amount,
                usd: coin.usd(amount, t),
                time: t,
                victim: source,
                to,
                wallet: wallet.filter(|&w| Chain::of(self.book.addr(w)) == chain),
            });
            self.settled.push(Vec::new());
        }
    }

    /// An exchange's withdrawal from its hot wallet: on Bitcoin, with the
    /// rest of the spent output back to the hot wallet.
    fn pay_from_hot(
        &mut self,
        coin: Coin,
        hot: u32,
        to: u32,
        amount: u128,
        t: i64,
        role: Role,
    ) -> u32 {
        let fee = self.fee(coin, 1, 2, hot, to, t);
        if coin.is_utxo() {
            let change = u128::from(self.dice.between(10_000_000, 2_000_000_000));
            self.book.flow(
                coin,
                t,
                role,
                &[(hot, amount + change + fee)],
                &[(to, amount), (hot, change)],
                fee,
            )
        } else {
            self.book
                .flow(coin, t, role, &[(hot, amount)], &[(to, amount)], fee)
        }
    }

    /// A bank victim paying `cents` to `to` in `k` transfers.
    #[allow(clippy::too_many_arguments)]
    fn bank_victim(
        &mut self,
        report: Option<&str>,
        country: usize,
        coin: Coin,
        to: u32,
        cents: u128,
        k: usize,
        until: i64,
    ) {
        let home = account_country(country, &self.services.account_countries);
        let victim = self.account(home);
        let times = self.schedule(k, until);
        let weights: Vec<u128> = (0..k)
            .map(|i| 1 + i as u128 + u128::from(self.dice.below(2)))
            .collect();
        let parts = split_exact(cents.max(100), &weights);
        for (&t, &amount) in times.iter().zip(&parts) {
            if amount == 0 {
                continue;
            }
            let fee = self.fee(coin, 1, 1, victim, to, t);
            let flow = self.book.flow(
                coin,
                t,
                Role::Payment,
                &[(victim, amount)],
                &[(to, amount)],
                fee,
            );
            self.payments.push(Payment {
                flow,
                report: report.map(str::to_owned),
                coin,
                units: amount,
                usd: coin.usd(amount, t),
                time: t,
                victim,
                to,
                wallet: None,
            });
            self.settled.push(Vec::new());
        }
    }
}

/// Where a resident of `country` banks: at home when its account numbers
/// suit the money world's serials, else in a country of the same currency
/// (a French victim with a German IBAN), else in the first such country.
pub fn account_country(country: usize, wide: &[usize]) -> usize {
    let t = Tables::get();
    if wide_accounts(&t.countries[country]) {
        return country;
    }
    let currency = &t.countries[country].currency;
    wide.iter()
        .copied()
        .find(|&c| &t.countries[c].currency == currency)
        .unwrap_or(wide[0])
}

/// Picks from a pool near the network's point in time (as reports do).
pub fn rotate(pool: &[u32], start: i64, t: i64, dice: &mut Dice) -> u32 {
    let n = pool.len() as i64;
    let span = (END - start).max(1);
    let centre = ((t - start).clamp(0, span) as i128 * n as i128 / span as i128) as i64;
    let offset = dice.below(5) as i64 - 2;
    pool[(centre + offset).clamp(0, n - 1) as usize]
}

/// A loss in micro-dollars, heavy-tailed: most in the hundreds and
/// thousands, some in the hundreds of thousands, a few over a million;
/// leading digits follow Benford's law.
pub fn loss_usd(dice: &mut Dice) -> u128 {
    let decade = match dice.below(100) {
        0..=27 => 2,
        28..=65 => 3,
        66..=89 => 4,
        90..=98 => 5,
        _ => 6,
    };
    let lead = 1 + benford().draw(dice) as u128;
    let scale = 10u128.pow(decade);
    let dollars = lead * scale + u128::from(dice.below(scale as u64));
    dollars * MICRO + u128::from(dice.below(100)) * 10_000
}

fn benford() -> &'static Weighted {
    static TABLE: std::sync::OnceLock<Weighted> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| Weighted::new([301, 176, 125, 97, 79, 67, 58, 51, 46]))
}
