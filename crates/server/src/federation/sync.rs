//! Node-to-node sync: what a peer may send this node, pulled over TAXII
//! 2.1 from the peer's collections server with a `peer` token.
//!
//! - **What leaves** is decided at the sender: its access rules let the
//!   `peer` role read CLEAR, GREEN and AMBER addressed to it, nothing else.
//! - **What is taken** is decided here: nothing above the peer's `accept`,
//!   and AMBER only for the local agencies in `amber_to`; a marking can
//!   only narrow on the way in, never widen.
//! - **Provenance**: a report keeps its origin agency as owner; the agency
//!   is registered here from the peer's identity object on first sight,
//!   with a `federation.origin` decision naming its node. An agency code
//!   that already belongs to this node or another peer is refused.
//! - **Resumable and idempotent**: after each page is stored, the page's
//!   position (the sender's `next` cursor, or `added_after` once a pull
//!   reached the end) is kept as a `federation.sync` decision; a restart or
//!   a dropped connection resumes there. A page taken twice changes
//!   nothing (the same report content is the same revision); a changed
//!   report is a new revision.
//! - Both sides audit: the sender logs the peer's reads as any TAXII read;
//!   this node logs each page it took, per origin agency.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use cordon_core::{Marking, Report, Tlp};
use cordon_federation::config::PeerConfig;
use cordon_interop::stix::{self, ImportOptions};
use cordon_store::{AuditEvent, NewAgency, NewDecision};
use serde::{Deserialize, Serialize};

use super::Federation;
use crate::Shared;

pub const CHECKPOINT: &str = "federation.sync";
pub const ORIGIN: &str = "federation.origin";

/// Where a pull from one peer resumes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The sender's cursor of the next page, while a pull is under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The newest `date_added` taken once a pull reached the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_after: Option<String>,
}

/// What the sync with one peer has done since this node started.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PeerStatus {
    pub node: String,
    pub pages: u64,
    /// Report revisions stored, and those that were already here.
    pub accepted: u64,
    pub unchanged: u64,
    /// Reports marked above what this node accepts from the peer.
    pub refused: u64,
    /// Objects of other tools the peer keeps verbatim: not forwarded
    /// between nodes.
    pub skipped: u64,
    /// Copies withdrawn because their owner re-marked them beyond this
    /// node's reach.
    pub withdrawn: u64,
    /// Reports that do not validate here (logged each with its field);
    /// the rest of their page is taken.
    pub invalid: u64,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// How far before the newest `date_added` taken a finished pull resumes:
/// a report accepted at one instant may commit after one accepted later,
/// and taking a page again changes nothing.
const RESUME_MARGIN: chrono::Duration = chrono::Duration::seconds(120);

fn resume_from(added: &str) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(added)
        .ok()?
        .with_timezone(&Utc);
    Some(stix::timestamp(at - RESUME_MARGIN))
}

pub fn subject(peer: &str) -> String {
    format!("peer:{peer}")
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    more: bool,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    objects: Vec<serde_json::Value>,
}

/// Pulls from one peer until it has nothing more.
pub async fn pull(
    state: &Shared,
    federation: &Federation,
    peer: &PeerConfig,
) -> anyhow::Result<()> {
    let mut checkpoint = federation.checkpoint(state, &peer.node).await?;
    loop {
        let url = format!(
            "{}/taxii2/cordon/collections/{}/objects/",
            peer.url.trim_end_matches('/'),
            peer.collection
        );
        let mut query: Vec<(&str, String)> = vec![("limit", peer.page.to_string())];
        if let Some(next) = &checkpoint.next {
            query.push(("next", next.clone()));
        } else if let Some(after) = checkpoint.added_after.as_deref().and_then(resume_from) {
            query.push(("added_after", after));
        }
        let response = federation
            .http
            .get(&url)
            .query(&query)
            .header("Accept", crate::taxii::MEDIA_TYPE)
            .bearer_auth(&peer.token)
            .send()
            .await?;
        let status = response.status();
        let last_added = response
            .headers()
            .get("X-TAXII-Date-Added-Last")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await?;
        if !status.is_success() {
            anyhow::bail!(
                "{url} answered {status}: {}",
                text.chars().take(300).collect::<String>()
            );
        }
        let envelope: Envelope = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{url} did not answer a TAXII envelope: {e}"))?;
        // An empty envelope (nothing new) lists no objects at all.
        if !envelope.objects.is_empty() {
            take_page(state, federation, peer, &envelope.objects).await?;
        }
        checkpoint = if envelope.more && envelope.next.is_some() {
            Checkpoint {
                next: envelope.next,
                added_after: checkpoint.added_after,
            }
        } else {
            Checkpoint {
                next: None,
                added_after: last_added.or(checkpoint.added_after),
            }
        };
        // Kept once the page is stored: a page taken again is a no-op.
        federation
            .keep_checkpoint(state, &peer.node, &checkpoint)
            .await?;
        if !envelope.more {
            return Ok(());
        }
    }
}

