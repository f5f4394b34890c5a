//! The event bus between replicas: NATS JetStream.
//!
//! Several `cordon serve` replicas on one PostgreSQL database learn of each
//! other's accepted reports through one JetStream stream. A replica that
//! accepts a report announces its sequence number there once the store has
//! committed it; every other replica reads the announcement through its own
//! durable consumer, reads the revision from the store and takes it in
//! ([`crate::AppState::ingested`]): hit index, networks, alerts.
//!
//! Only sequence numbers travel: report content stays in the database, so
//! the bus never holds anything a marking protects. The store stays the one
//! truth, and the bus only makes other replicas learn fast:
//!
//! - a replica's durable consumer outlives it, so one that restarts reads
//!   every announcement made while it was away, from its last ack;
//! - a consumer created for a new replica starts at the stream's end, before
//!   the replica loads its hit index from the store, so nothing falls
//!   between the two;
//! - announcements are acknowledged only after the revision is taken in, and
//!   taking a revision in twice changes nothing, so redelivery is harmless;
//! - the store tailer ([`crate::tail`]) still polls, which covers writers
//!   that announce nothing (`cordon import`) and a bus that is down.
//!
//! A replica started without a bus runs alone and says so at start.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::Shared;

/// Announcements taken from the consumer at once.
const BATCH: usize = 500;
/// Revisions read from the store per round trip while taking a batch in.
const PAGE: u32 = 2_000;
/// How long the stream keeps announcements: a replica away for longer
/// catches up from the store's tailer instead.
const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// Where the bus is and who this replica is on it.
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// NATS server URL, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// JetStream stream name; replicas of one deployment share it.
    pub stream: String,
    /// This replica's name, stable across its restarts: its durable
    /// consumer is named after it.
    pub replica: String,
}

impl BusConfig {
    /// Checks the names NATS will accept; the error says which is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !ok(&self.stream) {
            return Err(format!(
                "bus stream name {:?} must be 1 to 64 letters, digits, '-' or '_'",
                self.stream
            ));
        }
        if !ok(&self.replica) {
            return Err(format!(
                "replica name {:?} must be 1 to 64 letters, digits, '-' or '_'",
                self.replica
            ));
        }
        Ok(())
    }

    fn subject(&self) -> String {
        format!("{}.reports", self.stream)
    }

    /// Decisions are announced on plain NATS, not the stream: the log is
    /// their record, and a lost announcement only waits for the next poll.
    fn decisions_subject(&self) -> String {
        format!("{}.decisions", self.stream)
    }
}

/// What one announcement says.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    seq: i64,
    replica: String,
}

/// The bus's state, as the `cordon_bus_state` gauge shows it (0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusState {
    /// No bus configured: the replica learns of others' reports by polling.
    Alone,
    /// Configured, not (yet, or no longer) joined.
    Connecting,
    /// Joined: announcing and reading.
    Joined,
}

/// What this replica tells the others.
#[derive(Debug, Clone, Copy)]
pub enum News {
    /// A report revision it stored (its sequence number).
    Report(i64),
    /// Decisions it appended: read the log now.
    Decisions,
}

/// This replica's side of the bus.
#[derive(Debug)]
pub struct Bus {
    outbox: Option<mpsc::UnboundedSender<News>>,
    state: Arc<AtomicU8>,
}

impl Bus {
    /// A replica without a bus.
    pub fn alone() -> Bus {
        Bus {
            outbox: None,
            state: Arc::new(AtomicU8::new(BusState::Alone as u8)),
        }
    }

    /// A bus for `config` and the queue of announcements [`run`] sends.
    pub fn new() -> (Bus, mpsc::UnboundedReceiver<News>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let bus = Bus {
            outbox: Some(tx),
            state: Arc::new(AtomicU8::new(BusState::Connecting as u8)),
        };
        (bus, rx)
    }

    /// Announces a revision this replica stored. Never blocks the request:
    /// a lost announcement is found by the other replicas' tailers.
    pub fn announce(&self, seq: i64) {
        if let Some(outbox) = &self.outbox {
            let _ = outbox.send(News::Report(seq));
        }
    }

    /// Tells the other replicas to read the decision log now rather than
    /// at their next poll (the decisions themselves stay in the log).
    pub fn announce_decisions(&self, kept: &[cordon_store::Decision]) {
        if let (Some(outbox), false) = (&self.outbox, kept.is_empty()) {
            let _ = outbox.send(News::Decisions);
        }
    }

    pub fn state(&self) -> BusState {
        match self.state.load(Ordering::Relaxed) {
            0 => BusState::Alone,
            1 => BusState::Connecting,
            _ => BusState::Joined,
        }
    }

