//! `cordon analyze`: the analysis of reports into networks, run on files.
//!
//! - `--edges FILE.csv`: community detection on a plain edge list, the
//!   same algorithm that groups reports into networks, so that it can be
//!   compared with other tools (igraph, networkx) on the same file. Prints
//!   one JSON line: nodes, edges, communities, modularity and the seconds
//!   each step took; `--out` writes each node's community as CSV.
//! - `--world DIR`: groups a simulated world's reports into networks and
//!   scores the grouping against the world's `truth.json` (B-cubed
//!   precision and recall of report → network), with the selectors flagged
//!   as shared infrastructure.
//! - `--db URL --agency CODE`: the networks, compounds and purple notices
//!   of a store as that agency may see them, as one JSON document.
//! - `--money DIR`: traces a simulated world's victims' payments and finds
//!   its mules, scored against its money truth ([`money`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use cordon_analysis::edges;
use cordon_analysis::networks::Thresholds;
use cordon_analysis::{CommunityDetection, Louvain, modularity};
use serde::Serialize;

use crate::output::say;
use crate::progress;

mod money;
mod store;
mod world;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The edge list: `src,dst` or `src,dst,weight` per line (a first line
    /// naming those columns is a header; `#` starts a comment).
    #[arg(long, value_name = "FILE.csv", required_unless_present_any = ["world", "db", "money"])]
    edges: Option<PathBuf>,
    /// A simulated world's folder (`cordon sim`): group its reports into
    /// networks and score them against its truth.json.
    #[arg(long, value_name = "DIR", conflicts_with = "edges")]
    world: Option<PathBuf>,
    /// A simulated world's folder: trace every victim's payment and look
    /// for mules, scored against its money_truth.json.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["edges", "world", "db"])]
    money: Option<PathBuf>,
    /// A store (sqlite://PATH or postgres://…): its networks, compounds and
    /// notices as `--agency` may see them, as one JSON document.
    #[arg(long, value_name = "URL", conflicts_with_all = ["edges", "world"], requires = "agency")]
    db: Option<String>,
    /// With --db: the agency whose view is shown.
    #[arg(long, requires = "db")]
    agency: Option<String>,
    /// With --db: as this user of the agency (RED reports naming them, and
    /// their role); without it, the agency's analyst view.
    #[arg(long, requires = "db")]
    user: Option<String>,
    /// With --db: the most networks shown in full, the largest first.
    #[arg(long, default_value_t = 100, requires = "db")]
    limit: usize,
    /// Write `node,community` (with --edges) or `report,network` (with
    /// --world; empty for a report linked to none) for every node or
    /// report here; numbered from 0 by decreasing size.
    #[arg(long, value_name = "FILE.csv")]
    out: Option<PathBuf>,
    /// With --world: the resolution of the grouping pass (lower makes
    /// larger networks).
    #[arg(long, default_value_t = Thresholds::default().resolution, requires = "world")]
    resolution: f64,
    /// With --world: a selector spread over at least this many groups…
    #[arg(long, default_value_t = Thresholds::default().shared_groups, requires = "world")]
    shared_groups: usize,
    /// …none holding this share of its reports…
    #[arg(long, default_value_t = Thresholds::default().dominant_share, requires = "world")]
    dominant_share: f64,
    /// …and naming fewer than this share of those groups' reports, is
    /// shared infrastructure.
    #[arg(long, default_value_t = Thresholds::default().max_coverage, requires = "world")]
    max_coverage: f64,
    /// With --world: leave this percentage of the newest reports out of the
    /// recomputation and add them one by one, as reports arriving between
    /// two recomputations join their networks.
    #[arg(long, default_value_t = 0.0, requires = "world")]
    holdout: f64,
}

#[derive(Serialize)]
struct Summary {
    nodes: usize,
    edges: usize,
    communities: usize,
    modularity: f64,
    read_seconds: f64,
    detect_seconds: f64,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if let Some(world) = &args.money {
        return money::score(world);
    }
    if let (Some(db), Some(agency)) = (&args.db, &args.agency) {
        anyhow::ensure!(args.limit >= 1, "--limit is at least 1");
        return crate::block_on(store::report(
            db,
            agency,
            args.user.as_deref(),
            args.limit,
            args.out.as_deref(),
        ))
        .map(drop);
    }
    match (&args.edges, &args.world) {
        (Some(edges), _) => communities(edges, args.out.as_deref()),
        (None, Some(world)) => {
            anyhow::ensure!(
                args.resolution > 0.0 && args.resolution.is_finite(),
                "--resolution must be a positive number, not {}",
                args.resolution
            );
            for (name, share) in [
                ("--dominant-share", args.dominant_share),
                ("--max-coverage", args.max_coverage),
            ] {
                anyhow::ensure!(
                    (0.0..=1.0).contains(&share),
                    "{name} is a share between 0 and 1, not {share}"
                );
            }
            let thresholds = Thresholds {
                resolution: args.resolution,
                shared_groups: args.shared_groups,
                dominant_share: args.dominant_share,
                max_coverage: args.max_coverage,
            };
            anyhow::ensure!(
                (0.0..100.0).contains(&args.holdout),
                "--holdout is a percentage from 0 to under 100, not {}",
                args.holdout
            );
            world::score(world, args.out.as_deref(), &thresholds, args.holdout)
        }
        (None, None) => {
            anyhow::bail!("give --edges FILE.csv, --world DIR or --db URL --agency CODE")
        }
    }
}

fn communities(path: &std::path::Path, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map_or(0, |m| m.len());
    let bar = progress::bytes(size, "reading edges");
    let list = edges::read(std::io::BufReader::with_capacity(1 << 20, file), |at| {
        bar.set_position(at)
    })
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    bar.finish_and_clear();
    let read_seconds = started.elapsed().as_secs_f64();

    let detecting = Instant::now();
    let partition = Louvain::default().detect(&list.graph);
    let detect_seconds = detecting.elapsed().as_secs_f64();
    let summary = Summary {
        nodes: list.graph.node_count(),
        edges: list.graph.edge_count(),
        communities: partition.count(),
        modularity: modularity(&list.graph, &partition),
        read_seconds,
        detect_seconds,
    };
    if let Some(path) = out {
        let mut out = BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        );
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(["node", "community"])?;
        for (name, community) in list.names.iter().zip(partition.membership()) {
            writer.write_record([name.as_str(), &community.to_string()])?;
        }
        writer.flush()?;
        drop(writer);
        out.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    say!("{}", serde_json::to_string(&summary)?);
    Ok(())
}
