//! `cordon flows mules` and `cordon flows cluster`: the server's mule
//! detection and wallet clustering (`cordon_server::money::patterns`) over
//! the flows one agency (or one of its users) may read in a store, as one
//! JSON document. Read only, like `cordon trace`: the agencies whose flows
//! an answer cites find it in their audit log.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use cordon_server::access::Viewer;
use cordon_server::money::{Money, patterns};
use cordon_store::Store;
use serde::Serialize;

/// Whose view, and where the answer goes.
#[derive(Debug, clap::Args)]
pub struct View {
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    pub db: String,
    /// The agency whose view is taken.
    #[arg(long)]
    pub agency: String,
    /// One of its users (what that user may read, RED included).
    #[arg(long)]
    pub user: Option<String>,
    /// Write the document here rather than to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MulesArgs {
    #[command(flatten)]
    pub view: View,
    /// Accounts scoring less are left out (0 to 1).
    #[arg(long, default_value_t = cordon_finance::mules::FLAGGED)]
    pub min_score: f64,
    /// Crypto wallets too, not only bank accounts.
    #[arg(long)]
    pub crypto: bool,
}

#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub view: View,
    /// The wallet whose owner's other addresses are wanted (any form).
    #[arg(long)]
    pub address: String,
}

/// The store, the money `view` may read, and the viewer.
pub(crate) async fn open(view: &View) -> anyhow::Result<(Arc<dyn Store>, Money, Viewer)> {
    let store = crate::store::open(&view.db).await?;
    let viewer =
        crate::export::viewer_of(store.as_ref(), &view.agency, view.user.as_deref()).await?;
    let money = Money::default();
    money.sync(store.as_ref()).await?;
    Ok((store, money, viewer))
}

/// The owners of other agencies' flows an answer cites learn of it.
pub(crate) async fn audit(
    store: &dyn Store,
    viewer: &Viewer,
    action: &str,
    touched: &BTreeSet<String>,
    subject: &str,
) -> anyhow::Result<()> {
    let events: Vec<_> = touched
        .iter()
        .map(|owner| cordon_server::audit::event(viewer, action, Some(owner), subject))
        .collect();
    if !events.is_empty() {
        store.append_audit(&events).await?;
    }
    Ok(())
}

pub(crate) fn write(view: &View, answer: &impl Serialize) -> anyhow::Result<()> {
    write_json(view.out.as_deref(), answer)
}

/// An answer as pretty JSON, to `out` or stdout.
pub(crate) fn write_json(out: Option<&Path>, answer: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(answer)?;
    write_text(out, &(text + "\n"))
}

/// A document as it is (CSV, JSON already formatted), to `out` or stdout.
pub(crate) fn write_text(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match out {
        // Readable by the owner only: these documents hold what an agency
        // may read (a victim's case among them), not what its host may.
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options
                .open(path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                bail!("cannot write to stdout");
            }
            Ok(())
        }
    }
}

pub(crate) fn failed(e: cordon_server::error::ApiError) -> anyhow::Error {
    match e.field {
        Some(field) => anyhow::anyhow!("{field}: {}", e.message),
        None => anyhow::anyhow!("{}", e.message),
    }
}

pub async fn mules(args: &MulesArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.min_score) {
        bail!("--min-score is between 0 and 1, not {}", args.min_score);
    }
    let (store, money, viewer) = open(&args.view).await?;
    let (min_score, crypto, who) = (args.min_score, args.crypto, viewer.clone());
    let (accounts, touched) =
        tokio::task::spawn_blocking(move || patterns::mules(&money, &who, min_score, crypto))
            .await?
            .map_err(failed)?;
    let subject = format!("mules min_score={min_score} crypto={crypto}");
    audit(store.as_ref(), &viewer, "money_mules", &touched, &subject).await?;
    write(&args.view, &serde_json::json!({ "accounts": accounts }))
}

pub async fn cluster(args: &ClusterArgs) -> anyhow::Result<()> {
    let address = cordon_finance::tags::money_selector(&args.address)
        .map_err(|e| anyhow::anyhow!("--address: {}", e.message))?;
    let (store, money, viewer) = open(&args.view).await?;
    let (who, asked) = (viewer.clone(), address.clone());
    let (found, touched) =
        tokio::task::spawn_blocking(move || patterns::cluster(&money, &who, &asked))
            .await?
            .map_err(failed)?;
    audit(store.as_ref(), &viewer, "money_cluster", &touched, &address).await?;
    write(&args.view, &found)
}
