//! The money world: victims' payments, their laundering to the points where
//! they can be frozen, legitimate traffic around them, and the truth of
//! where every payment's value went.
//!
//! # What is made
//!
//! - **Services** (`services`): six exchanges (hot wallets on Tron,
//!   Ethereum and Bitcoin, client-funds bank accounts), four OTC desks
//!   (wallets and bank accounts, among them the world's laundering-service
//!   accounts), a swap pool on Tron (USDT/TRX) and one on Ethereum
//!   (USDT/ETH), a Tron–Ethereum bridge and a payment processor.
//! - **Victims' payments** (`victims`): each network's money is followed
//!   over a window of a fifth of its active time ([`window`]). Every fraud
//!   report about it received then that says how the victim paid becomes
//!   payments: one into each deposit address it lists (USDT on Tron, USDT
//!   on Ethereum or BTC), or one to three bank transfers to the mule
//!   account it names, for the loss it states; half as many again come
//!   from victims who never reported (also in ETH), with heavy-tailed
//!   amounts. Crypto victims pay from an exchange or from a wallet an
//!   exchange funded.
//! - **Crypto laundering** (`crypto`): deposit addresses swept into the
//!   network's collection wallets (the world's, which reports name; on
//!   Bitcoin several deposit addresses co-spent in one transaction), then
//!   batches moved through hops, splits to many wallets and re-merges, peel
//!   chains (1 input → 2 outputs, repeated), swaps (USDT → TRX or ETH at a
//!   pool) and bridges (USDT Tron → Ethereum), recorded as conversions, to
//!   the network's deposit addresses at exchanges and to OTC desks.
//!   Exchanges sweep deposit addresses into their hot wallets.
//! - **Bank laundering** (`bank`): first-level mules (the world's, named in
//!   reports) gather victims' transfers (fan-in) and pass them on within
//!   hours (rapid pass-through) to second-level mules (fan-out), keeping a
//!   cut; those pay OTC desks and exchanges, or a collector first
//!   (scatter-gather); some money goes round a cycle. An exchange's
//!   client-funds account pays crypto back out (a conversion of kind
//!   `exchange`), which the network moves on to a desk.
//! - **Legitimate traffic** (`noise`): exchanges' customers (the hot
//!   wallets' heavy traffic), people paying each other, swapping and
//!   bridging, a payment processor, payroll accounts paying dozens of
//!   employees, merchants taking many payments and paying out weekly,
//!   workers who send most of each salary home the same day, exchanges'
//!   client-funds accounts: the decoys of mule detection.
//!
//! Amounts are exact integers of each asset's smallest unit (USDT 6
//! decimals, BTC 8, ETH 18, bank 2); Bitcoin fees follow transaction size
//! and the day's fee rate, Ethereum transfers pay gas, banks charge for
//! cross-border transfers. Every flow passes `Flow::check`.
//!
//! # The truth
//!
//! Each payment's value is followed to its ends: a cash-out service
//! (exchange or OTC desk) after a number of hops, what remains in the
//! network's wallets and mules' accounts, and fees. Where payments are
//! pooled, value is shared pro rata (the haircut model), each payment's
//! shares summing exactly to what it paid. A hop is one flow after the
//! victim's payment; a swap or a bridge counts as one. The first service
//! reached is the end: what an exchange pays out afterwards (for a mule's
//! bank deposit) is not followed further by the truth.
//!
//! # Determinism
//!
//! Each network's money and each unit of legitimate traffic come from a
//! random stream of their own, so they are generated on any thread in any
//! order; flows are written sorted by time (then by a key unique to each
//! flow), never in generation order. Bank-account serials are split into
//! disjoint ranges (world pools from 1, report-time accounts from
//! 50,000,000, networks' from [`NETWORK_SERIALS`], legitimate accounts'
//! from [`NOISE_SERIALS`], services' from 99,000,000), in countries whose
//! account numbers have at least eight digits, so no two accounts collide.

mod bank;
mod coin;
mod crypto;
mod ledger;
mod net;
mod noise;
mod services;
mod truth;
mod victims;
mod write;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::Serialize;