async fn take_page(
    state: &Shared,
    federation: &Federation,
    peer: &PeerConfig,
    objects: &[serde_json::Value],
) -> anyhow::Result<()> {
    // The agencies the page shows, registered before their reports.
    for o in objects {
        // A node agency is a peer's account there; it owns no reports.
        if let Some(agency) = stix::export::agency_of_identity(o).filter(|a| a.kind != "node") {
            federation.register(state, &peer.node, agency).await?;
        }
    }
    // Reports their owner withdrew from this node: the copies here are
    // withdrawn too.
    let revoked = |o: &serde_json::Value| o["type"] == "report" && o["revoked"] == true;
    let mut withdrawn = 0;
    for o in objects.iter().filter(|o| revoked(o)) {
        withdrawn += withdraw(state, federation, peer, o).await?;
    }
    // Of the rest, the reports Cordon wrote: each carries its whole
    // report in its extension, and this node derives the observables,
    // indicators and relationships again, so a page that ends in the
    // middle of a report's objects loses nothing.
    let reports: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| o["type"] == "report" && !revoked(o) && stix::extension::is_cordon(o))
        .collect();
    let (checked, invalid) = check_reports(peer, reports).await?;
    let mut by_agency: BTreeMap<String, Vec<(u64, Report)>> = BTreeMap::new();
    let (mut refused, mut skipped) = (0u64, 0u64);
    for (i, (report, owner)) in checked.into_iter().enumerate() {
        let Some(owner) = owner else {
            skipped += 1;
            continue;
        };
        if federation.origin(&owner).as_deref() != Some(peer.node.as_str()) {
            tracing::warn!(peer = %peer.node, agency = %owner, "a report of an agency that is not the peer's is refused");
            refused += 1;
            continue;
        }
        match narrowed(report, peer) {
            Some(r) => by_agency.entry(owner).or_default().push((i as u64 + 1, r)),
            None => refused += 1,
        }
    }
    // Objects of other tools kept verbatim are not forwarded.
    skipped += objects
        .iter()
        .filter(|o| !revoked(o) && !stix::extension::is_cordon(o))
        .filter(|o| o["type"] != "marking-definition" && o["type"] != "extension-definition")
        .count() as u64;
    let (mut accepted, mut unchanged) = (0u64, 0u64);
    let mut audit = Vec::new();
    for (agency, reports) in &by_agency {
        let stored = crate::api::reports::store_reports(state, agency, reports, &[])
            .await
            .map_err(|e| {
                anyhow::anyhow!("reports of {agency} from {}: {}", peer.node, e.message)
            })?;
        accepted += stored.answer.accepted;
        unchanged += stored.answer.unchanged;
        audit.push(AuditEvent {
            at: stored.at,
            actor: agency.clone(),
            user: None,
            action: "federation_sync".into(),
            owner: Some(agency.clone()),
            subject: format!("{} reports from node {}", reports.len(), peer.node),
        });
    }
    if !audit.is_empty() {
        state
            .audit
            .record_all(audit)
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    federation.counted(&peer.node, |s| {
        s.pages += 1;
        s.accepted += accepted;
        s.unchanged += unchanged;
        s.refused += refused;
        s.skipped += skipped;
        s.withdrawn += withdrawn;
        s.invalid += invalid;
    });
    Ok(())
}

