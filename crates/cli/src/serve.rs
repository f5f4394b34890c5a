//! `cordon serve`: the exchange on one port — API, console, metrics.

use std::net::SocketAddr;
use std::time::Duration;

use cordon_server::{Config, TokenKey};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    pub db: String,
    /// Address to listen on.
    #[arg(long, env = "CORDON_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub tuning: Tuning,
}

/// Limits of the service, shared by `serve` and `demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct Tuning {
    /// Sustained requests per second allowed per token (0: no limit).
    #[arg(long, env = "CORDON_RATE", default_value_t = Config::default().rate_per_second)]
    pub rate: u32,
    /// Requests a token may burst above the sustained rate.
    #[arg(long, env = "CORDON_BURST", default_value_t = Config::default().rate_burst)]
    pub burst: u32,
    /// Largest request body in MiB.
    #[arg(long, default_value_t = 32)]
    pub max_body_mib: usize,
    /// Mark the session cookie Secure (when served behind TLS).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Bearer token that metrics scrapers send; without it only loopback
    /// peers may read /metrics.
    #[arg(long, env = "CORDON_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

impl Tuning {
    pub fn config(&self) -> Config {
        Config {
            rate_per_second: self.rate,
            rate_burst: self.burst,
            max_body: self.max_body_mib * 1024 * 1024,
            secure_cookies: self.secure_cookies,
            metrics_token: self.metrics_token.clone(),
            tail_every: Duration::from_secs(1),
            ..Config::default()
        }
    }
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let store = crate::store::open(&args.db).await?;
    let key = TokenKey::for_database(&args.db)?;
    let running = cordon_server::start(store, key, args.tuning.config(), args.bind).await?;
    println!("cordon serving {} on http://{}/", args.db, running.addr);
    running.until_signal().await
}
