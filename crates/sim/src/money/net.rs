//! One network's money: the generator's state, the moves value makes
//! (transfers, fan-outs, gathers, swaps, bridges, cash-outs), and the
//! bookkeeping that makes the truth exact.
//!
//! Value moves as *lots*: an amount of one coin at one address, carrying
//! its *source* (the same value in the batch's original coin, so that a
//! swap or a bridge changes the amount but not what it stands for) and the
//! hops it has made. Every lot ends as a service's receipt, a remainder in
//! a wallet, or a fee; the ends of a batch are shared among its victims'
//! payments pro rata (the haircut model), each payment's shares summing to
//! exactly what it contributed.

use std::collections::BTreeMap;

use cordon_finance::flow::ConversionKind;
use serde::Serialize;

use super::coin::{Chain, Coin, mul_div, split_exact};
use super::ledger::{Book, Role, crypto_address};
use super::services::{Kind, Services};
use crate::data::Tables;
use crate::dice::Dice;
use crate::world::{self, END, World};

/// Where a share of value ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    /// Received by a cash-out service (an index into `Services::list`)
    /// after `hops` flows.
    Service { svc: u16, hops: u8 },
    /// Still in a wallet or account of the network or its mules.
    Remaining,
    /// Kept by the chain or the bank.
    Fee,
}

/// Value at an address.
#[derive(Debug, Clone, Copy)]
pub struct Lot {
    pub addr: u32,
    pub coin: Coin,
    pub units: u128,
    /// The value it stands for, in the batch's original coin's units.
    pub source: u128,
    /// Flows since the victim's payment (a swap or bridge counts once).
    pub hops: u8,
    pub time: i64,
}

/// What a wallet of the network is for, in the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WalletRole {
    /// Where deposit addresses are swept.
    Collection,
    Hop,
    Split,
    Merge,
    /// A peel chain's change address.
    Peel,
    /// Where a bridge paid out.
    Bridged,
    /// The network's account at an exchange (a deposit address).
    ExchangeDeposit,
    /// Where an exchange paid crypto for a mule's bank deposit.
    ExchangeWithdrawal,
}

/// A mule's place in the web.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Victims pay it.
    First,
    /// A first-level mule pays it.
    Second,
    /// Gathers from second-level mules (scatter-gather).
    Collector,
}

/// Patterns recorded as they are made (the others are read off the flows).
pub const CYCLE: u8 = 1;
pub const SCATTER_GATHER: u8 = 2;

/// A mule account as the generator used it.
#[derive(Debug, Clone, Copy)]
pub struct MuleMark {
    pub level: Level,
    /// [`CYCLE`] and [`SCATTER_GATHER`].
    pub flags: u8,
    /// When it first carried victims' money.
    pub first: i64,
}

/// A victim's payment.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The payment's flow.
    pub flow: u32,
    /// The report the victim filed, if any.
    pub report: Option<String>,
    pub coin: Coin,
    pub units: u128,
    /// Its value in micro-dollars when paid.
    pub usd: u128,
    pub time: i64,
    pub victim: u32,
    /// The deposit address or account paid.
    pub to: u32,
    /// The collection wallet the report names, if any.
    pub wallet: Option<u32>,
}

/// How a network launders, drawn once.
#[derive(Debug, Clone)]
pub struct Style {
    pub exchanges: Vec<usize>,
    pub desks: Vec<usize>,
    /// A batch is laundered once it holds this much (micro-dollars)…
    pub threshold: u128,
    /// …or this long after its first value arrived.
    pub max_wait: i64,
    /// Bitcoin goes through peel chains rather than hops.
    pub peel: bool,
    /// What first-level mules keep, per mille.
    pub commission: u64,
    /// Deposit accounts per exchange and chain before new ones are opened.
    pub accounts: usize,
}

