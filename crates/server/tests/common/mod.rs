//! Test support for the server's integration tests: a real server on
//! 127.0.0.1:0 over a real store (SQLite in a temporary directory, or
//! PostgreSQL in a schema of its own), with agencies, users of every role,
//! their tokens and an HTTP client.
//!
//! Every case is an `async fn case(backend: Backend)`; [`on_both_backends!`]
//! turns each into a `sqlite` and a `postgres` test. PostgreSQL cases skip
//! loudly when no server answers, and fail under CI
//! (`cordon_testkit::postgres_url`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use cordon_server::{Config, Running, TokenKey};
use cordon_store::{NewAgency, NewUser, Store};
use cordon_store_postgres::{PgConnectOptions, PostgresStore};
use cordon_store_sqlite::SqliteStore;
use serde_json::Value;

/// Turns `async fn name(backend: Backend)` cases into a module `name` with
/// a `sqlite` and a `postgres` test each.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$case($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The owning agency of the test data.
pub const A: &str = "GB-NCA";
/// The recipient agency.
pub const R: &str = "KH-NCB";
/// An outsider agency.
pub const O: &str = "PH-NBI";
/// Users every agency gets.
pub const USERS: [(&str, &str); 4] = [
    ("admin", "admin"),
    ("analyst", "analyst"),
    ("analyst2", "analyst"),
    ("contributor", "contributor"),
];

/// The contact each agency shows on a hit.
pub fn contact_of(agency: &str) -> String {
    format!(
        "duty desk of {}, desk-{}@agencies.example",
        agency_name(agency),
        agency_name(agency)
    )
}

fn agency_name(agency: &str) -> String {
    agency.to_ascii_lowercase().replace('-', "")
}

/// A store and what keeps its data alive (a temporary directory, or a
/// PostgreSQL schema dropped when this is dropped).
pub struct TestStore {
    pub store: Arc<dyn Store>,
    backing: Backing,
}

impl std::fmt::Debug for TestStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestStore")
            .field("backend", &self.store.backend())
            .finish_non_exhaustive()
    }
}

enum Backing {
    Sqlite(tempfile::TempDir),
    Postgres(PgSchema),
}

struct PgSchema {
    url: String,
    schema: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        // Drop cannot await: drop the schema from a thread with its own
        // runtime, which also works while a failed test unwinds.
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                use sqlx::{Connection, Executor};
                let mut conn = sqlx::PgConnection::connect(&url)
                    .await
                    .map_err(std::io::Error::other)?;
                conn.execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
                    .await
                    .map_err(std::io::Error::other)?;
                Ok::<_, std::io::Error>(())
            })
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test schema {}: {e}", self.schema),
            Err(_) => eprintln!("dropping test schema {} panicked", self.schema),
        }
    }
}

impl Backend {
    /// A fresh, empty store; `None` when PostgreSQL is missing outside CI.
    pub async fn open(self) -> Option<TestStore> {
        match self {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("cordon.db").display());
                let store = tokio::task::spawn_blocking(move || SqliteStore::open(&url))
                    .await
                    .expect("open does not panic")
                    .expect("the sqlite store opens");
                Some(TestStore {
                    store: Arc::new(store),
                    backing: Backing::Sqlite(dir),
                })
            }
            Backend::Postgres => {
                let url = cordon_testkit::postgres_url()?;
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos());
                let schema = format!(
                    "cordon_srv_{}_{}_{nanos:x}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                );
                {
                    use sqlx::{Connection, Executor};
                    let mut conn = sqlx::PgConnection::connect(&url)
                        .await
                        .expect("connect to postgres");
                    conn.execute(format!("CREATE SCHEMA {schema}").as_str())
                        .await
                        .expect("create the test schema");
                }
                let backing = PgSchema { url, schema };
                let options = PgConnectOptions::from_str(&backing.url)
                    .expect("a postgres url")
                    .options([("search_path", backing.schema.as_str())]);
                let store = PostgresStore::connect_with(options, 4)
                    .await
                    .expect("the postgres store connects");
                Some(TestStore {
                    store: Arc::new(store),
                    backing: Backing::Postgres(backing),
                })
            }
        }
    }
}

