//! The metrics recorder keeps every histogram sample until it folds them
//! into buckets. Nothing folded them but a scrape, so a server nobody
//! scraped grew by about 8 bytes a request for ever (the soak of issue 11
//! found it). This binary counts live heap bytes (dhat) to show that samples
//! recorded with nothing scraping are let go.

use std::time::Duration;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

fn live_bytes() -> usize {
    dhat::HeapStats::get().curr_bytes
}

fn record(samples: usize) {
    for i in 0..samples {
        metrics::histogram!("cordon_test_request_seconds", "route" => "/api/v1/hits")
            .record(i as f64 * 1e-7);
    }
}

#[test]
fn histogram_samples_are_let_go_without_a_scrape() {
    let _profiler = dhat::Profiler::builder().testing().build();
    cordon_server::install_metrics_recorder();
    // The series and the recorder's own structures exist before measuring.
    record(10_000);
    std::thread::sleep(Duration::from_secs(3));
    let before = live_bytes();
    // Two million requests' worth: 16 MB if the samples were kept.
    record(2_000_000);
    std::thread::sleep(Duration::from_secs(3));
    let grown = live_bytes().saturating_sub(before);
    assert!(
        grown < 2 << 20,
        "the heap grew by {grown} bytes over 2,000,000 histogram samples with nothing scraping"
    );
}
