//! Golden cases, computed by hand (the arithmetic is in the comments), and
//! properties of the models.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use rust_decimal::{Decimal, dec};

use super::*;
use crate::flow::{Conversion, Flow, Leg, LegRef};
use crate::services::ServiceTags;

fn at(minutes: i64) -> DateTime<Utc> {
    "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minutes)
}

fn leg(address: &str, amount: Decimal) -> Leg {
    Leg {
        address: address.to_owned(),
        amount,
    }
}

/// A transfer of one asset from one address to another.
fn transfer(asset: &str, id: &str, minute: i64, from: &str, to: &str, amount: Decimal) -> Flow {
    Flow {
        id: id.into(),
        asset: asset.parse().unwrap(),
        time: at(minute),
        inputs: vec![leg(from, amount)],
        outputs: vec![leg(to, amount)],
        fee: Decimal::ZERO,
    }
}

fn usdt(id: &str, minute: i64, from: &str, to: &str, amount: Decimal) -> Flow {
    transfer(
        "USDT@tron",
        id,
        minute,
        &format!("trx:{from}"),
        &format!("trx:{to}"),
        amount,
    )
}

/// A bitcoin transaction; the fee is what the outputs leave.
fn btc(id: &str, minute: i64, inputs: &[(&str, Decimal)], outputs: &[(&str, Decimal)]) -> Flow {
    let legs = |l: &[(&str, Decimal)]| {
        l.iter()
            .map(|(a, v)| leg(&format!("btc:{a}"), *v))
            .collect::<Vec<_>>()
    };
    let fee =
        inputs.iter().map(|l| l.1).sum::<Decimal>() - outputs.iter().map(|l| l.1).sum::<Decimal>();
    Flow {
        id: id.into(),
        asset: "BTC".parse().unwrap(),
        time: at(minute),
        inputs: legs(inputs),
        outputs: legs(outputs),
        fee,
    }
}

fn seed(flow: &str, address: &str) -> Seed {
    Seed::Leg {
        flow: flow.into(),
        address: address.into(),
        amount: None,
    }
}

fn amounts(
    poison: Decimal,
    haircut: Decimal,
    fifo: Decimal,
    lifo: Decimal,
    tiho: Decimal,
) -> ModelAmounts {
    ModelAmounts {
        poison: Some(poison),
        haircut: Some(haircut),
        fifo: Some(fifo),
        lifo: Some(lifo),
        tiho: Some(tiho),
    }
}

/// A's balance mixes 50 clean (older) and a victim's 100, then A pays B 60
/// and an exchange 90; B passes its 60 on to E.
fn mixed_balance() -> (FlowGraph, ServiceIndex) {
    let flows = vec![
        usdt("c1", 0, "C", "A", dec!(50)),
        usdt("v", 10, "X", "A", dec!(100)),
        usdt("s1", 20, "A", "B", dec!(60)),
        usdt("s2", 30, "A", "D", dec!(90)),
        usdt("b", 40, "B", "E", dec!(60)),
    ];
    let g = FlowGraph::build(&flows, &[]).unwrap();
    let mut tags = ServiceTags::new();
    tags.insert("trx:D", "exchange", "Binance");
    let s = ServiceIndex::new(&g, &tags);
    (g, s)
}

