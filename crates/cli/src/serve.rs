//! `cordon serve`: the exchange on one port — API, console, metrics.

use std::net::SocketAddr;
use std::time::Duration;

use crate::output::say;
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
    #[command(flatten)]
    pub bus: Bus,
    /// This node's federation file: its name, matching service and peers
    /// (docs/FEDERATION.md). Without it the node runs alone.
    #[arg(long, env = "CORDON_FEDERATION")]
    pub federation: Option<std::path::PathBuf>,
}

/// The replica bus: several replicas on one PostgreSQL database.
#[derive(Debug, Clone, clap::Args)]
pub struct Bus {
    /// NATS server with JetStream that replicas share events through,
    /// e.g. nats://127.0.0.1:4222. Without it this replica runs alone.
    #[arg(long, env = "CORDON_NATS")]
    pub nats: Option<String>,
    /// JetStream stream name; every replica of one deployment uses the same.
    #[arg(long, env = "CORDON_NATS_STREAM", default_value = "CORDON")]
    pub nats_stream: String,
    /// This replica's name, the same across its restarts (it resumes from
    /// where this name stopped reading). Default: host name and port.
    #[arg(long, env = "CORDON_REPLICA")]
    pub replica: Option<String>,
}

impl Bus {
    fn config(&self, bind: SocketAddr) -> anyhow::Result<Option<cordon_server::bus::BusConfig>> {
        let Some(url) = &self.nats else {
            return Ok(None);
        };
        let replica = match &self.replica {
            Some(name) => name.clone(),
            None => {
                let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .unwrap_or_else(|_| "cordon".to_owned());
                let host: String = host
                    .trim()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                format!("{host}-{}", bind.port())
            }
        };
        let config = cordon_server::bus::BusConfig {
            url: url.clone(),
            stream: self.nats_stream.clone(),
            replica,
        };
        config.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Some(config))
    }
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
    /// Seconds a client has to send a request's headers; slower ones are
    /// disconnected.
    #[arg(long, default_value_t = Config::default().header_timeout.as_secs())]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's body, whole.
    #[arg(long, default_value_t = Config::default().body_timeout.as_secs())]
    pub body_timeout: u64,
    /// Bearer token that metrics scrapers send; without it only loopback
    /// peers may read /metrics.
    #[arg(long, env = "CORDON_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// The victim-protection protocol's targets for this deployment: a JSON
    /// file of hours per stage (`{"hours": {"verified": 48},
    /// "supervisors_after_hours": 24}`); stages it leaves out keep their
    /// defaults.
    #[arg(long, env = "CORDON_CASE_CLOCKS")]
    pub case_clocks: Option<std::path::PathBuf>,
    /// Public checks one client address may make a minute (0: no limit).
    #[arg(long, default_value_t = cordon_server::public::PublicConfig::default().checks_per_minute)]
    pub public_checks_per_minute: u32,
    /// Public tips ("report this offer") one address may send an hour (0:
    /// no limit).
    #[arg(long, default_value_t = cordon_server::public::PublicConfig::default().tips_per_hour)]
    pub public_tips_per_hour: u32,
    /// The agency whose hotline team receives the public's tips; without
    /// one, "report this offer" is closed.
    #[arg(long, env = "CORDON_HOTLINE")]
    pub hotline: Option<String>,
}

impl Tuning {
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut cases = cordon_server::cases::CasesConfig::default();
        if let Some(path) = &self.case_clocks {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            cases.clocks = cordon_server::cases::Clocks::from_json(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        Ok(Config {
            rate_per_second: self.rate,
            rate_burst: self.burst,
            max_body: self.max_body_mib * 1024 * 1024,
            secure_cookies: self.secure_cookies,
            header_timeout: Duration::from_secs(self.header_timeout.max(1)),
            body_timeout: Duration::from_secs(self.body_timeout.max(1)),
            metrics_token: self.metrics_token.clone(),
            tail_every: Duration::from_secs(1),
            cases,
            public: cordon_server::public::PublicConfig {
                checks_per_minute: self.public_checks_per_minute,
                tips_per_hour: self.public_tips_per_hour,
                hotline: self.hotline.clone(),
            },
            ..Config::default()
        })
    }
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let store = crate::store::open(&args.db).await?;
    let key = TokenKey::for_database(&args.db)?;
    let federation = match &args.federation {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            Some(
                cordon_federation::config::FederationConfig::from_json(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let config = Config {
        bus: args.bus.config(args.bind)?,
        federation,
        ..args.tuning.config()?
    };
    let running = cordon_server::start(store, key, config, args.bind).await?;
    say!("cordon serving {} on http://{}/", args.db, running.addr);
    running.until_signal().await
}
