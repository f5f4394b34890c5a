//! `cordon trace`: where money went (or came from), from a victim's
//! payment, a wallet or an account, over the flows, conversions and tags
//! one agency (or one of its users) may read in a store — the server's own
//! trace (`cordon_server::money::trace`), as one JSON document, with every
//! model side by side. Read only; the agencies whose flows carried the
//! traced money find the trace in their audit log.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use cordon_finance::trace::{Direction, Model, Seed};
use cordon_server::directory::Directory;
use cordon_server::money::Money;
use cordon_server::money::trace::{self, TraceRequest};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    pub db: String,
    /// The agency whose view the trace takes.
    #[arg(long)]
    pub agency: String,
    /// One of its users (what that user may read, RED included).
    #[arg(long)]
    pub user: Option<String>,
    /// Start from what ADDRESS received in this flow (a victim's payment);
    /// without it, from everything ADDRESS moved.
    #[arg(long)]
    pub flow: Option<String>,
    /// The wallet or account to start from (any form; canonicalised).
    #[arg(long)]
    pub address: String,
    /// Where the money came from, rather than where it went.
    #[arg(long)]
    pub backward: bool,
    /// Models, comma-separated (default all): poison, haircut, fifo,
    /// lifo, tiho.
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// Hops to follow, 1 to 10.
    #[arg(long, default_value_t = 5)]
    pub hops: u8,
    /// Follow money on through an exchange's recorded conversion rather
    /// than stopping at the exchange.
    #[arg(long)]
    pub through_services: bool,
    /// Write the document here rather than to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let address = cordon_finance::tags::money_selector(&args.address)
        .map_err(|e| anyhow::anyhow!("--address: {}", e.message))?;
    let mut models = Vec::new();
    for m in &args.models {
        let model: Model = serde_json::from_value(serde_json::Value::String(m.trim().to_owned()))
            .map_err(|_| {
            anyhow::anyhow!("--models: {m:?} is not poison, haircut, fifo, lifo or tiho")
        })?;
        models.push(model);
    }
    let seed = match &args.flow {
        Some(flow) => Seed::Leg {
            flow: flow.clone(),
            address,
            amount: None,
        },
        None => Seed::Address {
            address,
            asset: None,
            since: None,
        },
    };
    let request = TraceRequest {
        seeds: vec![seed],
        direction: Some(if args.backward {
            Direction::Backward
        } else {
            Direction::Forward
        }),
        models: Some(models),
        max_hops: Some(args.hops),
        through_services: args.through_services,
    };
    let store = crate::store::open(&args.db).await?;
    let viewer =
        crate::export::viewer_of(store.as_ref(), &args.agency, args.user.as_deref()).await?;
    let directory = Directory::default();
    directory.refresh(store.as_ref()).await?;
    let money = Money::default();
    money.sync(store.as_ref()).await?;
    let (result, request, viewer) = tokio::task::spawn_blocking(move || {
        let result = trace::run(&money, &directory, &viewer, &request);
        (result, request, viewer)
    })
    .await?;
    let (answer, touched) = result.map_err(|e| match e.field {
        Some(field) => anyhow::anyhow!("{field}: {}", e.message),
        None => anyhow::anyhow!("{}", e.message),
    })?;
    let subject = trace::subject(&request);
    let events: Vec<_> = touched
        .iter()
        .map(|owner| cordon_server::audit::event(&viewer, "money_trace", Some(owner), &subject))
        .collect();
    if !events.is_empty() {
        store.append_audit(&events).await?;
    }
    let text = serde_json::to_string_pretty(&answer)?;
    match &args.out {
        Some(path) => std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{text}").is_err() {
                bail!("cannot write to stdout");
            }
        }
    }
    Ok(())
}