#[test]
fn each_model_takes_its_part_of_a_mixed_balance() {
    let (g, s) = mixed_balance();
    let t = trace(&g, &s, &[seed("v", "trx:A")], &TraceOptions::default()).unwrap();
    // A holds 50 clean then 100 tainted (balance 150) when it sends 60 to B:
    //   poison  60 (all of it)
    //   haircut 100 × 60 / 150 = 40        (A keeps 60 of 90)
    //   FIFO    the oldest 60 = 50 clean + 10 tainted → 10   (A keeps 90 tainted)
    //   LIFO    the newest 60, all tainted → 60               (A keeps 50 clean + 40 tainted)
    //   TIHO    min(100, 60) = 60                             (A keeps 40)
    let b = t.address("trx:B").unwrap();
    assert_eq!(
        b.amounts,
        amounts(dec!(60), dec!(40), dec!(10), dec!(60), dec!(60))
    );
    assert_eq!(b.hop, 1);
    // A then sends its whole balance, 90, to Binance: haircut 60, FIFO 90,
    // LIFO 40, TIHO 40, poison 90.
    let binance = t.service("Binance").unwrap();
    assert_eq!(
        binance.amounts,
        amounts(dec!(90), dec!(60), dec!(90), dec!(40), dec!(40))
    );
    assert_eq!(
        binance.band,
        Band {
            low: dec!(40),
            central: dec!(60),
            high: dec!(90)
        }
    );
    assert_eq!(binance.network, Network::Tron);
    // B passes all it holds to E, who keeps it.
    let e = t.address("trx:E").unwrap();
    assert_eq!(
        e.amounts,
        amounts(dec!(60), dec!(40), dec!(10), dec!(60), dec!(60))
    );
    assert_eq!(e.held, e.amounts);
    assert_eq!(e.hop, 2);
    // Conservation: 100 seeded = at Binance + held at E, in every model.
    let totals = t.totals_of(&"USDT@tron".parse().unwrap()).unwrap();
    assert_eq!(totals.seeded.haircut, Some(dec!(100)));
    for m in [Model::Haircut, Model::Fifo, Model::Lifo, Model::Tiho] {
        assert_eq!(
            totals.at_services.get(m).unwrap() + totals.held.get(m).unwrap(),
            dec!(100),
            "{m:?}"
        );
    }
    // Freezable: Binance's deposit address, and E's USDT (Tether can
    // freeze it), with the path that carried it.
    assert_eq!(t.freezable.len(), 2);
    let at_binance = &t.freezable[0];
    assert_eq!(
        (at_binance.holder.as_str(), at_binance.amount),
        ("Binance", dec!(60))
    );
    let flows: Vec<&str> = t
        .path(&at_binance.evidence[0])
        .iter()
        .map(|s| s.flow.as_str())
        .collect();
    assert_eq!(flows, ["v", "s2"]);
    let at_e = &t.freezable[1];
    assert_eq!(
        (at_e.holder.as_str(), at_e.category.as_str()),
        ("Tether", "issuer")
    );
    assert_eq!(at_e.amount, dec!(40));
    let path = t.path(&at_e.evidence[0]);
    let flows: Vec<&str> = path.iter().map(|s| s.flow.as_str()).collect();
    assert_eq!(flows, ["v", "s1", "b"]);
    assert_eq!(path[0].from, "trx:X");
}

#[test]
fn the_hop_limit_keeps_what_reaches_it() {
    let (g, s) = mixed_balance();
    let options = TraceOptions {
        max_hops: 1,
        ..TraceOptions::default()
    };
    let t = trace(&g, &s, &[seed("v", "trx:A")], &options).unwrap();
    // B is at hop 1, the limit: it keeps the 40 (haircut) and what it sends
    // to E leaves the trace.
    assert!(t.address("trx:E").is_none());
    let totals = t.totals_of(&"USDT@tron".parse().unwrap()).unwrap();
    assert_eq!(totals.beyond_limit.haircut, Some(dec!(40)));
    assert_eq!(totals.held.haircut, Some(dec!(0)));
    assert_eq!(totals.at_services.haircut, Some(dec!(60)));
}

