//! `cordon trace`: where money went (or came from), from a victim's
//! payment, a wallet or an account, over the flows, conversions and tags
//! one agency (or one of its users) may read in a store — the server's own
//! trace (`cordon_server::money::trace`), as one JSON document, with every
//! model side by side. Read only; the agencies whose flows carried the
//! traced money find the trace in their audit log.

use cordon_finance::trace::{Direction, Model, Seed};
use cordon_server::directory::Directory;
use cordon_server::money::trace::{self, TraceRequest};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub view: crate::patterns::View,
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
    let (store, money, viewer) = crate::patterns::open(&args.view).await?;
    let directory = Directory::default();
    directory.refresh(store.as_ref()).await?;
    let (result, request, who) = tokio::task::spawn_blocking(move || {
        let result = trace::run(&money, &directory, &viewer, &request);
        (result, request, viewer)
    })
    .await?;
    let (answer, touched) = result.map_err(crate::patterns::failed)?;
    let subject = trace::subject(&request);
    crate::patterns::audit(store.as_ref(), &who, "money_trace", &touched, &subject).await?;
    crate::patterns::write(&args.view, &answer)
}
