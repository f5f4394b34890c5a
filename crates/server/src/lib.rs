//! Cordon's exchange service: the versioned JSON API under `/api/v1`, the
//! web console, health and metrics, on one port.
//!
//! Every read path decides access through [`access`], the one module that
//! knows the rules. Hit / no-hit queries are answered from the in-memory
//! [`hits`] index, which fails closed while it loads. Reads of others' data
//! and every hit query are written to the hash-chained audit log through
//! [`audit`].

pub mod access;
pub mod alerts;
mod api;
pub mod audit;
pub mod auth;
pub mod bus;
pub mod cases;
mod console;
pub mod directory;
pub mod error;
pub mod export;
pub mod federation;
pub mod hits;
mod limits;
mod listen;
pub mod money;
pub mod networks;
mod observe;
pub mod operations;
pub mod public;
mod tail;
pub mod taxii;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cordon_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use api::cases as case_api;
pub use api::openapi_document;
pub use auth::TokenKey;
pub use observe::install_recorder as install_metrics_recorder;

/// How the service runs; `Config::default()` suits the embedded deployment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Most reports in one submission (JSON array, CSV or JSON-lines upload).
    pub max_reports: usize,
    /// Most selectors in one batch hit query.
    pub max_hit_batch: usize,
    /// Sustained requests per second allowed per token (or per address for
    /// anonymous callers); 0 turns rate limiting off.
    pub rate_per_second: u32,
    /// Requests a token may make at once above the sustained rate.
    pub rate_burst: u32,
    /// Mark the session cookie `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// The bearer token a metrics scraper must send; without one, only
    /// loopback peers may read `/metrics` (its counts describe the whole
    /// store, which no member may see).
    pub metrics_token: Option<String>,
    /// How long a client has to send a request's headers, and its body:
    /// slow clients give their connection back (listen.rs).
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// How often the store is polled for reports written elsewhere (another
    /// replica, `cordon import`) to keep the hit index current.
    pub tail_every: Duration,
    /// How often the networks are regrouped from scratch when reports came
    /// since (between two, new reports join their networks at once).
    pub recompute_every: Duration,
    /// The NATS JetStream bus shared with other replicas; `None` runs this
    /// replica alone (others' reports then arrive by polling the store).
    pub bus: Option<bus::BusConfig>,
    /// How often an orange notice is pushed again to the agencies that
    /// have not acknowledged it.
    pub orange_remind_every: Duration,
    /// How webhooks are delivered: attempts, waits, timeouts.
    pub webhooks: alerts::webhook::Delivery,
    /// Victim-protection cases: the stages' targets and the clock.
    pub cases: cases::CasesConfig,
    /// The public check: its limits and the hotline that takes tips.
    pub public: public::PublicConfig,
    /// The node's federation (peers, matching service); `None` runs it
    /// alone.
    pub federation: Option<cordon_federation::config::FederationConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body: 32 * 1024 * 1024,
            max_reports: 10_000,
            max_hit_batch: 10_000,
            rate_per_second: 2_000,
            rate_burst: 4_000,
            secure_cookies: false,
            metrics_token: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            tail_every: Duration::from_secs(1),
            recompute_every: Duration::from_secs(600),
            bus: None,
            orange_remind_every: Duration::from_secs(15 * 60),
            webhooks: alerts::webhook::Delivery::default(),
            cases: cases::CasesConfig::default(),
            public: public::PublicConfig::default(),
            federation: None,
        }
    }
}