#[test]
fn a_peel_chain_is_followed_along_its_larger_outputs() {
    // 10 BTC from a victim's payment peeled three times, 0.001 fee each.
    let flows = vec![
        btc("p0", 0, &[("F", dec!(10.001))], &[("P1", dec!(10))]),
        btc(
            "p1",
            10,
            &[("P1", dec!(10))],
            &[("pay1", dec!(1)), ("P2", dec!(8.999))],
        ),
        btc(
            "p2",
            20,
            &[("P2", dec!(8.999))],
            &[("P3", dec!(6.998)), ("pay2", dec!(2))],
        ),
        btc(
            "p3",
            30,
            &[("P3", dec!(6.998))],
            &[("pay3", dec!(0.5)), ("P4", dec!(6.497))],
        ),
    ];
    let g = FlowGraph::build(&flows, &[]).unwrap();
    let mut tags = ServiceTags::new();
    tags.insert("btc:pay1", "exchange", "Huobi");
    tags.insert("btc:pay2", "exchange", "Huobi");
    let s = ServiceIndex::new(&g, &tags);
    let t = trace(&g, &s, &[seed("p0", "btc:P1")], &TraceOptions::default()).unwrap();
    // Every input is wholly tainted, so every model gives each output all
    // of its amount: Huobi 1 + 2 = 3, pay3 0.5, P4 6.497, fees 3 × 0.001.
    let all = |d: Decimal| amounts(d, d, d, d, d);
    assert_eq!(t.service("Huobi").unwrap().amounts, all(dec!(3)));
    assert_eq!(t.service("Huobi").unwrap().addresses, 2);
    assert_eq!(t.address("btc:pay3").unwrap().amounts, all(dec!(0.5)));
    assert_eq!(t.address("btc:P4").unwrap().held, all(dec!(6.497)));
    assert_eq!(t.address("btc:P4").unwrap().hop, 3);
    let totals = t.totals_of(&"BTC".parse().unwrap()).unwrap();
    assert_eq!(totals.fees.haircut, Some(dec!(0.003)));
    // 3 + 0.5 + 6.497 + 0.003 = 10.
    assert_eq!(
        totals.at_services.haircut.unwrap()
            + totals.held.haircut.unwrap()
            + totals.fees.haircut.unwrap(),
        dec!(10)
    );
    // Only the pay3 and P4 balances are BTC: no issuer, not freezable; the
    // exchange's deposits are.
    assert!(t.freezable.iter().all(|f| f.holder == "Huobi"));
}

#[test]
fn a_coinjoin_spreads_taint_by_model() {
    // Four inputs of 1 BTC, the third tainted; four outputs of 0.99; fee 0.04.
    let flows = vec![
        btc("s", 0, &[("X", dec!(1.0001))], &[("T", dec!(1))]),
        btc(
            "cj",
            10,
            &[
                ("C1", dec!(1)),
                ("C2", dec!(1)),
                ("T", dec!(1)),
                ("C3", dec!(1)),
            ],
            &[
                ("O1", dec!(0.99)),
                ("O2", dec!(0.99)),
                ("O3", dec!(0.99)),
                ("O4", dec!(0.99)),
            ],
        ),
    ];
    let g = FlowGraph::build(&flows, &[]).unwrap();
    let t = trace(
        &g,
        &ServiceIndex::none(),
        &[seed("s", "btc:T")],
        &TraceOptions::default(),
    )
    .unwrap();
    let got = |a: &str| t.address(a).unwrap().amounts.clone();
    // haircut: 1 × 0.99 / 4 = 0.2475 each (fee 1 − 4 × 0.2475 = 0.01).
    // FIFO/LIFO: inputs end to end, T on [2, 3); O3 is [1.98, 2.97) → 0.97,
    //   O4 is [2.97, 3.96) → 0.03.
    // TIHO: the outputs tie, so in output order: O1 0.99, O2 the last 0.01.
    // poison: every output, 0.99.
    assert_eq!(
        got("btc:O1"),
        amounts(dec!(0.99), dec!(0.2475), dec!(0), dec!(0), dec!(0.99))
    );
    assert_eq!(
        got("btc:O2"),
        amounts(dec!(0.99), dec!(0.2475), dec!(0), dec!(0), dec!(0.01))
    );
    assert_eq!(
        got("btc:O3"),
        amounts(dec!(0.99), dec!(0.2475), dec!(0.97), dec!(0.97), dec!(0))
    );
    assert_eq!(
        got("btc:O4"),
        amounts(dec!(0.99), dec!(0.2475), dec!(0.03), dec!(0.03), dec!(0))
    );
    let totals = t.totals_of(&"BTC".parse().unwrap()).unwrap();
    assert_eq!(totals.fees.haircut, Some(dec!(0.01)));
    assert_eq!(totals.fees.fifo, Some(dec!(0)));
}

