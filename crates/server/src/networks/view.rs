//! What a viewer sees of networks and compounds: the one place where the
//! analysis, which reads everything, meets the access rules.
//!
//! Each report is judged by [`access::sight`]. A network shows only the
//! reports its viewer may read, and everything it says — evidence and its
//! strength, profile, perpetrators, compounds, counts — is computed from
//! those reports alone. Reports the viewer may only learn of appear as the
//! holders to contact ("other agencies hold linked intelligence"), never
//! as counts or content; hidden reports do not appear at all. A network
//! none of whose reports the viewer may read or learn of does not exist
//! for it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, TimeZone, Utc};
use cordon_analysis::compounds::{self, Located};
use cordon_analysis::networks::Evidence;
use cordon_analysis::perpetrators::{self, Role};
use cordon_analysis::profile::{self, Trend};
use cordon_core::{ReportKind, Tlp};
use serde::Serialize;
use utoipa::ToSchema;

use super::casebook::{Casebook, NoticeContent, StatusChange};
use super::model::Model;
use crate::access::{Sight, Viewer, sight};
use crate::directory::Directory;

/// Most reports a network view lists (the counts cover all readable ones).
const LISTED: usize = 500;
/// Most evidence selectors a network view lists.
const EVIDENCE: usize = 200;

/// A report the viewer may read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub agency: String,
    pub report_id: String,
    pub kind: ReportKind,
    #[schema(value_type = String, example = "green")]
    pub tlp: Tlp,
    pub received: DateTime<Utc>,
}

/// A key that links the network's readable reports.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceItem {
    /// The canonical selector, or `site:<h3 cell>` for a place.
    pub selector: String,
    /// `selector` links reports; `name` only strengthens a link; `site`
    /// links unless several networks operate there.
    pub evidence: &'static str,
    /// Readable reports of the network naming it.
    pub reports: usize,
    /// How strongly it binds, as far as you can see: `1 / ln(1 + d)` for a
    /// key in `d` readable reports (0 for names and shared keys).
    pub strength: f64,
    /// Shared infrastructure (an exchange, a host): flagged by the
    /// analysis and not used to link.
    pub shared: bool,
}

