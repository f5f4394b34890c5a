//! `cordon sim`: generate a deterministic simulated world with ground truth.

use std::path::PathBuf;
use std::time::Instant;

use cordon_sim::{Scale, SimConfig, Summary};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed: the same seed and scale give the same world, byte for byte.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// small (10,000 reports), medium (100,000) or large (1,000,000).
    #[arg(long, default_value = "small")]
    pub scale: Scale,
    /// Folder to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let config = SimConfig {
        seed: args.seed,
        scale: args.scale,
    };
    let bar = crate::progress::bar(args.scale.reports(), "simulating");
    let summary = cordon_sim::generate(&config, &args.out, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    eprintln!(
        "simulated {} reports from {} agencies about {} networks and {} compounds ({} distinct selectors) into {} in {:.1}s",
        summary.reports,
        summary.agencies,
        summary.networks,
        summary.compounds,
        summary.distinct_selectors,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    eprintln!(
        "  and {} victim-protection signals about {} trafficked workers ({} groups) in {}",
        summary.signals.signals,
        summary.signals.workers,
        summary.signals.groups,
        args.out.join("protect").display()
    );
    Ok(summary)
}
