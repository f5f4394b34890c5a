//! `cordon demo`: a simulated world loaded into an embedded store, ready to
//! explore.

use std::path::PathBuf;

use cordon_sim::Scale;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, default_value = "small")]
    scale: Scale,
    /// Database to load the world into.
    #[arg(long, default_value = "sqlite://./cordon-demo.db")]
    db: String,
    /// Folder for the generated world.
    #[arg(long, default_value = "./cordon-demo-world")]
    world: PathBuf,
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let sim = crate::sim::Args {
        seed: args.seed,
        scale: args.scale,
        out: args.world.clone(),
    };
    let summary = tokio::task::spawn_blocking(move || crate::sim::run(&sim)).await??;
    let import = crate::import::Args {
        db: args.db.clone(),
        agency: None,
        batch: 5000,
        check: false,
        paths: vec![args.world.clone()],
    };
    crate::import::run(&import).await?;
    let store = crate::store::open(&args.db).await?;
    let counts = store.counts().await?;
    println!(
        "Cordon demo world (seed {}, {} scale)",
        summary.seed, summary.scale
    );
    println!("  database:   {}", args.db);
    println!(
        "  world:      {} (ground truth in truth.json)",
        args.world.display()
    );
    println!(
        "  stored:     {} agencies, {} reports, {} distinct selectors, {} report-selector links",
        counts.agencies, counts.reports, counts.selectors, counts.links
    );
    println!(
        "  simulated:  {} networks, {} compounds, {} trafficked workers of {} nationalities",
        summary.networks, summary.compounds, summary.workers, summary.nationalities
    );
    Ok(())
}
