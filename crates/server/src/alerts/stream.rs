//! `GET /api/v1/alerts/stream`: a member's alerts as Server-Sent Events.
//!
//! One event per report revision that matches any of the member's watches
//! (its own and its agency's), with the event id the revision's sequence
//! number. A client that reconnects with `Last-Event-ID` (browsers'
//! `EventSource` does it by itself) first gets every later matching report
//! from the store, then the live ones: a reconnect, a slow client or a
//! server restart loses nothing. A client that falls too far behind the
//! live broadcast is disconnected, to resume the same way.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use utoipa::{IntoParams, ToSchema};

use super::Alert;
use crate::Shared;
use crate::access::{Member, Sight, Viewer};
use crate::api::{Api, Query};
use crate::error::{ApiError, ApiResult};

/// Report revisions read from the store per page when resuming.
const PAGE: u32 = 2_000;
/// Most events one connection replays before it ends, so that the client
/// resumes from there (a long absence is caught up in steps).
const REPLAY: usize = 5_000;

/// What a watch matched.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Matched {
    pub watch: String,
    pub name: String,
    /// The watch's selectors the report names.
    pub selectors: Vec<String>,
    /// What else the watch matched, in words (`network N-…`,
    /// `compound 8965…`, `country KH, romance`, `text /…/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A report you may read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertReport {
    pub agency: String,
    pub report_id: String,
    #[schema(value_type = String, example = "GREEN")]
    pub tlp: cordon_core::Tlp,
}

/// Who holds a report you may not read, and how to reach them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeldBy {
    pub agency: String,
    pub country: String,
    pub contact: String,
}

/// One alert event's data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertEvent {
    /// The report revision's sequence number (also the event id).
    pub seq: i64,
    pub received: DateTime<Utc>,
    pub watches: Vec<Matched>,
    /// The report, when you may read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<AlertReport>,
    /// Its holder, when you may only learn of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<HeldBy>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this event id (as `Last-Event-ID` does; the header wins).
    after: Option<i64>,
}

/// The event a member gets for one report's alerts, if any: only alerts
/// of its watches, and only what the access rules let it learn.
pub(crate) fn event_for(
    state: &Shared,
    member: &Member,
    alerts: &[Alert],
) -> Option<(AlertEvent, Option<String>)> {
    let viewer = Viewer::Member(member.clone());
    // One report: each alert's sight differs only by whether its watch may
    // alert with a contact.
    let mine: Vec<(&Alert, Sight)> = alerts
        .iter()
        .filter(|a| a.is_for(member))
        .map(|a| (a, a.sight(&viewer)))
        .filter(|(_, s)| *s != Sight::Hidden)
        .collect();
    let (first, seen) = *mine.first()?;
    let (report, held_by) = match seen {
        Sight::Hidden => return None,
        Sight::Read => (
            Some(AlertReport {
                agency: first.owner.clone(),
                report_id: first.report_id.clone(),
                tlp: first.tlp,
            }),
            None,
        ),
        Sight::Contact => {
            let (country, contact) = state.directory.contact(&first.owner);
            (
                None,
                Some(HeldBy {
                    agency: first.owner.clone(),
                    country,
                    contact,
                }),
            )
        }
    };
    let touched = (first.owner != member.agency).then(|| first.owner.clone());
    Some((
        AlertEvent {
            seq: first.seq,
            received: first.received,
            watches: mine
                .iter()
                .map(|(a, _)| Matched {
                    watch: a.watch.clone(),
                    name: a.watch_name.clone(),
                    selectors: a.matched.clone(),
                    target: a.target.clone(),
                })
                .collect(),
            report,
            held_by,
        },
        touched,
    ))
}

