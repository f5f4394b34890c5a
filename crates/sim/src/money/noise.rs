//! Legitimate money, generated in units of its own random stream each:
//! exchanges' customers depositing and withdrawing (the hot wallets' heavy
//! traffic), people paying each other in USDT and swapping, a payment
//! processor's checkouts, companies paying salaries (payroll fan-out),
//! merchants taking card-less transfers (fan-in) and paying out weekly,
//! workers sending most of their pay home the day it arrives (rapid
//! pass-through), and exchanges' client-funds accounts.
//!
//! These are the decoys that make mule detection's precision mean
//! something: they fan in, fan out and pass money through as mules do.

use cordon_finance::flow::ConversionKind;
use serde::Serialize;

use super::coin::{Chain, Coin, MICRO};
use super::ledger::{Book, RawConversion, Role, crypto_address};
use super::net::fee;
use super::services::Services;
use crate::Scale;
use crate::data::Tables;
use crate::dice::Dice;
use crate::world::{self, END, START};

/// One unit of legitimate activity.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    ExchangeUsers { exchange: usize, chain: Chain },
    PeerToPeer,
    Processor,
    Payroll,
    Merchant,
    ExchangeFiat { exchange: usize },
}

/// A legitimate account that looks busy, in the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decoy {
    Payroll,
    Merchant,
    Landlord,
    /// A worker who forwards most of each salary abroad the same day.
    Remitter,
    ExchangeFiat,
    HotWallet,
    PaymentProcessor,
}

/// What one unit generated.
#[derive(Debug)]
pub struct NoiseOut {
    pub book: Book,
    pub decoys: Vec<(u32, Decoy)>,
}

/// The units of a scale: ten times as many per step, like reports.
pub fn units(scale: Scale, services: &Services) -> Vec<Unit> {
    let s = match scale {
        Scale::Small => 1,
        Scale::Medium => 10,
        Scale::Large => 100,
    };
    let mut out = Vec::new();
    for _ in 0..s {
        for &exchange in &services.exchanges {
            for chain in Chain::CRYPTO {
                out.push(Unit::ExchangeUsers { exchange, chain });
            }
            out.push(Unit::ExchangeFiat { exchange });
        }
        out.push(Unit::PeerToPeer);
        out.push(Unit::Processor);
        for _ in 0..2 {
            out.push(Unit::Payroll);
        }
        for _ in 0..3 {
            out.push(Unit::Merchant);
        }
    }
    out
}

struct Gen<'a> {
    services: &'a Services,
    dice: Dice,
    book: Book,
    decoys: Vec<(u32, Decoy)>,
    serial: u64,
}

/// Generates unit `index`.
pub fn generate(seed: u64, services: &Services, index: usize, unit: Unit) -> NoiseOut {
    let mut g = Gen {
        services,
        dice: Dice::new(seed, super::NOISE_STREAM + index as u64),
        book: Book::new(seed, super::NOISE_BOOK + index as u64),
        decoys: Vec::new(),
        serial: super::NOISE_SERIALS + index as u64 * super::SERIALS_PER_UNIT,
    };
    match unit {
        Unit::ExchangeUsers { exchange, chain } => g.exchange_users(exchange, chain),
        Unit::PeerToPeer => g.peer_to_peer(),
        Unit::Processor => g.processor(),
        Unit::Payroll => g.payroll(),
        Unit::Merchant => g.merchant(),
        Unit::ExchangeFiat { exchange } => g.exchange_fiat(exchange),
    }
    NoiseOut {
        book: g.book,
        decoys: g.decoys,
    }
}

