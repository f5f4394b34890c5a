//! `cordon flows import`: money into a store for one agency, under one
//! marking — flows (Cordon JSON lines, or an explorer's or bank's CSV
//! export), conversions (JSON lines), attribution tags (JSON lines or a
//! GraphSense TagPack), or a simulated world's folder (its `flows.jsonl`,
//! `conversions.jsonl` and `tags.jsonl`). Each file is checked whole
//! before any of it is written: a file with a bad line writes nothing and
//! every bad line is reported with its number and field.

use std::path::{Path, PathBuf};

use crate::output::say;
use anyhow::{Context, bail};
use chrono::Utc;
use cordon_core::{Marking, Tlp};
use cordon_finance::asset::Network;
use cordon_finance::import::Rejected;
use cordon_server::money::records::{self, Upload};
use cordon_store::{NewMoney, PutOutcome, Store};

/// Records written per store transaction.
const BATCH: usize = 10_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Import flows, conversions or tags (see docs/FLOWS.md).
    Import(ImportArgs),
    /// Accounts whose traffic looks like a money mule's, scored and
    /// explained, among the flows one agency may read.
    Mules(crate::patterns::MulesArgs),
    /// The addresses the owner of a wallet controls, as clustering finds
    /// them among the flows one agency may read, with each merge's evidence.
    Cluster(crate::patterns::ClusterArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    pub db: String,
    /// The agency the money belongs to.
    #[arg(long)]
    pub agency: String,
    /// The marking of everything imported: CLEAR, GREEN, AMBER,
    /// AMBER+STRICT or RED.
    #[arg(long, default_value = "AMBER")]
    pub tlp: String,
    /// Recipients, comma-separated: agency codes, or AGENCY/user for RED.
    #[arg(long, default_value = "")]
    pub recipients: String,
    /// Others may not learn that you hold an address.
    #[arg(long)]
    pub no_hit_notification: bool,
    /// What the files hold, when their names do not say it.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The network of a transfer export whose addresses do not say it.
    #[arg(long, value_enum)]
    pub network: Option<NetworkArg>,
    /// Files, or a simulated world's folder.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Flows,
    Conversions,
    Tags,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum NetworkArg {
    Ethereum,
    Tron,
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    match &args.command {
        Command::Import(a) => import(a).await,
        Command::Mules(a) => crate::patterns::mules(a).await,
        Command::Cluster(a) => crate::patterns::cluster(a).await,
    }
}

fn marking(a: &ImportArgs) -> anyhow::Result<Marking> {
    let tlp: Tlp = a.tlp.parse().map_err(|_| {
        anyhow::anyhow!(
            "--tlp {:?} is not CLEAR, GREEN, AMBER, AMBER+STRICT or RED",
            a.tlp
        )
    })?;
    let mut marking = Marking {
        tlp,
        recipients: a
            .recipients
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        hit_notification: !a.no_hit_notification,
    };
    marking.canonicalize();
    if let Err((i, message)) = marking.check_recipients() {
        bail!("--recipients: '{}': {message}", marking.recipients[i]);
    }
    Ok(marking)
}

/// The files to read and what each holds: a world's folder gives its three
/// files; otherwise `--kind`, else the file's name.
fn plan(a: &ImportArgs) -> anyhow::Result<Vec<(PathBuf, Kind)>> {
    let mut out = Vec::new();
    for path in &a.paths {
        if path.is_dir() {
            for (name, kind) in [
                ("flows.jsonl", Kind::Flows),
                ("conversions.jsonl", Kind::Conversions),
                ("tags.jsonl", Kind::Tags),
            ] {
                let file = path.join(name);
                if file.exists() {
                    out.push((file, kind));
                }
            }
            if out.is_empty() {
                bail!(
                    "{} holds no flows.jsonl, conversions.jsonl or tags.jsonl",
                    path.display()
                );
            }
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let kind = a.kind.unwrap_or(if name.contains("conversion") {
            Kind::Conversions
        } else if name.contains("tag") || name.ends_with(".yaml") || name.ends_with(".yml") {
            Kind::Tags
        } else {
            Kind::Flows
        });
        out.push((path.clone(), kind));
    }
    Ok(out)
}

fn report(path: &Path, r: Rejected) -> anyhow::Error {
    let mut text = format!(
        "{}: {} bad line(s), nothing imported from it",
        path.display(),
        r.errors.len()
    );
    for e in r.errors.iter().take(50) {
        text.push_str(&format!("\n  line {e}"));
    }
    if r.errors.len() > 50 {
        text.push_str(&format!("\n  … and {} more", r.errors.len() - 50));
    }
    anyhow::anyhow!(text)
}

/// Reads one file into records, or every bad line: the API's own reading
/// (`cordon_server::money::records::read`), the kind from `--kind` or the
/// file's name, the format from its extension.
fn read(
    path: &Path,
    kind: Kind,
    network: Option<Network>,
) -> anyhow::Result<(Vec<NewMoney>, usize)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let extension = |e: &str| path.extension().is_some_and(|x| x.eq_ignore_ascii_case(e));
    let upload = match kind {
        Kind::Flows if extension("csv") => Upload::FlowCsv,
        Kind::Flows => Upload::FlowLines,
        Kind::Conversions => Upload::Conversions,
        Kind::Tags if extension("yaml") || extension("yml") => Upload::TagPack,
        Kind::Tags => Upload::TagLines,
    };
    let read = records::read(upload, &bytes, network).map_err(|r| report(path, r))?;
    Ok((read.records, read.skipped.len()))
}

async fn import(a: &ImportArgs) -> anyhow::Result<()> {
    let marking = marking(a)?;
    let network = a.network.map(|n| match n {
        NetworkArg::Ethereum => Network::Ethereum,
        NetworkArg::Tron => Network::Tron,
    });
    let plan = plan(a)?;
    // Every file is read and checked before anything is written.
    let mut read = Vec::with_capacity(plan.len());
    for (path, kind) in &plan {
        let (records, skipped) = read_blocking(path.clone(), *kind, network).await?;
        read.push((path, records, skipped));
    }
    let store = crate::store::open(&a.db).await?;
    if store.agency(&a.agency).await?.is_none() {
        bail!(
            "agency {} does not exist; create it with `cordon agency add`",
            a.agency
        );
    }
    for r in &marking.recipients {
        let agency = r.split_once('/').map_or(r.as_str(), |(ag, _)| ag);
        if store.agency(agency).await?.is_none() {
            bail!("--recipients: '{r}' names no member agency");
        }
    }
    for (path, records, skipped) in read {
        let (added, unchanged) = put(store.as_ref(), &a.agency, &marking, &records).await?;
        say!(
            "{}: {added} added, {unchanged} unchanged, {skipped} skipped",
            path.display()
        );
    }
    Ok(())
}

async fn read_blocking(
    path: PathBuf,
    kind: Kind,
    network: Option<Network>,
) -> anyhow::Result<(Vec<NewMoney>, usize)> {
    tokio::task::spawn_blocking(move || read(&path, kind, network)).await?
}

async fn put(
    store: &dyn Store,
    agency: &str,
    marking: &Marking,
    records: &[NewMoney],
) -> anyhow::Result<(u64, u64)> {
    let bar = crate::progress::bar(records.len() as u64, "money records");
    let (mut added, mut unchanged) = (0, 0);
    let at = Utc::now();
    for chunk in records.chunks(BATCH) {
        for outcome in store.put_money(agency, marking, chunk, at).await? {
            match outcome {
                PutOutcome::Added { .. } => added += 1,
                PutOutcome::Unchanged { .. } => unchanged += 1,
            }
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok((added, unchanged))
}