/// A victim pays a mule 1000 EUR; the mule pays it into an exchange's
/// client account; the exchange's statement says it paid 1080 USDT out
/// from its hot wallet to W, and W paid Z.
fn bank_to_crypto() -> (FlowGraph, ServiceIndex) {
    let flows = vec![
        transfer("EUR@bank", "v", 0, "iban:VICTIM", "iban:MULE", dec!(1000)),
        transfer(
            "EUR@bank",
            "dep",
            60,
            "iban:MULE",
            "iban:EXCHANGE",
            dec!(1000),
        ),
        // The exchange's hot wallet pays out 1080 USDT (1.08 a euro).
        usdt("wd", 120, "HOT", "W", dec!(1080)),
        usdt("w2", 180, "W", "Z", dec!(1080)),
        // An unrelated withdrawal from the same hot wallet stays clean.
        usdt("other", 130, "HOT", "Q", dec!(500)),
    ];
    let conversions = vec![Conversion {
        kind: ConversionKind::Exchange,
        from: LegRef {
            flow: "dep".into(),
            address: "iban:EXCHANGE".into(),
        },
        to: LegRef {
            flow: "wd".into(),
            address: "trx:HOT".into(),
        },
        service: Some("iban:EXCHANGE".into()),
        evidence: "exchange reply 2026-114".into(),
    }];
    let g = FlowGraph::build(&flows, &conversions).unwrap();
    let mut tags = ServiceTags::new();
    tags.insert("iban:EXCHANGE", "exchange", "Coinone");
    tags.insert("trx:HOT", "exchange", "Coinone");
    let s = ServiceIndex::new(&g, &tags);
    (g, s)
}

#[test]
fn a_tagged_exchange_stops_the_trace_and_names_what_it_paid_out() {
    let (g, s) = bank_to_crypto();
    let t = trace(&g, &s, &[seed("v", "iban:MULE")], &TraceOptions::default()).unwrap();
    // The deposit is the cash-out point: all 1000 EUR reached Coinone.
    let coinone = t.service("Coinone").unwrap();
    assert_eq!(coinone.amounts.haircut, Some(dec!(1000)));
    assert_eq!(coinone.asset, "EUR@bank".parse().unwrap());
    assert!(t.address("trx:W").is_none());
    // The conversion is listed, not followed, for a trace from its far side.
    assert_eq!(t.crossings.len(), 1);
    let c = &t.crossings[0];
    assert!(!c.followed);
    assert_eq!((c.from_flow.as_str(), c.to_flow.as_str()), ("dep", "wd"));
    assert_eq!(c.amounts.haircut, Some(dec!(1000)));
    let usd = t.totals_of(&"USDT@tron".parse().unwrap());
    assert!(usd.is_none(), "{usd:?}");
    // Backward from Z: the trace stops at the hot wallet, which is Coinone's.
    let back = TraceOptions {
        direction: Direction::Backward,
        ..TraceOptions::default()
    };
    let t = trace(&g, &s, &[seed("w2", "trx:Z")], &back).unwrap();
    assert_eq!(
        t.service("Coinone").unwrap().amounts.haircut,
        Some(dec!(1080))
    );
    assert!(t.address("iban:MULE").is_none());
    assert!(!t.crossings[0].followed);
}