/// Withdraws the copy of a report its owner withdrew from this node: a
/// new revision marked RED for no one, without hit notification, so that
/// no one here reads it or learns of it any more (earlier revisions stay
/// in the append-only store, as every revision does). Returns 1 when a
/// copy was withdrawn, 0 when there was none or it already was.
async fn withdraw(
    state: &Shared,
    federation: &Federation,
    peer: &PeerConfig,
    object: &serde_json::Value,
) -> anyhow::Result<u64> {
    let Some(uuid) = object["id"]
        .as_str()
        .and_then(|id| id.strip_prefix("report--"))
        .and_then(|u| uuid::Uuid::try_parse(u).ok())
    else {
        return Ok(0);
    };
    let mut n = 0;
    for (agency, id) in state.store.report_by_stix(uuid).await? {
        if federation.origin(&agency).as_deref() != Some(peer.node.as_str()) {
            continue;
        }
        let Some(current) = state.store.report(&agency, &id).await? else {
            continue;
        };
        let mut report = current.report;
        let sealed = Marking {
            tlp: Tlp::Red,
            recipients: Vec::new(),
            hit_notification: false,
        };
        if report.marking == sealed {
            continue;
        }
        report.marking = sealed;
        crate::api::reports::store_reports(state, &agency, &[(1, report)], &[])
            .await
            .map_err(|e| anyhow::anyhow!("withdrawing {agency}/{id}: {}", e.message))?;
        state
            .audit
            .record(AuditEvent {
                at: Utc::now(),
                actor: agency.clone(),
                user: None,
                action: "federation_withdrawn".into(),
                owner: Some(agency.clone()),
                subject: format!("{id}, withdrawn by node {}", peer.node),
            })
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        n += 1;
    }
    Ok(n)
}

/// Validates a page's reports as any import does, each with the owner its
/// extension names. A report that does not validate is logged and left
/// out (counted as invalid), so that one bad report never stops a peer's
/// sync: the whole page is checked at once, and only when that fails each
/// report alone.
async fn check_reports(
    peer: &PeerConfig,
    reports: Vec<&serde_json::Value>,
) -> anyhow::Result<(Vec<(Report, Option<String>)>, u64)> {
    let whole = serde_json::json!({ "objects": reports }).to_string();
    let node = peer.node.clone();
    Ok(tokio::task::spawn_blocking(move || {
        let options = ImportOptions {
            country: String::new(),
            marking: Marking::default(),
        };
        let now = Utc::now();
        let all = stix::check_envelope(&whole, &options, now);
        if all.errors.is_empty() {
            return (all.reports.into_iter().zip(all.owners).collect(), 0);
        }
        // The rare page that fails whole: each report alone.
        let (mut good, mut invalid) = (Vec::new(), 0);
        let parsed: serde_json::Value = serde_json::from_str(&whole).unwrap_or_default();
        for report in parsed["objects"].as_array().into_iter().flatten() {
            let body = serde_json::json!({ "objects": [report] }).to_string();
            let one = stix::check_envelope(&body, &options, now);
            match one.errors.first() {
                None => good.extend(one.reports.into_iter().zip(one.owners)),
                Some(e) => {
                    invalid += 1;
                    tracing::warn!(
                        peer = %node,
                        field = e.field.as_deref().unwrap_or("report"),
                        "a report from the peer does not validate here and is left out: {}",
                        e.message
                    );
                }
            }
        }
        (good, invalid)
    })
    .await?)
}

/// A report's marking as this node keeps it: never more shareable than
/// the peer sent it, nothing above `accept`, AMBER for `amber_to` only.
pub fn narrowed(mut report: Report, peer: &PeerConfig) -> Option<Report> {
    if report.marking.tlp > peer.accept {
        return None;
    }
    report.marking.recipients = match report.marking.tlp {
        Tlp::Amber => peer.amber_to.clone(),
        _ => Vec::new(),
    };
    // AMBER is for amber_to alone: no one else here learns of it, not
    // even as a hit's contact.
    if report.marking.tlp == Tlp::Amber {
        report.marking.hit_notification = false;
    }
    Some(report)
}

impl Federation {
    /// Where the pull from a peer resumes: the last kept checkpoint.
    async fn checkpoint(&self, state: &Shared, peer: &str) -> anyhow::Result<Checkpoint> {
        let decisions = state.store.decisions_about(&subject(peer)).await?;
        Ok(decisions
            .iter()
            .rev()
            .find(|d| d.kind == CHECKPOINT)
            .and_then(|d| serde_json::from_value(d.body.clone()).ok())
            .unwrap_or_default())
    }

    async fn keep_checkpoint(
        &self,
        state: &Shared,
        peer: &str,
        at: &Checkpoint,
    ) -> anyhow::Result<()> {
        state
            .store
            .append_decisions(&[NewDecision {
                kind: CHECKPOINT.into(),
                subject: subject(peer),
                agency: "cordon".into(),
                user: "federation".into(),
                reason: String::new(),
                body: serde_json::to_value(at)?,
            }])
            .await?;
        self.checkpoints.write().insert(peer.to_owned(), at.clone());
        Ok(())
    }

