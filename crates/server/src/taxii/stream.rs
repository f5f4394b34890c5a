//! What a collection holds for one caller, as one stream of STIX objects.
//!
//! The stream of a view is, in order:
//!
//! 1. the **vocabulary**: the objects every report refers to and no
//!    report owns (Cordon's publisher identity and extension-definition,
//!    the five TLP 2.0 marking-definitions, the attack-pattern of every
//!    modus-operandi tag, and the identity of every member agency the view
//!    covers), added when the exchange began (an agency's identity: when
//!    the agency joined);
//! 2. the readable **reports** (their objects derived as `cordon export`
//!    derives them) and **kept objects** of other tools, merged in the
//!    order they were added.
//!
//! Every object appears once. An observable that several reports name
//! (an SCO, or the identity of a named person or company) is given with
//! the first report in the stream that names it and that the caller may
//! read, or not at all when the caller reads a kept object of the same id.
//! A report that came from another tool is given as the objects its agency
//! keeps of that tool, verbatim, not derived again. So the objects of one report are
//! a function of the store and the caller, not of where a page began,
//! which is what lets a page stop in the middle of a report and the next
//! page resume there.
//!
//! Every report, kept object and posting passes [`crate::access::sight`]
//! for the caller before anything of it is used, so the stream never
//! depends on what the caller may not read.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use cordon_core::Marking;
use cordon_core::mo::Taxonomy;
use cordon_interop::stix::export::{AgencyView, Deriver, ReportView};
use cordon_interop::stix::{self, extension, ids, sco, tlp};
pub use cordon_interop::taxii::{Cursor, Versions};
use cordon_store::{StixFilter, StoredReport, StoredStixObject};
use serde_json::Value;
use serde_json::value::RawValue;

use super::TaxiiResult;
use super::collections::View;
use crate::Shared;
use crate::access::{self, Marked, Sight, Viewer};

/// Rows read from the store at a time.
const FETCH: u32 = 500;

/// How far `added_after` starts before the given time, for writes whose
/// sequence and time disagree a little (concurrent replicas).
const MARGIN: Duration = Duration::seconds(60);

/// One object of the stream.
pub struct Entry {
    pub id: String,
    pub date_added: DateTime<Utc>,
    pub version: String,
    pub spec_version: String,
    body: Payload,
}

enum Payload {
    Derived(Value),
    /// A kept object's text, verbatim.
    Kept(String),
}

impl Entry {
    fn derived(object: Value, date_added: DateTime<Utc>) -> Entry {
        // date_added is shown to the microsecond: compared as shown.
        let date_added = date_added.trunc_subsecs(6);
        let version = stix::import::version_of(&object).to_owned();
        Entry {
            id: object["id"].as_str().unwrap_or_default().to_owned(),
            version: if version.is_empty() {
                stix::timestamp(date_added)
            } else {
                version
            },
            spec_version: object["spec_version"]
                .as_str()
                .unwrap_or(stix::SPEC_VERSION)
                .to_owned(),
            date_added,
            body: Payload::Derived(object),
        }
    }

    fn kept(o: &StoredStixObject) -> Entry {
        Entry {
            id: o.id.clone(),
            date_added: o.added.trunc_subsecs(6),
            // An unversioned object (an SCO) takes its date_added, as TAXII
            // asks.
            version: if o.version.is_empty() {
                stix::timestamp(o.added)
            } else {
                o.version.clone()
            },
            spec_version: o.spec_version.clone(),
            body: Payload::Kept(o.json.clone()),
        }
    }

    pub fn kind(&self) -> &str {
        stix::type_of(&self.id).unwrap_or_default()
    }

    /// The object's JSON, a kept object's exactly as it was received.
    pub fn object(&self) -> Box<RawValue> {
        match &self.body {
            Payload::Derived(v) => {
                serde_json::value::to_raw_value(v).expect("derived objects serialise")
            }
            Payload::Kept(text) => RawValue::from_string(text.clone())
                .expect("kept objects are JSON, checked when they were imported"),
        }
    }
}

