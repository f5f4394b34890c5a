//! `cordon export`: what one agency (or one of its users) may read, in a
//! standard format, to a file or stdout.
//!
//! The export goes through the same access rules as the API: it holds
//! exactly what that viewer could read there, and every other agency whose
//! data it holds finds the export in its audit log.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use cordon_interop::misp::{EventWriter, Events, feed};
use cordon_interop::stix::export::ReportView;
use cordon_server::access::{self, Member, Role, Viewer};
use cordon_server::export::Taken;
use cordon_store::{Store, StoredReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A STIX 2.1 bundle.
    Stix,
    /// MISP events: a JSON list of {"Event": …}, one per report.
    Misp,
    /// A MISP feed directory (give it with -o): manifest.json, hashes.csv
    /// and one <uuid>.json per report, which MISP and `cordon import
    /// --misp-feed` read.
    MispFeed,
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
    /// Write here instead of stdout (for misp-feed: the directory, which
    /// is required).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let store = crate::store::open(&args.db).await?;
    let viewer = viewer_of(store.as_ref(), &args.agency, args.user.as_deref()).await?;
    let counts = store.counts().await?;
    let started = std::time::Instant::now();
    let (format, reports, objects) = match args.format {
        Format::Stix => {
            let bar = crate::progress::bar(counts.reports + counts.stix_objects, "exporting");
            let out = BufWriter::with_capacity(1 << 20, output(args.out.as_deref())?);
            let (totals, taken, out) =
                cordon_server::export::stix(&store, &viewer, out, &|read| bar.set_position(read))
                    .await?;
            finish(out)?;
            audit(&store, &viewer, "stix", &taken).await?;
            bar.finish_and_clear();
            eprintln!(
                "exported {} reports and {} objects of other tools as {} STIX objects in {:.1}s: {:.0} objects/s",
                totals.reports,
                totals.kept,
                totals.objects,
                started.elapsed().as_secs_f64(),
                totals.objects as f64 / started.elapsed().as_secs_f64().max(1e-9)
            );
            return Ok(());
        }
        Format::Misp => {
            let bar = crate::progress::bar(counts.reports, "exporting");
            let out = BufWriter::with_capacity(1 << 20, output(args.out.as_deref())?);
            let mut writer = EventWriter::new(out)?;
            let taken = each_readable(&store, &viewer, &|read| bar.set_position(read), |s| {
                writer.report(view(s))?;
                Ok(())
            })
            .await?;
            let events = writer.written();
            finish(writer.finish()?)?;
            audit(&store, &viewer, "misp", &taken).await?;
            bar.finish_and_clear();
            ("MISP events", events, events)
        }
        Format::MispFeed => {
            let dir = args
                .out
                .as_deref()
                .context("a MISP feed is a directory: give it with -o DIR")?;
            let before = prepare_feed_dir(dir)?;
            let bar = crate::progress::bar(counts.reports, "exporting");
            let mut events = Events::default();
            let mut feed = feed::Feed::default();
            let taken = each_readable(&store, &viewer, &|read| bar.set_position(read), |s| {
                let (file, text) = feed.add(&events.event(view(s)));
                let path = dir.join(file);
                std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))
            })
            .await?;
            let written = feed.len() as u64;
            let now: BTreeSet<String> = feed.uuids().map(str::to_owned).collect();
            let (manifest, hashes) = feed.finish();
            write_atomically(&dir.join(feed::HASHES), &hashes)?;
            // The manifest last: until it is replaced, MISP reads the feed
            // as it was.
            write_atomically(&dir.join(feed::MANIFEST), &manifest)?;
            for uuid in before.difference(&now) {
                let stale = dir.join(feed::event_file(uuid));
                if stale.exists() {
                    std::fs::remove_file(&stale)
                        .with_context(|| format!("cannot remove {}", stale.display()))?;
                }
            }
            audit(&store, &viewer, "misp-feed", &taken).await?;
            bar.finish_and_clear();
            ("MISP feed events", written, written)
        }
    };
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "exported {reports} reports as {objects} {format} in {secs:.1}s: {:.0} reports/s",
        reports as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// Where an export goes: a new file, or stdout.
