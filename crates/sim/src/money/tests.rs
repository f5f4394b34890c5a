//! Tests of the whole money world, on the small world of seed 7: every
//! flow holds together, value is conserved exactly, the truth agrees with
//! the flows, mules look like mules and decoys never carry victims' money.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use cordon_core::Hint;
use cordon_finance::flow::ConversionKind;

use super::coin::Coin;
use super::ledger::Role;
use super::net::{CYCLE, End, Level, WalletRole};
use super::noise::Decoy;
use super::services::Kind;
use super::{MoneyWorld, NetworkMoney, build, truth};
use crate::Scale;
use crate::world::World;

struct Small {
    world: World,
    money: MoneyWorld,
}

fn small() -> &'static Small {
    static SMALL: OnceLock<Small> = OnceLock::new();
    SMALL.get_or_init(|| {
        let world = World::build(7, Scale::Small);
        let paid = crate::output::paid(&world);
        let money = build(&world, paid, 2);
        Small { world, money }
    })
}

/// Addresses of a network's book that belong to services: their own and
/// known ones, and the network's deposit addresses at exchanges.
fn service_addresses(money: &MoneyWorld, net: &NetworkMoney) -> HashMap<u32, usize> {
    let mut out = HashMap::new();
    for (i, s) in money.services.list.iter().enumerate() {
        for text in s.own.iter().flatten().chain(&s.known) {
            if let Some(a) = net.book.lookup(text) {
                out.insert(a, i);
            }
        }
    }
    for &(a, role, svc) in &net.wallets {
        if role == WalletRole::ExchangeDeposit {
            out.insert(a, svc.expect("a deposit address has its exchange"));
        }
    }
    out
}

fn victims_value_flows(f: &super::ledger::RawFlow) -> bool {
    matches!(f.role, Role::Payment | Role::Launder | Role::CashOut)
}

#[test]
fn every_flow_checks_and_every_address_is_canonical() {
    let s = small();
    let mut ids = HashSet::new();
    let mut seen = HashSet::new();
    let mut flows = 0;
    for book in s.money.books() {
        for f in 0..book.flows.len() as u32 {
            let flow = book.render(f);
            assert_eq!(flow.check(), Ok(()), "{flow:?}");
            assert!(ids.insert(flow.id.clone()), "flow id {} twice", flow.id);
            for leg in flow.inputs.iter().chain(&flow.outputs) {
                let scale = leg.amount.scale();
                assert!(
                    scale
                        <= flow.asset.network.native().map_or(2, |n| match n {
                            "BTC" => 8,
                            "ETH" => 18,
                            _ => 6,
                        }),
                    "{} has {scale} decimals",
                    leg.amount
                );
                if seen.insert(leg.address.clone()) {
                    let canonical =
                        cordon_core::selector::normalize_one(&leg.address, &Hint::default())
                            .unwrap_or_else(|e| panic!("{}: {e}", leg.address));
                    assert_eq!(canonical.as_str(), leg.address, "not canonical");
                }
            }
            flows += 1;
        }
    }
    assert!(flows > 10_000, "{flows} flows");
    // Conversions link flows that exist, at the service's address.
    for book in s.money.books() {
        for c in &book.conversions {
            let conv = book.render_conversion(c);
            assert!(ids.contains(&conv.from.flow) && ids.contains(&conv.to.flow));
            let from = book.render(c.from.0);
            let to = book.render(c.to.0);
            assert!(from.outputs.iter().any(|l| l.address == conv.from.address));
            assert!(to.inputs.iter().any(|l| l.address == conv.to.address));
            assert!(from.time <= to.time);
            if conv.kind != ConversionKind::Exchange {
                assert_ne!(from.asset, to.asset);
            }
        }
    }
}

