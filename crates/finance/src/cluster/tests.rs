use chrono::{DateTime, Duration, Utc};
use rust_decimal::{Decimal, dec};

use super::*;
use crate::flow::{Flow, Leg};
use crate::services::ServiceTags;

fn btc(id: &str, minute: i64, inputs: &[(&str, Decimal)], outputs: &[(&str, Decimal)]) -> Flow {
    let legs = |l: &[(&str, Decimal)]| {
        l.iter()
            .map(|(a, v)| Leg {
                address: format!("btc:{a}"),
                amount: *v,
            })
            .collect::<Vec<_>>()
    };
    let t: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
    Flow {
        id: id.into(),
        asset: "BTC".parse().unwrap(),
        time: t + Duration::minutes(minute),
        inputs: legs(inputs),
        outputs: legs(outputs),
        fee: inputs.iter().map(|l| l.1).sum::<Decimal>()
            - outputs.iter().map(|l| l.1).sum::<Decimal>(),
    }
}

fn clusters(flows: &[Flow], tags: &ServiceTags) -> (FlowGraph, Clustering) {
    let g = FlowGraph::build(flows, &[]).unwrap();
    let s = ServiceIndex::new(&g, tags);
    let c = Clustering::build(&g, &s, &ClusterOptions::default());
    (g, c)
}

fn ix(g: &FlowGraph, a: &str) -> AddressIx {
    g.find_address(&format!("btc:{a}")).unwrap()
}

#[test]
fn co_spent_inputs_are_one_owner() {
    let flows = [btc(
        "t1",
        0,
        &[("A", dec!(1)), ("B", dec!(2)), ("A", dec!(0.5))],
        &[("P", dec!(3.4))],
    )];
    let (g, c) = clusters(&flows, &ServiceTags::new());
    assert!(c.same(ix(&g, "A"), ix(&g, "B")));
    assert!(!c.same(ix(&g, "A"), ix(&g, "P")));
    // A appears twice but is merged once.
    assert_eq!(c.merges().len(), 1);
    let why = c.explain(ix(&g, "B"), ix(&g, "A")).unwrap();
    assert_eq!(why.len(), 1);
    assert_eq!(
        (why[0].heuristic, g.flow_id(why[0].flow)),
        (Heuristic::CoSpend, "t1")
    );
}

/// A pays P (seen before) a round 0.3; C, new and never paid again, takes
/// the odd 0.69987 back: the change.
fn change_world() -> Vec<Flow> {
    vec![
        // A's 1.0 is round: A is not taken for change here.
        btc(
            "f0",
            0,
            &[("Z", dec!(1.5001))],
            &[("A", dec!(1)), ("P", dec!(0.5))],
        ),
        btc(
            "f1",
            10,
            &[("A", dec!(1))],
            &[("P", dec!(0.3)), ("C", dec!(0.69987))],
        ),
        btc("f2", 20, &[("C", dec!(0.69987))], &[("W", dec!(0.69977))]),
    ]
}

#[test]
fn one_time_change_joins_the_change_to_its_payer() {
    let (g, c) = clusters(&change_world(), &ServiceTags::new());
    assert!(c.same(ix(&g, "A"), ix(&g, "C")));
    assert!(!c.same(ix(&g, "A"), ix(&g, "P")));
    assert!(!c.same(ix(&g, "A"), ix(&g, "Z")));
    let why = c.explain(ix(&g, "A"), ix(&g, "C")).unwrap();
    assert_eq!(
        (why[0].heuristic, g.flow_id(why[0].flow)),
        (Heuristic::OneTimeChange, "f1")
    );
    // W's first output is the only one of its flow: no change rule.
    assert!(!c.same(ix(&g, "C"), ix(&g, "W")));
}

#[test]
fn a_merge_can_be_undone_and_redone() {
    let (g, mut c) = clusters(&change_world(), &ServiceTags::new());
    let (a, cc) = (ix(&g, "A"), ix(&g, "C"));
    let before = c.cluster_count();
    assert!(c.undo(0));
    assert_eq!(c.outcome(0), Outcome::Undone);
    assert!(!c.same(a, cc));
    assert_eq!(c.cluster_count(), before + 1);
    assert!(c.explain(a, cc).is_none());
    assert_eq!(c.redo_all(), 1);
    assert!(c.same(a, cc));
    assert_eq!(c.undo_heuristic(Heuristic::OneTimeChange), 1);
    assert!(!c.same(a, cc));
}

