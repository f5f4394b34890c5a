//! What the server knows of networks: every report as analysis reads it,
//! grouped, named and corrected. Pure state; [`super`] loads and follows
//! the store and decides who sees what.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cordon_analysis::corpus::Corpus;
use cordon_analysis::identity::{Anchors, Correction};
use cordon_analysis::live::LiveNetworks;
use cordon_analysis::networks::{self, Thresholds};
use cordon_core::{ReportKind, Tlp};
use cordon_store::{NewDecision, StoredReport};

use crate::access::Marked;
use crate::auth::TokenKey;

/// What the access rules and a member list need of a report.
#[derive(Debug, Clone)]
pub struct Held {
    pub seq: i64,
    pub agency: String,
    pub id: String,
    pub kind: ReportKind,
    pub tlp: Tlp,
    pub recipients: Vec<String>,
    pub hit_notification: bool,
    pub received: DateTime<Utc>,
}

impl Held {
    pub(crate) fn of(r: &StoredReport) -> Held {
        Held {
            seq: r.seq,
            agency: r.agency.clone(),
            id: r.report.id.clone(),
            kind: r.report.kind,
            tlp: r.report.marking.tlp,
            recipients: r.report.marking.recipients.clone(),
            hit_notification: r.report.marking.hit_notification,
            received: r.report.received.unwrap_or(r.accepted),
        }
    }

    pub fn marked(&self) -> Marked<'_> {
        Marked {
            owner: &self.agency,
            tlp: self.tlp,
            recipients: &self.recipients,
            hit_notification: self.hit_notification,
        }
    }
}

/// A network's id, from its anchor report: the same report gives the same
/// id on every replica and after every restart. Keyed with the
/// deployment's secret, so that an id tells nothing of its anchor: no one
/// can test a guessed report id against it.
pub fn network_id(key: &TokenKey, agency: &str, report: &str) -> String {
    let digest = key.digest(&format!("network-anchor\u{0}{agency}/{report}"));
    format!("N-{}", hex::encode(&digest[..6]))
}

/// The decision that ties a new network id to its anchor.
fn anchor_decision(id: &str, held: &Held) -> NewDecision {
    NewDecision {
        kind: "network.anchor".to_owned(),
        subject: id.to_owned(),
        agency: "cordon".to_owned(),
        user: "analysis".to_owned(),
        reason: String::new(),
        body: serde_json::json!({"agency": held.agency, "report": held.id}),
    }
}

#[derive(Debug)]
pub struct Model {
    pub corpus: Corpus,
    pub held: Vec<Held>,
    row_of: HashMap<(String, String), u32>,
    pub live: LiveNetworks,
    anchors: Anchors,
    /// Anchors named by decisions whose reports are not known yet.
    waiting: Vec<(String, String, String)>,
    corrections: Vec<Correction>,
    /// Each network number's id.
    ids: Vec<Option<String>>,
    number_of: HashMap<String, u32>,
    /// Ids of networks merged into another: alias → id.
    aliases: HashMap<String, String>,
    pub thresholds: Thresholds,
    /// What network ids are keyed with.
    key: TokenKey,
    /// When the networks were last recomputed, and over how many reports.
    pub computed: DateTime<Utc>,
    pub computed_over: usize,
}

impl Model {
    /// Groups `corpus` (with `held`, row for row) from scratch.
    pub fn compute(
        corpus: Corpus,
        held: Vec<Held>,
        thresholds: Thresholds,
        key: TokenKey,
    ) -> Model {
        let found = networks::resolve(corpus.named(), &corpus.evidence(), &thresholds);
        let row_of = held
            .iter()
            .enumerate()
            .map(|(row, h)| ((h.agency.clone(), h.id.clone()), row as u32))
            .collect();
        let live = LiveNetworks::new(corpus.named(), corpus.evidence(), &found);
        Model {
            computed_over: corpus.len(),
            corpus,
            held,
            row_of,
            live,
            anchors: Anchors::default(),
            waiting: Vec::new(),
            corrections: Vec::new(),
            ids: Vec::new(),
            number_of: HashMap::new(),
            aliases: HashMap::new(),
            thresholds,
            key,
            computed: Utc::now(),
        }
    }