impl TestStore {
    /// A second, independent handle on the same data, as another replica
    /// or process would open it.
    /// The directory of a SQLite store's files.
    pub fn dir(&self) -> Option<&std::path::Path> {
        match &self.backing {
            Backing::Sqlite(dir) => Some(dir.path()),
            Backing::Postgres(_) => None,
        }
    }

    pub async fn reopen(&self) -> Arc<dyn Store> {
        match &self.backing {
            Backing::Sqlite(dir) => {
                let url = format!("sqlite://{}", dir.path().join("cordon.db").display());
                let store = tokio::task::spawn_blocking(move || SqliteStore::open(&url))
                    .await
                    .expect("open does not panic")
                    .expect("the sqlite store opens again");
                Arc::new(store)
            }
            Backing::Postgres(pg) => {
                let options = PgConnectOptions::from_str(&pg.url)
                    .expect("a postgres url")
                    .options([("search_path", pg.schema.as_str())]);
                Arc::new(
                    PostgresStore::connect_with(options, 4)
                        .await
                        .expect("the postgres store connects again"),
                )
            }
        }
    }
}

/// Query parameters.
pub type Params<'a> = &'a [(&'a str, &'a str)];

/// A user's handle in [`World::tokens`]: `AGENCY/user`.
pub fn who(agency: &str, user: &str) -> String {
    format!("{agency}/{user}")
}

/// Creates the three agencies and every user of [`USERS`] in each, with one
/// token per user; returns the tokens by `AGENCY/user`.
pub async fn populate(store: &dyn Store, key: &TokenKey) -> BTreeMap<String, String> {
    let mut tokens = BTreeMap::new();
    for (code, country, kind) in [(A, "GB", "police"), (R, "KH", "ncb"), (O, "PH", "police")] {
        store
            .create_agency(&NewAgency {
                code: code.into(),
                name: format!("agency {}", agency_name(code)),
                country: country.into(),
                kind: kind.into(),
                contact: contact_of(code),
            })
            .await
            .expect("create agency");
        for (user, role) in USERS {
            let token = add_user_with_token(store, key, code, user, role).await;
            tokens.insert(who(code, user), token);
        }
    }
    tokens
}

/// Adds a user and a token for it; returns the token.
pub async fn add_user_with_token(
    store: &dyn Store,
    key: &TokenKey,
    agency: &str,
    user: &str,
    role: &str,
) -> String {
    let created = store
        .create_user(&NewUser {
            agency: agency.into(),
            name: user.into(),
            role: role.into(),
        })
        .await
        .expect("create user");
    cordon_server::auth::issue_token(store, key, created.id, "test")
        .await
        .expect("create token")
}

pub fn test_key() -> TokenKey {
    TokenKey::from_bytes([7; 32])
}

/// A config for tests: rate limiting off (the public check's too), the
/// store tailed often.
pub fn test_config() -> Config {
    Config {
        rate_per_second: 0,
        tail_every: Duration::from_millis(50),
        public: cordon_server::public::PublicConfig {
            checks_per_minute: 0,
            tips_per_hour: 0,
            hotline: None,
        },
        ..Config::default()
    }
}

/// A running server over a populated store, and a client.
pub struct World {
    pub server: Option<Running>,
    pub store: Arc<dyn Store>,
    pub key: TokenKey,
    pub base: String,
    pub http: reqwest::Client,
    pub tokens: BTreeMap<String, String>,
    // Last: the store's files or schema go when everything else has.
    pub backing: Option<TestStore>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// An answer: status, headers and the body as text.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not json ({e}), status {}: {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and returns the body as JSON.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self.json()
    }

    /// Asserts an error answer: the status, the error body's code, and that
    /// the body is the one error body (`code` and `message` at least).
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        let body = self.expect(status);
        assert_eq!(body["code"], code, "{}", self.body);
        let message = body["message"].as_str().expect("an error has a message");
        assert!(!message.is_empty(), "{}", self.body);
        assert!(
            !message.starts_with(|c: char| c.is_uppercase()) && !message.ends_with('.'),
            "error messages start lowercase, without a closing period: {}",
            self.body
        );
        body
    }
}

impl World {
    /// A populated store and a server over it, its hit index loaded.
    pub async fn start(backend: Backend, config: Config) -> Option<World> {
        let backing = backend.open().await?;
        let key = test_key();
        let tokens = populate(backing.store.as_ref(), &key).await;
        let store = backing.store.clone();
        let mut world = World::serve(store, key, tokens, config).await;
        world.backing = Some(backing);
        world.ready().await;
        Some(world)
    }