    /// Registers an agency a peer sent, once; its origin is the peer.
    async fn register(
        &self,
        state: &Shared,
        node: &str,
        agency: stix::export::AgencyView,
    ) -> anyhow::Result<()> {
        match self.origin(&agency.code) {
            Some(origin) if origin == node => return Ok(()),
            Some(other) => {
                tracing::warn!(agency = %agency.code, %node, %other, "an agency code two peers claim is kept for the first; the second peer's reports of it are refused");
                return Ok(());
            }
            None if state.directory.get(&agency.code).is_some() => {
                tracing::warn!(agency = %agency.code, %node, "a peer's agency shares a local agency's code: its reports are refused");
                return Ok(());
            }
            None => {}
        }
        state
            .store
            .create_agency(&NewAgency {
                code: agency.code.clone(),
                name: agency.name,
                country: agency.country,
                kind: agency.kind,
                contact: agency.contact,
            })
            .await?;
        state
            .store
            .append_decisions(&[NewDecision {
                kind: ORIGIN.into(),
                subject: format!("agency:{}", agency.code),
                agency: "cordon".into(),
                user: "federation".into(),
                reason: format!("first sent by node {node}"),
                body: serde_json::json!({ "node": node }),
            }])
            .await?;
        self.origins.write().insert(agency.code, node.to_owned());
        state.directory.refresh(state.store.as_ref()).await?;
        Ok(())
    }

    fn counted(&self, peer: &str, f: impl FnOnce(&mut PeerStatus)) {
        let mut all = self.status.write();
        let s = all.entry(peer.to_owned()).or_insert_with(|| PeerStatus {
            node: peer.to_owned(),
            ..PeerStatus::default()
        });
        f(s);
    }

    pub(super) fn pulled(&self, peer: &str, result: &anyhow::Result<()>) {
        self.counted(peer, |s| match result {
            Ok(()) => {
                s.last_success = Some(Utc::now());
                s.last_error = None;
            }
            Err(e) => s.last_error = Some(e.to_string()),
        });
    }

    /// The origins folded from the decision log.
    pub(super) fn fold_origins(&self, decisions: &[cordon_store::Decision]) {
        let mut origins = self.origins.write();
        for d in decisions.iter().filter(|d| d.kind == ORIGIN) {
            if let (Some(code), Some(node)) = (
                d.subject.strip_prefix("agency:"),
                d.body.get("node").and_then(|n| n.as_str()),
            ) {
                origins
                    .entry(code.to_owned())
                    .or_insert_with(|| node.to_owned());
            }
        }
    }
}

/// The origins of peers' agencies, by agency code.
pub type Origins = HashMap<String, String>;

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(accept: Tlp) -> PeerConfig {
        PeerConfig {
            node: "TH".into(),
            url: "http://127.0.0.1:1".into(),
            token: "t".into(),
            accept,
            amber_to: vec!["KE-DCI".into()],
            collection: "all".into(),
            page: 1_000,
        }
    }

    fn report(tlp: Tlp, recipients: &[&str]) -> Report {
        let mut r: Report = serde_json::from_value(serde_json::json!({
            "id": "r1", "kind": "tip", "country": "TH", "received": "2026-11-01T00:00:00Z",
            "marking": {"tlp": "GREEN"}, "selectors": ["phone:+66811111111"]
        }))
        .unwrap();
        r.marking.tlp = tlp;
        r.marking.recipients = recipients.iter().map(|s| (*s).to_owned()).collect();
        r
    }

    #[test]
    fn a_marking_only_narrows_on_the_way_in() {
        // AMBER addressed to this node goes to amber_to, and nobody else.
        let amber = narrowed(report(Tlp::Amber, &["KE-NODE"]), &peer(Tlp::Amber)).unwrap();
        assert_eq!(amber.marking.tlp, Tlp::Amber);
        assert_eq!(amber.marking.recipients, vec!["KE-DCI".to_owned()]);
        assert!(!amber.marking.hit_notification);
        // GREEN keeps its level; the sender's recipients mean nothing here.
        let green = narrowed(report(Tlp::Green, &["TH-X"]), &peer(Tlp::Amber)).unwrap();
        assert_eq!(
            (green.marking.tlp, green.marking.recipients.len()),
            (Tlp::Green, 0)
        );
        // Above what the peer's entry accepts: refused.
        assert!(narrowed(report(Tlp::Amber, &["KE-NODE"]), &peer(Tlp::Green)).is_none());
        assert!(narrowed(report(Tlp::Red, &[]), &peer(Tlp::Amber)).is_none());
        assert!(narrowed(report(Tlp::Clear, &[]), &peer(Tlp::Clear)).is_some());
    }
}
