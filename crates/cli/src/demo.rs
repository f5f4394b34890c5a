//! `cordon demo`: a simulated world loaded into an embedded store, ready to
//! explore.

use std::path::PathBuf;

use crate::output::say;
use cordon_server::TokenKey;
use cordon_sim::{LIAISON, Scale};
use cordon_store::{Agency, Store};

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
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: std::net::SocketAddr,
    /// Load the world and print the logins, but do not serve.
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    tuning: crate::serve::Tuning,
}

/// The demo's three agencies and their rights: a regional hub that
/// administers its own users, an analyst desk in a victims' country, and a
/// hotline that contributes reports and reads only its own.
const DEMO_ROLES: [(&str, &str); 3] = [
    ("TH-DSI", "admin"),
    ("GB-NCA", "analyst"),
    ("", "contributor"),
];

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
        misp_feed: Vec::new(),
        paths: vec![args.world.clone()],
    };
    crate::import::run(&import).await?;
    // The world's distress signals, family reports and hotline calls, as
    // the protection desk's cases.
    let cases = crate::case::Db {
        db: args.db.clone(),
        case_clocks: args.tuning.case_clocks.clone(),
        out: None,
    };
    let signals = args.world.join("protect").join("signals.jsonl");
    let opened = crate::case::open_signals(&cases, &signals, "intake").await?;
    let store = crate::store::open(&args.db).await?;
    let counts = store.counts().await?;
    say!(
        "Cordon demo world (seed {}, {} scale)",
        summary.seed,
        summary.scale
    );
    say!("  database:   {}", args.db);
    say!(
        "  world:      {} (ground truth in truth.json)",
        args.world.display()
    );
    say!(
        "  stored:     {} agencies, {} reports, {} distinct selectors, {} report-selector links",
        counts.agencies,
        counts.reports,
        counts.selectors,
        counts.links
    );
    say!(
        "  simulated:  {} networks, {} compounds, {} trafficked workers of {} nationalities",
        summary.networks,
        summary.compounds,
        summary.workers,
        summary.nationalities
    );
    say!(
        "  protection: {} cases from the signals about {} workers (ground truth in protect/truth.jsonl)",
        opened.len(),
        summary.signals.workers
    );
    let key = TokenKey::for_database(&args.db)?;
    let mut logins = demo_logins(store.as_ref(), &key).await?;
    // The protection desk with the most cases, so that Protection has a
    // queue to show.
    if let Some(desk) = busiest_desk(&signals)?
        && !logins.iter().any(|(a, ..)| a.code == desk)
        && let Some(agency) = store.agency(&desk).await?
    {
        if store.user(&desk, LIAISON).await?.is_none() {
            crate::token::add_user(store.as_ref(), &desk, LIAISON, "analyst").await?;
        }
        let token =
            crate::token::create_token(store.as_ref(), &key, &desk, LIAISON, "demo").await?;
        logins.push((agency, "analyst", token));
    }
    say!();
    say!("Demo logins (each token is new; earlier ones still work):");
    for (agency, role, token) in &logins {
        say!("  {:<12} {:<12} {token}", agency.code, role);
    }
    if args.no_serve {
        return Ok(());
    }
    let mut config = args.tuning.config()?;
    // The public's tips go to the demo hotline unless told otherwise.
    if config.public.hotline.is_none() {
        config.public.hotline = logins
            .iter()
            .find(|(_, role, _)| *role == "contributor")
            .map(|(agency, _, _)| agency.code.clone());
    }
    let hotline = config.public.hotline.clone();
    let running = cordon_server::start(store, key, config, args.bind).await?;
    say!();
    say!(
        "Console:  http://{}/   (log in with a token above)",
        running.addr
    );
    say!("API:      http://{}/api/v1/openapi.json", running.addr);
    say!(
        "Public:   http://{}/check   (no login: check a job offer; \"report this offer\" goes to {}'s queue, GET /api/v1/tips)",
        running.addr,
        hotline.as_deref().unwrap_or("no hotline")
    );
    say!("Stop with Ctrl-C.");
    running.until_signal().await
}

/// The agency assigned to the most of the signals' cases.
fn busiest_desk(signals: &std::path::Path) -> anyhow::Result<Option<String>> {
    let text = std::fs::read_to_string(signals)?;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let signal: serde_json::Value = serde_json::from_str(line)?;
        if let Some(assigned) = signal["opening"]["assigned"].as_array() {
            for a in assigned {
                if let Some(agency) = a["agency"].as_str() {
                    *counts.entry(agency.to_owned()).or_default() += 1;
                }
            }
        }
    }
    Ok(counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(agency, _)| agency))
}

/// Makes sure each demo agency has its liaison user and gives each a fresh
/// token.
async fn demo_logins(
    store: &dyn Store,
    key: &TokenKey,
) -> anyhow::Result<Vec<(Agency, &'static str, String)>> {
    let agencies = store.agencies().await?;
    let mut logins = Vec::new();
    for (code, role) in DEMO_ROLES {
        let agency = if code.is_empty() {
            // The first hotline or NGO of the world, by code.
            agencies
                .iter()
                .filter(|a| a.kind == "hotline" || a.kind == "ngo")
                .min_by(|a, b| a.code.cmp(&b.code))
        } else {
            agencies.iter().find(|a| a.code == code)
        };
        let agency = agency
            .ok_or_else(|| {
                anyhow::anyhow!("the simulated world has no agency for the {role} demo login")
            })?
            .clone();
        if store.user(&agency.code, LIAISON).await?.is_none() {
            crate::token::add_user(store, &agency.code, LIAISON, role).await?;
        }
        let token = crate::token::create_token(store, key, &agency.code, LIAISON, "demo").await?;
        logins.push((agency, role, token));
    }
    Ok(logins)
}
