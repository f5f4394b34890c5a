//! `cordon import`: load reports from files into the store, all or nothing.
//!
//! A file is checked whole before anything is written: every bad line is
//! reported with its number and field, and then nothing is stored
//! (ARCHITECTURE.md invariant 4). Checking runs on every core; writing goes
//! to the store in batches, each one durable before the next is sent, with a
//! progress bar on the terminal. A MISP feed is one job: every event its
//! manifest lists is checked before any is written.

mod sniff;
mod validate;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Utc;
use cordon_core::Marking;
use cordon_interop::misp::feed;
use cordon_interop::stix::ImportOptions;
use cordon_store::{PutOutcome, Store, SubmitOutcome};

pub use validate::validate_file;

use crate::progress;

/// What `cordon import` is asked to do.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    pub db: String,
    /// The submitting agency (its code, such as KH-NCB). Not needed for a
    /// simulated world's folder, whose files name their agency.
    #[arg(long)]
    pub agency: Option<String>,
    /// Reports per durable write.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch: u32,
    /// Check every line and report problems, but write nothing.
    #[arg(long)]
    pub check: bool,
    /// A MISP feed directory (manifest.json and one <uuid>.json per event,
    /// as MISP's feed generator writes): every event the manifest lists is
    /// imported, all or nothing.
    #[arg(long, value_name = "DIR")]
    pub misp_feed: Vec<PathBuf>,
    /// Files (.jsonl, .csv, .json holding reports, a STIX 2.1 bundle or
    /// MISP events), MISP feed directories or simulated-world folders.
    #[arg(required_unless_present = "misp_feed")]
    pub paths: Vec<PathBuf>,
}

impl Args {
    /// Every path to read: a feed is read through its manifest.
    fn all_paths(&self) -> Vec<PathBuf> {
        let mut paths = self.paths.clone();
        paths.extend(self.misp_feed.iter().map(|d| d.join(feed::MANIFEST)));
        paths
    }
}

/// Totals of one import.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub accepted: u64,
    pub unchanged: u64,
    /// Objects of other tools kept verbatim (STIX bundles): new, and
    /// already kept.
    pub kept: u64,
    pub kept_unchanged: u64,
}

pub async fn run(args: &Args) -> anyhow::Result<Totals> {
    let store = crate::store::open(&args.db).await?;
    let mut jobs = Vec::new();
    for path in &args.all_paths() {
        // A directory with a manifest and no agency list is a MISP feed;
        // it is named by its manifest from here on.
        let path = &if path.is_dir()
            && path.join(feed::MANIFEST).is_file()
            && !path.join("agencies.json").exists()
        {
            path.join(feed::MANIFEST)
        } else {
            path.clone()
        };
        if path.is_dir() {
            jobs.extend(crate::world::import_jobs(&*store, path).await?);
        } else {
            let agency = args.agency.clone().with_context(|| {
                format!(
                    "{}: give the submitting agency with --agency CODE",
                    path.display()
                )
            })?;
            jobs.push((agency, path.clone()));
        }
    }
    for agency in jobs
        .iter()
        .map(|(a, _)| a)
        .collect::<std::collections::BTreeSet<_>>()
    {
        if store.agency(agency).await?.is_none() {
            bail!("agency '{agency}' is not registered; add it first with `cordon agency add`");
        }
    }
    let started = Instant::now();
    let totals = import_files(&store, jobs, args.batch as usize, args.check).await?;
    let secs = started.elapsed().as_secs_f64();
    if totals.kept + totals.kept_unchanged > 0 {
        eprintln!(
            "kept {} objects of other tools verbatim ({} new, {} already kept)",
            totals.kept + totals.kept_unchanged,
            totals.kept,
            totals.kept_unchanged
        );
    }
    eprintln!(
        "imported {} reports ({} new or revised, {} unchanged) in {:.1}s: {:.0} reports/s",
        totals.accepted + totals.unchanged,
        totals.accepted,
        totals.unchanged,
        secs,
        (totals.accepted + totals.unchanged) as f64 / secs.max(1e-9)
    );
    Ok(totals)
}

