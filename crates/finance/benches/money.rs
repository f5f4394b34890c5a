//! Following the money at scale: a synthetic world of 10,000,000 flows
//! (half USDT transfers on Tron, half bitcoin transactions with 1 to 3
//! inputs: 10,000,000 inputs in all), built deterministically from a seed.
//!
//! The figures to reach (issue 7), on the 2-core machine: a 5-hop haircut
//! trace from 1,000 seeds in ≤ 2 s; clustering of 10,000,000 transaction
//! inputs in ≤ 10 s; memory recorded (the graph's bytes per flow and the
//! process's peak resident memory). `MONEY_FLOWS` sets the number of flows.
//! Run with `cargo bench -p cordon-finance --bench money`.
//!
//! For the comparison with GraphSense's clustering (`bench/clustering.sh`):
//! `MONEY_INPUTS_OUT=FILE` writes each bitcoin transaction's input address
//! numbers, one transaction a line, and the co-spend heuristic alone is
//! timed too, which is all GraphSense's clustering does.

use std::fmt::Write;
use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use cordon_finance::cluster::{ClusterOptions, Clustering};
use cordon_finance::flow::{Flow, Leg};
use cordon_finance::graph::{FlowGraph, GraphBuilder};
use cordon_finance::services::ServiceIndex;
use cordon_finance::trace::{Model, Models, Seed, TraceOptions, trace};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

// The allocator the `cordon` binary serves with, so that the figures are
// the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TRON_ADDRESSES: u64 = 1_500_000;
const BTC_ADDRESSES: u64 = 2_000_000;
/// The busiest addresses of each chain are exchanges' (tagged).
const HUBS: u64 = 50;
const SEEDS: usize = 1_000;

/// Peak resident memory of the process so far, in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// An address id skewed towards small ids (a few busy addresses, many
/// quiet ones): `n × u²`.
fn pick(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    ((n as f64) * u * u) as u64
}

fn tron(id: u64, out: &mut String) {
    out.clear();
    let _ = write!(
        out,
        "trx:T{:033x}",
        id.wrapping_mul(0x9E37_79B9_7F4A_7C15) as u128 * 31 + u128::from(id)
    );
}

fn btc(id: u64, out: &mut String) {
    out.clear();
    let _ = write!(
        out,
        "btc:bc1q{:038x}",
        id.wrapping_mul(0xBF58_476D_1CE4_E5B9) as u128 * 17 + u128::from(id)
    );
}

fn set_legs(legs: &mut Vec<Leg>, n: usize) {
    legs.truncate(n);
    while legs.len() < n {
        legs.push(Leg {
            address: String::new(),
            amount: Decimal::ZERO,
        });
    }
}

struct World {
    graph: FlowGraph,
    services: ServiceIndex,
    seeds: Vec<Seed>,
    built_in: f64,
}