/// An agency holding linked reports the viewer may not read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkedHolder {
    pub agency: String,
    pub country: String,
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Linked {
    pub message: String,
    pub holders: Vec<LinkedHolder>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileView {
    pub reports: usize,
    /// Tags by family (`scam`, `channel`, `recruit`, `pay`, …), with counts.
    pub families: BTreeMap<String, Vec<(String, usize)>>,
    pub countries: Vec<(String, usize)>,
    pub languages: Vec<(String, usize)>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// `rising`, `steady`, `falling` or `unknown`.
    pub trend: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerpetratorView {
    pub selector: String,
    /// `recruiter`, `handler` or `money_mover`.
    pub role: &'static str,
    pub reports: usize,
    pub centrality: f64,
}

/// A network as one viewer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkView {
    pub id: String,
    /// Set when asked by an id that was merged into this network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<String>,
    /// Readable reports in the network.
    pub readable: usize,
    /// The first of them (at most 500), newest first.
    pub reports: Vec<Member>,
    pub evidence: Vec<EvidenceItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<Linked>,
    pub profile: ProfileView,
    pub perpetrators: Vec<PerpetratorView>,
    /// Sites of compounds its readable reports locate.
    pub compounds: Vec<String>,
    /// When the grouping was last recomputed (reports since joined live).
    pub computed: DateTime<Utc>,
}

/// What a viewer may know of a network.
#[derive(Debug, Clone)]
pub enum Seen {
    Network(Box<NetworkView>),
    /// It may read none of its reports but learn of some: whom to contact.
    Restricted {
        id: String,
        linked: Linked,
    },
    /// Nothing: no such network, as far as it may know.
    Nothing,
}

/// The owners other than the viewer whose reports a view touched, for the
/// audit log.
pub type Touched = BTreeSet<String>;

/// The readable reports among `rows`, those the viewer may only learn of
/// (by owner), and the owners touched.
fn judge(model: &Model, viewer: &Viewer, rows: &[u32]) -> (Vec<u32>, BTreeSet<String>, Touched) {
    let own = viewer.member().map(|m| m.agency.as_str());
    let (mut readable, mut contact, mut touched) = (Vec::new(), BTreeSet::new(), Touched::new());
    for &row in rows {
        let held = &model.held[row as usize];
        if Some(held.agency.as_str()) != own {
            touched.insert(held.agency.clone());
        }
        match sight(viewer, held.marked()) {
            Sight::Read => readable.push(row),
            Sight::Contact => {
                contact.insert(held.agency.clone());
            }
            Sight::Hidden => {}
        }
    }
    (readable, contact, touched)
}

fn linked(holders: BTreeSet<String>, directory: &Directory) -> Option<Linked> {
    if holders.is_empty() {
        return None;
    }
    let holders: Vec<LinkedHolder> = holders
        .into_iter()
        .map(|agency| {
            let (country, contact) = directory.contact(&agency);
            LinkedHolder {
                agency,
                country,
                contact,
            }
        })
        .collect();
    let names: Vec<String> = holders
        .iter()
        .map(|h| format!("{} ({})", h.agency, h.contact))
        .collect();
    Some(Linked {
        message: format!(
            "other agencies hold linked intelligence; contact {}",
            names.join(", ")
        ),
        holders,
    })
}

/// A network by id (or an id merged into it).
pub fn network(model: &Model, viewer: &Viewer, directory: &Directory, id: &str) -> (Seen, Touched) {
    let Some((n, current)) = model.network(id) else {
        return (Seen::Nothing, Touched::new());
    };
    let rows = model.members_of(n);
    let (readable, contact, touched) = judge(model, viewer, &rows);
    if readable.is_empty() {
        let seen = match linked(contact, directory) {
            Some(linked) => Seen::Restricted {
                id: current.to_owned(),
                linked,
            },
            None => Seen::Nothing,
        };
        return (seen, touched);
    }
    let view = NetworkView {
        id: current.to_owned(),
        merged_from: (current != id).then(|| id.to_owned()),
        readable: readable.len(),
        reports: members(model, &readable),
        evidence: evidence(model, viewer, &readable),
        linked: linked(contact, directory),
        profile: profile_of(model, &readable),
        perpetrators: perpetrators_of(model, &readable),
        compounds: compounds::compounds(
            &model.corpus.located(readable.iter().copied()),
            model.live.of_report(),
            2,
        )
        .iter()
        .map(|c| c.site.to_string())
        .collect(),
        computed: model.computed,
    };
    (Seen::Network(Box::new(view)), touched)
}

/// Whether the viewer may know of a network at all: it may read one of its
/// reports or learn of one.
pub fn knows(model: &Model, viewer: &Viewer, id: &str) -> bool {
    let Some((n, _)) = model.network(id) else {
        return false;
    };
    model
        .members_of(n)
        .iter()
        .any(|&r| sight(viewer, model.held[r as usize].marked()) != Sight::Hidden)
}

/// The status changes a viewer may see: a contributor reads its own
/// agency's data only, so only its agency's entries.
pub fn visible_statuses(viewer: &Viewer, all: &[StatusChange]) -> Vec<StatusChange> {
    match viewer.member() {
        Some(m) if m.role == crate::access::Role::Contributor => all
            .iter()
            .filter(|s| s.by.agency == m.agency)
            .cloned()
            .collect(),
        Some(_) => all.to_vec(),
        None => Vec::new(),
    }
}

/// The network of a report, when the viewer may read the report: `None`
/// when it may not (or the report is unknown), `Some(None)` when the
/// report is in no network.
pub fn network_of_readable(
    model: &Model,
    viewer: &Viewer,
    agency: &str,
    report: &str,
) -> Option<Option<String>> {
    let row = model.row(agency, report)?;
    if sight(viewer, model.held[row as usize].marked()) != Sight::Read {
        return None;
    }
    Some(network_of_report(model, agency, report))
}

/// The network of a report, whoever may read it (callers check).
pub fn network_of_report(model: &Model, agency: &str, report: &str) -> Option<String> {
    let row = model.row(agency, report)?;
    model.id_of(model.network_of(row)?).map(str::to_owned)
}

/// The reports named that the viewer may read.
pub fn readable_reports(model: &Model, viewer: &Viewer, refs: &[(String, String)]) -> Vec<Member> {
    let rows: Vec<u32> = refs
        .iter()
        .filter_map(|(agency, id)| model.row(agency, id))
        .filter(|&r| sight(viewer, model.held[r as usize].marked()) == Sight::Read)
        .collect();
    members(model, &rows)
}

fn members(model: &Model, rows: &[u32]) -> Vec<Member> {
    let mut listed: Vec<Member> = rows
        .iter()
        .map(|&row| {
            let h = &model.held[row as usize];
            Member {
                agency: h.agency.clone(),
                report_id: h.id.clone(),
                kind: h.kind,
                tlp: h.tlp,
                received: h.received,
            }
        })
        .collect();
    listed.sort_by(|a, b| {
        b.received
            .cmp(&a.received)
            .then(a.report_id.cmp(&b.report_id))
    });
    listed.truncate(LISTED);
    listed
}

/// The keys two readable reports or more name, strongest first.
fn evidence(model: &Model, viewer: &Viewer, readable: &[u32]) -> Vec<EvidenceItem> {
    let mut named: HashMap<u32, usize> = HashMap::new();
    for &row in readable {
        for &key in &model.corpus.named()[row as usize] {
            *named.entry(key).or_default() += 1;
        }
    }
    let mut items: Vec<EvidenceItem> = named
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(key, reports)| {
            let k = model.corpus.key(key);
            let shared = model.live.is_shared(key);
            let seen = model
                .live
                .postings(key)
                .iter()
                .filter(|&&r| sight(viewer, model.held[r as usize].marked()) == Sight::Read)
                .count();
            let strength = if shared || k.evidence == Evidence::Fuzzy {
                0.0
            } else {
                1.0 / (1.0 + seen as f64).ln()
            };
            EvidenceItem {
                selector: k.text.clone(),
                evidence: match k.evidence {
                    Evidence::Selector => "selector",
                    Evidence::Fuzzy => "name",
                    Evidence::Place => "site",
                },
                reports,
                strength,
                shared,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        b.reports
            .cmp(&a.reports)
            .then(b.strength.total_cmp(&a.strength))
            .then(a.selector.cmp(&b.selector))
    });
    items.truncate(EVIDENCE);
    items
}

fn day(d: Option<i64>) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(d? * 86_400, 0).single()
}