/// The generator of one network's money.
#[derive(Debug)]
pub struct Net<'a> {
    pub world: &'a World,
    pub services: &'a Services,
    pub n: u16,
    pub dice: Dice,
    pub book: Book,
    pub style: Style,
    pub payments: Vec<Payment>,
    /// Per payment: its value by end.
    pub settled: Vec<Vec<(End, u128)>>,
    /// The ends of the batch being laundered.
    ends: Vec<(End, u128)>,
    /// Cash-out receipts by (service, coin): units and flows.
    pub totals: BTreeMap<(usize, Coin), (u128, u32)>,
    /// What remains by (address, coin), in units.
    pub remaining: BTreeMap<(u32, Coin), u128>,
    pub wallets: Vec<(u32, WalletRole, Option<usize>)>,
    /// Mule accounts by address.
    pub mules: BTreeMap<u32, MuleMark>,
    /// The network's accounts at exchanges, by (service, chain).
    deposits: BTreeMap<(usize, Chain), Vec<u32>>,
    /// Bank-account serials of this network (see `mod.rs`).
    serial: u64,
}

impl<'a> Net<'a> {
    pub fn new(world: &'a World, services: &'a Services, n: u16, seed: u64) -> Net<'a> {
        let mut dice = Dice::new(seed, super::NETWORK_STREAM + u64::from(n));
        let style = Style::draw(&mut dice, services);
        Net {
            world,
            services,
            n,
            dice,
            book: Book::new(seed, super::NETWORK_BOOK + u64::from(n)),
            style,
            payments: Vec::new(),
            settled: Vec::new(),
            ends: Vec::new(),
            totals: BTreeMap::new(),
            remaining: BTreeMap::new(),
            wallets: Vec::new(),
            mules: BTreeMap::new(),
            deposits: BTreeMap::new(),
            serial: super::NETWORK_SERIALS + u64::from(n) * super::SERIALS_PER_NETWORK,
        }
    }

    pub fn network(&self) -> &'a world::Network {
        &self.world.networks[self.n as usize]
    }

    /// A new wallet of the network on `chain`, listed in the truth.
    pub fn wallet(&mut self, chain: Chain, role: WalletRole) -> u32 {
        let text = crypto_address(&mut self.dice, chain);
        let a = self.book.fresh(&text);
        self.wallets.push((a, role, None));
        a
    }

    /// A new bank account in `country` (one with wide account numbers).
    pub fn account(&mut self, country: usize) -> u32 {
        self.serial += 1;
        let c = &Tables::get().countries[country];
        let text = world::account(&mut self.dice, c, country, self.serial).canonical();
        self.book.fresh(&text)
    }

    /// A delay in seconds between `lo` and `hi`.
    pub fn delay(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.dice.below((hi - lo + 1) as u64) as i64
    }

    /// A laundering wallet's wait before moving on: minutes to hours,
    /// sometimes days.
    pub fn crypto_delay(&mut self) -> i64 {
        if self.dice.chance(120) {
            self.delay(86_400, 5 * 86_400)
        } else {
            self.delay(300, 12 * 3_600)
        }
    }

    fn end(&mut self, end: End, source: u128) {
        if source == 0 {
            return;
        }
        match self.ends.iter_mut().find(|e| e.0 == end) {
            Some(e) => e.1 += source,
            None => self.ends.push((end, source)),
        }
    }

    /// The ends recorded since the last settlement, cleared.
    pub fn take_ends(&mut self) -> Vec<(End, u128)> {
        std::mem::take(&mut self.ends)
    }

    /// Shares the batch's ends among the payments that made it, pro rata to
    /// what each contributed; each payment's shares sum to its contribution.
    pub fn settle(&mut self, contributions: &[(usize, u128)]) {
        let ends = std::mem::take(&mut self.ends);
        let total: u128 = contributions.iter().map(|c| c.1).sum();
        debug_assert_eq!(
            ends.iter().map(|e| e.1).sum::<u128>(),
            total,
            "a batch's ends account for all its value"
        );
        let weights: Vec<u128> = ends.iter().map(|e| e.1).collect();
        for &(p, c) in contributions {
            if c == 0 {
                continue;
            }
            let shares = split_exact(c, &weights);
            for (&(end, _), share) in ends.iter().zip(shares) {
                if share > 0 {
                    self.credit(p, end, share);
                }
            }
        }
    }

    /// Records `value` of payment `p` at `end` directly.
    pub fn credit(&mut self, p: usize, end: End, value: u128) {
        let row = &mut self.settled[p];
        match row.iter_mut().find(|e| e.0 == end) {
            Some(e) => e.1 += value,
            None => row.push((end, value)),
        }
    }

    /// Leaves a lot where it is.
    pub fn remain(&mut self, lot: Lot) {
        self.end(End::Remaining, lot.source);
        *self.remaining.entry((lot.addr, lot.coin)).or_default() += lot.units;
    }

    /// Leaves `per_mille` of a lot where it is (a mule's cut, a reserve).
    pub fn keep(&mut self, lot: Lot, per_mille: u64) -> Lot {
        let kept = lot.units * u128::from(per_mille) / 1000;
        if kept == 0 || kept >= lot.units {
            return lot;
        }
        let source = mul_div(lot.source, kept, lot.units);
        self.remain(Lot {
            units: kept,
            source,
            ..lot
        });
        Lot {
            units: lot.units - kept,
            source: lot.source - source,
            ..lot
        }
    }

    /// The fee of a flow: a Bitcoin transaction's by its size and the fee
    /// rate of the day, Ethereum gas for a plain transfer, Tron bandwidth
    /// now and then, a bank's charge on a cross-border transfer. Tokens'
    /// gas is paid in the chain's coin, outside the money followed.
    pub fn fee(
        &mut self,
        coin: Coin,
        n_in: usize,
        n_out: usize,
        from: u32,
        to: u32,
        t: i64,
    ) -> u128 {
        fee(
            &mut self.dice,
            coin,
            n_in,
            n_out,
            self.book.addr(from),
            self.book.addr(to),
            t,
        )
    }

    /// Sends a whole lot to `to` after `delay`; `None` when the period ends
    /// first or the lot is dust (it stays).
    pub fn send(&mut self, lot: Lot, to: u32, delay: i64, role: Role) -> Option<Lot> {
        let t = lot.time + delay;
        if t >= END {
            self.remain(lot);
            return None;
        }
        let fee = self.fee(lot.coin, 1, 1, lot.addr, to, t);
        if lot.units <= fee.max(1) * 4 {
            self.remain(lot);
            return None;
        }
        let out = lot.units - fee;
        let input = if lot.coin.is_utxo() { lot.units } else { out };
        self.book
            .flow(lot.coin, t, role, &[(lot.addr, input)], &[(to, out)], fee);
        let fee_source = mul_div(lot.source, fee, lot.units);
        self.end(End::Fee, fee_source);
        Some(Lot {
            addr: to,
            units: out,
            source: lot.source - fee_source,
            hops: lot.hops.saturating_add(1),
            time: t,
            coin: lot.coin,
        })
    }

    /// Splits a lot among `to` by weight: one transaction with many outputs
    /// on Bitcoin, one transfer each, `spacing` apart, elsewhere. A part
    /// whose time falls after the period stays. Parts come back in order
    /// (`None` for those that stayed).
    pub fn fan(
        &mut self,
        lot: Lot,
        to: &[(u32, u128)],
        delay: i64,
        spacing: i64,
        role: Role,
    ) -> Vec<Option<Lot>> {
        let k = to.len();
        let t0 = lot.time + delay;
        let weights: Vec<u128> = to.iter().map(|p| p.1).collect();
        if t0 >= END || k == 0 {
            self.remain(lot);
            return vec![None; k];
        }
        if lot.coin.is_utxo() {
            let fee = self.fee(lot.coin, 1, k, lot.addr, to[0].0, t0);
            let outs = if lot.units > fee {
                split_exact(lot.units - fee, &weights)
            } else {
                vec![0]
            };
            if outs.iter().any(|&u| u < 1_000) {
                self.remain(lot);
                return vec![None; k];
            }
            let outputs: Vec<(u32, u128)> = to.iter().map(|p| p.0).zip(outs.clone()).collect();
            self.book
                .flow(lot.coin, t0, role, &[(lot.addr, lot.units)], &outputs, fee);
            let mut pieces = vec![fee];
            pieces.extend_from_slice(&outs);
            let sources = split_exact(lot.source, &pieces);
            self.end(End::Fee, sources[0]);
            return outputs
                .iter()
                .zip(&sources[1..])
                .map(|(&(addr, units), &source)| {
                    Some(Lot {
                        addr,
                        coin: lot.coin,
                        units,
                        source,
                        hops: lot.hops.saturating_add(1),
                        time: t0,
                    })
                })
                .collect();
        }
        let times: Vec<i64> = (0..k)
            .map(|i| t0 + i as i64 * spacing + self.dice.below(60) as i64)
            .collect();
        let fees: Vec<u128> = (0..k)
            .map(|i| self.fee(lot.coin, 1, 1, lot.addr, to[i].0, times[i]))
            .collect();
        let fee_total: u128 = fees.iter().sum();
        let outs = if lot.units > fee_total * 4 {
            split_exact(lot.units - fee_total, &weights)
        } else {
            vec![0]
        };
        if outs.contains(&0) {
            self.remain(lot);
            return vec![None; k];
        }
        let mut pieces = fees.clone();
        pieces.extend_from_slice(&outs);
        let sources = split_exact(lot.source, &pieces);
        (0..k)
            .map(|i| {
                let part = Lot {
                    addr: lot.addr,
                    coin: lot.coin,
                    units: outs[i] + fees[i],
                    source: sources[i] + sources[k + i],
                    hops: lot.hops,
                    time: lot.time,
                };
                if times[i] >= END {
                    self.remain(part);
                    return None;
                }
                self.book.flow(
                    lot.coin,
                    times[i],
                    role,
                    &[(lot.addr, outs[i])],
                    &[(to[i].0, outs[i])],
                    fees[i],
                );
                self.end(End::Fee, sources[i]);
                Some(Lot {
                    addr: to[i].0,
                    coin: lot.coin,
                    units: outs[i],
                    source: sources[k + i],
                    hops: lot.hops.saturating_add(1),
                    time: times[i],
                })
            })
            .collect()
    }

    /// Brings lots of one coin together at `to`: one transaction spending
    /// them all on Bitcoin (co-spending, which clustering sees), one
    /// transfer each elsewhere.
    pub fn gather(&mut self, lots: Vec<Lot>, to: u32, delay: i64, role: Role) -> Option<Lot> {
        let first = *lots.first()?;
        let coin = first.coin;
        if coin.is_utxo() {
            let t = lots.iter().map(|l| l.time).max().unwrap_or(first.time) + delay;
            let units: u128 = lots.iter().map(|l| l.units).sum();
            let source: u128 = lots.iter().map(|l| l.source).sum();
            let hops = lots.iter().map(|l| l.hops).max().unwrap_or(0);
            let fee = self.fee(coin, lots.len(), 1, first.addr, to, t);
            if t >= END || units <= fee * 4 {
                for l in lots {
                    self.remain(l);
                }
                return None;
            }
            let inputs: Vec<(u32, u128)> = lots.iter().map(|l| (l.addr, l.units)).collect();
            self.book
                .flow(coin, t, role, &inputs, &[(to, units - fee)], fee);
            let fee_source = mul_div(source, fee, units);
            self.end(End::Fee, fee_source);
            return Some(Lot {
                addr: to,
                coin,
                units: units - fee,
                source: source - fee_source,
                hops: hops.saturating_add(1),
                time: t,
            });
        }
        let mut merged: Option<Lot> = None;
        for l in lots {
            let d = delay + self.dice.below(1_800) as i64;
            if let Some(arrived) = self.send(l, to, d, role) {
                merged = Some(match merged {
                    None => arrived,
                    Some(m) => Lot {
                        units: m.units + arrived.units,
                        source: m.source + arrived.source,
                        hops: m.hops.max(arrived.hops),
                        time: m.time.max(arrived.time),
                        ..m
                    },
                });
            }
        }
        merged
    }

    /// Value received by a cash-out service: the truth's end. An exchange
    /// then sweeps a deposit address into its hot wallet.
    pub fn arrive(&mut self, lot: Lot, svc: usize) {
        self.end(
            End::Service {
                svc: svc as u16,
                hops: lot.hops,
            },
            lot.source,
        );
        let total = self.totals.entry((svc, lot.coin)).or_default();
        total.0 += lot.units;
        total.1 += 1;
        let s = &self.services.list[svc];
        let chain = lot.coin.chain();
        if s.kind == Kind::Exchange && chain != Chain::Bank {
            let hot = s.main(chain).to_owned();
            let hot = self.book.named(&hot);
            if hot == lot.addr {
                return;
            }
            let t = lot.time + self.delay(1_800, 12 * 3_600);
            if t < END {
                let fee = self.fee(lot.coin, 1, 1, lot.addr, hot, t);
                if lot.units > fee * 4 {
                    let out = lot.units - fee;
                    let input = if lot.coin.is_utxo() { lot.units } else { out };
                    self.book.flow(
                        lot.coin,
                        t,
                        Role::Service,
                        &[(lot.addr, input)],
                        &[(hot, out)],
                        fee,
                    );
                }
            }
        }
    }

    /// Sends a lot to a service's address and records its arrival.
    pub fn cash_out(&mut self, lot: Lot, svc: usize, addr: u32) {
        let delay = self.crypto_delay();
        if let Some(arrived) = self.send(lot, addr, delay, Role::CashOut) {
            self.arrive(arrived, svc);
        }
    }

    /// The network's deposit address at exchange `svc` on `chain`: a few
    /// accounts per exchange, opened as needed and used for a while; now
    /// and then one of the exchange deposit addresses the network shares
    /// with others (named in reports).
    pub fn deposit_at(&mut self, svc: usize, chain: Chain) -> u32 {
        let shared: Vec<u32> = self
            .network()
            .pools
            .exchange
            .iter()
            .copied()
            .filter(|&e| {
                let text = &self.world.entries[e as usize].canonical;
                Chain::of(text) == chain && self.services.list[svc].known.contains(text)
            })
            .collect();
        if !shared.is_empty() && self.dice.chance(250) {
            let e = *self.dice.pick(&shared);
            let text = self.world.entries[e as usize].canonical.clone();
            return self.book.named(&text);
        }
        let cap = self.style.accounts;
        let open = self.deposits.get(&(svc, chain)).map_or(0, Vec::len);
        if open < cap && (open == 0 || self.dice.chance(150)) {
            let text = crypto_address(&mut self.dice, chain);
            let a = self.book.fresh(&text);
            self.wallets
                .push((a, WalletRole::ExchangeDeposit, Some(svc)));
            // Investigators hold tags for most exchange deposit addresses
            // (attribution data sets); the same share as for legitimate
            // users' deposit addresses, so a tag says nothing of crime.
            if self.dice.chance(super::DEPOSIT_TAGGED) {
                let name = self.services.list[svc].name.clone();
                self.book.tag(a, &name, "exchange", 80);
            }
            self.deposits.entry((svc, chain)).or_default().push(a);
            return a;
        }
        let list = &self.deposits[&(svc, chain)];
        // Recent accounts more than old ones (the first may be frozen).
        let i = list.len() - 1 - self.dice.index(list.len().min(3));
        list[i]
    }

    /// A desk's address on `chain` (its own, or a known account on banks).
    pub fn desk_address(&mut self, desk: usize, chain: Chain) -> u32 {
        let services = self.services;
        let s = &services.list[desk];
        let mut options: Vec<&String> = s.own[chain.index()].iter().collect();
        if chain == Chain::Bank {
            options.extend(s.known.iter());
        }
        let text = options[self.dice.index(options.len())].clone();
        self.book.named(&text)
    }

    /// Swaps a lot for `to` at the chain's pool; it comes back to the same
    /// wallet. The two transfers are linked by a conversion.
    pub fn swap(&mut self, lot: Lot, to: Coin) -> Option<Lot> {
        let dex = match lot.coin.chain() {
            Chain::Tron => self.services.dex[0],
            _ => self.services.dex[1],
        };
        let pool = self.services.list[dex].main(lot.coin.chain()).to_owned();
        let pool = self.book.named(&pool);
        let delay = self.crypto_delay();
        let sent = self.send(lot, pool, delay, Role::Launder)?;
        let fin = self.book.flows.len() as u32 - 1;
        let out = sent.coin.convert(sent.units, to, sent.time, 3);
        if out == 0 {
            self.remain(sent);
            return None;
        }
        let fout = self.book.flow(
            to,
            sent.time,
            Role::Launder,
            &[(pool, out)],
            &[(lot.addr, out)],
            0,
        );
        self.book.conversions.push(super::ledger::RawConversion {
            kind: ConversionKind::Swap,
            from: (fin, pool),
            to: (fout, pool),
            evidence: "swap event of the pool",
        });
        Some(Lot {
            addr: lot.addr,
            coin: to,
            units: out,
            source: sent.source,
            hops: sent.hops,
            time: sent.time,
        })
    }

    /// Bridges USDT from Tron to a new Ethereum wallet of the network.
    pub fn bridge(&mut self, lot: Lot) -> Option<Lot> {
        let b = &self.services.list[self.services.bridge];
        let (on_tron, on_eth) = (
            b.main(Chain::Tron).to_owned(),
            b.main(Chain::Ethereum).to_owned(),
        );
        let on_tron = self.book.named(&on_tron);
        let on_eth = self.book.named(&on_eth);
        let delay = self.crypto_delay();
        let sent = self.send(lot, on_tron, delay, Role::Launder)?;
        let fin = self.book.flows.len() as u32 - 1;
        // One dollar and a tenth of a per cent.
        let charge = 1_000_000 + sent.units / 1000;
        if sent.units <= charge * 2 {
            self.remain(sent);
            return None;
        }
        let out = sent.units - charge;
        let dest = self.wallet(Chain::Ethereum, WalletRole::Bridged);
        let t = (sent.time + self.delay(120, 1_800)).min(END - 1);
        let fout = self.book.flow(
            Coin::UsdtEth,
            t,
            Role::Launder,
            &[(on_eth, out)],
            &[(dest, out)],
            0,
        );
        self.book.conversions.push(super::ledger::RawConversion {
            kind: ConversionKind::Bridge,
            from: (fin, on_tron),
            to: (fout, on_eth),
            evidence: "bridge's transfer event",
        });
        Some(Lot {
            addr: dest,
            coin: Coin::UsdtEth,
            units: out,
            source: sent.source,
            hops: sent.hops,
            time: t,
        })
    }

    /// The dollar value of a lot, in micro-dollars.
    pub fn usd(&self, lot: &Lot) -> u128 {
        lot.coin.usd(lot.units, lot.time)
    }
}