/// Imports files in order, each all or nothing: the next file is checked
/// (on every core) while the current one is written, and the import stops at
/// the first file with a bad line.
pub async fn import_files(
    store: &Arc<dyn Store>,
    jobs: Vec<(String, PathBuf)>,
    batch: usize,
    check_only: bool,
) -> anyhow::Result<Totals> {
    let now = Utc::now();
    let total_bytes: u64 = jobs.iter().map(|(_, p)| bytes_of(p)).sum();
    // What a STIX bundle or a MISP event leaves unsaid is the importing
    // agency's: its country, and the default marking.
    let mut options = std::collections::HashMap::new();
    for (agency, _) in &jobs {
        if !options.contains_key(agency) {
            let country = store
                .agency(agency)
                .await?
                .map(|a| a.country)
                .with_context(|| format!("agency '{agency}' is not registered"))?;
            options.insert(
                agency.clone(),
                ImportOptions {
                    country,
                    marking: Marking::default(),
                },
            );
        }
    }
    let bar = progress::bytes(total_bytes, "importing");
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let checker = tokio::spawn(async move {
        for (agency, path) in jobs {
            let file = path.clone();
            let options = options[&agency].clone();
            let checked = tokio::task::spawn_blocking(move || validate_file(&file, &options, now))
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r);
            let clean = matches!(&checked, Ok(c) if c.checked.errors.is_empty());
            if tx.send((agency, path, checked)).await.is_err() || !clean {
                break;
            }
        }
    });
    let mut totals = Totals::default();
    while let Some((agency, path, loaded)) = rx.recv().await {
        let loaded = loaded?;
        for note in &loaded.notes {
            bar.suspend(|| eprintln!("{}: {note}", path.display()));
        }
        let file_bytes = bytes_of(&path);
        let checked = &loaded.checked;
        if !checked.errors.is_empty() {
            bar.abandon();
            let shown = 50;
            for e in loaded.error_lines(&path).take(shown) {
                eprintln!("{e}");
            }
            if checked.errors.len() > shown {
                eprintln!("… and {} more bad lines", checked.errors.len() - shown);
            }
            let (what, path) = if validate::is_feed_manifest(&path) {
                ("feed", path.parent().unwrap_or(&path).to_path_buf())
            } else {
                ("file", path.clone())
            };
            bail!(
                "{}: {} of {} lines are bad; nothing of this {what} was imported",
                path.display(),
                checked.errors.len(),
                checked.lines
            );
        }
        let checked = loaded.checked;
        let reports = checked.reports;
        if check_only {
            bar.inc(file_bytes);
            eprintln!("{}: {} reports are valid", path.display(), reports.len());
            continue;
        }
        // Kept objects first: a changed object under a kept version is the
        // one data error the store finds, and then nothing is written.
        for chunk in loaded.kept.chunks(batch) {
            for o in store.put_stix_objects(&agency, chunk, now).await? {
                match o {
                    PutOutcome::Added { .. } => totals.kept += 1,
                    PutOutcome::Unchanged { .. } => totals.kept_unchanged += 1,
                }
            }
        }
        let per_report = file_bytes / (reports.len() as u64).max(1);
        for chunk in reports.chunks(batch) {
            let outcomes = store.submit(&agency, chunk, now).await?;
            for o in &outcomes {
                match o {
                    SubmitOutcome::Accepted { .. } => totals.accepted += 1,
                    SubmitOutcome::Unchanged { .. } => totals.unchanged += 1,
                }
            }
            bar.inc(per_report * chunk.len() as u64);
        }
    }
    checker.await?;
    bar.finish_and_clear();
    Ok(totals)
}

/// The bytes a job reads: its file, or for a MISP feed every file in the
/// feed's directory.
fn bytes_of(path: &std::path::Path) -> u64 {
    if validate::is_feed_manifest(path)
        && let Some(dir) = path.parent()
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        return entries
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
    }
    std::fs::metadata(path).map_or(0, |m| m.len())
}