#[test]
fn two_services_are_never_merged() {
    let flows = [
        btc(
            "m1",
            0,
            &[("E1", dec!(1)), ("X", dec!(1))],
            &[("P", dec!(1.9999))],
        ),
        // X is now Binance's; co-spending it with Kraken's E2 is refused.
        btc(
            "m2",
            10,
            &[("X", dec!(1)), ("E2", dec!(1))],
            &[("Q", dec!(1.9999))],
        ),
    ];
    let mut tags = ServiceTags::new();
    tags.insert("btc:E1", "exchange", "Binance");
    tags.insert("btc:E2", "exchange", "Kraken");
    let g = FlowGraph::build(&flows, &[]).unwrap();
    let s = ServiceIndex::new(&g, &tags);
    let mut c = Clustering::build(&g, &s, &ClusterOptions::default());
    assert!(c.same(ix(&g, "E1"), ix(&g, "X")));
    assert!(!c.same(ix(&g, "X"), ix(&g, "E2")));
    let refused: Vec<_> = c.refused().collect();
    assert_eq!(refused.len(), 1);
    let (m, a, b) = refused[0];
    assert_eq!(g.flow_id(m.flow), "m2");
    assert_eq!(
        (s.service(a).name.as_str(), s.service(b).name.as_str()),
        ("Binance", "Kraken")
    );
    assert_eq!(
        s.service(c.service_of(ix(&g, "X")).unwrap()).name,
        "Binance"
    );
    // Without the first merge, X is nobody's and joins Kraken instead.
    assert_eq!(c.undo_flow(0), 1);
    assert!(c.same(ix(&g, "X"), ix(&g, "E2")));
    assert_eq!(c.refused().count(), 0);
}

#[test]
fn a_coinjoin_is_not_co_spend() {
    let flows = [btc(
        "cj",
        0,
        &[("A", dec!(1)), ("B", dec!(1)), ("C", dec!(1))],
        &[("O1", dec!(0.99)), ("O2", dec!(0.99)), ("O3", dec!(0.99))],
    )];
    let (g, c) = clusters(&flows, &ServiceTags::new());
    assert!(!c.same(ix(&g, "A"), ix(&g, "B")));
    assert_eq!(c.coinjoins(), &[0]);
    assert!(c.merges().is_empty());
}

fn peel(steps: usize) -> Vec<Flow> {
    let mut flows = Vec::new();
    let mut left = dec!(10);
    for i in 1..=steps {
        let next = left - dec!(1) - dec!(0.001);
        flows.push(btc(
            &format!("p{i}"),
            i as i64,
            &[(&format!("P{i}"), left)],
            &[
                (&format!("pay{i}"), dec!(1)),
                (&format!("P{}", i + 1), next),
            ],
        ));
        left = next;
    }
    flows
}

#[test]
fn a_peel_chain_follows_the_larger_output() {
    let (g, c) = clusters(&peel(3), &ServiceTags::new());
    for i in 2..=4 {
        assert!(c.same(ix(&g, "P1"), ix(&g, &format!("P{i}"))), "P{i}");
    }
    assert!(!c.same(ix(&g, "P1"), ix(&g, "pay1")));
    let why = c.explain(ix(&g, "P1"), ix(&g, "P4")).unwrap();
    let steps: Vec<(&str, Heuristic)> = why
        .iter()
        .map(|m| (g.flow_id(m.flow), m.heuristic))
        .collect();
    assert_eq!(
        steps,
        [
            ("p1", Heuristic::PeelChain),
            ("p2", Heuristic::PeelChain),
            ("p3", Heuristic::PeelChain)
        ]
    );
    // Two steps are not a chain (and P3, the last change, is one-time only
    // if nothing else qualifies: pay2 qualifies too).
    let (g, c) = clusters(&peel(2), &ServiceTags::new());
    assert!(!c.same(ix(&g, "P1"), ix(&g, "P2")));
}
