//! Delivering webhooks: at least once, in report order, from the store.
//!
//! One replica delivers: the one that leads the store's `webhooks` role
//! ([`cordon_store::Store::try_lead`]); the others ask again every
//! `lead_every`. The leader runs one task per webhook, which reads the
//! report revisions after the webhook's cursor from the store, matches
//! them against the watches, renders each alert for the webhook's owner as
//! the alert stream does, and POSTs it, retrying with doubling waits. An
//! alert that fails every attempt becomes a dead letter, written with the
//! cursor past it in one decision batch, and delivery moves on. The cursor
//! is written after deliveries (at most once a second while alerts flow),
//! and when the server stops or the lead is lost, so that a restart, or
//! another replica taking over, carries on from it: an alert may then be
//! delivered twice (the receiver deduplicates by `X-Cordon-Delivery`),
//! never lost. Live alerts only wake the tasks, so that latency stays low.
//!
//! The store's report writers commit sequence numbers in ascending order
//! (both backends), so a report never appears behind a cursor that passed
//! its number.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use cordon_store::{Lead, NewDecision, StoredReport};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::{Dead, Seq, Webhook, secret, signature_header};
use crate::Shared;
use crate::access::Member;
use crate::alerts::stream::{AlertEvent, audit_alert, event_for};

/// The role the delivering replica leads.
const ROLE: &str = "webhooks";
/// Report revisions read from the store per page.
const PAGE: u32 = 1_000;
/// The cursor is written at most this often while alerts flow.
const KEEP_EVERY: Duration = Duration::from_secs(1);
/// Reports passed without an alert after which the cursor is written
/// anyway, so that a restart does not read them all again.
const KEEP_AFTER_SKIPPED: i64 = 10_000;
/// How often an idle task looks at the store without being woken.
const IDLE_POLL: Duration = Duration::from_secs(10);
/// Who the delivery state's decisions are written by.
const DECIDER: (&str, &str) = ("cordon", "webhooks");

/// Why one POST did not deliver.
#[derive(Debug, Clone)]
pub struct Failed {
    /// The endpoint's status, when it answered.
    pub status: Option<u16>,
    pub error: String,
}

/// POSTs one alert event, signed: 2xx delivers; anything else (a redirect
/// included: none is followed) fails.
pub async fn post(
    client: &reqwest::Client,
    webhook: &Webhook,
    secret: &str,
    seq: i64,
    body: &[u8],
) -> Result<u16, Failed> {
    let t = Utc::now().timestamp();
    let answer = client
        .post(&webhook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("x-cordon-event", "alert")
        .header("x-cordon-delivery", format!("{}:{seq}", webhook.id))
        .header("x-cordon-signature", signature_header(secret, t, body))
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| Failed {
            status: None,
            error: describe(&e),
        })?;
    let status = answer.status();
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        Err(Failed {
            status: Some(status.as_u16()),
            error: format!("the endpoint answered {status}"),
        })
    }
}

/// What went wrong, without the URL (its query may hold a token of the
/// receiver's).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "no answer within the timeout"
    } else if e.is_connect() {
        "cannot connect to the endpoint"
    } else {
        "the request failed"
    };
    let mut cause = std::error::Error::source(e);
    let mut innermost = None;
    while let Some(c) = cause {
        innermost = Some(c.to_string());
        cause = c.source();
    }
    match innermost {
        Some(c) => format!("{what}: {c}"),
        None => what.to_owned(),
    }
}

/// The HTTP client of deliveries: a timeout per POST, never a redirect.
pub fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cordon-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The event a webhook carries for a report revision, if any, with the
/// other owner whose data it touches (to audit): the alert stream's
/// event for the webhook's owner.
pub fn render(
    state: &Shared,
    webhook: &Webhook,
    owner: &Member,
    report: &StoredReport,
) -> Option<(AlertEvent, Option<String>)> {
    let alerts = webhook.carries(state.alerts.matches(report, &state.networks));
    event_for(state, owner, &alerts)
}

/// The decision writing a webhook's delivery state.
pub fn decision(kind: &str, webhook: &str, body: serde_json::Value) -> NewDecision {
    NewDecision {
        kind: kind.to_owned(),
        subject: webhook.to_owned(),
        agency: DECIDER.0.to_owned(),
        user: DECIDER.1.to_owned(),
        reason: String::new(),
        body,
    }
}