/// What every handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: auth::Authenticator,
    pub sessions: auth::Sessions,
    pub hits: hits::Hits,
    pub networks: networks::Networks,
    pub alerts: alerts::Alerts,
    pub webhooks: alerts::webhook::Webhooks,
    pub operations: operations::Operations,
    pub cases: cases::Cases,
    pub money: money::Money,
    /// The public check's limits and the hotline's tips.
    pub public: public::Public,
    /// Peers, sync and blind matching.
    pub federation: federation::Federation,
    pub directory: directory::Directory,
    pub bus: bus::Bus,
    /// Bumped when another replica announces decisions: the log followers
    /// wait on it beside their poll ([`AppState::next_round`]).
    pub decisions_heard: watch::Sender<u64>,
    pub audit: audit::AuditSink,
    /// Status resources of TAXII POSTs.
    pub taxii_statuses: taxii::Statuses,
    limiter: limits::Limiter,
    /// Turns true when the server stops: open event streams end.
    pub stopping: watch::Receiver<bool>,
    pub config: Config,
    started: Instant,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store.backend())
            .field("hits_ready", &self.hits.is_ready())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// A report revision now in the store, accepted here or read from it:
    /// the hit index, the networks and the watches take it in. A revision
    /// the index had seen raises no alert again.
    pub fn ingested(&self, report: &cordon_store::StoredReport) -> Option<Arc<Vec<alerts::Alert>>> {
        let new = self.hits.put(report);
        self.networks.put(report);
        new.then(|| self.alerts.raise(report, &self.networks))
    }

    /// The state of a server that has not loaded anything yet.
    pub(crate) fn new(
        store: Arc<dyn Store>,
        key: TokenKey,
        config: Config,
        audit: audit::AuditSink,
        bus: bus::Bus,
        stopping: watch::Receiver<bool>,
    ) -> anyhow::Result<AppState> {
        let case_key = key.case_key();
        Ok(AppState {
            stopping,
            auth: auth::Authenticator::new(key),
            sessions: auth::Sessions::default(),
            hits: hits::Hits::default(),
            networks: networks::Networks::default(),
            alerts: alerts::Alerts::default(),
            webhooks: alerts::webhook::Webhooks::new(&config.webhooks)
                .map_err(|e| anyhow::anyhow!("webhook deliveries cannot start: {e}"))?,
            operations: operations::Operations::default(),
            cases: cases::Cases::new(case_key),
            money: money::Money::default(),
            public: public::Public::new(&config.public),
            federation: federation::Federation::new(config.federation.clone()),
            directory: directory::Directory::default(),
            bus,
            decisions_heard: watch::channel(0).0,
            audit,
            taxii_statuses: taxii::Statuses::default(),
            limiter: limits::Limiter::new(config.rate_per_second, config.rate_burst),
            config,
            started: Instant::now(),
            store,
        })
    }

    /// Waits for the next round of following the store: the poll
    /// interval, or sooner when another replica announced decisions.
    pub async fn next_round(&self, heard: &mut watch::Receiver<u64>) {
        tokio::select! {
            () = tokio::time::sleep(self.config.tail_every) => {}
            _ = heard.changed() => {}
        }
    }

    /// Whether an agency's data is this node's own: neither an agency a
    /// peer node sent (`federation.origin`) nor a peer's account here
    /// (kind `node`). Only such data is ever sent to peers or published
    /// as pseudonyms.
    pub fn owned_here(&self, agency: &str) -> bool {
        !self.federation.is_foreign(agency)
            && self.directory.get(agency).is_none_or(|a| a.kind != "node")
    }

    /// A report revision this replica just stored: taken in here, and
    /// announced to the other replicas.
    pub fn accepted(&self, report: &cordon_store::StoredReport) {
        if let Some(alerts) = self.ingested(report) {
            self.alerts.interests.alerted(&alerts);
        }
        self.bus.announce(report.seq);
    }
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: Shared,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    audit_writer: audit::AuditWriter,
    tailer: tokio::task::JoinHandle<()>,
    analyst: tokio::task::JoinHandle<()>,
    watcher: tokio::task::JoinHandle<()>,
    bus: Option<tokio::task::JoinHandle<()>>,
    webhooks: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Waits until the hit index and the networks have loaded (tests and
    /// benchmarks).
    pub async fn ready(&self) {
        while !self.state.hits.is_ready() || !self.state.networks.is_ready() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM).
    pub async fn until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("stopping: finishing requests and writing the audit log");
        self.stop().await
    }

    /// Stops accepting, finishes requests in flight, drains the audit queue.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.task.await?;
        self.tailer.abort();
        self.analyst.abort();
        self.watcher.abort();
        if let Some(bus) = &self.bus {
            bus.abort();
        }
        let Running {
            state,
            audit_writer,
            webhooks,
            ..
        } = self;
        // Webhook deliveries end the POSTs in flight and keep their cursors.
        let grace = state.config.webhooks.timeout + Duration::from_secs(10);
        if tokio::time::timeout(grace, webhooks).await.is_err() {
            tracing::error!("webhook deliveries did not stop within {grace:?}");
        }
        // The writer ends when the last sink is dropped: the state holds it.
        drop(state);
        match tokio::time::timeout(Duration::from_secs(30), audit_writer).await {
            Ok(joined) => joined?,
            Err(_) => tracing::error!("audit writer did not finish within 30 s"),
        }
        Ok(())
    }
}