pub fn profile_of(model: &Model, rows: &[u32]) -> ProfileView {
    let p = profile::profile(rows.iter().map(|&r| model.corpus.facts(r)));
    ProfileView {
        reports: p.reports,
        families: p.families,
        countries: p.countries,
        languages: p.languages,
        first_seen: day(p.first_day),
        last_seen: day(p.last_day),
        trend: match p.trend {
            Trend::Rising => "rising",
            Trend::Steady => "steady",
            Trend::Falling => "falling",
            Trend::Unknown => "unknown",
        }
        .to_owned(),
    }
}

fn perpetrators_of(model: &Model, rows: &[u32]) -> Vec<PerpetratorView> {
    let (holders, sides) = (model.corpus.holders(), model.corpus.sides());
    perpetrators::perpetrators(rows, model.corpus.named(), &holders, &sides, 10)
        .into_iter()
        .map(|p| PerpetratorView {
            selector: model.corpus.key(p.selector).text.clone(),
            role: match p.role {
                Role::Recruiter => "recruiter",
                Role::Handler => "handler",
                Role::MoneyMover => "money_mover",
            },
            reports: p.reports,
            centrality: p.centrality,
        })
        .collect()
}

/// A network in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkSummary {
    pub id: String,
    /// Readable reports in it.
    pub readable: usize,
    /// Agencies holding linked reports you may not read.
    pub linked_holders: usize,
    pub last_seen: DateTime<Utc>,
    /// Its most given scam types among the readable reports.
    pub scams: Vec<String>,
}