    /// A report's row.
    pub fn row(&self, agency: &str, id: &str) -> Option<u32> {
        self.row_of
            .get(&(agency.to_owned(), id.to_owned()))
            .copied()
    }

    /// Applies a decision read from the store (anchors and corrections;
    /// others are not about grouping). Call [`Model::rename`] after a run
    /// of them.
    pub fn apply(&mut self, kind: &str, subject: &str, body: &serde_json::Value) {
        match kind {
            "network.anchor" => {
                let (Some(agency), Some(report)) =
                    (body["agency"].as_str(), body["report"].as_str())
                else {
                    return;
                };
                match self.row(agency, report) {
                    Some(row) => self.anchors.add(subject, row),
                    None => self.waiting.push((
                        subject.to_owned(),
                        agency.to_owned(),
                        report.to_owned(),
                    )),
                }
            }
            "network.merge" => {
                let rows: Vec<u32> = body["networks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|id| self.anchors.row_of(id.as_str()?))
                    .collect();
                if rows.len() >= 2 {
                    let c = Correction::Merge { rows };
                    self.live.correct(std::slice::from_ref(&c));
                    self.corrections.push(c);
                }
            }
            "network.split" => {
                let rows: Vec<u32> = body["reports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| self.row(r["agency"].as_str()?, r["id"].as_str()?))
                    .collect();
                if !rows.is_empty() {
                    let c = Correction::Split { rows };
                    self.live.correct(std::slice::from_ref(&c));
                    self.corrections.push(c);
                }
            }
            _ => {}
        }
    }

    /// Names every network after a grouping changed; returns the anchors
    /// of networks seen for the first time, to be kept in the store.
    pub fn rename(&mut self) -> Vec<NewDecision> {
        let naming = self
            .anchors
            .name(self.live.of_report(), self.live.count() as usize);
        let mut ids = naming.ids;
        let mut minted = Vec::new();
        for (group, oldest) in naming.unnamed {
            let held = &self.held[oldest as usize];
            let id = network_id(&self.key, &held.agency, &held.id);
            self.anchors.add(&id, oldest);
            minted.push(anchor_decision(&id, held));
            ids[group as usize] = Some(id);
        }
        self.number_of = ids
            .iter()
            .enumerate()
            .filter_map(|(n, id)| Some((id.clone()?, n as u32)))
            .collect();
        self.aliases = naming.aliases.into_iter().collect();
        self.ids = ids;
        minted
    }

    /// Whether a report revision is one the model has not seen.
    pub fn is_new(&self, r: &StoredReport) -> bool {
        self.row(&r.agency, &r.report.id)
            .is_none_or(|row| self.held[row as usize].seq < r.seq)
    }

    /// Adds or revises a report; returns anchors to keep.
    pub fn put(&mut self, r: &StoredReport) -> Vec<NewDecision> {
        let key = (r.agency.clone(), r.report.id.clone());
        if let Some(&row) = self.row_of.get(&key) {
            if self.held[row as usize].seq >= r.seq {
                return Vec::new();
            }
            let old = self.corpus.named()[row as usize].clone();
            self.corpus.replace(row, &r.report);
            self.grow_keys();
            self.live
                .revise(row, &old, &self.corpus.named()[row as usize]);
            self.held[row as usize] = Held::of(r);
            return Vec::new();
        }
        let row = self.corpus.add(&r.report);
        self.held.push(Held::of(r));
        self.row_of.insert(key, row);
        self.grow_keys();
        let joined = self.live.join(&self.corpus.named()[row as usize]);
        let mut kept = Vec::new();
        // An anchor another replica decided for this report.
        let waited = self
            .waiting
            .iter()
            .position(|(_, a, id)| *a == r.agency && *id == r.report.id)
            .map(|at| self.waiting.swap_remove(at).0);
        if let Some(id) = &waited {
            self.anchors.add(id, row);
        }
        if let Some(n) = joined
            && self.ids.get(n as usize).is_none_or(Option::is_none)
        {
            let id = match waited {
                // Its network took the id decided for it.
                Some(id) => id,
                None => {
                    // A network born now, of this report and the loners it
                    // binds: anchored at the oldest of them.
                    let oldest = self.corpus.named()[row as usize]
                        .iter()
                        .flat_map(|&s| self.live.postings(s).iter().copied())
                        .filter(|&o| self.live.of_report()[o as usize] == Some(n))
                        .min()
                        .unwrap_or(row);
                    let held = &self.held[oldest as usize];
                    let id = network_id(&self.key, &held.agency, &held.id);
                    self.anchors.add(&id, oldest);
                    kept.push(anchor_decision(&id, held));
                    id
                }
            };
            if self.ids.len() <= n as usize {
                self.ids.resize(n as usize + 1, None);
            }
            self.number_of.insert(id.clone(), n);
            self.ids[n as usize] = Some(id);
        }
        kept
    }

    fn grow_keys(&mut self) {
        while self.live.selectors() < self.corpus.keys().len() {
            let evidence = self.corpus.key(self.live.selectors() as u32).evidence;
            self.live.add_selector(evidence);
        }
    }

    /// A network's number by id or by an alias; and the id it goes by now.
    pub fn network(&self, id: &str) -> Option<(u32, &str)> {
        let current = self.aliases.get(id).map_or(id, String::as_str);
        let n = *self.number_of.get(current)?;
        Some((n, self.ids[n as usize].as_deref()?))
    }

    /// The id of a network number.
    pub fn id_of(&self, n: u32) -> Option<&str> {
        self.ids.get(n as usize)?.as_deref()
    }

    /// A report's network.
    pub fn network_of(&self, row: u32) -> Option<u32> {
        self.live.of_report()[row as usize]
    }

    /// Every network's members, by number.
    pub fn members(&self) -> HashMap<u32, Vec<u32>> {
        let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
        for (row, n) in self.live.of_report().iter().enumerate() {
            if let Some(n) = n {
                members.entry(*n).or_default().push(row as u32);
            }
        }
        members
    }

    /// The rows of one network.
    pub fn members_of(&self, n: u32) -> Vec<u32> {
        self.live
            .of_report()
            .iter()
            .enumerate()
            .filter(|(_, g)| **g == Some(n))
            .map(|(row, _)| row as u32)
            .collect()
    }

    /// Takes over a recomputation: `live` was built, without the lock,
    /// from its grouping of the first `over` reports. The reports that
    /// came since join as they came, and the corrections apply again.
    /// Returns anchors to keep.
    pub fn adopt(&mut self, mut live: LiveNetworks, over: usize) -> Vec<NewDecision> {
        while live.selectors() < self.corpus.keys().len() {
            let evidence = self.corpus.key(live.selectors() as u32).evidence;
            live.add_selector(evidence);
        }
        for row in self.corpus.named().iter().skip(over) {
            live.join(row);
        }
        live.correct(&self.corrections);
        self.live = live;
        self.computed = Utc::now();
        self.computed_over = over;
        self.rename()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(seq: i64, id: &str, selectors: &[&str]) -> StoredReport {
        let submission: cordon_core::ReportSubmission = serde_json::from_value(serde_json::json!({
            "id": id, "kind": "fraud_complaint", "country": "GB",
            "marking": {"tlp": "GREEN"}, "selectors": selectors,
        }))
        .unwrap();
        let report = submission.validate(Utc::now()).unwrap();
        StoredReport {
            seq,
            agency: "GB-NCA".into(),
            revision: 1,
            accepted: Utc::now(),
            digest: report.digest(),
            report,
        }
    }

    fn model_of(reports: &[StoredReport]) -> Model {
        let mut corpus = Corpus::new();
        let mut held = Vec::new();
        for r in reports {
            corpus.add(&r.report);
            held.push(Held::of(r));
        }
        Model::compute(corpus, held, Thresholds::default(), key())
    }

    fn key() -> TokenKey {
        TokenKey::from_bytes([7; 32])
    }

    fn network_of(m: &Model, id: &str) -> Option<String> {
        m.id_of(m.network_of(m.row("GB-NCA", id)?)?)
            .map(str::to_owned)
    }

    /// Two networks; reports join live; an analyst merges them; a
    /// recomputation (which alone would part them again) keeps the merge
    /// and every id, and takes in a report that came meanwhile.
    #[test]
    fn a_recomputation_keeps_ids_merges_and_late_reports() {
        let mut reports = Vec::new();
        for i in 0..4 {
            reports.push(stored(i + 1, &format!("a{i}"), &["a-handle@example.com"]));
            reports.push(stored(i + 11, &format!("b{i}"), &["b-handle@example.com"]));
        }
        let mut m = model_of(&reports);
        let kept = m.rename();
        assert_eq!(kept.len(), 2, "two anchors to keep");
        let (a, b) = (network_of(&m, "a0").unwrap(), network_of(&m, "b0").unwrap());
        assert_eq!(
            a,
            network_id(&key(), "GB-NCA", "a0"),
            "anchored at the oldest report"
        );
        assert!(
            m.put(&stored(30, "a9", &["a-handle@example.com"]))
                .is_empty()
        );
        assert_eq!(
            network_of(&m, "a9").as_deref(),
            Some(a.as_str()),
            "joined live"
        );
        m.apply(
            "network.merge",
            &a,
            &serde_json::json!({"networks": [a.clone(), b.clone()]}),
        );
        assert!(m.rename().is_empty());
        assert_eq!(
            network_of(&m, "b1").as_deref(),
            Some(a.as_str()),
            "the older id stays"
        );
        assert_eq!(
            m.network(&b).map(|(_, id)| id.to_owned()),
            Some(a.clone()),
            "an alias"
        );

        // A recomputation over the first nine, with one more come since.
        let (named, evidence) = (m.corpus.named().to_vec(), m.corpus.evidence());
        let found = networks::resolve(&named, &evidence, &m.thresholds);
        assert_ne!(
            found.of_report[0], found.of_report[1],
            "alone it parts them"
        );
        assert!(
            m.put(&stored(31, "b9", &["b-handle@example.com"]))
                .is_empty()
        );
        let live = LiveNetworks::new(&named, evidence, &found);
        assert!(m.adopt(live, named.len()).is_empty(), "no new network");
        for id in ["a0", "a9", "b0", "b9"] {
            assert_eq!(network_of(&m, id).as_deref(), Some(a.as_str()), "{id}");
        }

        // A revision naming another handle moves its postings; a split
        // gives the reports named a network of their own.
        let mut revised = stored(40, "a1", &["c-handle@example.com"]);
        revised.revision = 2;
        m.put(&revised);
        let c = m.corpus.key_number("email:c-handle@example.com").unwrap();
        assert_eq!(m.live.postings(c), [m.row("GB-NCA", "a1").unwrap()]);
        m.apply(
            "network.split",
            &a,
            &serde_json::json!({"reports": [{"agency": "GB-NCA", "id": "b0"}, {"agency": "GB-NCA", "id": "b1"}]}),
        );
        // b0 anchors the id merged away: the part split off takes it back.
        assert!(m.rename().is_empty());
        assert_eq!(network_of(&m, "b0").as_deref(), Some(b.as_str()));
        assert_eq!(network_of(&m, "b1").as_deref(), Some(b.as_str()));
        assert_eq!(network_of(&m, "b2").as_deref(), Some(a.as_str()));
        // Splitting reports that anchor nothing makes a new network,
        // anchored at the oldest of them.
        m.apply(
            "network.split",
            &a,
            &serde_json::json!({"reports": [{"agency": "GB-NCA", "id": "b3"}, {"agency": "GB-NCA", "id": "b2"}]}),
        );
        let kept = m.rename();
        assert_eq!(kept.len(), 1, "the new network's anchor is to be kept");
        assert_eq!(
            network_of(&m, "b3"),
            Some(network_id(&key(), "GB-NCA", "b2"))
        );
    }
}