/// The filters every object passes.
#[derive(Debug, Clone)]
pub struct Match {
    pub added_after: Option<DateTime<Utc>>,
    pub types: Vec<String>,
    pub versions: Versions,
    pub spec_versions: Vec<String>,
}

impl Default for Match {
    fn default() -> Self {
        Match {
            added_after: None,
            types: Vec::new(),
            versions: Versions::last(),
            spec_versions: Vec::new(),
        }
    }
}

impl Match {
    fn passes(&self, e: &Entry) -> bool {
        (self.types.is_empty() || self.types.iter().any(|t| t == e.kind()))
            && (self.spec_versions.is_empty() || self.spec_versions.contains(&e.spec_version))
            && self.added_after.is_none_or(|at| e.date_added > at)
    }

    /// The versions of one object's entries (oldest first) that pass.
    pub fn select(&self, entries: Vec<Entry>) -> Vec<Entry> {
        let first = entries
            .first()
            .map(|e| e.version.clone())
            .unwrap_or_default();
        let last = entries
            .last()
            .map(|e| e.version.clone())
            .unwrap_or_default();
        entries
            .into_iter()
            .filter(|e| self.versions.wants(&e.version, &first, &last) && self.passes(e))
            .collect()
    }
}

/// What one request read of other agencies' data: (reports, kept objects)
/// by owner, for their audit logs.
pub type Taken = crate::export::Taken;

/// The report that gives an observable: (seq, agency, report id).
type Holder = (i64, String, String);

/// Reads a view for one caller: every access decision and every
/// derivation of the stream.
pub struct Reader<'a> {
    state: &'a Shared,
    viewer: &'a Viewer,
    view: &'a View,
    deriver: Deriver,
    vocabulary: Vec<(String, Value, DateTime<Utc>)>,
    /// Whether an agency keeps objects of an id.
    kept_by_owner: HashMap<(String, String), bool>,
    /// Whether the caller reads a kept object of an id, in this view.
    kept_visible: HashMap<String, bool>,
    /// The report that gives an observable, by selector.
    holders: HashMap<String, Option<Holder>>,
    pub taken: Taken,
}