/// The networks the viewer may read a report of, most readable first.
pub fn list(model: &Model, viewer: &Viewer, limit: usize) -> (Vec<NetworkSummary>, usize) {
    let members = model.members();
    let mut out = Vec::new();
    for (n, rows) in &members {
        let Some(id) = model.id_of(*n) else { continue };
        let (readable, contact, _) = judge(model, viewer, rows);
        if readable.is_empty() {
            continue;
        }
        let mut scams: BTreeMap<&str, usize> = BTreeMap::new();
        for &r in &readable {
            for tag in &model.corpus.row(r).mo {
                // Scam types are the bare tags (`investment`).
                if !tag.contains(':') {
                    *scams.entry(tag.as_str()).or_default() += 1;
                }
            }
        }
        let mut scams: Vec<(&str, usize)> = scams.into_iter().collect();
        scams.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
        out.push(NetworkSummary {
            id: id.to_owned(),
            readable: readable.len(),
            linked_holders: contact.len(),
            last_seen: readable
                .iter()
                .map(|&r| model.held[r as usize].received)
                .max()
                .unwrap_or_default(),
            scams: scams
                .into_iter()
                .take(3)
                .map(|(s, _)| s.to_owned())
                .collect(),
        });
    }
    out.sort_by(|a, b| b.readable.cmp(&a.readable).then(a.id.cmp(&b.id)));
    let total = out.len();
    out.truncate(limit);
    (out, total)
}

/// A compound as one viewer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompoundView {
    /// The H3 cell (resolution 9) of the site.
    pub site: String,
    pub lat: f64,
    pub lon: f64,
    /// Place names its readable reports give, most given first.
    pub places: Vec<(String, usize)>,
    /// The nearest place in the gazetteer, and how far it is (km).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near: Option<(String, String, f64)>,
    /// Readable reports locating it.
    pub readable: usize,
    /// Networks of those reports, with how many of them.
    pub networks: Vec<(String, usize)>,
    /// The latest status agencies gave it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A compound with its evidence and status history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompoundDetail {
    #[serde(flatten)]
    pub compound: CompoundView,
    pub reports: Vec<Member>,
    pub history: Vec<StatusChange>,
}

/// Compounds located by two readable reports or more.
pub fn compounds(model: &Model, casebook: &Casebook, viewer: &Viewer) -> Vec<CompoundView> {
    let located = readable_located(model, viewer);
    compounds::compounds(&located, model.live.of_report(), 2)
        .into_iter()
        .map(|c| compound_view(model, casebook, viewer, c))
        .collect()
}

/// One compound by its site.
pub fn compound(
    model: &Model,
    casebook: &Casebook,
    viewer: &Viewer,
    site: &str,
) -> Option<CompoundDetail> {
    let located: Vec<Located> = readable_located(model, viewer)
        .into_iter()
        .filter(|l| {
            cordon_analysis::places::site(l.lat, l.lon).is_some_and(|s| s.to_string() == site)
        })
        .collect();
    let found = compounds::compounds(&located, model.live.of_report(), 2)
        .into_iter()
        .next()?;
    let reports = members(model, &found.reports);
    Some(CompoundDetail {
        history: visible_statuses(viewer, casebook.statuses(site)),
        compound: compound_view(model, casebook, viewer, found),
        reports,
    })
}

fn readable_located(model: &Model, viewer: &Viewer) -> Vec<Located> {
    let rows = (0..model.corpus.len() as u32).filter(|&r| {
        model.corpus.row(r).location.is_some()
            && sight(viewer, model.held[r as usize].marked()) == Sight::Read
    });
    model.corpus.located(rows)
}