fn world(flows: usize) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let started = Instant::now();
    let usdt = "USDT@tron".parse().unwrap();
    let bitcoin = "BTC".parse().unwrap();
    let t0: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
    let mut f = Flow {
        id: String::new(),
        asset: "BTC".parse().unwrap(),
        time: t0,
        inputs: Vec::new(),
        outputs: Vec::new(),
        fee: Decimal::ZERO,
    };
    // Victims' payments: USDT transfers in the first fifth of the time.
    let mut seed_at: Vec<usize> = (0..SEEDS)
        .map(|_| (rng.next_u64() % (flows as u64 / 10).max(1)) as usize * 2)
        .collect();
    seed_at.sort_unstable();
    seed_at.dedup();
    let mut seeds = Vec::new();
    let mut b = GraphBuilder::with_capacity(flows, flows * 3);
    for i in 0..flows {
        f.id.clear();
        let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let _ = write!(
            f.id,
            "{:016x}{:016x}{:016x}{:016x}",
            h,
            h.rotate_left(17),
            !h,
            i
        );
        f.time = t0 + Duration::seconds(i as i64);
        if i % 2 == 0 {
            f.asset.clone_from(&usdt);
            f.fee = Decimal::ZERO;
            set_legs(&mut f.inputs, 1);
            set_legs(&mut f.outputs, 1);
            let from = pick(&mut rng, TRON_ADDRESSES);
            let mut to = pick(&mut rng, TRON_ADDRESSES);
            if to == from {
                to = (to + 1) % TRON_ADDRESSES;
            }
            let amount =
                Decimal::from_i128_with_scale(1 + (rng.next_u64() % 10_000_000_000) as i128, 6);
            tron(from, &mut f.inputs[0].address);
            tron(to, &mut f.outputs[0].address);
            f.inputs[0].amount = amount;
            f.outputs[0].amount = amount;
        } else {
            f.asset.clone_from(&bitcoin);
            let ins = 1 + (rng.next_u64() % 3) as usize;
            let outs = 1 + (rng.next_u64() % 3) as usize;
            set_legs(&mut f.inputs, ins);
            set_legs(&mut f.outputs, outs);
            let mut total = 0i128;
            for leg in &mut f.inputs {
                btc(pick(&mut rng, BTC_ADDRESSES), &mut leg.address);
                let sats = 10_000 + (rng.next_u64() % 100_000_000) as i128;
                leg.amount = Decimal::from_i128_with_scale(sats, 8);
                total += sats;
            }
            let fee = 1_000;
            let mut left = total - fee;
            for (j, leg) in f.outputs.iter_mut().enumerate() {
                btc(pick(&mut rng, BTC_ADDRESSES), &mut leg.address);
                let sats = if j + 1 == outs {
                    left
                } else {
                    1 + (rng.next_u64() as i128).rem_euclid(left / 2)
                };
                left -= sats;
                leg.amount = Decimal::from_i128_with_scale(sats, 8);
            }
            f.fee = Decimal::from_i128_with_scale(fee, 8);
        }
        if seed_at.binary_search(&i).is_ok() {
            seeds.push(Seed::Leg {
                flow: f.id.clone(),
                address: f.outputs[0].address.clone(),
                amount: None,
            });
        }
        b.add_flow(&f).expect("a generated flow is valid");
    }
    let graph = b.finish().expect("a graph");
    let built_in = started.elapsed().as_secs_f64();
    let mut hubs = Vec::new();
    let mut text = String::new();
    for id in 0..HUBS {
        tron(id, &mut text);
        hubs.push((text.clone(), format!("Exchange{}", id % 10)));
        btc(id, &mut text);
        hubs.push((text.clone(), format!("Exchange{}", id % 10)));
    }
    let services = ServiceIndex::from_tags(
        &graph,
        hubs.iter()
            .map(|(a, n)| (a.as_str(), "exchange", n.as_str())),
    );
    World {
        graph,
        services,
        seeds,
        built_in,
    }
}