impl<'a> Reader<'a> {
    pub fn new(state: &'a Shared, viewer: &'a Viewer, view: &'a View) -> Reader<'a> {
        let agencies = state.directory.all();
        let began = agencies
            .iter()
            .map(|a| a.created)
            .min()
            .unwrap_or_else(|| extension::PUBLISHED.parse().unwrap_or_default());
        // A peer node is shown the agencies whose data it may be sent: this
        // node's own, not node accounts or other nodes' agencies.
        let peer = viewer
            .member()
            .is_some_and(|m| m.role == access::Role::Peer);
        let mut members: Vec<_> = agencies
            .iter()
            .filter(|a| view.owner().is_none_or(|o| o == a.code))
            .filter(|a| !peer || access::sends(viewer, !state.owned_here(&a.code)))
            .collect();
        // By joining time: a new member's identity comes at the end.
        members.sort_by(|a, b| a.created.cmp(&b.created).then(a.code.cmp(&b.code)));
        let deriver = Deriver::new(
            agencies
                .iter()
                .map(|a| AgencyView {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    country: a.country.clone(),
                    contact: a.contact.clone(),
                    kind: a.kind.clone(),
                    created: a.created,
                })
                .collect(),
        );
        let mut vocabulary = vec![extension::publisher(), extension::definition()];
        vocabulary.extend(
            [
                cordon_core::Tlp::Clear,
                cordon_core::Tlp::Green,
                cordon_core::Tlp::Amber,
                cordon_core::Tlp::AmberStrict,
                cordon_core::Tlp::Red,
            ]
            .into_iter()
            .map(tlp::marking_definition),
        );
        let mut tags: Vec<String> = Taxonomy::get().tags().collect();
        tags.sort();
        vocabulary.extend(tags.iter().map(|t| stix::export::attack_pattern(t)));
        let mut vocabulary: Vec<(String, Value, DateTime<Utc>)> = vocabulary
            .into_iter()
            .map(|o| (o["id"].as_str().unwrap_or_default().to_owned(), o, began))
            .collect();
        vocabulary.extend(members.iter().map(|a| {
            (
                ids::agency_identity(&a.code),
                deriver.agency_identity(&a.code),
                a.created,
            )
        }));
        Reader {
            state,
            viewer,
            view,
            deriver,
            vocabulary,
            kept_by_owner: HashMap::new(),
            kept_visible: HashMap::new(),
            holders: HashMap::new(),
            taken: Taken::new(),
        }
    }

    /// Whether the caller reads data of `owner` under `marking` in this view.
    fn shows(&self, owner: &str, marking: &Marking) -> bool {
        self.view.owner().is_none_or(|o| o == owner)
            && access::sends(self.viewer, !self.state.owned_here(owner))
            && access::sight(self.viewer, Marked::of_marking(owner, marking)) == Sight::Read
    }

    /// Notes a read of `owner`'s data for its audit log.
    fn note(&mut self, owner: &str, report: bool) {
        if self.viewer.member().is_some_and(|m| m.agency == owner) {
            return;
        }
        let e = self.taken.entry(owner.to_owned()).or_default();
        if report {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }

    fn vocabulary_entry(&self, i: usize) -> Option<Entry> {
        self.vocabulary
            .get(i)
            .map(|(_, o, at)| Entry::derived(o.clone(), *at))
    }

    /// Loads whether the agency of each of these reports keeps objects of
    /// its id.
    async fn load_kept(&mut self, reports: &[StoredReport]) -> TaxiiResult<()> {
        let mut ids = Vec::new();
        for r in reports {
            let key = (r.agency.clone(), r.report.id.clone());
            if stix::is_identifier(&r.report.id) && !self.kept_by_owner.contains_key(&key) {
                self.kept_by_owner.insert(key, false);
                ids.push(r.report.id.clone());
            }
        }
        for o in kept_rows(self.state, ids).await? {
            if let Some(kept) = self.kept_by_owner.get_mut(&(o.agency, o.id)) {
                *kept = true;
            }
        }
        Ok(())
    }

    /// Whether a report is represented by its agency's kept objects: it
    /// came from another tool, whose objects the agency keeps under the
    /// report's id, verbatim.
    async fn represented(&mut self, agency: &str, id: &str) -> TaxiiResult<bool> {
        if !stix::is_identifier(id) {
            return Ok(false);
        }
        let key = (agency.to_owned(), id.to_owned());
        if !self.kept_by_owner.contains_key(&key) {
            let kept = kept_rows(self.state, vec![id.to_owned()])
                .await?
                .iter()
                .any(|o| o.agency == agency);
            self.kept_by_owner.insert(key.clone(), kept);
        }
        Ok(self.kept_by_owner[&key])
    }

    /// Whether a report's objects belong to the stream for this caller.
    async fn gives(&mut self, r: &StoredReport) -> TaxiiResult<bool> {
        Ok(self.shows(&r.agency, &r.report.marking)
            && !self.represented(&r.agency, &r.report.id).await?)
    }

    /// For a peer node, a report revision it may not be sent whose earlier
    /// revision it could: the report withdrawn (revoked, no content), so
    /// that the peer withdraws its copy. Nothing for anyone else, or for a
    /// report the peer never could have had.
    async fn withdrawal(&mut self, r: &StoredReport) -> TaxiiResult<Option<Entry>> {
        let peer = self
            .viewer
            .member()
            .is_some_and(|m| m.role == access::Role::Peer);
        if !peer
            || r.revision < 2
            || self.view.owner().is_some_and(|o| o != r.agency)
            || !access::sends(self.viewer, !self.state.owned_here(&r.agency))
            // Only a re-marking withdraws, not a report another tool's
            // kept objects now represent.
            || self.shows(&r.agency, &r.report.marking)
        {
            return Ok(None);
        }
        // Only what the peer could have pulled: an earlier revision it may
        // read that was still current after the peer's account existed; a
        // peer that joined later learns nothing of the report.
        let joined = self
            .viewer
            .member()
            .and_then(|m| self.state.directory.get(&m.agency))
            .map(|a| a.created);
        let mut revisions = self.state.store.revisions(&r.agency, &r.report.id).await?;
        revisions.sort_by_key(|x| x.revision);
        let had = revisions.windows(2).any(|pair| {
            pair[0].revision < r.revision
                && self.shows(&pair[0].agency, &pair[0].report.marking)
                && joined.is_some_and(|j| pair[1].accepted >= j)
        });
        Ok(had.then(|| {
            Entry::derived(
                stix::export::withdrawn_report(
                    &r.agency,
                    &r.report.id,
                    r.report.received,
                    r.accepted,
                ),
                r.accepted,
            )
        }))
    }

    /// Loads whether the caller reads kept objects under the ids of these
    /// reports' observables, in one query per 500.
    async fn load_kept_visible(&mut self, reports: &[StoredReport]) -> TaxiiResult<()> {
        let mut ids = Vec::new();
        for s in reports.iter().flat_map(|r| &r.report.selectors) {
            let id = sco::id(s);
            if !self.kept_visible.contains_key(&id) {
                self.kept_visible.insert(id.clone(), false);
                ids.push(id);
            }
        }
        for o in kept_rows(self.state, ids).await? {
            if self.shows(&o.agency, &o.marking) {
                self.kept_visible.insert(o.id, true);
            }
        }
        Ok(())
    }

    /// Whether the caller reads a kept object with this id, in this view.
    async fn kept_visible(&mut self, id: &str) -> TaxiiResult<bool> {
        if let Some(&v) = self.kept_visible.get(id) {
            return Ok(v);
        }
        let rows = self.state.store.stix_object_versions(id).await?;
        let visible = rows.iter().any(|o| self.shows(&o.agency, &o.marking));
        self.kept_visible.insert(id.to_owned(), visible);
        Ok(visible)
    }

    /// The report that gives the observable of a selector: the first in
    /// the stream that holds it and that the caller reads.
    async fn holder(&mut self, selector: &str) -> TaxiiResult<Option<Holder>> {
        if let Some(h) = self.holders.get(selector) {
            return Ok(h.clone());
        }
        let mut postings = self.state.store.postings(selector).await?;
        postings.sort_by_key(|p| p.seq);
        let mut holder = None;
        for p in postings {
            let shown = self.view.owner().is_none_or(|o| o == p.agency)
                && access::sends(self.viewer, !self.state.owned_here(&p.agency))
                && access::sight(self.viewer, Marked::of_posting(&p)) == Sight::Read;
            if !shown {
                continue;
            }
            // A report of another tool gives no derived observables while
            // its kept objects represent it.
            if self.represented(&p.agency, &p.report_id).await? {
                continue;
            }
            holder = Some((p.seq, p.agency, p.report_id));
            break;
        }
        self.holders.insert(selector.to_owned(), holder.clone());
        Ok(holder)
    }

    /// The objects of one revision that the stream gives with it: its own
    /// (report, observed-data, indicator, …) and, for the current revision,
    /// the observables it is the first to give.
    async fn derive(&mut self, r: &StoredReport, current: bool) -> TaxiiResult<Vec<Entry>> {
        // The vocabulary is given at the start of the stream, not with
        // reports; so is the owner's identity (an agency that joined a
        // moment ago on another replica appears once the directory has it).
        self.deriver.forget_shared();
        for (id, _, _) in &self.vocabulary {
            self.deriver.first(id);
        }
        self.deriver.first(&ids::agency_identity(&r.agency));
        for s in &r.report.selectors {
            let id = sco::id(s);
            let gives = current
                && !self.kept_visible(&id).await?
                && self.holder(s.as_str()).await?.is_some_and(|h| h.0 == r.seq);
            if !gives {
                self.deriver.first(&id);
            }
        }
        Ok(self
            .deriver
            .report(ReportView {
                agency: &r.agency,
                revision: r.revision,
                accepted: r.accepted,
                report: &r.report,
            })
            .into_iter()
            .map(|o| Entry::derived(o, r.accepted))
            .collect())
    }

    /// The entries of a current report revision that pass `m`; older
    /// revisions' versions too when `m` asks for more than the last.
    async fn report_entries(&mut self, r: &StoredReport, m: &Match) -> TaxiiResult<Vec<Entry>> {
        let current = self.derive(r, true).await?;
        if m.versions.only_last() || r.revision == 1 {
            // Each object's newest version is the current revision's; its
            // first is too for a report never revised.
            return Ok(select_versions(current, m));
        }
        let mut all = Vec::new();
        for old in self.state.store.revisions(&r.agency, &r.report.id).await? {
            if old.seq != r.seq && old.revision < r.revision && self.gives(&old).await? {
                all.extend(self.derive(&old, false).await?);
            }
        }
        all.extend(current);
        Ok(select_versions(all, m))
    }

    /// Every version of one object the caller reads in this view, oldest
    /// first: kept, vocabulary or derived (TAXII's get object, versions and
    /// `match[id]`).
    pub async fn lookup(&mut self, id: &str) -> TaxiiResult<Vec<Entry>> {
        let mut entries = Vec::new();
        let mut seen_versions: Vec<String> = Vec::new();
        for o in self.state.store.stix_object_versions(id).await? {
            // Two agencies may keep one version: it is one object.
            if self.shows(&o.agency, &o.marking) && !seen_versions.contains(&o.version) {
                seen_versions.push(o.version.clone());
                self.note(&o.agency, false);
                entries.push(Entry::kept(&o));
            }
        }
        if let Some(i) = self.vocabulary.iter().position(|(v, _, _)| v == id) {
            entries.extend(self.vocabulary_entry(i));
            return Ok(entries);
        }
        let Some((kind, uuid)) = id.split_once("--") else {
            return Ok(entries);
        };
        match kind {
            "report" | "observed-data" | "indicator" | "relationship" | "location"
            | "infrastructure" => {
                let Ok(uuid) = uuid::Uuid::try_parse(uuid) else {
                    return Ok(entries);
                };
                for (agency, report_id) in self.state.store.report_by_stix(uuid).await? {
                    let revisions = self.state.store.revisions(&agency, &report_id).await?;
                    // Older revisions only while the current one is given:
                    // a report its owner re-marked away from the caller is
                    // gone for it, old versions and all, as in the stream.
                    match revisions.iter().max_by_key(|r| r.seq) {
                        Some(current) if self.gives(current).await? => {}
                        _ => continue,
                    }
                    for r in revisions {
                        if !self.gives(&r).await? {
                            continue;
                        }
                        let found: Vec<Entry> = self
                            .derive(&r, false)
                            .await?
                            .into_iter()
                            .filter(|e| e.id == id)
                            .collect();
                        if !found.is_empty() {
                            self.note(&r.agency, true);
                        }
                        entries.extend(found);
                    }
                }
            }
            _ if entries.is_empty() => {
                // An observable, or a person or company named in reports:
                // as the report that gives it in the stream gives it.
                if let Some(text) = self.state.store.selector_by_stix(id).await?
                    && let Some((seq, agency, report_id)) = self.holder(&text).await?
                    && let Some(r) = self.state.store.report(&agency, &report_id).await?
                    && r.seq == seq
                {
                    let found: Vec<Entry> = self
                        .derive(&r, true)
                        .await?
                        .into_iter()
                        .filter(|e| e.id == id)
                        .collect();
                    if !found.is_empty() {
                        self.note(&r.agency, true);
                    }
                    entries.extend(found);
                }
            }
            _ => {}
        }
        entries.sort_by(|a, b| {
            a.version
                .cmp(&b.version)
                .then(a.date_added.cmp(&b.date_added))
        });
        Ok(entries)
    }
}

/// Keeps the versions of each object that `m` asks for, in the order given.
fn select_versions(entries: Vec<Entry>, m: &Match) -> Vec<Entry> {
    let mut bounds: HashMap<String, (String, String)> = HashMap::new();
    for e in &entries {
        let b = bounds
            .entry(e.id.clone())
            .or_insert_with(|| (e.version.clone(), e.version.clone()));
        if e.version < b.0 {
            b.0 = e.version.clone();
        }
        if e.version > b.1 {
            b.1 = e.version.clone();
        }
    }
    entries
        .into_iter()
        .filter(|e| {
            let (first, last) = &bounds[&e.id];
            m.versions.wants(&e.version, first, last) && m.passes(e)
        })
        .collect()
}

/// Every kept row of these ids, whoever owns it.
async fn kept_rows(state: &Shared, ids: Vec<String>) -> TaxiiResult<Vec<StoredStixObject>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(FETCH as usize) {
        let filter = StixFilter {
            ids: chunk.to_vec(),
            types: Vec::new(),
            agency: None,
        };
        let mut after = 0;
        loop {
            let rows = state
                .store
                .stix_objects_after(after, FETCH, &filter)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            let full = rows.len() == FETCH as usize;
            out.extend(rows);
            if !full {
                break;
            }
        }
    }
    Ok(out)
}

/// One page of a collection.
pub struct Page {
    pub entries: Vec<Entry>,
    /// Set when more objects follow; then the cursor to ask with.
    pub next: Option<Cursor>,
}

/// One item of the stream: a vocabulary object, a kept object or a report.
enum Item {
    Vocabulary(usize),
    Kept(StoredStixObject),
    Report(StoredReport),
}

/// Walks the stream of a view from a cursor.
struct Walk {
    at: Cursor,
    reports: VecDeque<StoredReport>,
    kept: VecDeque<StoredStixObject>,
    reports_done: bool,
    kept_done: bool,
    kept_filter: StixFilter,
    /// Of the kept rows fetched, per id: the versions the caller reads
    /// (oldest, newest) and the first row of each version.
    kept_seen: HashMap<String, KeptVersions>,
}

#[derive(Default)]
struct KeptVersions {
    first: String,
    last: String,
    /// (version, seq of its first visible row).
    rows: Vec<(String, i64)>,
}

impl Walk {
    async fn next(&mut self, reader: &mut Reader<'_>) -> TaxiiResult<Option<Item>> {
        if self.at.vocabulary < reader.vocabulary.len() {
            self.at.vocabulary += 1;
            return Ok(Some(Item::Vocabulary(self.at.vocabulary - 1)));
        }
        let state = reader.state;
        if self.reports.is_empty() && !self.reports_done {
            let rows = state.store.reports_after(self.at.report, FETCH).await?;
            self.reports_done = rows.len() < FETCH as usize;
            reader.load_kept(&rows).await?;
            reader.load_kept_visible(&rows).await?;
            self.reports.extend(rows);
        }
        if self.kept.is_empty() && !self.kept_done {
            let rows = state
                .store
                .stix_objects_after(self.at.kept, FETCH, &self.kept_filter)
                .await?;
            self.kept_done = rows.len() < FETCH as usize;
            let ids: Vec<String> = rows
                .iter()
                .filter(|o| !self.kept_seen.contains_key(&o.id))
                .map(|o| o.id.clone())
                .collect();
            let mut all = kept_rows(state, ids).await?;
            all.sort_by(|a, b| a.version.cmp(&b.version).then(a.seq.cmp(&b.seq)));
            for o in all {
                if !reader.shows(&o.agency, &o.marking) {
                    continue;
                }
                let v = self.kept_seen.entry(o.id.clone()).or_default();
                if v.rows.is_empty() {
                    v.first = o.version.clone();
                }
                v.last = o.version.clone();
                if !v.rows.iter().any(|(version, _)| *version == o.version) {
                    v.rows.push((o.version, o.seq));
                }
            }
            self.kept.extend(rows);
        }
        let take_kept = match (self.reports.front(), self.kept.front()) {
            (None, None) => return Ok(None),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (Some(r), Some(k)) => k.added <= r.accepted,
        };
        Ok(Some(if take_kept {
            let o = self.kept.pop_front().expect("front exists");
            self.at.kept = o.seq;
            Item::Kept(o)
        } else {
            let r = self.reports.pop_front().expect("front exists");
            self.at.report = r.seq;
            Item::Report(r)
        }))
    }

