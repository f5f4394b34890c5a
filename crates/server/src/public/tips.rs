//! "Report this offer": the public sends an advert or a contact to the
//! hotline agency's queue, marked TLP:CLEAR, and the hotline team reads
//! and closes them (filed as a report of theirs, or dismissed).
//!
//! A tip is a decision `tip.received` in the log, so every replica's queue
//! is the same and nothing acknowledged is lost; `tip.closed` takes it off
//! the queue. A tip reaches intelligence only when the hotline files it as
//! its own report: an unchecked tip must never make a number "reported"
//! in the public check, or anyone could brand a stranger's phone.
//!
//! Abuse: tips are rate-limited per address ([`super::Public`]), capped in
//! size, refused when they look like spam ([`spam`]) or when a hidden form
//! field that people never see is filled (bots do), and the same text sent
//! twice is the same tip.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cordon_store::{Decision, NewDecision, Store, StoreError};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::access::{self, Viewer};
use crate::error::ApiError;

pub const KIND_PREFIX: &str = "tip.";
const RECEIVED: &str = "tip.received";
const CLOSED: &str = "tip.closed";

/// The longest tip: an advert and a few lines about it.
pub const MAX_TIP: usize = 5_000;

/// What the public sends.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TipRequest {
    /// The advert or contact.
    pub text: String,
    /// The sender's country (ISO 3166-1 alpha-2), if they give it.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// Left empty by people: the page hides it. Bots fill every field.
    #[serde(default)]
    pub website: Option<String>,
}

/// A tip as kept in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TipBody {
    pub text: String,
    pub country: Option<String>,
    pub language: String,
    /// The canonical selectors in the text.
    pub selectors: Vec<String>,
    /// What the check said when it was sent.
    pub verdict: String,
    /// Always CLEAR: what the public sends, the public may see.
    pub marking: String,
}

/// How a tip left the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Closing {
    /// `filed` (the hotline filed it as its own report) or `dismissed`.
    pub outcome: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub report: Option<String>,
}

/// A tip in a hotline's queue.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Tip {
    pub id: String,
    pub received: DateTime<Utc>,
    /// The hotline agency whose queue it is in.
    pub hotline: String,
    #[serde(flatten)]
    pub body: TipBody,
    pub closed: Option<Closed>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Closed {
    pub at: DateTime<Utc>,
    pub user: String,
    #[serde(flatten)]
    pub closing: Closing,
}

/// Every replica's copy of the queues, folded from the log.
#[derive(Debug, Default)]
pub struct Tips {
    book: RwLock<BTreeMap<String, Tip>>,
    seen: tokio::sync::Mutex<i64>,
}

impl Tips {
    /// Reads the decision log up to its end and folds in the tips.
    pub async fn sync(&self, store: &dyn Store) -> Result<(), StoreError> {
        let mut seen = self.seen.lock().await;
        loop {
            let page = store.decisions_after(*seen, 5_000).await?;
            for d in &page {
                if d.kind.starts_with(KIND_PREFIX) {
                    self.apply(d);
                }
                *seen = d.seq;
            }
            if page.len() < 5_000 {
                return Ok(());
            }
        }
    }

