//! Signed webhooks: alerts POSTed to a member's own system.
//!
//! A webhook belongs to a member like a watch does (`user` scope: the
//! analyst who made it; `agency` scope: its agency) and carries the alerts
//! of its owner's watches, or of those it names. It is a decision in the
//! store's log (`webhook.create`, `webhook.delete`), as is its delivery
//! state: the cursor (`webhook.cursor`, the newest report sequence number
//! delivered) and the dead letters (`webhook.dead`, `webhook.resolved`).
//! Every replica folds them into the same book.
//!
//! Each delivery is the `AlertEvent` the SSE stream sends the owner (what
//! the access rules let it learn, and nothing for a report it may not
//! even learn of), signed Stripe-style with a secret derived from the
//! deployment's token key and the webhook id, never stored:
//! `X-Cordon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
//! [`deliver`] is the delivery itself: at least once, in report order,
//! from the store, by the one replica that leads the `webhooks` role.

pub(crate) mod deliver;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cordon_store::{Decision, Store, StoreError};
use hmac::{Hmac, Mac};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use super::{Alert, Scope};
use crate::access::{Member, Role};
use crate::auth::TokenKey;

/// How webhooks are delivered (`Config::webhooks`).
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Attempts at one event before it becomes a dead letter.
    pub attempts: u32,
    /// The wait after the first failed attempt, doubled after each.
    pub backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// The longest wait for an endpoint to answer one POST.
    pub timeout: Duration,
    /// How often a replica that does not deliver asks to, and the one
    /// that does checks that it still leads.
    pub lead_every: Duration,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            attempts: 10,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
            lead_every: Duration::from_secs(5),
        }
    }
}

/// A webhook as its owner sees it. Its secret is never shown again.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Webhook {
    /// `H-` and 12 hex digits.
    pub id: String,
    pub url: String,
    pub agency: String,
    pub user: String,
    pub scope: Scope,
    /// The watches whose alerts it carries; empty: every watch that alerts
    /// its owner.
    pub watches: Vec<String>,
    pub created: DateTime<Utc>,
    /// Every alert of a report up to this sequence number was delivered
    /// or became a dead letter.
    pub delivered_through: i64,
    /// Alerts that failed every attempt.
    pub dead_letters: usize,
}

/// An alert that failed every attempt; retry it by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeadLetter {
    /// The report revision's sequence number (the alert's id).
    pub seq: i64,
    pub attempts: u32,
    /// The endpoint's last HTTP status, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What went wrong the last time.
    pub error: String,
    /// When it became (or last stayed) a dead letter.
    pub at: DateTime<Utc>,
}

/// The body of a `webhook.create` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewWebhook {
    pub url: String,
    pub scope: Scope,
    pub watches: Vec<String>,
    /// Deliveries start after this report sequence number: the newest
    /// when it was made.
    pub from: i64,
}

/// The body of a `webhook.cursor` or `webhook.resolved` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seq {
    pub seq: i64,
}

/// The body of a `webhook.dead` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dead {
    pub seq: i64,
    pub attempts: u32,
    #[serde(default)]
    pub status: Option<u16>,
    pub error: String,
}

/// One webhook with its delivery state.
#[derive(Debug, Clone)]
struct Hook {
    webhook: Webhook,
    dead: BTreeMap<i64, DeadLetter>,
}

/// Every webhook of the deployment, folded from the decision log, and the
/// HTTP client that delivers them.
#[derive(Debug)]
pub struct Webhooks {
    book: RwLock<HashMap<String, Hook>>,
    /// The newest decision read; held while reading, so that decisions
    /// apply once and in the log's order.
    seen: tokio::sync::Mutex<i64>,
    client: reqwest::Client,
}

impl Webhooks {
    pub fn new(delivery: &Delivery) -> Result<Webhooks, reqwest::Error> {
        Ok(Webhooks {
            book: RwLock::default(),
            seen: tokio::sync::Mutex::new(0),
            client: deliver::client(delivery.timeout)?,
        })
    }

