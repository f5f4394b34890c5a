//! Normalisation throughput per selector kind, on one core.
//!
//! The figure to reach (issue 2) is ≥ 1,000,000 normalisations per second
//! for every kind other than phone, whose figure is a ratio against Google's
//! libphonenumber measured by `bench/phone.sh`. Run with
//! `cargo bench -p cordon-core --bench normalize`.

use std::hint::black_box;

use cordon_core::selector::{Region, normalize_one};
use cordon_core::{Hint, SelectorKind};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Typical messy inputs of each kind, as agencies send them.
const CASES: &[(&str, Option<SelectorKind>, &[&str])] = &[
    (
        "phone",
        Some(SelectorKind::Phone),
        &[
            "+855 12 345 678",
            "012 345 678",
            "(+66) 81-234-5678",
            "0044 20 7946 0958",
        ],
    ),
    (
        "email",
        None,
        &[
            "Recruit+HR@Example.com",
            "jobs[@]asia-dream[.]vip",
            "hr.team@gmail.com",
        ],
    ),
    (
        "domain",
        Some(SelectorKind::Domain),
        &[
            "trade-usdt.vip",
            "WWW.Shop1.HerokuApp.com",
            "evil.example.co.uk",
        ],
    ),
    (
        "url",
        None,
        &[
            "hxxps://trade-usdt[.]vip/login?ref=7&utm_source=fb",
            "https://Trade.Example.VIP:443/login?ref=7#top",
            "http://asia-dream-jobs.com/apply",
        ],
    ),
    (
        "ip",
        None,
        &["203.0.113.5", "2001:DB8:0:0::1", "198.51.100[.]7"],
    ),
    (
        "crypto",
        None,
        &[
            "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ],
    ),
    (
        "iban",
        None,
        &[
            "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432",
            "fr1420041010050500013m02606",
        ],
    ),
    (
        "handle",
        None,
        &[
            "telegram:@GoodJob_HR",
            "https://t.me/goodjob_hr",
            "line:Kelvin88",
        ],
    ),
    (
        "hash",
        None,
        &[
            "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
        ],
    ),
    (
        "passport",
        Some(SelectorKind::Passport),
        &["KE:AK1234567", "passport:TH:AA 1234567"],
    ),
    (
        "name",
        Some(SelectorKind::Name),
        &["Nguyễn Văn  An", "MARÍA José O'Neil"],
    ),
];

fn bench(c: &mut Criterion) {
    let region: Region = "KH".parse().expect("valid region");
    let mut group = c.benchmark_group("normalize");
    for (name, kind, inputs) in CASES {
        let hint = Hint {
            kind: *kind,
            region: Some(region),
        };
        for input in *inputs {
            assert!(
                normalize_one(input, &hint).is_ok(),
                "bench input {input:?} must normalise"
            );
        }
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for input in *inputs {
                    let _ = black_box(normalize_one(black_box(input), &hint));
                }
            })
        });
    }
    group.finish();
}

fn bench_extract(c: &mut Criterion) {
    let narrative = "I met 'Anna' on Telegram @anna_trader88 who told me to invest on hxxps://trade-usdt[.]vip. \
        I sent 15000 USDT to TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7 on 2026-03-01 and later 2000 EUR to \
        DE89 3704 0044 0532 0130 00. Her number was +855 12 345 678 and email anna.trade[@]gmail[.]com.";
    let hint = Hint::region("GB".parse().expect("valid region"));
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Bytes(narrative.len() as u64));
    group.bench_function("narrative", |b| {
        b.iter(|| black_box(cordon_core::selector::extract(black_box(narrative), &hint)))
    });
    group.finish();
}

criterion_group!(benches, bench, bench_extract);
criterion_main!(benches);
