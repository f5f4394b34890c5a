//! The money world's truth, `money_truth.json`: one JSON object whose
//! arrays hold one element per line.
//!
//! - `services`: id, name, kind, own addresses and the world selectors
//!   (named in reports) that are theirs.
//! - `payments`: every victim payment: its flow, network, report (or
//!   `null`), victim, the deposit address or account paid, asset, amount,
//!   dollar value when paid, time; `reached`: the cash-out services its
//!   value reached, by hops, with the value (in the payment's asset, pro
//!   rata where payments were pooled); `remaining` (still with the network
//!   or its mules) and `fees`. `reached`, `remaining` and `fees` sum
//!   exactly to `amount`.
//! - `service_totals`: per service and network, what it received (by
//!   asset, exactly as the flows say), from how many payments, and its
//!   dollar value.
//! - `mules`: every mule account, its networks, level (`first`: victims
//!   pay it; `second`; `collector`), patterns (`fan_in`, `fan_out`,
//!   `rapid_pass_through`, `scatter_gather`, `cycle`), counts of distinct
//!   senders and receivers in laundering flows, and whether the world's
//!   selectors list it (reports may name it).
//! - `decoys`: legitimate addresses that look busy: `payroll`, `merchant`,
//!   `landlord`, `remitter`, `exchange_fiat`, `hot_wallet`,
//!   `payment_processor`.
//! - `wallets`: the networks' other wallets (collection, hops, splits,
//!   merges, peel chains' change, bridged, exchange deposit accounts with
//!   their exchange, exchange withdrawals).
//! - `balances`: what remains, by network, address and asset, of the
//!   value the truth follows (the `remaining` of the payments, in the
//!   assets it is held in).
//! - `summary`: the counts and values of [`MoneySummary`].

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use super::coin::{Coin, mul_div};
use super::ledger::Role;
use super::net::{CYCLE, End, Level, SCATTER_GATHER};
use super::noise::Decoy;
use super::{MoneySummary, MoneyWorld};
use crate::SimError;
use crate::report::rfc3339;
use crate::world::{Role as SelectorRole, World};

/// Hops within which the brief's tracing figure is measured.
pub const HOPS: u8 = 5;

#[derive(Serialize)]
struct Reached<'a> {
    service: &'a str,
    hops: u8,
    value: String,
}

#[derive(Serialize)]
struct PaymentLine<'a> {
    flow: String,
    network: &'a str,
    report: Option<&'a str>,
    victim: &'a str,
    to: &'a str,
    asset: String,
    amount: String,
    usd: String,
    time: String,
    reached: Vec<Reached<'a>>,
    remaining: String,
    fees: String,
}

/// A mule account's activity in laundering flows, gathered over networks.
#[derive(Debug, Default)]
pub struct MuleFacts {
    pub networks: BTreeSet<u16>,
    pub level: Option<Level>,
    pub flags: u8,
    pub senders: BTreeSet<String>,
    pub receivers: BTreeSet<String>,
    pub ins: Vec<i64>,
    pub outs: Vec<i64>,
}

impl MuleFacts {
    /// The patterns its flows show, and those recorded as made.
    pub fn patterns(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.senders.len() >= 3 {
            out.push("fan_in");
        }
        if self.receivers.len() >= 3 {
            out.push("fan_out");
        }
        let mut ins = self.ins.clone();
        ins.sort_unstable();
        let rapid = self.outs.iter().any(|&o| {
            let i = ins.partition_point(|&t| t < o);
            i > 0 && o - ins[i - 1] <= 48 * 3_600
        });
        if rapid {
            out.push("rapid_pass_through");
        }
        if self.flags & SCATTER_GATHER != 0 {
            out.push("scatter_gather");
        }
        if self.flags & CYCLE != 0 {
            out.push("cycle");
        }
        out
    }
}