impl Gen<'_> {
    fn time(&mut self) -> i64 {
        START + self.dice.below((END - START) as u64) as i64
    }

    fn delay(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.dice.below((hi - lo + 1) as u64) as i64
    }

    fn wallet(&mut self, chain: Chain) -> u32 {
        let text = crypto_address(&mut self.dice, chain);
        self.book.fresh(&text)
    }

    fn account(&mut self, country: usize) -> u32 {
        self.serial += 1;
        let c = &Tables::get().countries[country];
        let text = world::account(&mut self.dice, c, country, self.serial).canonical();
        self.book.fresh(&text)
    }

    fn country(&mut self) -> usize {
        *self.dice.pick(&self.services.account_countries)
    }

    fn named(&mut self, service: usize, chain: Chain) -> u32 {
        let text = self.services.list[service].main(chain).to_owned();
        self.book.named(&text)
    }

    fn fee(&mut self, coin: Coin, n_in: usize, n_out: usize, from: u32, to: u32, t: i64) -> u128 {
        let (f, o) = (
            self.book.addr(from).to_owned(),
            self.book.addr(to).to_owned(),
        );
        fee(&mut self.dice, coin, n_in, n_out, &f, &o, t)
    }

    /// A transfer of `amount` (the receiver gets it all; the sender pays
    /// any fee on top); on Bitcoin the spent output's rest comes back.
    fn pay(&mut self, coin: Coin, t: i64, from: u32, to: u32, amount: u128) -> Option<u32> {
        if t >= END || amount == 0 {
            return None;
        }
        let fee = self.fee(coin, 1, 2, from, to, t);
        let f = if coin.is_utxo() {
            let change = amount / 3 + u128::from(self.dice.below(1_000_000)) + 1_000;
            self.book.flow(
                coin,
                t,
                Role::Background,
                &[(from, amount + change + fee)],
                &[(to, amount), (from, change)],
                fee,
            )
        } else {
            self.book.flow(
                coin,
                t,
                Role::Background,
                &[(from, amount)],
                &[(to, amount)],
                fee,
            )
        };
        Some(f)
    }

    /// A sum of a few dollars to a few thousand, in `coin` at `t`.
    fn amount(&mut self, coin: Coin, t: i64, lo: u64, hi: u64) -> u128 {
        let usd = u128::from(self.dice.between(lo, hi)) * MICRO
            + u128::from(self.dice.below(100)) * 10_000;
        coin.units_for_usd(usd, t).max(1)
    }

    /// An exchange's customers on one chain: deposits to their own deposit
    /// addresses, swept into the hot wallet (on Bitcoin a day's deposits
    /// in one transaction), and withdrawals from the hot wallet.
    fn exchange_users(&mut self, exchange: usize, chain: Chain) {
        let hot = self.named(exchange, chain);
        self.decoys.push((hot, Decoy::HotWallet));
        let name = self.services.list[exchange].name.clone();
        let mut btc_sweeps: Vec<(i64, u32, u128)> = Vec::new();
        for _ in 0..15 {
            let coin = match chain {
                Chain::Tron if self.dice.chance(850) => Coin::UsdtTron,
                Chain::Tron => Coin::Trx,
                Chain::Ethereum if self.dice.chance(500) => Coin::UsdtEth,
                Chain::Ethereum => Coin::Eth,
                _ => Coin::Btc,
            };
            let user = self.wallet(chain);
            let deposit = self.wallet(chain);
            if self.dice.chance(super::DEPOSIT_TAGGED) {
                self.book.tag(deposit, &name, "exchange", 80);
            }
            for _ in 0..1 + self.dice.below(4) {
                let t = self.time();
                let amount = self.amount(coin, t, 20, 8_000);
                let Some(_) = self.pay(coin, t, user, deposit, amount) else {
                    continue;
                };
                let at = t + self.delay(600, 12 * 3_600);
                if coin.is_utxo() {
                    btc_sweeps.push((at - at.rem_euclid(86_400) + 86_399, deposit, amount));
                } else if at < END {
                    let fee = self.fee(coin, 1, 1, deposit, hot, at);
                    if amount > fee * 4 {
                        self.book.flow(
                            coin,
                            at,
                            Role::Background,
                            &[(deposit, amount - fee)],
                            &[(hot, amount - fee)],
                            fee,
                        );
                    }
                }
            }
            for _ in 0..1 + self.dice.below(4) {
                let t = self.time();
                let amount = self.amount(coin, t, 20, 10_000);
                self.pay(coin, t, hot, user, amount);
            }
        }
        btc_sweeps.sort_by_key(|s| (s.0, s.1));
        for day in btc_sweeps.chunk_by(|a, b| a.0 == b.0) {
            let t = day[0].0;
            if t >= END {
                continue;
            }
            let inputs: Vec<(u32, u128)> = day.iter().map(|s| (s.1, s.2)).collect();
            let total: u128 = inputs.iter().map(|i| i.1).sum();
            let fee = self.fee(Coin::Btc, inputs.len(), 1, hot, hot, t);
            if total > fee * 4 {
                self.book.flow(
                    Coin::Btc,
                    t,
                    Role::Background,
                    &inputs,
                    &[(hot, total - fee)],
                    fee,
                );
            }
        }
    }

    /// People paying each other in USDT on Tron, funded from exchanges,
    /// some swapping for TRX or bridging to Ethereum.
    fn peer_to_peer(&mut self) {
        let people: Vec<u32> = (0..40).map(|_| self.wallet(Chain::Tron)).collect();
        for &p in &people {
            let e = self.services.exchange(&mut self.dice);
            let hot = self.named(e, Chain::Tron);
            let t = self.time();
            let amount = self.amount(Coin::UsdtTron, t, 100, 20_000);
            self.pay(Coin::UsdtTron, t, hot, p, amount);
        }
        for _ in 0..250 {
            let a = *self.dice.pick(&people);
            let b = *self.dice.pick(&people);
            if a == b {
                continue;
            }
            let t = self.time();
            let amount = self.amount(Coin::UsdtTron, t, 5, 3_000);
            self.pay(Coin::UsdtTron, t, a, b, amount);
        }
        let pool = self.named(self.services.dex[0], Chain::Tron);
        for _ in 0..10 {
            let p = *self.dice.pick(&people);
            let t = self.time();
            let amount = self.amount(Coin::UsdtTron, t, 20, 2_000);
            let Some(fin) = self.pay(Coin::UsdtTron, t, p, pool, amount) else {
                continue;
            };
            let out = Coin::UsdtTron.convert(amount, Coin::Trx, t, 3);
            let fout = self.book.flow(
                Coin::Trx,
                t,
                Role::Background,
                &[(pool, out)],
                &[(p, out)],
                0,
            );
            self.book.conversions.push(RawConversion {
                kind: ConversionKind::Swap,
                from: (fin, pool),
                to: (fout, pool),
                evidence: "swap event of the pool",
            });
        }
        let b = &self.services.list[self.services.bridge];
        let (on_tron, on_eth) = (
            b.main(Chain::Tron).to_owned(),
            b.main(Chain::Ethereum).to_owned(),
        );
        let (on_tron, on_eth) = (self.book.named(&on_tron), self.book.named(&on_eth));
        for _ in 0..3 {
            let p = *self.dice.pick(&people);
            let t = self.time();
            let amount = self.amount(Coin::UsdtTron, t, 200, 5_000);
            let Some(fin) = self.pay(Coin::UsdtTron, t, p, on_tron, amount) else {
                continue;
            };
            let dest = self.wallet(Chain::Ethereum);
            let out = amount - 1_000_000 - amount / 1000;
            let at = (t + self.delay(120, 1_800)).min(END - 1);
            let fout = self.book.flow(
                Coin::UsdtEth,
                at,
                Role::Background,
                &[(on_eth, out)],
                &[(dest, out)],
                0,
            );
            self.book.conversions.push(RawConversion {
                kind: ConversionKind::Bridge,
                from: (fin, on_tron),
                to: (fout, on_eth),
                evidence: "bridge's transfer event",
            });
        }
    }

    /// A payment processor's checkouts (many customers paying one address)
    /// and its weekly settlements to merchants.
    fn processor(&mut self) {
        let s = self.services.processor;
        for chain in [Chain::Tron, Chain::Ethereum] {
            let coin = if chain == Chain::Tron {
                Coin::UsdtTron
            } else {
                Coin::UsdtEth
            };
            let checkout = self.named(s, chain);
            self.decoys.push((checkout, Decoy::PaymentProcessor));
            let merchants: Vec<u32> = (0..4).map(|_| self.wallet(chain)).collect();
            let mut week: Vec<(i64, u128)> = Vec::new();
            for _ in 0..25 {
                let customer = self.wallet(chain);
                for _ in 0..1 + self.dice.below(3) {
                    let t = self.time();
                    let amount = self.amount(coin, t, 10, 900);
                    if self.pay(coin, t, customer, checkout, amount).is_some() {
                        week.push((t / (7 * 86_400), amount));
                    }
                }
            }
            week.sort_unstable();
            for w in week.chunk_by(|a, b| a.0 == b.0) {
                let total: u128 = w.iter().map(|x| x.1).sum();
                let t = (w[0].0 + 1) * 7 * 86_400 + 10 * 3_600;
                let m = *self.dice.pick(&merchants);
                self.pay(coin, t, checkout, m, total * 99 / 100);
            }
        }
    }

    /// A company paying salaries on the 25th to dozens of employees, fed
    /// by its clients; employees pay rent, and some send most of their pay
    /// abroad within hours.
    fn payroll(&mut self) {
        let country = self.country();
        let coin = Coin::fiat_of_country(country);
        let company = self.account(country);
        self.decoys.push((company, Decoy::Payroll));
        let clients: Vec<u32> = (0..8).map(|_| self.account(country)).collect();
        let landlords: Vec<u32> = (0..3).map(|_| self.account(country)).collect();
        for &l in &landlords {
            self.decoys.push((l, Decoy::Landlord));
        }
        let staff = self.dice.between(10, 40) as usize;
        let mut employees = Vec::with_capacity(staff);
        for _ in 0..staff {
            let a = self.account(country);
            let pay = u128::from(self.dice.between(800, 4_000)) * MICRO;
            let rent = self.dice.chance(300);
            let home = if self.dice.chance(80) {
                let c = self.country();
                let family = self.account(c);
                self.decoys.push((a, Decoy::Remitter));
                Some(family)
            } else {
                None
            };
            employees.push((a, pay, rent, home));
        }
        let months = self.dice.between(12, 24) as i64;
        let start = START + self.dice.below(((END - START) / 2) as u64) as i64;
        for m in 0..months {
            let month = start + m * 30 * 86_400;
            let payday = month + 24 * 86_400 + 9 * 3_600;
            if payday >= END {
                break;
            }
            let wages: u128 = employees
                .iter()
                .map(|e| coin.units_for_usd(e.1, payday))
                .sum();
            for _ in 0..3 + self.dice.below(5) {
                let client = *self.dice.pick(&clients);
                let t = month + self.delay(0, 20 * 86_400);
                let amount = wages * u128::from(self.dice.between(20, 45)) / 100;
                self.pay(coin, t, client, company, amount);
            }
            for (i, &(a, usd, rent, home)) in employees.iter().enumerate() {
                let salary = coin.units_for_usd(usd, payday);
                self.pay(coin, payday + i as i64, company, a, salary);
                if rent {
                    let l = landlords[i % landlords.len()];
                    let t = month + 31 * 86_400 + self.delay(0, 3 * 86_400);
                    self.pay(coin, t, a, l, salary * 35 / 100);
                }
                if let Some(family) = home {
                    let t = payday + self.delay(3 * 3_600, 30 * 3_600);
                    let share = u128::from(self.dice.between(60, 90));
                    self.pay(coin, t, a, family, salary * share / 100);
                }
            }
        }
    }

    /// A shop paid by many customers, paying its owner and a supplier
    /// every week.
    fn merchant(&mut self) {
        let country = self.country();
        let coin = Coin::fiat_of_country(country);
        let shop = self.account(country);
        self.decoys.push((shop, Decoy::Merchant));
        let owner = self.account(country);
        let supplier = self.account(country);
        let customers: Vec<u32> = (0..self.dice.between(30, 120))
            .map(|_| self.account(country))
            .collect();
        let months = self.dice.between(6, 24) as i64;
        let start = START + self.dice.below(((END - START) / 2) as u64) as i64;
        let mut takings: Vec<(i64, u128)> = Vec::new();
        for m in 0..months {
            let month = start + m * 30 * 86_400;
            for _ in 0..self.dice.between(10, 40) {
                let t = month + self.delay(0, 30 * 86_400);
                let c = *self.dice.pick(&customers);
                let amount = coin.units_for_usd(u128::from(self.dice.between(10, 300)) * MICRO, t);
                if self.pay(coin, t, c, shop, amount.max(100)).is_some() {
                    takings.push((t / (7 * 86_400), amount.max(100)));
                }
            }
        }
        takings.sort_unstable();
        for w in takings.chunk_by(|a, b| a.0 == b.0) {
            let total: u128 = w.iter().map(|x| x.1).sum();
            let t = (w[0].0 + 1) * 7 * 86_400 + 8 * 3_600;
            self.pay(coin, t, shop, supplier, total * 55 / 100);
            self.pay(coin, t + 600, shop, owner, total * 35 / 100);
        }
    }

    /// An exchange's client-funds account: customers pay in and get crypto
    /// (a conversion), or sell crypto and get paid out.
    fn exchange_fiat(&mut self, exchange: usize) {
        let accounts = self.services.list[exchange].own[Chain::Bank.index()].clone();
        let hot = self.named(exchange, Chain::Tron);
        let name = self.services.list[exchange].name.clone();
        for a in &accounts {
            let a = self.book.named(a);
            self.decoys.push((a, Decoy::ExchangeFiat));
        }
        for _ in 0..12 {
            let country = self.country();
            let coin = Coin::fiat_of_country(country);
            let bank = self.account(country);
            let wallet = self.wallet(Chain::Tron);
            let fiat = self.book.named(&accounts[self.dice.index(accounts.len())]);
            for _ in 0..1 + self.dice.below(3) {
                let t = self.time();
                let amount = self.amount(coin, t, 100, 15_000);
                let Some(fin) = self.pay(coin, t, bank, fiat, amount) else {
                    continue;
                };
                let at = t + self.delay(600, 86_400);
                let usdt = coin.convert(amount, Coin::UsdtTron, at, 10);
                if at >= END || usdt == 0 {
                    continue;
                }
                let fout = self.book.flow(
                    Coin::UsdtTron,
                    at,
                    Role::Background,
                    &[(hot, usdt)],
                    &[(wallet, usdt)],
                    0,
                );
                self.book.conversions.push(RawConversion {
                    kind: ConversionKind::Exchange,
                    from: (fin, fiat),
                    to: (fout, hot),
                    evidence: "exchange's account statement",
                });
            }
            if self.dice.chance(500) {
                let deposit = self.wallet(Chain::Tron);
                if self.dice.chance(super::DEPOSIT_TAGGED) {
                    self.book.tag(deposit, &name, "exchange", 80);
                }
                let t = self.time();
                let usdt = self.amount(Coin::UsdtTron, t, 100, 10_000);
                let Some(fin) = self.pay(Coin::UsdtTron, t, wallet, deposit, usdt) else {
                    continue;
                };
                let at = t + self.delay(3_600, 2 * 86_400);
                let amount = Coin::UsdtTron.convert(usdt, coin, at, 10);
                if at >= END || amount == 0 {
                    continue;
                }
                let fee = self.fee(coin, 1, 1, fiat, bank, at);
                let fout = self.book.flow(
                    coin,
                    at,
                    Role::Background,
                    &[(fiat, amount)],
                    &[(bank, amount)],
                    fee,
                );
                self.book.conversions.push(RawConversion {
                    kind: ConversionKind::Exchange,
                    from: (fin, deposit),
                    to: (fout, fiat),
                    evidence: "exchange's account statement",
                });
            }
        }
    }
}