/// Binds `addr` and starts serving. The API answers at once; hit queries
/// answer `unavailable` until the index has loaded from the store.
pub async fn start(
    store: Arc<dyn Store>,
    key: TokenKey,
    config: Config,
    addr: SocketAddr,
) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    observe::install_recorder();
    // Validation's tables load now, not in the first request that needs them.
    tokio::task::spawn_blocking(cordon_core::ingest::warm_up)
        .await?
        .map_err(|e| anyhow::anyhow!("validation cannot start: {e}"))?;
    let (audit, audit_writer) = audit::AuditSink::start(store.clone());
    let (stop, stopped) = watch::channel(false);
    let (bus, outbox) = match &config.bus {
        Some(bus_config) => {
            // Joined before the hit index loads (see `bus`).
            let joined = bus::join_now(bus_config, Duration::from_secs(5)).await;
            let (bus, outbox) = bus::Bus::new();
            (bus, Some((outbox, joined)))
        }
        None => {
            tracing::info!(
                "no replica bus configured: this replica runs alone, and learns of reports other replicas store by polling the store every {:?}",
                config.tail_every
            );
            (bus::Bus::alone(), None)
        }
    };
    let state = Arc::new(AppState::new(
        store,
        key,
        config,
        audit,
        bus,
        stopped.clone(),
    )?);
    state.directory.refresh(state.store.as_ref()).await?;
    if let Some(hotline) = state
        .config
        .public
        .hotline
        .as_ref()
        .filter(|h| state.directory.get(h).is_none())
    {
        anyhow::bail!(
            "the hotline agency '{hotline}' is not registered; register it with `cordon agency add` or name another with --hotline"
        );
    }
    // What a peer sends at AMBER goes to named local agencies: they must
    // exist, or every page with AMBER would be refused.
    for peer in state.config.federation.iter().flat_map(|f| &f.peers) {
        if let Some(unknown) = peer
            .amber_to
            .iter()
            .find(|a| state.directory.get(a).is_none_or(|x| x.kind == "node"))
        {
            anyhow::bail!(
                "the federation file's peer {} gives AMBER to '{unknown}', which is not a member agency here; register it or name another in amber_to",
                peer.node
            );
        }
    }
    // Watches hold before the first report is accepted.
    state.alerts.sync(state.store.as_ref()).await?;
    let watcher = tokio::spawn(alerts::Alerts::follow(state.clone()));
    state.webhooks.sync(state.store.as_ref()).await?;
    let webhooks = tokio::spawn(alerts::webhook::deliver::run(state.clone()));
    // Operations hold before the first request; the follower ends when the
    // server stops.
    state.operations.sync(state.store.as_ref()).await?;
    tokio::spawn(operations::Operations::follow(state.clone()));
    state
        .cases
        .sync(state.store.as_ref(), &state.alerts.notifier)
        .await?;
    tokio::spawn(cases::Cases::follow(state.clone()));
    state.money.sync(state.store.as_ref()).await?;
    tokio::spawn(money::Money::follow(state.clone()));
    state.public.tips.sync(state.store.as_ref()).await?;
    tokio::spawn(public::tips::Tips::follow(state.clone()));
    let bus = match (state.config.bus.clone(), outbox) {
        (Some(config), Some((outbox, joined))) => Some(tokio::spawn(bus::run(
            state.clone(),
            config,
            outbox,
            joined,
        ))),
        _ => None,
    };
    state.federation.load(state.store.as_ref()).await?;
    tokio::spawn(federation::Federation::follow(state.clone()));
    tokio::spawn(federation::run(state.clone()));
    let tailer = tokio::spawn(tail::run(state.clone()));
    let analyst = tokio::spawn(networks::run(state.clone()));
    let app = router(state.clone());
    let task = tokio::spawn(listen::serve(
        listener,
        app,
        state.config.header_timeout,
        listen::until_stopped(stopped),
    ));
    tracing::info!(%addr, "cordon is listening");
    Ok(Running {
        addr,
        state,
        stop,
        task,
        audit_writer,
        tailer,
        analyst,
        watcher,
        bus,
        webhooks,
    })
}

/// The server's state without serving: for commands that act as a member
/// on a store directly (`cordon case …`), through the same checks, access
/// rules and audit as the API. The directory and the cases are loaded; the
/// hit index, networks and money are not.
#[derive(Debug)]
pub struct Offline {
    pub state: Shared,
    audit_writer: audit::AuditWriter,
    _stop: watch::Sender<bool>,
}

impl Offline {
    pub async fn open(
        store: Arc<dyn Store>,
        key: TokenKey,
        config: Config,
    ) -> anyhow::Result<Offline> {
        let (audit, audit_writer) = audit::AuditSink::start(store.clone());
        let (stop, stopped) = watch::channel(false);
        let state = Arc::new(AppState::new(
            store,
            key,
            config,
            audit,
            bus::Bus::alone(),
            stopped,
        )?);
        state.directory.refresh(state.store.as_ref()).await?;
        state
            .cases
            .sync(state.store.as_ref(), &state.alerts.notifier)
            .await?;
        Ok(Offline {
            state,
            audit_writer,
            _stop: stop,
        })
    }

    /// Writes the audit events queued, then returns.
    pub async fn finish(self) -> anyhow::Result<()> {
        let Offline {
            state,
            audit_writer,
            ..
        } = self;
        drop(state);
        audit_writer.await?;
        Ok(())
    }
}

fn router(state: Shared) -> axum::Router {
    api::routes(state.clone())
        .merge(console::routes(state.clone()))
        .merge(taxii::routes(state.clone()))
        .merge(observe::routes(state.clone()))
        .fallback(unknown_path)
        .layer(axum::middleware::from_fn(observe::track))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            observe::panic_response,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(state.config.max_body))
        // A body must keep coming: a client that stops sending half-way
        // gives its connection back (listen.rs bounds the headers).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.config.body_timeout,
        ))
}

/// An unknown path: the JSON error body under `/api`, a console page
/// elsewhere.
async fn unknown_path(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        api::not_found().await.into_response()
    } else {
        console::failure::Failure::new(
            error::ApiError::new(error::ErrorCode::NotFound, "there is no such page"),
            None,
        )
        .into_response()
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