#[test]
fn money_crosses_from_bank_to_crypto_only_where_a_conversion_says() {
    let (g, s) = bank_to_crypto();
    let through = TraceOptions {
        through_services: true,
        ..TraceOptions::default()
    };
    let t = trace(&g, &s, &[seed("v", "iban:MULE")], &through).unwrap();
    // 1000 EUR tainted → 1000 × 1080 / 1000 = 1080 USDT, to W then Z;
    // the deposit (hop 1) and the withdrawal (hop 2) are two moves.
    let z = t.address("trx:Z").unwrap();
    assert_eq!(z.held.haircut, Some(dec!(1080)));
    assert_eq!(z.held.fifo, Some(dec!(1080)));
    assert_eq!(t.address("trx:W").unwrap().hop, 2);
    assert_eq!(z.hop, 3);
    assert!(t.address("trx:Q").is_none());
    assert_eq!(t.crossings.len(), 1);
    assert!(t.crossings[0].followed);
    assert_eq!(t.crossings[0].amounts.haircut, Some(dec!(1000)));
    let eur = t.totals_of(&"EUR@bank".parse().unwrap()).unwrap();
    assert_eq!(eur.converted_out.haircut, Some(dec!(1000)));
    let usd = t.totals_of(&"USDT@tron".parse().unwrap()).unwrap();
    assert_eq!(usd.converted_in.haircut, Some(dec!(1080)));
    // Z's USDT is freezable by Tether; the path crosses the exchange.
    let z_freeze = t.freezable.iter().find(|f| f.address == "trx:Z").unwrap();
    let flows: Vec<&str> = t
        .path(&z_freeze.evidence[0])
        .iter()
        .map(|s| s.flow.as_str())
        .collect();
    assert_eq!(flows, ["v", "dep", "wd", "w2"]);
    // Backward from Z through the exchange, to the mule and the victim.
    let back = TraceOptions {
        direction: Direction::Backward,
        ..through
    };
    let t = trace(&g, &s, &[seed("w2", "trx:Z")], &back).unwrap();
    assert_eq!(
        t.address("iban:VICTIM").unwrap().amounts.haircut,
        Some(dec!(1000))
    );
    // Without the conversion, the trace stops at the exchange's account.
    let g = FlowGraph::build(&flows_without_conversion(), &[]).unwrap();
    let mut tags = ServiceTags::new();
    tags.insert("iban:EXCHANGE", "exchange", "Coinone");
    let s = ServiceIndex::new(&g, &tags);
    let t = trace(&g, &s, &[seed("v", "iban:MULE")], &through).unwrap();
    assert_eq!(
        t.service("Coinone").unwrap().amounts.haircut,
        Some(dec!(1000))
    );
    assert!(t.address("trx:Z").is_none());
}

#[test]
fn a_swap_or_a_bridge_counts_one_hop() {
    // X's USDT is swapped at a tagged pool for TRX, which goes A → B → C
    // → D → E: with the swap one hop, E is hop 5, inside the limit.
    let flows = vec![
        usdt("v", 0, "VICTIM", "X", dec!(100)),
        usdt("in", 10, "X", "POOL", dec!(100)),
        transfer("TRX", "out", 11, "trx:POOL", "trx:A", dec!(400)),
        transfer("TRX", "a", 20, "trx:A", "trx:B", dec!(400)),
        transfer("TRX", "b", 30, "trx:B", "trx:C", dec!(400)),
        transfer("TRX", "c", 40, "trx:C", "trx:D", dec!(400)),
        transfer("TRX", "d", 50, "trx:D", "trx:E", dec!(400)),
        transfer("TRX", "e", 60, "trx:E", "trx:F", dec!(400)),
    ];
    let conversions = vec![Conversion {
        kind: ConversionKind::Swap,
        from: LegRef {
            flow: "in".into(),
            address: "trx:POOL".into(),
        },
        to: LegRef {
            flow: "out".into(),
            address: "trx:POOL".into(),
        },
        service: None,
        evidence: "swap event".into(),
    }];
    let g = FlowGraph::build(&flows, &conversions).unwrap();
    let mut tags = ServiceTags::new();
    tags.insert("trx:POOL", "exchange", "SunSwap");
    let s = ServiceIndex::new(&g, &tags);
    let t = trace(&g, &s, &[seed("v", "trx:X")], &TraceOptions::default()).unwrap();
    // A pool is crossed even when tagged: a swap cashes nothing out.
    assert!(t.service("SunSwap").is_none());
    assert!(t.crossings[0].followed);
    assert_eq!(t.address("trx:A").unwrap().hop, 1);
    let e = t.address("trx:E").unwrap();
    assert_eq!(e.hop, 5);
    assert_eq!(e.amounts.haircut, Some(dec!(400)));
    // E is at the limit: what it sends on leaves the trace.
    assert!(t.address("trx:F").is_none());
    let trx = t.totals_of(&"TRX".parse().unwrap()).unwrap();
    assert_eq!(trx.beyond_limit.haircut, Some(dec!(400)));
    // Backward from E, the swap is one hop too: X is 5 hops back.
    let back = TraceOptions {
        direction: Direction::Backward,
        ..TraceOptions::default()
    };
    let t = trace(&g, &s, &[seed("d", "trx:E")], &back).unwrap();
    assert_eq!(t.address("trx:X").unwrap().hop, 5);
    assert!(t.address("trx:VICTIM").is_none());
}

