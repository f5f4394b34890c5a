//! STIX 2.1 mapping throughput on one core, in objects per second: reports
//! exported as a bundle, and that bundle imported back (read, reports
//! validated). Issue 4's figures: export ≥ 100,000 objects/s, import
//! ≥ 50,000 objects/s; `bench/stix.sh` measures the same through the
//! `cordon` binary with the store. Run with
//! `cargo bench -p cordon-interop --bench stix`.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use cordon_core::{Marking, Report, ReportSubmission};
use cordon_interop::stix::export::{AgencyView, ReportView};
use cordon_interop::stix::{Exporter, ImportOptions, check_bundle};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

const REPORTS: usize = 2_000;

fn now() -> DateTime<Utc> {
    "2026-11-20T08:00:00Z".parse().unwrap()
}

/// Reports shaped like the simulated world's: a few selectors each, some
/// shared between reports, mixed markings.
fn reports() -> Vec<Report> {
    (0..REPORTS)
        .map(|i| {
            let tlp = ["GREEN", "AMBER", "RED", "CLEAR"][i % 4];
            let kind = ["fraud_complaint", "recruitment_ad", "tip"][i % 3];
            let recipients = if tlp == "RED" {
                json!(["TH-DSI/liaison"])
            } else {
                json!([])
            };
            let s: ReportSubmission = serde_json::from_value(json!({
                "id": format!("case-{i}"),
                "kind": kind,
                "country": "GB",
                "received": "2026-03-01T10:00:00Z",
                "grading": "B2",
                "marking": {"tlp": tlp, "recipients": recipients},
                "mo": ["investment", "channel:telegram"],
                "narrative": format!("Paid USDT after a chat with a recruiter, case {i}."),
                "selectors": [
                    format!("+8551234{:04}", i % 5000),
                    format!("telegram:@recruit_{}", i % 700),
                    format!("https://trade-{}.example.vip/login", i % 300),
                    format!("email:hr{i}@jobs-asia.vip"),
                ],
                "losses": [{"amount": "1500.50", "currency": "USDT"}]
            }))
            .unwrap();
            s.validate(now()).unwrap()
        })
        .collect()
}

fn export(reports: &[Report]) -> (Vec<u8>, u64) {
    let agencies = vec![AgencyView {
        code: "GB-NCA".into(),
        name: "National Crime Agency".into(),
        country: "GB".into(),
        contact: "desk@nca.example".into(),
        kind: "police".into(),
        created: now(),
    }];
    let mut ex = Exporter::new(Vec::with_capacity(8 << 20), agencies).unwrap();
    for r in reports {
        ex.report(ReportView {
            agency: "GB-NCA",
            revision: 1,
            accepted: now(),
            report: r,
        })
        .unwrap();
    }
    let n = ex.written();
    (ex.finish().unwrap(), n)
}

fn bench(c: &mut Criterion) {
    let reports = reports();
    let (bundle, objects) = export(&reports);
    let text = String::from_utf8(bundle).unwrap();
    let options = ImportOptions {
        country: "GB".into(),
        marking: Marking::default(),
    };
    let mut group = c.benchmark_group("stix");
    group.throughput(Throughput::Elements(objects));
    group.bench_function("export", |b| {
        b.iter(|| black_box(export(black_box(&reports))))
    });
    group.bench_function("import", |b| {
        b.iter(|| {
            let checked = check_bundle(black_box(&text), &options, now());
            assert!(checked.errors.is_empty());
            black_box(checked)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