#[test]
fn value_is_conserved_exactly() {
    let s = small();
    let mut checked = 0;
    for net in &s.money.networks {
        // Each payment's value is all accounted for.
        for (p, pay) in net.payments.iter().enumerate() {
            let sum: u128 = net.settled[p].iter().map(|e| e.1).sum();
            assert_eq!(sum, pay.units, "payment {p} of network {}", net.n);
        }
        // Per asset, over the victims' value flows: what came in (victims'
        // payments, conversions paying the network) is what went to
        // services (cash-outs, conversions), what remains, and fees.
        let services = service_addresses(&s.money, net);
        let book = &net.book;
        let mut inflow: BTreeMap<Coin, u128> = BTreeMap::new();
        let mut outflow: BTreeMap<Coin, u128> = BTreeMap::new();
        let mut fees: BTreeMap<Coin, u128> = BTreeMap::new();
        let mut order: Vec<usize> = (0..book.flows.len())
            .filter(|&f| victims_value_flows(&book.flows[f]))
            .collect();
        order.sort_by_key(|&f| (book.flows[f].time, book.flows[f].key));
        let mut balance: HashMap<(u32, Coin), i128> = HashMap::new();
        for f in order {
            let flow = &book.flows[f];
            let from_outside = flow.role == Role::Payment
                || book
                    .inputs(flow)
                    .iter()
                    .all(|l| services.contains_key(&l.addr));
            let senders: HashSet<u32> = book.inputs(flow).iter().map(|l| l.addr).collect();
            for l in book.outputs(flow) {
                // Change back to a sender outside the network is not
                // victims' value.
                if from_outside && senders.contains(&l.addr) {
                    continue;
                }
                if from_outside {
                    *inflow.entry(flow.coin).or_default() += l.units();
                }
                if services.contains_key(&l.addr) {
                    *outflow.entry(flow.coin).or_default() += l.units();
                } else {
                    *balance.entry((l.addr, flow.coin)).or_default() += l.units() as i128;
                }
            }
            if from_outside {
                continue;
            }
            *fees.entry(flow.coin).or_default() += flow.fee();
            for l in book.inputs(flow) {
                let spent = if flow.coin.is_utxo() {
                    l.units()
                } else {
                    l.units() + flow.fee()
                };
                let b = balance.entry((l.addr, flow.coin)).or_default();
                *b -= spent as i128;
                assert!(*b >= 0, "{} spent what it did not have", book.addr(l.addr));
            }
        }
        let mut remaining: BTreeMap<Coin, u128> = BTreeMap::new();
        for (&(a, coin), &units) in &net.remaining {
            if services.contains_key(&a) {
                continue;
            }
            assert_eq!(
                balance.get(&(a, coin)).copied().unwrap_or(0),
                units as i128,
                "the truth's remainder at {}",
                book.addr(a)
            );
            *remaining.entry(coin).or_default() += units;
        }
        for (&(a, coin), &b) in &balance {
            if b != 0 {
                assert!(
                    net.remaining.contains_key(&(a, coin)),
                    "{} holds {b} the truth does not know of",
                    book.addr(a)
                );
            }
        }
        for (&coin, &paid) in &inflow {
            let out = outflow.get(&coin).copied().unwrap_or(0);
            let left = remaining.get(&coin).copied().unwrap_or(0);
            let fee = fees.get(&coin).copied().unwrap_or(0);
            assert_eq!(paid, out + left + fee, "{coin:?} in network {}", net.n);
            checked += 1;
        }
    }
    assert!(checked > 30);
}

#[test]
fn the_truth_agrees_with_the_flows() {
    let s = small();
    let list = &s.money.services.list;
    for net in &s.money.networks {
        let services = service_addresses(&s.money, net);
        let book = &net.book;
        // What cash-out services received, by asset, as the flows say.
        let mut received: BTreeMap<(usize, Coin), u128> = BTreeMap::new();
        for flow in book.flows.iter().filter(|f| victims_value_flows(f)) {
            let senders: HashSet<u32> = book.inputs(flow).iter().map(|l| l.addr).collect();
            let from_services = senders.iter().all(|a| services.contains_key(a));
            for l in book.outputs(flow) {
                if let Some(&svc) = services.get(&l.addr)
                    && list[svc].kind.cashes_out()
                    && !senders.contains(&l.addr)
                    && (flow.role == Role::Payment || !from_services)
                {
                    *received.entry((svc, flow.coin)).or_default() += l.units();
                }
            }
        }
        let totals: BTreeMap<(usize, Coin), u128> =
            net.totals.iter().map(|(&k, &(u, _))| (k, u)).collect();
        assert_eq!(received, totals, "network {}", net.n);
        for (p, pay) in net.payments.iter().enumerate() {
            for &(end, _) in &net.settled[p] {
                if let End::Service { svc, hops } = end {
                    assert!(list[svc as usize].kind.cashes_out());
                    // Crypto is swept before anything else.
                    if pay.coin.chain() != super::coin::Chain::Bank {
                        assert!(hops >= 2, "{hops} hops");
                    }
                }
            }
            // A reported payment went where its report says.
            assert_eq!(book.render(pay.flow).outputs[0].address, book.addr(pay.to));
        }
    }
    let reached: u128 = s
        .money
        .networks
        .iter()
        .flat_map(|n| n.settled.iter().flatten())
        .filter(|e| matches!(e.0, End::Service { .. }))
        .count() as u128;
    assert!(reached > 1_000);
}