/// Leads deliveries whenever this replica can: runs until the server stops.
pub async fn run(state: Shared) {
    let mut stopping = state.stopping.clone();
    loop {
        let asked = tokio::select! {
            asked = state.store.try_lead(ROLE) => asked,
            _ = stopping.wait_for(|s| *s) => return,
        };
        match asked {
            Ok(Some(lead)) => {
                tracing::info!("this replica delivers the webhooks");
                if lead_deliveries(&state, lead).await {
                    return;
                }
                tracing::warn!("this replica lost the webhook lead; another takes over");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot ask to lead webhook deliveries"),
        }
        tokio::select! {
            () = tokio::time::sleep(state.config.webhooks.lead_every) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
    }
}

struct Task {
    handle: JoinHandle<()>,
    wake: Arc<Notify>,
}

/// Runs one task per webhook while this replica leads; true when the
/// server stops, false when the lead was lost.
async fn lead_deliveries(state: &Shared, lead: Box<dyn Lead>) -> bool {
    let (halt, halted) = watch::channel(false);
    let mut tasks: HashMap<String, Task> = HashMap::new();
    let mut live = state.alerts.subscribe();
    let mut stopping = state.stopping.clone();
    let mut tick = tokio::time::interval(state.config.tail_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut checked = Instant::now();
    let stopped = loop {
        let mut alerted = tokio::select! {
            received = live.recv() => matches!(received, Ok(_) | Err(RecvError::Lagged(_))),
            _ = tick.tick() => false,
            _ = stopping.wait_for(|s| *s) => break true,
        };
        // Alerts raised meanwhile wake the tasks once.
        while matches!(live.try_recv(), Ok(_) | Err(TryRecvError::Lagged(_))) {
            alerted = true;
        }
        if checked.elapsed() >= state.config.webhooks.lead_every {
            checked = Instant::now();
            // A database that does not answer holds no lead either.
            let every = state.config.webhooks.lead_every.max(Duration::from_secs(1));
            if !tokio::time::timeout(every, lead.holds())
                .await
                .unwrap_or(false)
            {
                break false;
            }
        }
        // Read before the tasks wake, so that a webhook ended before a
        // report was accepted gets none of its alerts.
        if let Err(e) = state.webhooks.sync(state.store.as_ref()).await {
            tracing::warn!(error = %e, "cannot read webhooks from the decision log");
        }
        let ids = state.webhooks.ids();
        tasks.retain(|id, t| {
            // A deleted webhook's task ends at once, mid-POST or not.
            let keep = ids.contains(id) && !t.handle.is_finished();
            if !keep {
                t.handle.abort();
            }
            keep
        });
        for id in ids {
            if tasks.contains_key(&id) {
                continue;
            }
            let wake = Arc::new(Notify::new());
            let handle = tokio::spawn(deliver_one(
                state.clone(),
                id.clone(),
                wake.clone(),
                halted.clone(),
            ));
            tasks.insert(id, Task { handle, wake });
        }
        if alerted {
            for t in tasks.values() {
                t.wake.notify_one();
            }
        }
    };
    // Each task ends the POST it is in and writes its cursor.
    let _ = halt.send(true);
    let grace = state.config.webhooks.timeout + Duration::from_secs(5);
    for (id, t) in tasks {
        let abort = t.handle.abort_handle();
        if tokio::time::timeout(grace, t.handle).await.is_err() {
            tracing::warn!(webhook = %id, "a webhook task did not end in time; stopped");
            abort.abort();
        }
    }
    drop(lead);
    stopped
}

/// Waits `d`; true when halted meanwhile.
async fn pause(halted: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => {}
        _ = halted.wait_for(|h| *h) => return true,
    }
    *halted.borrow()
}

/// What became of one alert.
enum Sent {
    Delivered,
    Dead(Dead),
    Halted,
}

/// One webhook's deliveries, from its cursor on, until halted.
async fn deliver_one(
    state: Shared,
    id: String,
    wake: Arc<Notify>,
    mut halted: watch::Receiver<bool>,
) {
    let (webhook, owner) = loop {
        let Some(webhook) = state.webhooks.get(&id) else {
            return;
        };
        match webhook.owner(state.store.as_ref()).await {
            Ok(owner) => break (webhook, owner),
            Err(e) => {
                tracing::warn!(webhook = %id, error = %e, "cannot find whose webhook this is; delivery waits");
                if pause(&mut halted, Duration::from_secs(5)).await {
                    return;
                }
            }
        }
    };
    let secret = secret(state.auth.key(), &id);
    let mut cursor = Cursor::new(webhook.delivered_through);
    'reading: loop {
        if *halted.borrow() {
            break;
        }
        let page = match state.store.reports_after(cursor.at, PAGE).await {
            Ok(page) => page,
            Err(e) => {
                tracing::warn!(webhook = %id, error = %e, "cannot read reports to deliver");
                if pause(&mut halted, Duration::from_secs(1)).await {
                    break;
                }
                continue;
            }
        };
        for r in &page {
            if state.webhooks.get(&id).is_none() {
                return; // ended: nothing more is sent, nor kept
            }
            if let Some((event, touched)) = render(&state, &webhook, &owner, r) {
                let sent = send(
                    &state,
                    &webhook,
                    &owner,
                    &secret,
                    &event,
                    touched,
                    &mut halted,
                )
                .await;
                match sent {
                    Sent::Delivered => cursor.delivered = true,
                    Sent::Dead(dead) => {
                        let batch = [
                            decision("webhook.dead", &id, serde_json::json!(dead)),
                            decision("webhook.cursor", &id, serde_json::json!(Seq { seq: r.seq })),
                        ];
                        loop {
                            match state.store.append_decisions(&batch).await {
                                Ok(_) => break,
                                Err(e) => {
                                    tracing::warn!(webhook = %id, error = %e, "cannot keep a dead letter");
                                    if pause(&mut halted, Duration::from_secs(1)).await {
                                        break 'reading;
                                    }
                                }
                            }
                        }
                        cursor.kept(r.seq);
                    }
                    Sent::Halted => break 'reading,
                }
            }
            cursor.at = r.seq;
            if cursor.due() {
                cursor.keep(&state, &id).await;
            }
        }
        if page.len() == PAGE as usize {
            continue;
        }
        // Caught up: wait for an alert, or for the cursor to be due.
        let wait = if cursor.at > cursor.kept && cursor.delivered {
            KEEP_EVERY.saturating_sub(cursor.since.elapsed())
        } else {
            IDLE_POLL
        };
        let slept = tokio::select! {
            () = wake.notified() => false,
            () = tokio::time::sleep(wait) => true,
            _ = halted.wait_for(|h| *h) => break,
        };
        if slept && cursor.at > cursor.kept && cursor.delivered {
            cursor.keep(&state, &id).await;
        }
    }
    if cursor.at > cursor.kept {
        cursor.keep(&state, &id).await;
    }
}

/// Where a webhook's delivery stands, and what the log holds of it.
struct Cursor {
    /// Every alert up to here was delivered or is a dead letter.
    at: i64,
    /// The cursor the log holds.
    kept: i64,
    /// Something was delivered since it was kept.
    delivered: bool,
    since: Instant,
}

impl Cursor {
    fn new(at: i64) -> Cursor {
        Cursor {
            at,
            kept: at,
            delivered: false,
            since: Instant::now(),
        }
    }

    fn due(&self) -> bool {
        self.at > self.kept
            && ((self.delivered && self.since.elapsed() >= KEEP_EVERY)
                || self.at - self.kept >= KEEP_AFTER_SKIPPED)
    }

    fn kept(&mut self, at: i64) {
        self.kept = self.kept.max(at);
        self.delivered = false;
        self.since = Instant::now();
    }

    /// Writes the cursor; a failure leaves it due, to be written later
    /// (meanwhile a restart would deliver again, never lose).
    async fn keep(&mut self, state: &Shared, id: &str) {
        let d = decision(
            "webhook.cursor",
            id,
            serde_json::json!(Seq { seq: self.at }),
        );
        match state.store.append_decisions(&[d]).await {
            Ok(_) => {
                let at = self.at;
                self.kept(at);
            }
            Err(e) => tracing::warn!(webhook = %id, error = %e, "cannot keep a webhook's cursor"),
        }
    }
}

/// Delivers one event: audited first when it touches another owner's
/// data (and held back while the audit log cannot take it), then POSTed
/// until it is delivered or every attempt failed.
async fn send(
    state: &Shared,
    webhook: &Webhook,
    owner: &Member,
    secret: &str,
    event: &AlertEvent,
    touched: Option<String>,
    halted: &mut watch::Receiver<bool>,
) -> Sent {
    if let Some(other) = touched {
        while audit_alert(state, owner, event, &other).is_err() {
            if pause(halted, Duration::from_millis(200)).await {
                return Sent::Halted;
            }
        }
    }
    let body = match serde_json::to_vec(event) {
        Ok(body) => body,
        Err(e) => {
            return Sent::Dead(Dead {
                seq: event.seq,
                attempts: 0,
                status: None,
                error: format!("the alert could not be encoded: {e}"),
            });
        }
    };
    let delivery = &state.config.webhooks;
    let client = state.webhooks.client();
    let mut wait = delivery.backoff;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match post(client, webhook, secret, event.seq, &body).await {
            Ok(_) => {
                metrics::counter!("cordon_webhook_deliveries_total", "outcome" => "ok")
                    .increment(1);
                return Sent::Delivered;
            }
            Err(failed) => {
                metrics::counter!("cordon_webhook_deliveries_total", "outcome" => "failed")
                    .increment(1);
                tracing::info!(
                    webhook = %webhook.id,
                    seq = event.seq,
                    attempt,
                    status = failed.status,
                    error = %failed.error,
                    "a webhook delivery failed"
                );
                if attempt >= delivery.attempts.max(1) {
                    metrics::counter!("cordon_webhook_deliveries_total", "outcome" => "dead")
                        .increment(1);
                    tracing::warn!(webhook = %webhook.id, seq = event.seq, attempts = attempt, "an alert became a dead letter");
                    return Sent::Dead(Dead {
                        seq: event.seq,
                        attempts: attempt,
                        status: failed.status,
                        error: failed.error,
                    });
                }
                if pause(halted, wait).await {
                    return Sent::Halted;
                }
                wait = (wait * 2).min(delivery.max_backoff);
            }
        }
    }
}