pub use coin::{Coin, cents_text, local_cents};

use crate::SimError;
use crate::dice::Dice;
use crate::world::{self, World};
use ledger::Book;
use net::{End, MuleMark, Net, Payment, WalletRole};
use noise::NoiseOut;
use services::Services;

/// Random streams: report chunks use 1 to a few hundred.
const SERVICES_STREAM: u64 = 3 << 40;
const NETWORK_STREAM: u64 = 1 << 40;
const NOISE_STREAM: u64 = 1 << 41;
/// Flow-key streams of the books (the high half of each flow's key).
const SERVICES_BOOK: u64 = 1;
const NETWORK_BOOK: u64 = 2;
const NOISE_BOOK: u64 = 1 << 20;
/// Bank-account serials: networks' from here, 75,000 each (400 networks
/// at most)…
pub const NETWORK_SERIALS: u64 = 60_000_000;
const SERIALS_PER_NETWORK: u64 = 75_000;
/// …legitimate units' from here, 2,500 each (3,300 units at most).
pub const NOISE_SERIALS: u64 = 90_000_000;
const SERIALS_PER_UNIT: u64 = 2_500;
/// Per mille of exchange deposit addresses an investigator has a tag for,
/// the network's and legitimate customers' alike.
const DEPOSIT_TAGGED: u32 = 600;
/// Per mille of each network's active time the money world follows.
const FOLLOWED: i64 = 200;

/// The months of network `n`'s activity whose money is followed (as an
/// investigation pulls explorers' exports and bank statements for a
/// period): the reports received then, and the victims who paid then
/// without reporting. A fixed share of each network's active time, placed
/// by a hash, so every network has money and volume follows the scale.
pub fn window(world: &World, n: u16) -> (i64, i64) {
    let net = &world.networks[n as usize];
    let lo = world::START.max(net.start);
    let span = world::END - lo;
    let len = span * FOLLOWED / 1000;
    let offset =
        ledger::mix(world.seed ^ ledger::mix(u64::from(n) ^ 0xF0110)) % (span - len) as u64;
    let start = lo + offset as i64;
    (start, start + len)
}

/// What a victim told in a fraud report about how they paid.
#[derive(Debug, Clone)]
pub struct Paid {
    /// The report's id.
    pub report: String,
    pub network: u16,
    /// When the report was received: the payments were before.
    pub time: i64,
    /// The victim's country (a table index).
    pub country: u16,
    /// The currency of the stated loss (`USDT` for crypto).
    pub currency: String,
    /// The stated loss, in cents of that currency.
    pub cents: u64,
    pub to: PaidTo,
}

/// Where the victim paid.
#[derive(Debug, Clone)]
pub enum PaidTo {
    /// One payment into each deposit address (canonical), and the
    /// network's collection wallet the report names (a world entry), if it
    /// does.
    Crypto {
        coin: Coin,
        deposits: Vec<String>,
        wallet: Option<u32>,
    },
    /// Transfers to a mule's (or a laundering service's) account, a world
    /// entry.
    Bank { account: u32 },
}

/// Counts and values of the money world; part of the world's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MoneySummary {
    pub flows: u64,
    /// Flows by asset (`USDT@tron`, `BTC`, `EUR@bank`, …).
    pub flows_by_asset: BTreeMap<String, u64>,
    pub conversions: u64,
    pub tags: u64,
    pub payments: u64,
    /// Payments behind a fraud report.
    pub reported_payments: u64,
    pub mules: u64,
    pub decoys: u64,
    /// Dollar cents victims paid (at the time of payment)…
    pub paid_usd_cents: u64,
    /// …that reached a cash-out service…
    pub reached_usd_cents: u64,
    /// …within five hops…
    pub reached_within_5_hops_usd_cents: u64,
    /// …that remains with the networks and mules…
    pub remaining_usd_cents: u64,
    /// …and that went in fees.
    pub fees_usd_cents: u64,
}

