//! `cordon export`: what one agency (or one of its users) may read, in a
//! standard format, to a file or stdout.
//!
//! The export goes through the same access rules as the API: it holds
//! exactly what that viewer could read there, and every other agency whose
//! data it holds finds the export in its audit log.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use cordon_server::access::{Member, Role, Viewer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A STIX 2.1 bundle.
    Stix,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    pub db: String,
    #[arg(long, value_enum)]
    pub format: Format,
    /// The agency whose view is exported (its code, such as GB-NCA).
    #[arg(long)]
    pub agency: String,
    /// Export as this user of the agency: adds the RED reports naming them,
    /// and follows their role. Without it, the agency's analyst view.
    #[arg(long)]
    pub user: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let store = crate::store::open(&args.db).await?;
    if store.agency(&args.agency).await?.is_none() {
        bail!(
            "agency '{}' is not registered; `cordon agency list` shows who is",
            args.agency
        );
    }
    let member = match &args.user {
        Some(name) => {
            let user = store.user(&args.agency, name).await?.with_context(|| {
                format!(
                    "{} has no user '{name}'; `cordon user list --agency {}` shows who it has",
                    args.agency, args.agency
                )
            })?;
            Member {
                agency: args.agency.clone(),
                user_id: user.id,
                user: user.name,
                role: Role::parse(&user.role).unwrap_or(Role::Contributor),
            }
        }
        None => Member {
            agency: args.agency.clone(),
            user_id: 0,
            user: String::new(),
            role: Role::Analyst,
        },
    };
    let viewer = Viewer::Member(member);
    let counts = store.counts().await?;
    let bar = crate::progress::bar(counts.reports + counts.stix_objects, "exporting");
    let out: Box<dyn Write + Send> = match &args.out {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let out = BufWriter::with_capacity(1 << 20, out);
    let started = std::time::Instant::now();
    let (totals, taken, out) = match args.format {
        Format::Stix => {
            cordon_server::export::stix(&store, &viewer, out, &|read| bar.set_position(read))
                .await?
        }
    };
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write the export: {}", e.error()))?
        .flush()?;
    let events = cordon_server::export::audit_events(&viewer, "stix", &taken);
    if !events.is_empty() {
        store.append_audit(&events).await?;
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "exported {} reports and {} objects of other tools as {} STIX objects in {secs:.1}s: {:.0} objects/s",
        totals.reports,
        totals.kept,
        totals.objects,
        totals.objects as f64 / secs.max(1e-9)
    );
    Ok(())
}