/// Queues the audit record of an alert event that touches `owner`'s
/// data, for the stream and webhooks alike: the owner learns whose watch
/// touched it. An error means the audit log cannot take it, and the event
/// must not be sent.
pub(crate) fn audit_alert(
    state: &Shared,
    member: &Member,
    e: &AlertEvent,
    owner: &str,
) -> ApiResult<()> {
    let subject = e
        .watches
        .iter()
        .flat_map(|w| w.selectors.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let viewer = Viewer::Member(member.clone());
    state
        .audit
        .record(crate::audit::event(&viewer, "alert", Some(owner), &subject))
}

/// A member's alerts as Server-Sent Events (`event: alert`, `id` = the
/// report revision's sequence number, `data` = an `AlertEvent`). Resume
/// with `Last-Event-ID`: alerts of every later report are served from the
/// store first.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/stream",
    tag = "alerts",
    params(StreamQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "An event stream of AlertEvent", content_type = "text/event-stream", body = AlertEvent),
        (status = 400, description = "Bad Last-Event-ID", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn stream(
    State(state): State<Shared>,
    api: Api,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let member = api.member()?.member.clone();
    open(state, member, &headers, q.after).await
}

/// The stream of a member's alerts, for the API and the console alike.
pub(crate) async fn open(
    state: Shared,
    member: Member,
    headers: &HeaderMap,
    after_query: Option<i64>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>> {
    let after = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "Last-Event-ID is an event id this stream sent: a whole number",
                    )
                    .field("Last-Event-ID")
                })?,
        ),
        None => after_query,
    };
    // Reports the hit index loads at start raise no alert (it cannot tell
    // them from old ones); the replay must read past all of them, so it
    // waits for the load. A replica just restarted answers once loaded.
    let loading = tokio::time::Instant::now();
    while !state.hits.is_ready() {
        if loading.elapsed() > Duration::from_secs(30) {
            return Err(ApiError::unavailable(
                "alerts resume once the hit index has loaded; retry in a few seconds",
            )
            .retry_after(5));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Subscribed before the replay is read, so that nothing raised while
    // it is read falls between the two.
    let live = state.alerts.subscribe();
    let notes = state.alerts.notifier.subscribe();
    let replay = match after {
        Some(after) => replay(&state, &member, after).await?,
        None => VecDeque::new(),
    };
    let last = replay.back().map_or(after.unwrap_or(0), |(e, _)| e.seq);
    let full = replay.len() >= REPLAY;
    let events = futures::stream::unfold(
        Pump {
            state,
            member,
            replay,
            live,
            notes,
            last,
            ended: false,
            full,
        },
        Pump::next,
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The alerts of every current report revision after `after`, at most
/// [`REPLAY`] events.
async fn replay(
    state: &Shared,
    member: &Member,
    mut after: i64,
) -> ApiResult<VecDeque<(AlertEvent, Option<String>)>> {
    let mut out = VecDeque::new();
    loop {
        let page = state.store.reports_after(after, PAGE).await?;
        for r in &page {
            after = after.max(r.seq);
            if let Some(e) = event_for(state, member, &state.alerts.matches(r, &state.networks)) {
                out.push_back(e);
                if out.len() >= REPLAY {
                    return Ok(out);
                }
            }
        }
        if page.len() < PAGE as usize {
            return Ok(out);
        }
    }
}

struct Pump {
    state: Shared,
    member: Member,
    replay: VecDeque<(AlertEvent, Option<String>)>,
    live: tokio::sync::broadcast::Receiver<Arc<Vec<Alert>>>,
    /// Notifications for the member's agency ([`super::notify`]).
    notes: tokio::sync::broadcast::Receiver<Arc<super::notify::Notification>>,
    /// The newest event id sent.
    last: i64,
    ended: bool,
    /// The replay stopped at its limit: end after it, to be resumed.
    full: bool,
}

impl Pump {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Pump)> {
        if self.ended {
            return None;
        }
        if let Some((e, touched)) = self.replay.pop_front() {
            let event = self.send(e, touched);
            return Some((Ok(event), self));
        }
        if self.full {
            self.ended = true;
            return Some((
                Ok(Event::default().comment("resume from the last event id")),
                self,
            ));
        }
        let mut stopping = self.state.stopping.clone();
        loop {
            let received = tokio::select! {
                received = self.live.recv() => received,
                note = self.notes.recv() => {
                    match note {
                        Ok(note) if note.is_for(&self.member) => {
                            let event = Event::default()
                                .event(note.kind)
                                .json_data(&note.data)
                                .unwrap_or_else(|_| Event::default().comment("a notification did not encode"));
                            return Some((Ok(event), self));
                        }
                        // Missed notifications are kept where each kind
                        // is read again; the alerts go on.
                        Ok(_) | Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    }
                }
                // The server stops: the client resumes on another replica
                // or after the restart.
                _ = stopping.wait_for(|s| *s) => return None,
            };
            match received {
                Ok(alerts) => {
                    let Some(seq) = alerts.first().map(|a| a.seq) else {
                        continue;
                    };
                    if seq <= self.last {
                        continue; // replayed already
                    }
                    if let Some((e, touched)) = event_for(&self.state, &self.member, &alerts) {
                        let event = self.send(e, touched);
                        return Some((Ok(event), self));
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // Too far behind: the client resumes from its last id.
                    self.ended = true;
                    return Some((
                        Ok(Event::default().comment("fell behind; resume from the last event id")),
                        self,
                    ));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The event for `e`, audited first when it touches another owner's
    /// data; when the audit log cannot take it, the stream ends instead
    /// (the client resumes from its last event), as reads are refused
    /// rather than served unaudited.
    fn send(&mut self, e: AlertEvent, touched: Option<String>) -> Event {
        if let Some(owner) = touched
            && audit_alert(&self.state, &self.member, &e, &owner).is_err()
        {
            self.ended = true;
            return Event::default()
                .comment("the audit log is busy; resume from the last event id");
        }
        self.last = self.last.max(e.seq);
        metrics::counter!("cordon_alerts_delivered_total").increment(1);
        Event::default()
            .event("alert")
            .id(e.seq.to_string())
            .json_data(&e)
            .unwrap_or_else(|_| Event::default().comment("an alert could not be encoded"))
    }
}