    fn set(&self, state: BusState) {
        self.state.store(state as u8, Ordering::Relaxed);
    }
}

/// A joined bus: the stream's context and this replica's consumer.
pub struct Joined(jetstream::Context, consumer::PullConsumer);

impl std::fmt::Debug for Joined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Joined")
    }
}

/// Tries to join once, waiting at most `within`: at start, so that a new
/// replica's consumer exists before its hit index loads. `None` leaves
/// joining to [`run`], which retries.
pub async fn join_now(config: &BusConfig, within: Duration) -> Option<Joined> {
    match tokio::time::timeout(within, try_join(config)).await {
        Ok(Ok((context, consumer))) => Some(Joined(context, consumer)),
        Ok(Err(e)) => {
            tracing::warn!(url = %config.url, error = %e, "cannot join the replica bus at start; retrying in the background, other replicas' reports arrive by polling the store meanwhile");
            None
        }
        Err(_) => {
            tracing::warn!(url = %config.url, "the replica bus did not answer within {within:?} at start; retrying in the background, other replicas' reports arrive by polling the store meanwhile");
            None
        }
    }
}

/// Joins the bus (unless already joined; retrying until NATS answers), then
/// announces this replica's revisions and takes in the others'.
pub async fn run(
    state: Shared,
    config: BusConfig,
    outbox: mpsc::UnboundedReceiver<News>,
    joined: Option<Joined>,
) {
    let (stream, consumer) = match joined {
        Some(Joined(context, consumer)) => (context, consumer),
        None => join(&config, &state).await,
    };
    state.bus.set(BusState::Joined);
    tracing::info!(
        url = %config.url,
        stream = %config.stream,
        replica = %config.replica,
        "joined the replica bus"
    );
    // Aborted with this task (when the server stops), so that none of
    // them outlives it holding the state.
    let _listener = Child(tokio::spawn(hear_decisions(
        state.clone(),
        stream.client(),
        config.clone(),
    )));
    let _announcer = Child(tokio::spawn(announce(stream, config.clone(), outbox)));
    take_in(&state, &config, consumer).await;
}

/// A task that ends when its handle is dropped.
struct Child(tokio::task::JoinHandle<()>);