    fn apply(&self, d: &Decision) {
        let mut book = self.book.write();
        match d.kind.as_str() {
            RECEIVED => match serde_json::from_value::<TipBody>(d.body.clone()) {
                Ok(body) => {
                    book.entry(d.subject.clone()).or_insert(Tip {
                        id: d.subject.clone(),
                        received: d.at,
                        hotline: d.agency.clone(),
                        body,
                        closed: None,
                    });
                }
                Err(e) => {
                    tracing::warn!(tip = %d.subject, error = %e, "a tip does not parse; skipped")
                }
            },
            CLOSED => match serde_json::from_value::<Closing>(d.body.clone()) {
                Ok(closing) => {
                    if let Some(tip) = book.get_mut(&d.subject) {
                        tip.closed.get_or_insert(Closed {
                            at: d.at,
                            user: d.user.clone(),
                            closing,
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(tip = %d.subject, error = %e, "a tip closing does not parse; skipped")
                }
            },
            other => tracing::warn!(kind = other, "unknown tip decision; skipped"),
        }
    }

    /// Follows the log for tips taken on other replicas until the server
    /// stops.
    pub async fn follow(state: crate::Shared) {
        let mut stopping = state.stopping.clone();
        let mut heard = state.decisions_heard.subscribe();
        loop {
            tokio::select! {
                () = state.next_round(&mut heard) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            if let Err(e) = state.public.tips.sync(state.store.as_ref()).await {
                tracing::warn!(error = %e, "cannot read tips from the decision log");
            }
        }
    }

    /// The tips a viewer may read: a hotline's queue, newest first, open
    /// ones only unless `closed`.
    pub fn readable(&self, viewer: &Viewer, closed: bool) -> Vec<Tip> {
        let book = self.book.read();
        let mut out: Vec<Tip> = book
            .values()
            .filter(|t| access::reads_tips(viewer, &t.hotline))
            .filter(|t| closed || t.closed.is_none())
            .cloned()
            .collect();
        out.sort_by(|a, b| b.received.cmp(&a.received).then(a.id.cmp(&b.id)));
        out
    }

    fn get(&self, id: &str) -> Option<Tip> {
        self.book.read().get(id).cloned()
    }
}

/// Why a tip looks like spam, if it does. People paste adverts and
/// contacts; spam is links, repeats and noise.
pub fn spam(text: &str) -> Option<&'static str> {
    let links = text.matches("http://").count() + text.matches("https://").count();
    if links > 3 {
        return Some("more than three links");
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Some("no letters or digits");
    }
    let mut run = 0;
    let mut last = None;
    for c in text.chars() {
        run = if Some(c) == last { run + 1 } else { 1 };
        last = Some(c);
        if run > 30 && !c.is_whitespace() {
            return Some("one character repeated over and over");
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() >= 20 {
        let mut distinct = words.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() * 4 < words.len() {
            return Some("the same words repeated");
        }
    }
    None
}

/// The tip's id: the same text (ignoring case and spacing) is the same
/// tip, so a resend adds nothing.
fn tip_id(text: &str) -> String {
    let folded: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let digest = Sha256::digest(folded.as_bytes());
    format!("tip-{}", &hex::encode(digest)[..20])
}

/// Keeps a tip decision, folds it in here, and tells the other replicas.
async fn decide(state: &AppState, decision: NewDecision) -> Result<(), ApiError> {
    let kept = state
        .store
        .append_decisions(&[decision])
        .await
        .map_err(ApiError::internal)?;
    state
        .public
        .tips
        .sync(state.store.as_ref())
        .await
        .map_err(ApiError::internal)?;
    state.bus.announce_decisions(&kept);
    Ok(())
}

/// Puts a tip in the hotline's queue; its id, and whether it was new.
pub async fn submit(state: &AppState, request: &TipRequest) -> Result<(String, bool), ApiError> {
    let Some(hotline) = state.config.public.hotline.clone() else {
        return Err(ApiError::unavailable(
            "this deployment names no hotline to receive reports; call your country's hotline instead",
        ));
    };
    if request
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Err(ApiError::invalid_field(
            "website",
            "this field must stay empty",
        ));
    }
    let text = super::text(&request.text, MAX_TIP)?;
    if let Some(why) = spam(text) {
        return Err(ApiError::invalid_field(
            "text",
            format!("this looks like spam ({why}); paste the advert or the contact alone"),
        ));
    }
    let country = super::country(request.country.as_deref())?;
    let language = cordon_prevent::messages::language(request.language.as_deref().unwrap_or("en"));
    let id = tip_id(text);
    state
        .public
        .tips
        .sync(state.store.as_ref())
        .await
        .map_err(ApiError::internal)?;
    if state.public.tips.get(&id).is_some() {
        return Ok((id, false));
    }
    let verdict = super::answer(
        state,
        &super::CheckRequest {
            text: text.to_owned(),
            country: country.clone(),
            language: Some(language.to_owned()),
        },
    )
    .map(|a| a.verdict.as_str().to_owned())
    .unwrap_or_default();
    let body = TipBody {
        text: text.to_owned(),
        selectors: cordon_prevent::check::selectors(text, country.as_deref()),
        country,
        language: language.to_owned(),
        verdict,
        marking: "CLEAR".into(),
    };
    let decision = NewDecision {
        kind: RECEIVED.into(),
        subject: id.clone(),
        agency: hotline,
        user: "public".into(),
        reason: String::new(),
        body: serde_json::to_value(&body).map_err(ApiError::internal)?,
    };
    decide(state, decision).await?;
    metrics::counter!("cordon_public_tips_total").increment(1);
    Ok((id, true))
}

/// Takes a tip off its queue. Only the hotline's members may; to anyone
/// else the tip does not exist.
pub async fn close(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    closing: Closing,
) -> Result<Tip, ApiError> {
    if !matches!(closing.outcome.as_str(), "filed" | "dismissed") {
        return Err(ApiError::invalid_field(
            "outcome",
            "the outcome is 'filed' or 'dismissed'",
        ));
    }
    if closing.note.chars().count() > 2_000 {
        return Err(ApiError::invalid_field(
            "note",
            "the note is longer than 2000 characters",
        ));
    }
    let member = viewer.member().ok_or_else(ApiError::unauthenticated)?;
    state
        .public
        .tips
        .sync(state.store.as_ref())
        .await
        .map_err(ApiError::internal)?;
    let tip = state
        .public
        .tips
        .get(id)
        .filter(|t| access::reads_tips(viewer, &t.hotline))
        .ok_or_else(|| ApiError::not_found("tip"))?;
    if tip.closed.is_some() {
        return Err(ApiError::new(
            crate::error::ErrorCode::Conflict,
            "this tip is already closed",
        ));
    }
    let decision = NewDecision {
        kind: CLOSED.into(),
        subject: id.to_owned(),
        agency: member.agency.clone(),
        user: member.user.clone(),
        reason: String::new(),
        body: serde_json::to_value(&closing).map_err(ApiError::internal)?,
    };
    decide(state, decision).await?;
    state
        .public
        .tips
        .get(id)
        .ok_or_else(|| ApiError::not_found("tip"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spam_is_named_and_adverts_pass() {
        assert_eq!(spam("!!!! ???"), Some("no letters or digits"));
        assert_eq!(
            spam(&"a".repeat(40)),
            Some("one character repeated over and over")
        );
        assert_eq!(
            spam("http://a http://b https://c https://d"),
            Some("more than three links")
        );
        assert_eq!(
            spam(&"buy now ".repeat(20)),
            Some("the same words repeated")
        );
        assert_eq!(
            spam("Customer service in Sihanoukville, $1500, free flight, Telegram @hr_kh"),
            None
        );
    }

    #[test]
    fn the_same_text_is_the_same_tip() {
        assert_eq!(tip_id("Call  +855 12"), tip_id("call +855 12\n"));
        assert_ne!(tip_id("call +855 12"), tip_id("call +855 13"));
    }
}