/// One network's money, generated.
#[derive(Debug)]
pub struct NetworkMoney {
    pub n: u16,
    pub book: Book,
    pub payments: Vec<Payment>,
    pub settled: Vec<Vec<(End, u128)>>,
    pub totals: BTreeMap<(usize, Coin), (u128, u32)>,
    pub remaining: BTreeMap<(u32, Coin), u128>,
    pub wallets: Vec<(u32, WalletRole, Option<usize>)>,
    pub mules: BTreeMap<u32, MuleMark>,
}

/// The whole money world, in memory.
#[derive(Debug)]
pub struct MoneyWorld {
    pub services: Services,
    /// The services' tags.
    pub tags: Book,
    pub networks: Vec<NetworkMoney>,
    pub noise: Vec<NoiseOut>,
}

impl MoneyWorld {
    /// Every book: the services', the networks', the legitimate units'.
    pub fn books(&self) -> impl Iterator<Item = &Book> {
        std::iter::once(&self.tags)
            .chain(self.networks.iter().map(|n| &n.book))
            .chain(self.noise.iter().map(|n| &n.book))
    }
}

enum Job {
    Network(NetworkMoney),
    Noise(NoiseOut),
}

/// Generates the money world of `world` on `threads` threads; `paid` are
/// the reports' payments, in report order.
pub fn build(world: &World, paid: Vec<Paid>, threads: usize) -> MoneyWorld {
    let mut dice = Dice::new(world.seed, SERVICES_STREAM);
    let services = Services::build(world, &mut dice);
    let mut tags = Book::new(world.seed, SERVICES_BOOK);
    services.tag(&mut tags);
    let mut by_network: Vec<Vec<Paid>> = vec![Vec::new(); world.networks.len()];
    let windows: Vec<(i64, i64)> = (0..world.networks.len() as u16)
        .map(|n| window(world, n))
        .collect();
    for p in paid {
        let (from, to) = windows[p.network as usize];
        if (from..to).contains(&p.time) {
            by_network[p.network as usize].push(p);
        }
    }
    let units = noise::units(world.scale, &services);
    let jobs = by_network.len() + units.len();
    let next = AtomicUsize::new(0);
    let mut done: Vec<Option<Job>> = (0..jobs).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Job)>();
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (next, services, units, by_network) = (&next, &services, &units, &by_network);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= jobs {
                        break;
                    }
                    let job = if i < by_network.len() {
                        Job::Network(network(world, services, i as u16, &by_network[i]))
                    } else {
                        let u = i - by_network.len();
                        Job::Noise(noise::generate(world.seed, services, u, units[u]))
                    };
                    if tx.send((i, job)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, job) in rx {
            done[i] = Some(job);
        }
    });
    let mut networks = Vec::with_capacity(by_network.len());
    let mut noise = Vec::with_capacity(units.len());
    for job in done.into_iter().flatten() {
        match job {
            Job::Network(n) => networks.push(n),
            Job::Noise(n) => noise.push(n),
        }
    }
    MoneyWorld {
        services,
        tags,
        networks,
        noise,
    }
}

/// One network's victims and laundering.
fn network(world: &World, services: &Services, n: u16, paid: &[Paid]) -> NetworkMoney {
    let mut g = Net::new(world, services, n, world.seed);
    for p in paid {
        g.reported(p);
    }
    let unreported = paid.len() / 2 + g.dice.below(3) as usize;
    g.unreported(unreported, window(world, n));
    g.launder_crypto();
    g.launder_bank();
    NetworkMoney {
        n,
        book: g.book,
        payments: g.payments,
        settled: g.settled,
        totals: g.totals,
        remaining: g.remaining,
        wallets: g.wallets,
        mules: g.mules,
    }
}

/// Generates the money world and writes `flows.jsonl`, `conversions.jsonl`,
/// `tags.jsonl` and `money_truth.json` under `out_dir`.
pub fn generate(
    world: &World,
    paid: Vec<Paid>,
    out_dir: &Path,
    threads: usize,
) -> Result<MoneySummary, SimError> {
    let money = build(world, paid, threads);
    let mut summary = write::write(&money, out_dir, threads)?;
    truth::write(world, &money, out_dir, &mut summary)?;
    Ok(summary)
}