/// Every mule account's facts, by address.
pub fn mules(money: &MoneyWorld) -> BTreeMap<String, MuleFacts> {
    let mut out: BTreeMap<String, MuleFacts> = BTreeMap::new();
    for net in &money.networks {
        let book = &net.book;
        for (&a, m) in &net.mules {
            let f = out.entry(book.addr(a).to_owned()).or_default();
            f.networks.insert(net.n);
            f.level = Some(f.level.map_or(m.level, |l| l.min(m.level)));
            f.flags |= m.flags;
        }
        for flow in &book.flows {
            if !matches!(flow.role, Role::Payment | Role::Launder | Role::CashOut) {
                continue;
            }
            let (ins, outs) = (book.inputs(flow), book.outputs(flow));
            for o in outs {
                if net.mules.contains_key(&o.addr) {
                    let f = out.get_mut(book.addr(o.addr)).expect("listed above");
                    for i in ins {
                        f.senders.insert(book.addr(i.addr).to_owned());
                    }
                    f.ins.push(flow.time);
                }
            }
            for i in ins {
                if net.mules.contains_key(&i.addr) {
                    let f = out.get_mut(book.addr(i.addr)).expect("listed above");
                    for o in outs {
                        f.receivers.insert(book.addr(o.addr).to_owned());
                    }
                    f.outs.push(flow.time);
                }
            }
        }
    }
    out
}

/// Legitimate busy addresses, by address.
pub fn decoys(money: &MoneyWorld) -> BTreeMap<String, Decoy> {
    let mut out = BTreeMap::new();
    for n in &money.noise {
        for &(a, kind) in &n.decoys {
            out.entry(n.book.addr(a).to_owned()).or_insert(kind);
        }
    }
    out
}

fn value(coin: Coin, units: u128) -> String {
    coin.decimal(units).to_string()
}