fn money(c: &mut Criterion) {
    let flows: usize = std::env::var("MONEY_FLOWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let w = world(flows);
    let m = w.graph.memory();
    let inputs: usize = (0..m.flows as u32)
        .filter(|&f| w.graph.asset(w.graph.flow_asset(f)).network.is_utxo())
        .map(|f| w.graph.inputs(f).len())
        .sum();
    println!(
        "graph of {} flows ({} legs, {} holdings, {} addresses, {inputs} UTXO inputs): built in {:.1} s, \
         {:.0} MiB = {} bytes/flow; peak RSS {:.0} MiB",
        m.flows,
        m.legs,
        m.nodes,
        m.addresses,
        w.built_in,
        m.heap_bytes as f64 / 1048576.0,
        m.bytes_per_flow,
        peak_rss_mib()
    );

    let haircut = TraceOptions {
        models: Models::only(Model::Haircut),
        ..TraceOptions::default()
    };
    let started = Instant::now();
    let t = trace(&w.graph, &w.services, &w.seeds, &haircut).expect("seeds resolve");
    println!(
        "haircut trace, {} seeds, 5 hops: {:.3} s; {} addresses reached, {} services, {} freezable; peak RSS {:.0} MiB",
        w.seeds.len(),
        started.elapsed().as_secs_f64(),
        t.addresses.len(),
        t.services.len(),
        t.freezable.len(),
        peak_rss_mib()
    );
    for models in [
        Models::of(&[Model::Haircut, Model::Fifo, Model::Lifo, Model::Tiho]),
        Models::ALL,
    ] {
        let options = TraceOptions {
            models,
            ..TraceOptions::default()
        };
        let started = Instant::now();
        let t = trace(&w.graph, &w.services, &w.seeds, &options).expect("seeds resolve");
        println!(
            "trace with {:?}, {} seeds, 5 hops: {:.3} s; {} addresses reached; peak RSS {:.0} MiB",
            models.iter().collect::<Vec<_>>(),
            w.seeds.len(),
            started.elapsed().as_secs_f64(),
            t.addresses.len(),
            peak_rss_mib()
        );
    }

    let started = Instant::now();
    let clusters = Clustering::build(&w.graph, &w.services, &ClusterOptions::default());
    println!(
        "clustering of {inputs} inputs: {:.3} s; {} merges, {} refused, {} coinjoin-like, {} clusters, {:.0} MiB; peak RSS {:.0} MiB",
        started.elapsed().as_secs_f64(),
        clusters.merges().len(),
        clusters.refused().count(),
        clusters.coinjoins().len(),
        clusters.cluster_count(),
        clusters.heap_bytes() as f64 / 1048576.0,
        peak_rss_mib()
    );
    drop(clusters);
    let co_spend = ClusterOptions {
        co_spend: true,
        peel_chain: false,
        one_time_change: false,
        ..ClusterOptions::default()
    };
    let started = Instant::now();
    let clusters = Clustering::build(&w.graph, &w.services, &co_spend);
    println!(
        "co-spend clustering of {inputs} inputs: {:.3} s; {} merges, {} clusters",
        started.elapsed().as_secs_f64(),
        clusters.merges().len(),
        clusters.cluster_count(),
    );
    drop(clusters);
    if let Ok(path) = std::env::var("MONEY_INPUTS_OUT") {
        write_inputs(&w.graph, &path);
    }

    let mut group = c.benchmark_group("money");
    group.sample_size(10);
    group.bench_function("trace haircut 5 hops 1000 seeds", |b| {
        b.iter(|| {
            black_box(trace(&w.graph, &w.services, &w.seeds, &haircut).expect("seeds resolve"))
        })
    });
    group.bench_function("cluster all inputs", |b| {
        b.iter(|| {
            black_box(Clustering::build(
                &w.graph,
                &w.services,
                &ClusterOptions::default(),
            ))
        })
    });
    group.finish();
}

/// Each UTXO flow's input address numbers, space-separated, a line each.
fn write_inputs(g: &FlowGraph, path: &str) {
    use std::io::Write as _;
    let file = std::fs::File::create(path).expect("MONEY_INPUTS_OUT is writable");
    let mut out = std::io::BufWriter::new(file);
    let mut line = String::new();
    for f in 0..g.flow_count() as u32 {
        if !g.asset(g.flow_asset(f)).network.is_utxo() {
            continue;
        }
        line.clear();
        for (i, l) in g.inputs(f).enumerate() {
            if i > 0 {
                line.push(' ');
            }
            write!(line, "{}", g.node_address(g.leg_node(l))).expect("to a string");
        }
        writeln!(out, "{line}").expect("MONEY_INPUTS_OUT is writable");
    }
    out.flush().expect("MONEY_INPUTS_OUT is writable");
    println!("wrote the UTXO inputs to {path}");
}

criterion_group!(benches, money);
criterion_main!(benches);
