//! Keeping the hit index whole: load it at start, then follow the store.
//!
//! Reports accepted through this server enter the index at once, in the
//! request that wrote them. Reports written by anyone else — another
//! replica, `cordon import` — are picked up by polling the store for newer
//! revisions. Re-reading a short window behind the last seen sequence
//! number catches transactions that committed out of order (PostgreSQL
//! sequences); putting a revision twice is a no-op.

use std::time::{Duration, Instant};

use crate::Shared;

/// How far behind the newest seen revision each poll starts again.
const REREAD: i64 = 256;
/// Revisions read per poll round trip.
const PAGE: u32 = 2_000;
/// Poll rounds between directory refreshes.
const DIRECTORY_EVERY: u32 = 30;

pub async fn run(state: Shared) {
    let started = Instant::now();
    let mut watermark = loop {
        // Called once per page; log once per million postings.
        let logged = std::sync::atomic::AtomicU64::new(0);
        let progress = |n: u64| {
            let millions = n / 1_000_000;
            if logged.fetch_max(millions, std::sync::atomic::Ordering::Relaxed) < millions {
                tracing::info!(postings = n, "loading the hit index");
            }
        };
        match crate::hits::index::load(state.store.as_ref(), &progress).await {
            Ok(index) => {
                let watermark = index.newest_seq().unwrap_or(0);
                let stats = index.stats();
                state.hits.install(index);
                tracing::info!(
                    selectors = stats.selectors,
                    reports = stats.reports,
                    postings = stats.postings,
                    heap_mib = stats.heap_bytes / (1 << 20),
                    seconds = started.elapsed().as_secs_f64(),
                    "hit index ready"
                );
                break watermark;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot load the hit index; hit queries answer 503 until it loads");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    };
    let mut rounds = 0u32;
    loop {
        tokio::time::sleep(state.config.tail_every).await;
        rounds += 1;
        if rounds.is_multiple_of(DIRECTORY_EVERY)
            && let Err(e) = state.directory.refresh(state.store.as_ref()).await
        {
            tracing::warn!(error = %e, "cannot refresh the agency directory");
        }
        loop {
            let from = (watermark - REREAD).max(0);
            match state.store.reports_after(from, PAGE).await {
                Ok(page) => {
                    let full = page.len() == PAGE as usize;
                    for report in &page {
                        state.ingested(report);
                        watermark = watermark.max(report.seq);
                    }
                    // A full page that did not advance past the window
                    // would loop forever; the window is smaller than a page.
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot poll the store for new reports");
                    break;
                }
            }
        }
    }
}