    /// A server over `store` (already populated), without waiting for its
    /// hit index.
    pub async fn serve(
        store: Arc<dyn Store>,
        key: TokenKey,
        tokens: BTreeMap<String, String>,
        config: Config,
    ) -> World {
        let server = cordon_server::start(
            store.clone(),
            key.clone(),
            config,
            "127.0.0.1:0".parse().expect("an address"),
        )
        .await
        .expect("the server starts");
        let base = format!("http://{}", server.addr);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client");
        World {
            server: Some(server),
            store,
            key,
            base,
            http,
            tokens,
            backing: None,
        }
    }

    /// Another server over the same store (a fresh replica).
    pub async fn replica(&self, config: Config) -> World {
        let world = World::serve(
            self.store.clone(),
            self.key.clone(),
            self.tokens.clone(),
            config,
        )
        .await;
        world.ready().await;
        world
    }

    pub fn running(&self) -> &Running {
        self.server.as_ref().expect("the server runs")
    }

    /// Waits (at most 30 s) until the hit index has loaded.
    pub async fn ready(&self) {
        tokio::time::timeout(Duration::from_secs(30), self.running().ready())
            .await
            .expect("the hit index loads within 30 s");
    }

    /// Stops the server: requests finish, the audit queue is written.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("the server stops cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The token of `AGENCY/user`.
    pub fn token(&self, who: &str) -> &str {
        self.tokens
            .get(who)
            .unwrap_or_else(|| panic!("no token for {who}"))
    }

    fn authed(&self, rb: reqwest::RequestBuilder, who: Option<&str>) -> reqwest::RequestBuilder {
        match who {
            Some(w) => rb.bearer_auth(self.token(w)),
            None => rb,
        }
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Answer {
        let response = rb.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("a body");
        Answer {
            status,
            headers,
            body,
        }
    }

    /// GET as `who` (`AGENCY/user`), or anonymously.
    pub async fn get(&self, who: Option<&str>, path: &str) -> Answer {
        self.send(self.authed(self.http.get(self.url(path)), who))
            .await
    }

    /// GET with query parameters, URL-encoded.
    pub async fn get_query(&self, who: Option<&str>, path: &str, query: &[(&str, &str)]) -> Answer {
        self.send(self.authed(self.http.get(self.url(path)).query(query), who))
            .await
    }

    pub async fn post_json(&self, who: Option<&str>, path: &str, body: &Value) -> Answer {
        self.send(self.authed(self.http.post(self.url(path)).json(body), who))
            .await
    }

    pub async fn post_raw(
        &self,
        who: Option<&str>,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Answer {
        self.send(
            self.authed(
                self.http
                    .post(self.url(path))
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(body),
                who,
            ),
        )
        .await
    }

    /// Submits reports as `who` and asserts they were all stored.
    pub async fn submit(&self, who: &str, reports: &Value) -> Value {
        self.post_json(Some(who), "/api/v1/reports", reports)
            .await
            .expect(200)
    }
}

/// Polls `check` every 20 ms until it returns `Some`, for at most `within`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, check: &mut F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(t) = check().await {
            return t;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The report ids (`AGENCY/id`) of a report list answer.
pub fn listed_ids(page: &Value) -> Vec<String> {
    page["reports"]
        .as_array()
        .expect("a report page")
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["agency"].as_str().expect("agency"),
                r["report"]["id"].as_str().expect("id")
            )
        })
        .collect()
}

