//! The OPRF's three steps per batch of 1,000 selectors, each on one core:
//! what a node (blind, finalize) and the matching service (evaluate) pay
//! per selector. `bench/federation.sh` runs it and the whole federation.

use cordon_federation::oprf::{self, MatchingKey};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const BATCH: usize = 1_000;

fn selectors() -> Vec<String> {
    (0..BATCH)
        .map(|i| format!("phone:+8551200{i:04}"))
        .collect()
}

fn oprf_steps(c: &mut Criterion) {
    let key = MatchingKey::generate(1);
    let selectors = selectors();
    let mut group = c.benchmark_group("oprf");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("blind (node)", |b| {
        b.iter(|| oprf::blind(&selectors).unwrap())
    });
    let (_, blinded) = oprf::blind(&selectors).unwrap();
    group.bench_function("evaluate (matching service)", |b| {
        b.iter(|| key.evaluate(&blinded).unwrap())
    });
    group.bench_function("finalize (node)", |b| {
        b.iter_batched(
            || {
                let (pending, blinded) = oprf::blind(&selectors).unwrap();
                (pending, key.evaluate(&blinded).unwrap())
            },
            |(pending, evaluated)| pending.finalize(&evaluated, 1).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, oprf_steps);
criterion_main!(benches);