fn flows_without_conversion() -> Vec<Flow> {
    vec![
        transfer("EUR@bank", "v", 0, "iban:VICTIM", "iban:MULE", dec!(1000)),
        transfer(
            "EUR@bank",
            "dep",
            60,
            "iban:MULE",
            "iban:EXCHANGE",
            dec!(1000),
        ),
        usdt("wd", 120, "HOT", "W", dec!(1080)),
    ]
}

#[test]
fn a_seeded_wallet_taints_everything_it_sends() {
    let (g, s) = mixed_balance();
    let seeds = [Seed::Address {
        address: "trx:A".into(),
        asset: None,
        since: Some(at(25)),
    }];
    let t = trace(&g, &s, &seeds, &TraceOptions::default()).unwrap();
    // Only s2 (minute 30) is from minute 25 on: 90 to Binance in every model.
    let d = dec!(90);
    assert_eq!(
        t.service("Binance").unwrap().amounts,
        amounts(d, d, d, d, d)
    );
    assert!(t.address("trx:B").is_none());
    assert_eq!(
        t.totals_of(&"USDT@tron".parse().unwrap())
            .unwrap()
            .seeded
            .haircut,
        Some(d)
    );
}

#[test]
fn backward_finds_where_a_receipt_came_from() {
    let (g, _) = mixed_balance();
    let mut tags = ServiceTags::new();
    tags.insert("trx:C", "exchange", "Kraken");
    let s = ServiceIndex::new(&g, &tags);
    let options = TraceOptions {
        direction: Direction::Backward,
        ..TraceOptions::default()
    };
    let t = trace(&g, &s, &[seed("b", "trx:E")], &options).unwrap();
    // E's 60 came whole from B (hop 1), whose 60 came from A's send s1
    // (hop 2). A held c1 (50, from C) then v (100, from X), balance 150:
    //   haircut: v supplies 60 × 100 / 150 = 40, c1 the other 20
    //   FIFO: s1 took the oldest 60: c1's 50, then 10 of v
    //   LIFO: the newest 60: all from v
    //   TIHO: the largest receipt first: 60 of v's 100
    //   poison: every earlier receipt, whole: 100 and 50
    let b = t.address("trx:B").unwrap();
    assert_eq!(
        b.amounts,
        amounts(dec!(60), dec!(60), dec!(60), dec!(60), dec!(60))
    );
    assert_eq!(b.hop, 1);
    let x = t.address("trx:X").unwrap();
    assert_eq!(
        x.amounts,
        amounts(dec!(100), dec!(40), dec!(10), dec!(60), dec!(60))
    );
    assert_eq!(x.hop, 3);
    let kraken = t.service("Kraken").unwrap();
    assert_eq!(
        kraken.amounts,
        amounts(dec!(50), dec!(20), dec!(50), dec!(0), dec!(0))
    );
    // X had nothing before the data: what it sent is of unknown origin.
    let totals = t.totals_of(&"USDT@tron".parse().unwrap()).unwrap();
    assert_eq!(totals.at_services.haircut, Some(dec!(20)));
    assert_eq!(totals.held.haircut, Some(dec!(40)));
}