fn output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write + Send>> {
    Ok(match path {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    })
}

fn finish(out: BufWriter<Box<dyn Write + Send>>) -> anyhow::Result<()> {
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write the export: {}", e.error()))?
        .flush()?;
    Ok(())
}

/// One audit record per other agency whose data the export holds.
async fn audit(
    store: &Arc<dyn Store>,
    viewer: &Viewer,
    format: &str,
    taken: &Taken,
) -> anyhow::Result<()> {
    let events = cordon_server::export::audit_events(viewer, format, taken);
    if !events.is_empty() {
        store.append_audit(&events).await?;
    }
    Ok(())
}

fn view(s: &StoredReport) -> ReportView<'_> {
    ReportView {
        agency: &s.agency,
        revision: s.revision,
        accepted: s.accepted,
        report: &s.report,
    }
}

/// Rows read from the store per page.
const PAGE: u32 = 5_000;

/// Gives `each` every current report the viewer may read, through the
/// access rules, and returns what was taken from each other agency.
/// `progress` is told how many store rows have been read.
async fn each_readable(
    store: &Arc<dyn Store>,
    viewer: &Viewer,
    progress: &(dyn Fn(u64) + Sync),
    mut each: impl FnMut(&StoredReport) -> anyhow::Result<()>,
) -> anyhow::Result<Taken> {
    let own = viewer.member().map(|m| m.agency.as_str());
    let mut taken = Taken::new();
    let (mut after, mut read) = (0, 0u64);
    loop {
        let page = store.reports_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        read += page.len() as u64;
        for stored in access::readable_reports(viewer, page) {
            let s = stored.get();
            each(s)?;
            if own != Some(s.agency.as_str()) {
                taken.entry(s.agency.clone()).or_default().0 += 1;
            }
        }
        progress(read);
    }
    Ok(taken)
}

/// Makes sure `dir` may receive a feed: new, empty, or a feed already
/// (whose events are replaced). Returns the events its manifest listed.
fn prepare_feed_dir(dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        return Ok(BTreeSet::new());
    }
    let manifest = dir.join(feed::MANIFEST);
    if manifest.is_file() {
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let uuids = feed::read_manifest(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}: {}; not replacing a feed whose manifest cannot be read",
                manifest.display(),
                e.line,
                e.message
            )
        })?;
        return Ok(uuids.into_iter().collect());
    }
    let mut entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if entries.next().is_some() {
        bail!(
            "{} is not empty and holds no MISP feed (manifest.json); give a new or empty directory",
            dir.display()
        );
    }
    Ok(BTreeSet::new())
}

/// Writes a file whole or not at all: to a temporary name, then renamed.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The viewer an operator acts as: an agency's user, or without one the
/// agency's analyst view.
pub async fn viewer_of(
    store: &dyn Store,
    agency: &str,
    user: Option<&str>,
) -> anyhow::Result<Viewer> {
    if store.agency(agency).await?.is_none() {
        bail!(
            "agency '{}' is not registered; `cordon agency list` shows who is",
            agency
        );
    }
    let member = match user {
        Some(name) => {
            let user = store.user(agency, name).await?.with_context(|| {
                format!(
                    "{} has no user '{name}'; `cordon user list --agency {}` shows who it has",
                    agency, agency
                )
            })?;
            Member {
                agency: agency.to_owned(),
                user_id: user.id,
                user: user.name,
                role: Role::parse(&user.role).unwrap_or(Role::Contributor),
            }
        }
        None => Member {
            agency: agency.to_owned(),
            user_id: 0,
            user: String::new(),
            role: Role::Analyst,
        },
    };
    let viewer = Viewer::Member(member);
    Ok(viewer)
}