fn compound_view(
    model: &Model,
    casebook: &Casebook,
    viewer: &Viewer,
    c: compounds::Compound,
) -> CompoundView {
    let site = c.site.to_string();
    let near = cordon_analysis::gazetteer::Gazetteer::shipped()
        .nearest(c.lat, c.lon, 25.0)
        .map(|(p, km)| {
            (
                p.name.clone(),
                p.country.clone(),
                (km * 10.0).round() / 10.0,
            )
        });
    CompoundView {
        status: visible_statuses(viewer, casebook.statuses(&site))
            .last()
            .map(|s| s.status.as_str().to_owned()),
        lat: c.lat,
        lon: c.lon,
        places: c.places,
        near,
        readable: c.reports.len(),
        networks: c
            .networks
            .iter()
            .filter_map(|(n, count)| Some((model.id_of(*n)?.to_owned(), *count)))
            .collect(),
        site,
    }
}

/// Whether every report a notice was drawn from is still marked no
/// tighter than the notice (a report re-marked since its draft holds the
/// notice back); the first that is not, if any.
pub fn tightened_source(model: &Model, sources: &[(String, String)], tlp: Tlp) -> Option<String> {
    sources.iter().find_map(|(agency, id)| {
        let row = model.row(agency, id)?;
        (model.held[row as usize].tlp > tlp).then(|| format!("{agency}/{id}"))
    })
}

/// What a notice drafted by `author` from a network may carry: the
/// network's reports that the author may read and everyone the notice
/// reaches may read too. A notice is TLP:CLEAR or TLP:GREEN and carries
/// reports marked no tighter than itself, the author's own included (an
/// agency's AMBER report is not made GREEN by a notice).
pub fn notice_content(
    model: &Model,
    author: &Viewer,
    network: u32,
    tlp: Tlp,
) -> (NoticeContent, Vec<(String, String)>) {
    let rows: Vec<u32> = model
        .members_of(network)
        .into_iter()
        .filter(|&r| {
            let held = &model.held[r as usize];
            held.tlp <= tlp && sight(author, held.marked()) == Sight::Read
        })
        .collect();
    let p = profile_of(model, &rows);
    // Tags as reports give them: scam types bare, the others `family:code`.
    let mut mo: Vec<(String, usize)> = p
        .families
        .into_iter()
        .flat_map(|(family, codes)| {
            codes.into_iter().map(move |(code, n)| {
                if family == "scam" {
                    (code, n)
                } else {
                    (format!("{family}:{code}"), n)
                }
            })
        })
        .collect();
    mo.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut indicators: Vec<String> = perpetrators_of(model, &rows)
        .into_iter()
        .map(|p| p.selector)
        .collect();
    indicators.sort();
    let sources = rows
        .iter()
        .map(|&r| {
            let h = &model.held[r as usize];
            (h.agency.clone(), h.id.clone())
        })
        .collect();
    let content = NoticeContent {
        reports: rows.len(),
        mo,
        countries: p.countries,
        languages: p.languages,
        first_seen: p.first_seen,
        last_seen: p.last_seen,
        indicators,
    };
    (content, sources)
}

/// A network's readable reports and evidence as a graph: an edge joins a
/// report and a key it names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkGraph {
    pub id: String,
    pub reports: Vec<Member>,
    pub selectors: Vec<EvidenceItem>,
    /// (index into `reports`, index into `selectors`).
    pub edges: Vec<(usize, usize)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<Linked>,
}

pub fn graph(
    model: &Model,
    viewer: &Viewer,
    directory: &Directory,
    id: &str,
) -> (Option<NetworkGraph>, Touched) {
    let (seen, touched) = network(model, viewer, directory, id);
    let Seen::Network(view) = seen else {
        return (None, touched);
    };
    let view = *view;
    let index: HashMap<&str, usize> = view
        .evidence
        .iter()
        .enumerate()
        .map(|(i, e)| (e.selector.as_str(), i))
        .collect();
    let mut edges = Vec::new();
    for (i, m) in view.reports.iter().enumerate() {
        let Some(row) = model.row(&m.agency, &m.report_id) else {
            continue;
        };
        for &key in &model.corpus.named()[row as usize] {
            if let Some(&s) = index.get(model.corpus.key(key).text.as_str()) {
                edges.push((i, s));
            }
        }
    }
    let graph = NetworkGraph {
        id: view.id,
        reports: view.reports,
        selectors: view.evidence,
        edges,
        linked: view.linked,
    };
    (Some(graph), touched)
}