    /// The entries of an item that the caller reads and `m` passes.
    async fn entries(
        &self,
        reader: &mut Reader<'_>,
        item: &Item,
        m: &Match,
    ) -> TaxiiResult<Vec<Entry>> {
        Ok(match item {
            // One version each: the first and the last.
            Item::Vocabulary(i) => {
                select_versions(reader.vocabulary_entry(*i).into_iter().collect(), m)
            }
            Item::Kept(o) => {
                let Some(v) = self.kept_seen.get(&o.id) else {
                    return Ok(Vec::new());
                };
                // Only the first visible row of a version is given.
                let first_row = v
                    .rows
                    .iter()
                    .any(|(version, seq)| *version == o.version && *seq == o.seq);
                let e = Entry::kept(o);
                // An unversioned object has one version: its date_added.
                let wanted = if o.version.is_empty() {
                    m.versions.wants(&e.version, &e.version, &e.version)
                } else {
                    m.versions.wants(&o.version, &v.first, &v.last)
                };
                if first_row && reader.shows(&o.agency, &o.marking) && wanted && m.passes(&e) {
                    vec![e]
                } else {
                    Vec::new()
                }
            }
            Item::Report(r) => {
                if reader.gives(r).await? {
                    reader.report_entries(r, m).await?
                } else {
                    reader
                        .withdrawal(r)
                        .await?
                        .into_iter()
                        .filter(|e| m.passes(e))
                        .collect()
                }
            }
        })
    }
}

/// One page of a view's stream from `from` (or from `m.added_after`),
/// at most `limit` objects. `next` is set only when another object the
/// caller reads follows, so that an empty last page never hints at
/// objects it may not read.
pub async fn page(
    reader: &mut Reader<'_>,
    m: &Match,
    from: Option<Cursor>,
    limit: usize,
) -> TaxiiResult<Page> {
    let start = match from {
        Some(c) => c,
        None => start_at(reader, m.added_after).await?,
    };
    let mut walk = Walk {
        at: Cursor { skip: 0, ..start },
        reports: VecDeque::new(),
        kept: VecDeque::new(),
        reports_done: false,
        kept_done: false,
        kept_filter: StixFilter {
            ids: Vec::new(),
            types: m.types.clone(),
            agency: reader.view.owner().map(str::to_owned),
        },
        kept_seen: HashMap::new(),
    };
    let mut page = Page {
        entries: Vec::new(),
        next: None,
    };
    let mut skip = start.skip;
    loop {
        let before = walk.at;
        let Some(item) = walk.next(reader).await? else {
            break;
        };
        let mut entries = walk.entries(reader, &item, m).await?;
        let given = skip.min(entries.len());
        entries.drain(..given);
        skip = 0;
        if entries.is_empty() {
            continue;
        }
        let room = limit - page.entries.len();
        if room == 0 {
            page.next = Some(Cursor {
                skip: given,
                ..before
            });
            break;
        }
        match &item {
            Item::Report(r) => reader.note(&r.agency, true),
            Item::Kept(o) => reader.note(&o.agency, false),
            Item::Vocabulary(_) => {}
        }
        if entries.len() > room {
            entries.truncate(room);
            page.entries.extend(entries);
            page.next = Some(Cursor {
                skip: given + room,
                ..before
            });
            break;
        }
        page.entries.extend(entries);
    }
    Ok(page)
}

/// The cursor at which objects added after `at` may begin: before every
/// report and kept object added after it (less [`MARGIN`]); the objects
/// between it and `at` are left out by the filter.
async fn start_at(reader: &Reader<'_>, at: Option<DateTime<Utc>>) -> TaxiiResult<Cursor> {
    let Some(at) = at else {
        return Ok(Cursor::default());
    };
    let at = at - MARGIN;
    let store = &reader.state.store;
    let newest = store
        .list_reports(&Default::default(), None, 1)
        .await?
        .first()
        .map_or(0, |r| r.seq);
    let report = bisect(
        newest + 1,
        |mid| async move {
            Ok(store
                .reports_after(mid, 1)
                .await?
                .first()
                .map(|r| (r.seq, r.accepted)))
        },
        at,
    )
    .await?;
    let none = StixFilter::default();
    let none = &none;
    let kept = bisect(
        i64::MAX / 4,
        |mid| async move {
            Ok(store
                .stix_objects_after(mid, 1, none)
                .await?
                .first()
                .map(|o| (o.seq, o.added)))
        },
        at,
    )
    .await?;
    Ok(Cursor {
        vocabulary: 0,
        report,
        kept,
        skip: 0,
    })
}

/// The last position below `hi` after which every row was added after
/// `at`, as far as `first_after(mid)` (the first row after `mid`: its seq
/// and time) tells, assuming times follow seqs; never past a row added
/// after `at`.
async fn bisect<F, Fut>(mut hi: i64, first_after: F, at: DateTime<Utc>) -> TaxiiResult<i64>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = TaxiiResult<Option<(i64, DateTime<Utc>)>>>,
{
    let mut lo = 0i64;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match first_after(mid).await? {
            Some((seq, added)) if added <= at => lo = lo.max(seq),
            _ => hi = mid,
        }
        if lo >= hi {
            break;
        }
    }
    Ok(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_pick_first_last_all_and_timestamps() {
        let v = Versions(vec!["first".into(), "2026-01-02T00:00:00Z".into()]);
        assert!(v.wants("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "x"));
        assert!(v.wants("2026-01-02T00:00:00.000Z", "a", "b"));
        assert!(!v.wants("2026-01-03T00:00:00.000Z", "a", "b"));
        assert!(Versions::all().wants("x", "a", "b"));
        assert!(Versions::last().wants("b", "a", "b") && !Versions::last().wants("a", "a", "b"));
    }

    #[tokio::test]
    async fn bisection_never_passes_a_later_row() {
        // Rows at seqs 1..=100 (gaps at multiples of 7), added at minute seq.
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let at_minute = |m: i64| t0 + Duration::minutes(m);
        for cut in [0, 1, 6, 7, 50, 99, 100, 150] {
            let first_after = |mid: i64| async move {
                Ok((mid + 1..=100)
                    .find(|s| s % 7 != 0)
                    .map(|s| (s, at_minute(s))))
            };
            let lo = bisect(101, first_after, at_minute(cut)).await.unwrap();
            assert!(lo <= cut.min(100), "cut {cut}: started after {lo}");
            // Rows after lo that are at or before the cut are few: the
            // bisection got close.
            assert!(cut.min(100) - lo <= 7, "cut {cut}: started at {lo}");
        }
    }
}