#[test]
fn bad_seeds_are_refused_with_the_reason() {
    let (g, s) = mixed_balance();
    let err = trace(&g, &s, &[seed("nope", "trx:A")], &TraceOptions::default()).unwrap_err();
    assert!(matches!(err, TraceError::UnknownFlow { seed: 0, .. }));
    let err = trace(&g, &s, &[seed("v", "trx:B")], &TraceOptions::default()).unwrap_err();
    assert!(matches!(err, TraceError::NotInFlow { .. }));
    let too_much = Seed::Leg {
        flow: "v".into(),
        address: "trx:A".into(),
        amount: Some(dec!(101)),
    };
    let err = trace(&g, &s, &[too_much], &TraceOptions::default()).unwrap_err();
    assert!(matches!(err, TraceError::Amount { .. }));
}

/// A random small world of USDT transfers and bitcoin transactions.
fn world() -> impl Strategy<Value = (Vec<Flow>, usize)> {
    let transfer = (0usize..6, 0usize..6, 1u32..500, any::<bool>());
    prop::collection::vec(transfer, 1..40).prop_map(|specs| {
        let mut flows = Vec::new();
        for (i, (from, to, amount, utxo)) in specs.into_iter().enumerate() {
            let amount = Decimal::from(amount);
            if utxo {
                flows.push(btc(
                    &format!("f{i}"),
                    i as i64,
                    &[
                        (&format!("a{from}"), amount),
                        (&format!("a{}", (from + 1) % 6), dec!(3)),
                    ],
                    &[
                        (&format!("a{to}"), amount),
                        (&format!("a{}", (to + 2) % 6), dec!(2.5)),
                    ],
                ));
            } else {
                flows.push(usdt(
                    &format!("f{i}"),
                    i as i64,
                    &format!("a{from}"),
                    &format!("a{to}"),
                    amount,
                ));
            }
        }
        let n = flows.len();
        (flows, n)
    })
}

proptest! {
    /// No conserving model ever traces more than was seeded, and what it
    /// traces is accounted for to within rounding.
    #[test]
    fn traced_amounts_never_exceed_the_seeds((flows, n) in world(), pick in 0usize..1000, hops in 1u8..6) {
        let g = FlowGraph::build(&flows, &[]).unwrap();
        let f = &flows[pick % n];
        let seeds = [seed(&f.id, &f.outputs[0].address)];
        let options = TraceOptions { max_hops: hops, ..TraceOptions::default() };
        let t = trace(&g, &ServiceIndex::none(), &seeds, &options).unwrap();
        for totals in &t.totals {
            for m in [Model::Haircut, Model::Fifo, Model::Lifo, Model::Tiho] {
                let seeded = totals.seeded.get(m).unwrap();
                let traced = totals.at_services.get(m).unwrap()
                    + totals.held.get(m).unwrap()
                    + totals.fees.get(m).unwrap()
                    + totals.beyond_limit.get(m).unwrap();
                prop_assert!(traced <= seeded, "{m:?}: {traced} > {seeded}");
                // Rounding down loses at most a few base units a flow.
                prop_assert!(seeded - traced <= dec!(0.00000001) * Decimal::from(4 * n), "{m:?}: {traced} of {seeded}");
                for a in &t.addresses {
                    prop_assert!(a.amounts.get(m).unwrap() <= seeded + seeded * Decimal::from(n));
                }
            }
        }
        let back = TraceOptions { direction: Direction::Backward, ..options };
        let t = trace(&g, &ServiceIndex::none(), &seeds, &back).unwrap();
        for totals in &t.totals {
            for m in [Model::Haircut, Model::Fifo, Model::Lifo, Model::Tiho] {
                let seeded = totals.seeded.get(m).unwrap();
                let traced = totals.at_services.get(m).unwrap()
                    + totals.held.get(m).unwrap()
                    + totals.beyond_limit.get(m).unwrap();
                prop_assert!(traced <= seeded, "backward {m:?}: {traced} > {seeded}");
            }
        }
    }
}