#[test]
fn most_value_reaches_services_within_five_hops() {
    let s = small();
    let (mut paid, mut reached, mut near) = (0u128, 0u128, 0u128);
    for net in &s.money.networks {
        for (p, pay) in net.payments.iter().enumerate() {
            paid += pay.usd;
            for &(end, v) in &net.settled[p] {
                if let End::Service { hops, .. } = end {
                    let usd = super::coin::mul_div(pay.usd, v, pay.units);
                    reached += usd;
                    if hops <= truth::HOPS {
                        near += usd;
                    }
                }
            }
        }
    }
    assert!(
        reached * 100 > paid * 85,
        "{reached} of {paid} reached services"
    );
    assert!(
        near * 100 > reached * 94,
        "{near} of {reached} within 5 hops"
    );
    assert!(near < reached, "some value goes further than 5 hops");
}

#[test]
fn mules_show_mule_patterns_and_decoys_stay_clean() {
    let s = small();
    let mules = truth::mules(&s.money);
    assert!(mules.len() > 50, "{} mules", mules.len());
    let mut patterns: BTreeMap<&str, usize> = BTreeMap::new();
    let mut levels: BTreeMap<Level, usize> = BTreeMap::new();
    for (account, f) in &mules {
        assert!(!f.ins.is_empty(), "{account} never received victims' money");
        let p = f.patterns();
        for name in &p {
            *patterns.entry(name).or_default() += 1;
        }
        *levels.entry(f.level.expect("a level")).or_default() += 1;
    }
    for name in [
        "fan_in",
        "fan_out",
        "rapid_pass_through",
        "scatter_gather",
        "cycle",
    ] {
        assert!(
            patterns.get(name).copied().unwrap_or(0) > 0,
            "no {name}: {patterns:?}"
        );
    }
    assert_eq!(levels.len(), 3, "{levels:?}");
    let with_pattern = mules.values().filter(|f| !f.patterns().is_empty()).count();
    assert!(
        with_pattern * 10 >= mules.len() * 9,
        "{with_pattern} of {}",
        mules.len()
    );
    let sent = mules.values().filter(|f| !f.outs.is_empty()).count();
    assert!(
        sent * 10 >= mules.len() * 8,
        "{sent} of {} passed money on",
        mules.len()
    );

    // A cycle goes round: the mule's money comes back to it.
    for net in &s.money.networks {
        let book = &net.book;
        let mut edges: HashMap<u32, BTreeSet<u32>> = HashMap::new();
        for f in book.flows.iter().filter(|f| victims_value_flows(f)) {
            for i in book.inputs(f) {
                for o in book.outputs(f) {
                    edges.entry(i.addr).or_default().insert(o.addr);
                }
            }
        }
        for (&a, m) in &net.mules {
            if m.flags & CYCLE != 0 && m.level == Level::First {
                let mut frontier = vec![a];
                let mut found = false;
                for _ in 0..4 {
                    frontier = frontier
                        .iter()
                        .flat_map(|x| edges.get(x).into_iter().flatten().copied())
                        .collect();
                    if frontier.contains(&a) {
                        found = true;
                        break;
                    }
                }
                assert!(found, "{} is in no cycle", book.addr(a));
            }
        }
    }

    // Decoys are busy but never touch victims' money, and are not mules.
    let decoys = truth::decoys(&s.money);
    let kinds: BTreeSet<_> = decoys.values().collect();
    assert!(kinds.len() >= 6, "{kinds:?}");
    let mut busy = 0;
    for net in &s.money.networks {
        let book = &net.book;
        for f in book.flows.iter().filter(|f| victims_value_flows(f)) {
            for l in book.inputs(f).iter().chain(book.outputs(f)) {
                let text = book.addr(l.addr);
                // Exchanges' wallets and accounts are where value is
                // cashed out; nothing else legitimate sees it.
                if let Some(kind) = decoys.get(text) {
                    assert!(
                        matches!(kind, Decoy::HotWallet | Decoy::ExchangeFiat),
                        "{text} ({kind:?}) carries victims' money"
                    );
                }
            }
        }
    }
    for n in &s.money.noise {
        let mut touches: HashMap<u32, usize> = HashMap::new();
        for f in &n.book.flows {
            for l in n.book.inputs(f).iter().chain(n.book.outputs(f)) {
                *touches.entry(l.addr).or_default() += 1;
            }
        }
        for &(a, _) in &n.decoys {
            busy += usize::from(touches.get(&a).copied().unwrap_or(0) >= 10);
        }
    }
    assert!(
        busy * 2 > decoys.len(),
        "{busy} of {} decoys are busy",
        decoys.len()
    );
    for d in decoys.keys() {
        assert!(!mules.contains_key(d), "{d} is a mule and a decoy");
    }
    // Investigators have no tags for mules.
    for book in s.money.books() {
        for t in &book.tags {
            assert!(!mules.contains_key(book.addr(t.addr)), "a mule is tagged");
        }
    }
}