/// Micro-dollars as dollars with cents.
fn dollars(micro: u128) -> String {
    let cents = micro / 10_000;
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn cents(micro: u128) -> u64 {
    (micro / 10_000) as u64
}

fn sep(w: &mut impl Write, first: &mut bool) -> io::Result<()> {
    if !*first {
        w.write_all(b",\n")?;
    }
    *first = false;
    Ok(())
}

pub fn write(
    world: &World,
    money: &MoneyWorld,
    out_dir: &Path,
    summary: &mut MoneySummary,
) -> Result<(), SimError> {
    let path = out_dir.join("money_truth.json");
    let file = File::create(&path).map_err(|source| SimError::Io {
        path: path.clone(),
        source,
    })?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    write_to(world, money, &mut w, summary)
        .and_then(|()| w.flush())
        .map_err(|source| SimError::Io { path, source })
}

fn write_to(
    world: &World,
    money: &MoneyWorld,
    w: &mut impl Write,
    summary: &mut MoneySummary,
) -> io::Result<()> {
    let services = &money.services.list;
    let net_id = |n: u16| world.networks[n as usize].id.as_str();
    write!(
        w,
        "{{\n\"format\": \"cordon-sim-money/1\",\n\"seed\": {},\n\"scale\": \"{}\",\n\"hops\": \"flows after the victim's payment up to the one that reached the service; a swap or a bridge counts as one\",\n\"services\": [\n",
        world.seed, world.scale
    )?;
    let mut first = true;
    for s in services {
        sep(w, &mut first)?;
        let line = json!({
            "id": s.id,
            "name": s.name,
            "kind": s.kind,
            "cashes_out": s.kind.cashes_out(),
            "addresses": s.own.iter().flatten().collect::<Vec<_>>(),
            "known": s.known,
        });
        serde_json::to_writer(&mut *w, &line)?;
    }

    w.write_all(b"\n],\n\"payments\": [\n")?;
    let mut first = true;
    let mut totals_usd: BTreeMap<(u16, usize), (u128, u64)> = BTreeMap::new();
    for net in &money.networks {
        let book = &net.book;
        for (p, pay) in net.payments.iter().enumerate() {
            let row = &net.settled[p];
            let usd_of = |v: u128| mul_div(pay.usd, v, pay.units);
            let mut reached = Vec::new();
            let (mut remaining, mut fees) = (0u128, 0u128);
            let mut ends = row.clone();
            ends.sort_unstable();
            let mut seen: BTreeSet<usize> = BTreeSet::new();
            for &(end, v) in &ends {
                match end {
                    End::Service { svc, hops } => {
                        reached.push(Reached {
                            service: &services[svc as usize].id,
                            hops,
                            value: value(pay.coin, v),
                        });
                        let usd = usd_of(v);
                        summary.reached_usd_cents += cents(usd);
                        if hops <= HOPS {
                            summary.reached_within_5_hops_usd_cents += cents(usd);
                        }
                        let t = totals_usd.entry((net.n, svc as usize)).or_default();
                        t.0 += usd;
                        if seen.insert(svc as usize) {
                            t.1 += 1;
                        }
                    }
                    End::Remaining => remaining += v,
                    End::Fee => fees += v,
                }
            }
            summary.payments += 1;
            summary.reported_payments += u64::from(pay.report.is_some());
            summary.paid_usd_cents += cents(pay.usd);
            summary.remaining_usd_cents += cents(usd_of(remaining));
            summary.fees_usd_cents += cents(usd_of(fees));
            let line = PaymentLine {
                flow: book.flow_id(pay.flow),
                network: net_id(net.n),
                report: pay.report.as_deref(),
                victim: book.addr(pay.victim),
                to: book.addr(pay.to),
                asset: pay.coin.asset().to_string(),
                amount: value(pay.coin, pay.units),
                usd: dollars(pay.usd),
                time: rfc3339(pay.time),
                reached,
                remaining: value(pay.coin, remaining),
                fees: value(pay.coin, fees),
            };
            sep(w, &mut first)?;
            serde_json::to_writer(&mut *w, &line)?;
        }
    }

    w.write_all(b"\n],\n\"service_totals\": [\n")?;
    let mut first = true;
    for net in &money.networks {
        let mut by_service: BTreeMap<usize, Vec<serde_json::Value>> = BTreeMap::new();
        for (&(svc, coin), &(units, flows)) in &net.totals {
            by_service.entry(svc).or_default().push(json!({
                "asset": coin.asset().to_string(),
                "amount": value(coin, units),
                "flows": flows,
            }));
        }
        for (svc, received) in by_service {
            let (usd, payments) = totals_usd.get(&(net.n, svc)).copied().unwrap_or_default();
            sep(w, &mut first)?;
            let line = json!({
                "service": services[svc].id,
                "network": net_id(net.n),
                "received": received,
                "payments": payments,
                "usd": dollars(usd),
            });
            serde_json::to_writer(&mut *w, &line)?;
        }
    }

    w.write_all(b"\n],\n\"mules\": [\n")?;
    let in_world: HashSet<&str> = world
        .entries
        .iter()
        .filter(|e| e.role == SelectorRole::MuleAccount)
        .map(|e| e.canonical.as_str())
        .collect();
    let mules = mules(money);
    summary.mules = mules.len() as u64;
    let mut first = true;
    for (account, f) in &mules {
        sep(w, &mut first)?;
        let line = json!({
            "account": account,
            "networks": f.networks.iter().map(|&n| net_id(n)).collect::<Vec<_>>(),
            "level": f.level,
            "patterns": f.patterns(),
            "senders": f.senders.len(),
            "receivers": f.receivers.len(),
            "world_selector": in_world.contains(account.as_str()),
        });
        serde_json::to_writer(&mut *w, &line)?;
    }

    w.write_all(b"\n],\n\"decoys\": [\n")?;
    let decoys = decoys(money);
    summary.decoys = decoys.len() as u64;
    let mut first = true;
    for (address, kind) in &decoys {
        sep(w, &mut first)?;
        serde_json::to_writer(&mut *w, &json!({"address": address, "kind": kind}))?;
    }

    w.write_all(b"\n],\n\"wallets\": [\n")?;
    let mut first = true;
    for net in &money.networks {
        for &(a, role, svc) in &net.wallets {
            sep(w, &mut first)?;
            let line = json!({
                "address": net.book.addr(a),
                "network": net_id(net.n),
                "role": role,
                "service": svc.map(|s| services[s].id.as_str()),
            });
            serde_json::to_writer(&mut *w, &line)?;
        }
    }
    w.write_all(b"\n],\n\"balances\": [\n")?;
    let mut first = true;
    for net in &money.networks {
        for (&(a, coin), &units) in &net.remaining {
            sep(w, &mut first)?;
            let line = json!({
                "address": net.book.addr(a),
                "network": net_id(net.n),
                "asset": coin.asset().to_string(),
                "amount": value(coin, units),
            });
            serde_json::to_writer(&mut *w, &line)?;
        }
    }
    w.write_all(b"\n],\n\"summary\": ")?;
    serde_json::to_writer(&mut *w, &*summary)?;
    w.write_all(b"\n}\n")
}