impl Style {
    fn draw(dice: &mut Dice, services: &Services) -> Style {
        let mut exchanges = Vec::new();
        let want = 2 + dice.below(3) as usize;
        while exchanges.len() < want {
            let e = services.exchange(dice);
            if !exchanges.contains(&e) {
                exchanges.push(e);
            }
        }
        let mut desks = vec![*dice.pick(&services.otc)];
        if dice.chance(400) {
            let d = *dice.pick(&services.otc);
            if !desks.contains(&d) {
                desks.push(d);
            }
        }
        Style {
            exchanges,
            desks,
            threshold: u128::from(dice.between(80, 500)) * 1_000 * super::coin::MICRO,
            max_wait: dice.between(7, 30) as i64 * 86_400,
            peel: dice.chance(700),
            commission: dice.between(20, 80),
            accounts: 2 + dice.index(5),
        }
    }
}

/// The fee of a flow (see [`Net::fee`]).
pub fn fee(
    dice: &mut Dice,
    coin: Coin,
    n_in: usize,
    n_out: usize,
    from: &str,
    to: &str,
    t: i64,
) -> u128 {
    match coin {
        Coin::Btc => {
            let vbytes = 11 + 68 * n_in as u128 + 31 * n_out as u128;
            // Sat/vB: mostly calm, congested now and then.
            let rate = if dice.chance(60) {
                dice.between(60, 180)
            } else {
                dice.between(2, 30)
            };
            vbytes * u128::from(rate)
        }
        // 21,000 gas at 5 to 40 gwei.
        Coin::Eth => 21_000 * u128::from(dice.between(5, 40)) * 1_000_000_000,
        // Bandwidth burnt when the free allowance is spent.
        Coin::Trx => {
            if dice.chance(400) {
                268_000
            } else {
                0
            }
        }
        Coin::UsdtTron | Coin::UsdtEth => 0,
        Coin::Fiat(_) => {
            if from.get(5..7) != to.get(5..7) {
                let usd = u128::from(dice.between(8, 30)) * super::coin::MICRO;
                coin.units_for_usd(usd, t).max(1)
            } else {
                0
            }
        }
    }
}