#[test]
fn the_money_world_uses_the_worlds_selectors() {
    let s = small();
    let mut reported = 0;
    let mut in_pool = 0;
    let mut wallets = 0;
    for net in &s.money.networks {
        let pools = &s.world.networks[net.n as usize].pools;
        let pool: HashSet<&str> = pools
            .wallets
            .iter()
            .chain(&pools.mules)
            .map(|&e| s.world.entries[e as usize].canonical.as_str())
            .collect();
        for pay in &net.payments {
            if pay.report.is_some() {
                reported += 1;
            }
            if pool.contains(net.book.addr(pay.to)) {
                in_pool += 1;
            }
        }
        wallets += net
            .wallets
            .iter()
            .filter(|w| w.1 == WalletRole::Collection && pool.contains(net.book.addr(w.0)))
            .count();
    }
    assert!(reported > 1_000, "{reported} reported payments");
    assert!(in_pool > 100, "{in_pool} payments to pool mules");
    assert!(wallets > 20, "{wallets} pool collection wallets");
    // Conversions of every kind, swaps and bridges among the networks'.
    let kinds: BTreeSet<String> = s
        .money
        .books()
        .flat_map(|b| b.conversions.iter().map(|c| format!("{:?}", c.kind)))
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    let categories: BTreeSet<&str> = s
        .money
        .books()
        .flat_map(|b| b.tags.iter().map(|t| t.category))
        .collect();
    for c in [
        "exchange",
        "otc_desk",
        "bridge",
        "payment_processor",
        "scam_deposit",
        "other",
    ] {
        assert!(categories.contains(c), "no {c} tag");
    }
    assert!(
        s.money
            .services
            .list
            .iter()
            .any(|x| x.kind == Kind::OtcDesk && !x.known.is_empty())
    );
}

#[test]
fn bitcoin_fees_are_realistic() {
    let s = small();
    let mut rates = Vec::new();
    for book in s.money.books() {
        for f in book.flows.iter().filter(|f| f.coin == Coin::Btc) {
            let vbytes = 11 + 68 * u128::from(f.n_in) + 31 * u128::from(f.n_out);
            rates.push(f.fee() / vbytes);
        }
    }
    rates.sort_unstable();
    assert!(rates.len() > 500);
    let median = rates[rates.len() / 2];
    assert!((2..=60).contains(&median), "median {median} sat/vB");
    assert!(*rates.last().unwrap() <= 200);
}

#[test]
fn payments_are_heavy_tailed_mostly_usdt_and_spread_over_the_period() {
    let s = small();
    let mut usd: Vec<u128> = Vec::new();
    let mut by_coin: BTreeMap<Coin, usize> = BTreeMap::new();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for net in &s.money.networks {
        for pay in &net.payments {
            usd.push(pay.usd);
            let key = match pay.coin {
                Coin::Fiat(_) => Coin::Fiat(0),
                c => c,
            };
            *by_coin.entry(key).or_default() += 1;
            first = first.min(pay.time);
            last = last.max(pay.time);
        }
    }
    usd.sort_unstable();
    let total: u128 = usd.iter().sum();
    let top: u128 = usd[usd.len() * 9 / 10..].iter().sum();
    assert!(
        top * 100 > total * 40,
        "the top tenth holds {top} of {total}"
    );
    assert!(
        usd[usd.len() / 2] < total / usd.len() as u128,
        "the median is below the mean"
    );
    let crypto: usize = by_coin
        .iter()
        .filter(|(c, _)| !matches!(c, Coin::Fiat(_)))
        .map(|(_, n)| n)
        .sum();
    assert!(by_coin[&Coin::UsdtTron] * 2 > crypto, "{by_coin:?}");
    for c in [Coin::UsdtEth, Coin::Btc, Coin::Eth, Coin::Fiat(0)] {
        assert!(by_coin.get(&c).copied().unwrap_or(0) > 20, "{by_coin:?}");
    }
    assert!(last - first > 2 * 365 * 86_400, "payments span the period");
}