impl Drop for Child {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Connects, and makes sure of the stream and this replica's consumer.
async fn join(config: &BusConfig, state: &Shared) -> (jetstream::Context, consumer::PullConsumer) {
    let mut wait = Duration::from_millis(250);
    let mut warned = false;
    loop {
        match try_join(config).await {
            Ok(joined) => return joined,
            Err(e) => {
                state.bus.set(BusState::Connecting);
                if !warned {
                    tracing::warn!(
                        url = %config.url,
                        error = %e,
                        "cannot join the replica bus; other replicas' reports arrive by polling the store until it can"
                    );
                    warned = true;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
        }
    }
}

async fn try_join(
    config: &BusConfig,
) -> Result<(jetstream::Context, consumer::PullConsumer), async_nats::Error> {
    let client = async_nats::ConnectOptions::new()
        .name(format!("cordon {}", config.replica))
        .connection_timeout(Duration::from_secs(5))
        .connect(config.url.as_str())
        .await?;
    let context = jetstream::new(client);
    let stream = context
        .get_or_create_stream(stream::Config {
            name: config.stream.clone(),
            subjects: vec![config.subject()],
            max_age: KEEP,
            storage: stream::StorageType::File,
            // Announcements repeated within this window (a retried publish)
            // are kept once.
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await?;
    let durable = format!("replica-{}", config.replica);
    let consumer = stream
        .get_or_create_consumer(
            &durable,
            consumer::pull::Config {
                durable_name: Some(durable.clone()),
                // A new replica loads everything older from the store.
                deliver_policy: consumer::DeliverPolicy::New,
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                max_ack_pending: 50_000,
                filter_subject: config.subject(),
                ..Default::default()
            },
        )
        .await?;
    Ok((context, consumer))
}

/// Publishes this replica's announcements, awaiting JetStream's acks in
/// the background so that a burst goes out pipelined.
async fn announce(
    context: jetstream::Context,
    config: BusConfig,
    mut outbox: mpsc::UnboundedReceiver<News>,
) {
    let subject = config.subject();
    let mut news = Vec::new();
    while outbox.recv_many(&mut news, BATCH).await > 0 {
        let mut acks = Vec::with_capacity(news.len());
        let mut seqs = Vec::with_capacity(news.len());
        for n in news.drain(..) {
            match n {
                News::Report(seq) => seqs.push(seq),
                News::Decisions => {
                    let client = context.client();
                    if let Err(e) = client
                        .publish(config.decisions_subject(), config.replica.clone().into())
                        .await
                    {
                        tracing::debug!(error = %e, "cannot announce decisions; other replicas read them at their next poll");
                    }
                }
            }
        }
        for seq in seqs {
            let body = serde_json::to_vec(&Announcement {
                seq,
                replica: config.replica.clone(),
            })
            .unwrap_or_default();
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", format!("{}-{seq}", config.stream).as_str());
            match context
                .publish_with_headers(subject.clone(), headers, body.into())
                .await
            {
                Ok(ack) => acks.push(ack),
                Err(e) => {
                    metrics::counter!("cordon_bus_publish_failures_total").increment(1);
                    tracing::warn!(seq, error = %e, "cannot announce a revision on the bus; other replicas' tailers will find it");
                }
            }
        }
        for ack in
            futures::future::join_all(acks.into_iter().map(std::future::IntoFuture::into_future))
                .await
        {
            match ack {
                Ok(_) => metrics::counter!("cordon_bus_announced_total").increment(1),
                Err(e) => {
                    metrics::counter!("cordon_bus_publish_failures_total").increment(1);
                    tracing::warn!(error = %e, "the bus did not confirm an announcement; other replicas' tailers will find it");
                }
            }
        }
    }
}

/// Hears other replicas' decision announcements and wakes the reading of
/// the decision log.
async fn hear_decisions(state: Shared, client: async_nats::Client, config: BusConfig) {
    let mut heard = match client.subscribe(config.decisions_subject()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot hear decision announcements; decisions arrive by polling");
            return;
        }
    };
    while let Some(m) = heard.next().await {
        if m.payload.as_ref() != config.replica.as_bytes() {
            state.decisions_heard.send_modify(|n| *n += 1);
        }
    }
}

/// Reads other replicas' announcements and takes their revisions in,
/// acknowledging each once it is in.
async fn take_in(state: &Shared, config: &BusConfig, consumer: consumer::PullConsumer) {
    // Taking in before the hit index is loaded would raise alerts for
    // revisions the load then holds anyway; the consumer keeps them.
    while !state.hits.is_ready() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    loop {
        let messages = match consumer
            .stream()
            .max_messages_per_batch(BATCH)
            .heartbeat(Duration::from_secs(5))
            .messages()
            .await
        {
            Ok(messages) => messages,
            Err(e) => {
                state.bus.set(BusState::Connecting);
                tracing::warn!(error = %e, "cannot read the replica bus; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        state.bus.set(BusState::Joined);
        let mut chunks = messages.ready_chunks(BATCH);
        while let Some(chunk) = chunks.next().await {
            let mut delivered = Vec::with_capacity(chunk.len());
            for m in chunk {
                match m {
                    Ok(m) => delivered.push(m),
                    Err(e) => tracing::warn!(error = %e, "a bad read from the replica bus"),
                }
            }
            take_in_batch(state, config, delivered).await;
        }
        state.bus.set(BusState::Connecting);
        tracing::warn!("the replica bus ended its delivery; reading it again");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Takes one batch of announcements in: the revisions other replicas
/// announced are read from the store (with whatever else committed between
/// them, which is harmless), then every message is acknowledged.
async fn take_in_batch(state: &Shared, config: &BusConfig, messages: Vec<jetstream::Message>) {
    let foreign: Vec<i64> = messages
        .iter()
        .filter_map(|m| serde_json::from_slice::<Announcement>(&m.payload).ok())
        .filter(|a| a.replica != config.replica)
        .map(|a| a.seq)
        .collect();
    if let (Some(&low), Some(&high)) = (foreign.iter().min(), foreign.iter().max()) {
        let mut after = low - 1;
        loop {
            match state.store.reports_after(after, PAGE).await {
                Ok(page) => {
                    let full = page.len() == PAGE as usize;
                    for r in page.iter().take_while(|r| r.seq <= high) {
                        state.ingested(r);
                        after = r.seq;
                    }
                    if !full || after >= high {
                        break;
                    }
                }
                Err(e) => {
                    // Not acknowledged: JetStream delivers them again.
                    tracing::warn!(error = %e, "cannot read announced revisions from the store; they will be delivered again");
                    for m in &messages {
                        let _ = m
                            .ack_with(jetstream::AckKind::Nak(Some(Duration::from_secs(1))))
                            .await;
                    }
                    return;
                }
            }
        }
        metrics::counter!("cordon_bus_taken_in_total").increment(foreign.len() as u64);
    }
    for m in &messages {
        if let Err(e) = m.ack().await {
            // Delivered again later, and taken in again as a no-op.
            tracing::debug!(error = %e, "cannot acknowledge an announcement");
        }
    }
}