    /// The client that POSTs deliveries.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Reads the decision log up to its end and folds in the webhooks.
    pub async fn sync(&self, store: &dyn Store) -> Result<(), StoreError> {
        let mut seen = self.seen.lock().await;
        loop {
            let page = store.decisions_after(*seen, 5_000).await?;
            for d in &page {
                self.apply(d);
                *seen = d.seq;
            }
            if page.len() < 5_000 {
                return Ok(());
            }
        }
    }

    /// Folds a decision in; other kinds are not about webhooks.
    fn apply(&self, d: &Decision) {
        let Some(kind) = d.kind.strip_prefix("webhook.") else {
            return;
        };
        let mut book = self.book.write();
        let parsed = match kind {
            "create" => serde_json::from_value::<NewWebhook>(d.body.clone()).map(|new| {
                book.insert(
                    d.subject.clone(),
                    Hook {
                        webhook: Webhook {
                            id: d.subject.clone(),
                            url: new.url,
                            agency: d.agency.clone(),
                            user: d.user.clone(),
                            scope: new.scope,
                            watches: new.watches,
                            created: d.at,
                            delivered_through: new.from,
                            dead_letters: 0,
                        },
                        dead: BTreeMap::new(),
                    },
                );
            }),
            "delete" => {
                book.remove(&d.subject);
                Ok(())
            }
            "cursor" => serde_json::from_value::<Seq>(d.body.clone()).map(|c| {
                if let Some(h) = book.get_mut(&d.subject) {
                    h.webhook.delivered_through = h.webhook.delivered_through.max(c.seq);
                }
            }),
            "dead" => serde_json::from_value::<Dead>(d.body.clone()).map(|dead| {
                if let Some(h) = book.get_mut(&d.subject) {
                    h.dead.insert(
                        dead.seq,
                        DeadLetter {
                            seq: dead.seq,
                            attempts: dead.attempts,
                            status: dead.status,
                            error: dead.error,
                            at: d.at,
                        },
                    );
                    h.webhook.dead_letters = h.dead.len();
                }
            }),
            "resolved" => serde_json::from_value::<Seq>(d.body.clone()).map(|r| {
                if let Some(h) = book.get_mut(&d.subject) {
                    h.dead.remove(&r.seq);
                    h.webhook.dead_letters = h.dead.len();
                }
            }),
            _ => Ok(()),
        };
        if parsed.is_err() {
            tracing::warn!(webhook = %d.subject, kind = %d.kind, "a webhook decision in the log does not parse; skipped");
        }
    }

    /// A webhook by id.
    pub fn get(&self, id: &str) -> Option<Webhook> {
        self.book.read().get(id).map(|h| h.webhook.clone())
    }

    /// Every webhook id, for the deliverer.
    pub fn ids(&self) -> Vec<String> {
        self.book.read().keys().cloned().collect()
    }

    /// The webhooks a member keeps, and its agency's, newest first.
    pub fn of(&self, member: &Member) -> Vec<Webhook> {
        let mut out: Vec<Webhook> = self
            .book
            .read()
            .values()
            .map(|h| &h.webhook)
            .filter(|w| is_visible(w, member))
            .cloned()
            .collect();
        out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        out
    }

    /// A webhook of the member's (its own or its agency's).
    pub fn of_member(&self, member: &Member, id: &str) -> Option<Webhook> {
        self.get(id).filter(|w| is_visible(w, member))
    }

    /// A webhook's dead letters, oldest alert first.
    pub fn dead_letters(&self, id: &str) -> Vec<DeadLetter> {
        self.book
            .read()
            .get(id)
            .map(|h| h.dead.values().cloned().collect())
            .unwrap_or_default()
    }
}

fn is_visible(w: &Webhook, member: &Member) -> bool {
    w.agency == member.agency && (w.scope == Scope::Agency || w.user == member.user)
}