/// `text` percent-encoded as the console encodes path segments.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A console session for `who`, logged in through the login form.
pub async fn console_login(world: &World, client: &reqwest::Client, who: &str) -> String {
    let form = client.get(world.url("/login")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let nonce = set_cookie(&form, "cordon_login").expect("the login form sets its cookie");
    let body = format!("token={}&csrf={nonce}", world.token(who));
    let answer = client
        .post(world.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("cordon_login={nonce}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_redirection(),
        "login: {}",
        answer.status()
    );
    set_cookie(&answer, "cordon_session").expect("login sets the session cookie")
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

impl World {
    /// A console page with a session cookie, or without one; `client`
    /// should not follow redirects.
    pub async fn page(
        &self,
        client: &reqwest::Client,
        session: Option<&str>,
        path: &str,
    ) -> Answer {
        let mut request = client.get(self.url(path));
        if let Some(s) = session {
            request = request.header("cookie", format!("cordon_session={s}"));
        }
        self.send(request).await
    }
}

/// A client that does not follow redirects, as the console tests need.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// An open event stream, read event by event.
pub struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    pub async fn open(world: &World, who: &str, last_event_id: Option<&str>) -> Stream {
        let mut rb = reqwest::Client::new()
            .get(world.url("/api/v1/alerts/stream"))
            .bearer_auth(world.token(who));
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id);
        }
        Stream::of(rb.send().await.expect("the stream opens"))
    }

    /// The console's stream (`/alerts/stream`) of a signed-in session.
    pub async fn console(world: &World, session: &str) -> Stream {
        let request = reqwest::Client::new()
            .get(world.url("/alerts/stream"))
            .header("cookie", format!("cordon_session={session}"));
        Stream::of(request.send().await.expect("the stream opens"))
    }

    fn of(response: reqwest::Response) -> Stream {
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// The next `alert` event (id, data), or None within `wait`.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<(String, serde_json::Value)> {
        self.next_of("alert", wait).await
    }

    /// The next event of type `kind` (its id, empty when it has none, and
    /// data), or None within `wait`; events of other types are passed over.
    pub async fn next_of(
        &mut self,
        kind: &str,
        wait: std::time::Duration,
    ) -> Option<(String, serde_json::Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if event.as_deref() == Some(kind) {
                    assert!(kind != "alert" || id.is_some(), "an alert has an id");
                    return Some((id.unwrap_or_default(), serde_json::from_str(&data).unwrap()));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?;
            let bytes = chunk.expect("the stream reads")?;
            self.buffer.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
}

/// One request a [`Receiver`] took.
#[derive(Debug, Clone)]
pub struct Received {
    /// `X-Cordon-Delivery`.
    pub delivery: String,
    /// `X-Cordon-Event`.
    pub event: String,
    /// `X-Cordon-Signature`.
    pub signature: String,
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

#[derive(Debug, Default)]
struct ReceiverState {
    got: std::sync::Mutex<Vec<Received>>,
    /// Statuses to answer first, in order.
    plan: std::sync::Mutex<std::collections::VecDeque<u16>>,
    /// The status after the plan (200 unless told).
    status: std::sync::atomic::AtomicU16,
}

/// A webhook endpoint on 127.0.0.1:0 (a real HTTP server) that keeps every
/// request and answers with the statuses it is told.
#[derive(Debug)]
pub struct Receiver {
    /// Where to point a webhook.
    pub url: String,
    state: Arc<ReceiverState>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        state.status.store(200, Ordering::SeqCst);
        let shared = state.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let state = shared.clone();
                    async move {
                        let header = |name: &str| {
                            headers
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let planned = state.plan.lock().unwrap().pop_front();
                        let answered =
                            planned.unwrap_or_else(|| state.status.load(Ordering::SeqCst));
                        state.got.lock().unwrap().push(Received {
                            delivery: header("x-cordon-delivery"),
                            event: header("x-cordon-event"),
                            signature: header("x-cordon-signature"),
                            body: String::from_utf8_lossy(&body).into_owned(),
                            answered,
                        });
                        axum::http::StatusCode::from_u16(answered).unwrap()
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the receiver listens");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, state, task }
    }

    /// Answers `status` from now on (after any planned ones).
    pub fn answer(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    /// Answers these statuses first, in order.
    pub fn plan(&self, statuses: &[u16]) {
        self.state.plan.lock().unwrap().extend(statuses);
    }

    /// Every request taken, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    /// The requests answered with a 2xx, in order.
    pub fn delivered(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| (200..300).contains(&r.answered))
            .collect()
    }

    /// Waits (at most `within`) until `n` requests were answered with a
    /// 2xx; returns them all.
    pub async fn wait_delivered(&self, n: usize, within: Duration) -> Vec<Received> {
        eventually(within, &format!("{n} webhook deliveries"), &mut || async {
            let got = self.delivered();
            (got.len() >= n).then_some(got)
        })
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