impl Webhook {
    /// Whose eyes its alerts are rendered for. A user's webhook sees what
    /// its user sees. An agency's sees what any analyst of the agency
    /// sees, and nothing addressed to one person (RED): the endpoint is
    /// the agency's, not that person's. Audit records name its maker.
    pub async fn owner(&self, store: &dyn Store) -> Result<Member, StoreError> {
        let user = store.user(&self.agency, &self.user).await?.ok_or_else(|| {
            StoreError::NotFound(format!(
                "the maker {}/{} of webhook {} is no user any more",
                self.agency, self.user, self.id
            ))
        })?;
        Ok(match self.scope {
            Scope::User => Member {
                agency: self.agency.clone(),
                user_id: user.id,
                user: user.name,
                role: Role::parse(&user.role).unwrap_or(Role::Contributor),
            },
            Scope::Agency => Member {
                agency: self.agency.clone(),
                user_id: user.id,
                user: String::new(),
                role: Role::Analyst,
            },
        })
    }

    /// The alerts of a report's that this webhook carries (before the
    /// access rules): those of the watches it names, if it names any.
    pub fn carries(&self, alerts: Vec<Alert>) -> Vec<Alert> {
        if self.watches.is_empty() {
            return alerts;
        }
        alerts
            .into_iter()
            .filter(|a| self.watches.binary_search(&a.watch).is_ok())
            .collect()
    }
}

/// A webhook's signing secret: HMAC-SHA256 under the deployment's token
/// key of `webhook-secret\0` and its id, so that it is never stored and
/// every replica derives the same one.
pub fn secret(key: &TokenKey, id: &str) -> String {
    format!(
        "whsec_{}",
        hex::encode(key.digest(&format!("webhook-secret\u{0}{id}")))
    )
}

/// The `v1` signature of a body sent at `t` (unix seconds): hex
/// HMAC-SHA256, keyed with the secret's text, of `t`, `.` and the body.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("hmac takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `X-Cordon-Signature` header's value.
pub fn signature_header(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", sign(secret, t, body))
}

/// Longest webhook URL kept.
const MAX_URL: usize = 2_000;

/// A webhook URL as kept: absolute `http` or `https` with a host, no
/// credentials (they would be kept in the log and shown in lists) and no
/// fragment. The error says what is wrong.
pub fn check_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(
            "url is required: where to POST alerts, such as https://soc.example/cordon".into(),
        );
    }
    if text.chars().count() > MAX_URL {
        return Err(format!("url is at most {MAX_URL} characters"));
    }
    let url = url::Url::parse(text)
        .map_err(|e| format!("url is not an absolute http or https url: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("url must be http or https, not {}", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("url names no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "url may not carry credentials (user:password@): they would be kept and shown; check the X-Cordon-Signature header instead".into(),
        );
    }
    if url.fragment().is_some() {
        return Err("url may not have a fragment (#…), which is never sent".into());
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_absolute_http_without_credentials() {
        assert_eq!(
            check_url(" https://soc.example/hook?x=1 ").unwrap(),
            "https://soc.example/hook?x=1"
        );
        assert_eq!(
            check_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/"
        );
        for bad in [
            "",
            "soc.example/hook",
            "ftp://soc.example/",
            "file:///etc/passwd",
            "https://user:pw@soc.example/",
            "https://soc.example/#frag",
            "javascript:alert(1)",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://x.example/{}", "a".repeat(MAX_URL))).is_err());
    }

    #[test]
    fn the_secret_is_keyed_per_webhook_and_signs_stripe_style() {
        let key = TokenKey::from_bytes([7; 32]);
        let a = secret(&key, "H-000000000001");
        assert!(a.starts_with("whsec_") && a.len() == 6 + 64, "{a}");
        assert_eq!(a, secret(&key, "H-000000000001"));
        assert_ne!(a, secret(&key, "H-000000000002"));
        assert_ne!(a, secret(&TokenKey::from_bytes([8; 32]), "H-000000000001"));
        // The signature is HMAC-SHA256 of "t.body" under the secret's text.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(a.as_bytes()).unwrap();
        mac.update(b"1700000000.{\"seq\":1}");
        let want = hex::encode(mac.finalize().into_bytes());
        assert_eq!(
            signature_header(&a, 1_700_000_000, b"{\"seq\":1}"),
            format!("t=1700000000,v1={want}")
        );
    }
}
