//! Cordon's reports as STIX 2.1 objects, written as one bundle.
//!
//! The [`Exporter`] streams: each report's objects are written as soon as
//! it is given, and an object several reports share (an observable, an
//! agency, an attack-pattern, a marking-definition) is written once, the
//! first time it is needed. A shared observable carries the marking of the
//! first report that names it; any of them is true of it, since each of
//! those reports discloses it to its own readers.
//!
//! What a report's readers may see is decided before the exporter is
//! called: it is given only what the viewer may read (the access rules
//! live in the server).

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use cordon_core::{Report, ReportKind, SelectorKind};
use serde_json::{Value, json};
use uuid::Uuid;

use super::extension::{self, EXTENSION, ReportFields};
use super::{SPEC_VERSION, ids, sco, timestamp, tlp};

/// One revision of a report and who owns it.
#[derive(Debug, Clone, Copy)]
pub struct ReportView<'a> {
    pub agency: &'a str,
    pub revision: u32,
    pub accepted: DateTime<Utc>,
    pub report: &'a Report,
}

/// What the identity of a member agency shows.
#[derive(Debug, Clone)]
pub struct AgencyView {
    pub code: String,
    pub name: String,
    pub country: String,
    /// `police`, `ncb`, `fiu`, …
    pub kind: String,
    pub contact: String,
    pub created: DateTime<Utc>,
}

/// An object of another tool kept verbatim.
#[derive(Debug, Clone)]
pub struct KeptObject {
    pub id: String,
    pub added: DateTime<Utc>,
    pub json: String,
}

/// Admiralty credibility as STIX confidence (STIX 2.1 Appendix B, the
/// Admiralty Credibility scale); 6, "cannot be judged", has no value.
pub fn confidence(credibility: u8) -> Option<u8> {
    match credibility {
        1 => Some(90),
        2 => Some(70),
        3 => Some(50),
        4 => Some(30),
        5 => Some(10),
        _ => None,
    }
}

/// Derives the objects of report revisions, each object several reports
/// share (observables, agencies, attack-patterns, markings) only the first
/// time it is needed.
#[derive(Debug)]
pub struct Deriver {
    /// Shared objects already given, by type and UUID.
    shared: HashSet<(String, u128)>,
    agencies: HashMap<String, AgencyView>,
}

/// Writes a bundle of objects, one at a time.
#[derive(Debug)]
pub struct Exporter<W: Write> {
    out: W,
    written: u64,
    deriver: Deriver,
    /// Objects of other tools written, by id: when each was added.
    kept: HashMap<String, DateTime<Utc>>,
}

impl<W: Write> Exporter<W> {
    /// Starts a bundle. `agencies` are the owners the reports may name.
    pub fn new(mut out: W, agencies: Vec<AgencyView>) -> io::Result<Self> {
        write!(
            out,
            "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[",
            Uuid::new_v4()
        )?;
        Ok(Exporter {
            out,
            written: 0,
            deriver: Deriver::new(agencies),
            kept: HashMap::new(),
        })
    }

    /// How many objects have been written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes an object of another tool exactly as it was received. Give
    /// every kept object before the reports, so that a report imported
    /// from another tool is represented by its kept objects rather than
    /// by a copy Cordon derives.
    pub fn kept(&mut self, object: &KeptObject) -> io::Result<()> {
        self.kept
            .entry(object.id.clone())
            .and_modify(|at| *at = (*at).max(object.added))
            .or_insert(object.added);
        // An observable of another tool and the same observable derived
        // from a report share a deterministic id: write it once.
        self.deriver.first(&object.id);
        self.raw(&object.json)
    }

    /// Writes the objects of one report revision. A report that came from
    /// another tool and has not been revised in Cordon since is skipped:
    /// its kept objects already say everything, verbatim.
    pub fn report(&mut self, view: ReportView<'_>) -> io::Result<()> {
        if self
            .kept
            .get(&view.report.id)
            .is_some_and(|added| *added >= view.accepted)
        {
            return Ok(());
        }
        let objects = self.deriver.report(view);
        for o in objects {
            self.value(&o)?;
        }
        Ok(())
    }

    /// Closes the bundle and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"]}")?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn raw(&mut self, json: &str) -> io::Result<()> {
        if self.written > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(json.as_bytes())?;
        self.written += 1;
        Ok(())
    }

    fn value(&mut self, object: &Value) -> io::Result<()> {
        if self.written > 0 {
            self.out.write_all(b",")?;
        }
        serde_json::to_writer(&mut self.out, object)?;
        self.written += 1;
        Ok(())
    }
}

impl Deriver {
    /// `agencies` are the owners the reports may name.
    pub fn new(agencies: Vec<AgencyView>) -> Self {
        Deriver {
            shared: HashSet::new(),
            agencies: agencies.into_iter().map(|a| (a.code.clone(), a)).collect(),
        }
    }

    /// Forgets which shared objects were given: the next report brings its
    /// own again (a new page of a TAXII collection).
    pub fn forget_shared(&mut self) {
        self.shared.clear();
    }

    /// Whether a shared object still has to be given (and notes it as
    /// given).
    pub fn first(&mut self, id: &str) -> bool {
        let (kind, uuid) = id.split_once("--").unwrap_or((id, ""));
        let key = Uuid::try_parse(uuid).map_or(0, |u| u.as_u128());
        self.shared.insert((kind.to_owned(), key))
    }

    /// Every object one report revision needs that was not given yet.
    pub fn report(&mut self, view: ReportView<'_>) -> Vec<Value> {
        let report = view.report;
        let mut out = Vec::new();
        let tlp_ref = tlp::marking_id(report.marking.tlp);
        if self.first(extension::EXTENSION) {
            out.push(extension::publisher());
            out.push(extension::definition());
            self.first(extension::PUBLISHER);
        }
        if self.first(tlp_ref) {
            out.push(tlp::marking_definition(report.marking.tlp));
        }
        let owner = ids::agency_identity(view.agency);
        if self.first(&owner) {
            out.push(self.agency_identity(view.agency));
        }

        let uuid = ids::report_uuid(view.agency, &report.id);
        let received = report.received.unwrap_or(view.accepted);
        let created = timestamp(received.min(view.accepted));
        let modified = timestamp(view.accepted);
        let markings = json!([tlp_ref]);
        let common = |kind: &str| {
            json!({
                "type": kind,
                "spec_version": SPEC_VERSION,
                "id": format!("{kind}--{uuid}"),
                "created_by_ref": owner,
                "created": created,
                "modified": modified,
                "object_marking_refs": markings,
                "extensions": { EXTENSION: extension::marker(false) },
            })
        };

        let mut refs: Vec<String> = Vec::new();
        let mut observables = Vec::new();
        let mut patterns = Vec::new();
        for s in &report.selectors {
            let id = sco::id(s);
            if self.first(&id) {
                out.push(sco::object(s, tlp_ref));
            }
            if !matches!(s.kind(), SelectorKind::Name | SelectorKind::Company) {
                observables.push(id.clone());
            }
            if let Some(p) = sco::pattern(s) {
                patterns.push(p);
            }
            refs.push(id);
        }
        if !observables.is_empty() {
            let mut o = common("observed-data");
            o["first_observed"] = json!(timestamp(received));
            o["last_observed"] = json!(timestamp(received));
            o["number_observed"] = json!(1);
            o["object_refs"] = json!(observables);
            refs.push(o["id"].as_str().unwrap_or_default().to_owned());
            out.push(o);
        }
        if !patterns.is_empty() {
            let mut o = common("indicator");
            o["name"] = json!(format!(
                "selectors of {} {}/{}",
                report.kind, view.agency, report.id
            ));
            o["description"] = json!(format!(
                "Matches the {} exact selectors this report names.",
                patterns.len()
            ));
            o["indicator_types"] = json!(["malicious-activity"]);
            o["pattern"] = json!(patterns.join(" OR "));
            o["pattern_type"] = json!("stix");
            o["pattern_version"] = json!(SPEC_VERSION);
            o["valid_from"] = json!(timestamp(received));
            let indicator = o["id"].as_str().unwrap_or_default().to_owned();
            refs.push(indicator.clone());
            // A report derives at most one relationship, `relationship--U`
            // like its other objects: a compound's infrastructure located
            // at its place, else the indicator based on the observations.
            let compound = report.kind == ReportKind::CompoundIntel && report.location.is_some();
            if !observables.is_empty() && !compound {
                let observed = format!("observed-data--{uuid}");
                let mut r = common("relationship");
                r["relationship_type"] = json!("based-on");
                r["source_ref"] = json!(indicator);
                r["target_ref"] = json!(observed);
                refs.push(r["id"].as_str().unwrap_or_default().to_owned());
                out.push(o);
                out.push(r);
            } else {
                out.push(o);
            }
        }
        for tag in &report.mo {
            let id = ids::attack_pattern(tag);
            if self.first(&id) {
                out.push(attack_pattern(tag));
            }
            refs.push(id);
        }
        if let Some(loc) = &report.location {
            let mut o = common("location");
            o["latitude"] = json!(loc.lat);
            o["longitude"] = json!(loc.lon);
            if let Some(place) = &loc.place {
                o["name"] = json!(place);
            }
            let location = o["id"].as_str().unwrap_or_default().to_owned();
            refs.push(location.clone());
            out.push(o);
            if report.kind == ReportKind::CompoundIntel {
                // A compound is where the scam is run from: infrastructure
                // located at the reported place.
                let mut i = common("infrastructure");
                i["name"] = json!(match &loc.place {
                    Some(p) => format!("compound at {p}"),
                    None => format!("compound at {:.5}, {:.5}", loc.lat, loc.lon),
                });
                i["infrastructure_types"] = json!(["unknown"]);
                let infrastructure = i["id"].as_str().unwrap_or_default().to_owned();
                let mut r = common("relationship");
                r["relationship_type"] = json!("located-at");
                r["source_ref"] = json!(infrastructure);
                r["target_ref"] = json!(location);
                refs.push(infrastructure);
                refs.push(r["id"].as_str().unwrap_or_default().to_owned());
                out.push(i);
                out.push(r);
            }
        }
        if refs.is_empty() {
            // A report must reference something: a narrative-only report
            // references its author.
            refs.push(owner.clone());
        }

        let mut o = common("report");
        o["name"] = json!(format!("{} {}/{}", report.kind, view.agency, report.id));
        if let Some(n) = &report.narrative {
            o["description"] = json!(n);
        }
        o["report_types"] = json!(["threat-report"]);
        o["labels"] = json!([report.kind.as_str()]);
        o["published"] = json!(timestamp(received));
        o["object_refs"] = json!(refs);
        if let Some(lang) = &report.language {
            o["lang"] = json!(lang);
        }
        if let Some(g) = report.grading
            && let Some(c) = confidence(g.credibility())
        {
            o["confidence"] = json!(c);
        }
        let fields = ReportFields {
            extension_type: "property-extension".into(),
            report_id: report.id.clone(),
            agency: view.agency.to_owned(),
            revision: view.revision,
            kind: report.kind.as_str().to_owned(),
            country: report.country.clone(),
            language: report.language.clone(),
            received: report.received.map(timestamp),
            grading: report.grading.map(|g| g.to_string()),
            mo: report.mo.clone(),
            losses: report.losses.clone(),
            location: report.location.clone(),
            recipients: report.marking.recipients.clone(),
            hit_notification: report.marking.hit_notification,
            selectors: report
                .selectors
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        };
        o["extensions"][EXTENSION] =
            serde_json::to_value(fields).expect("report fields always serialise");
        out.push(o);
        out
    }

    /// The identity object of a member agency.
    pub fn agency_identity(&self, code: &str) -> Value {
        let mut o = json!({
            "type": "identity",
            "spec_version": SPEC_VERSION,
            "id": ids::agency_identity(code),
            "name": code,
            "identity_class": "organization",
            "sectors": ["government-national"],
            "created": extension::PUBLISHED,
            "modified": extension::PUBLISHED,
            "extensions": { EXTENSION: extension::marker(false) },
        });
        if let Some(a) = self.agencies.get(code) {
            o["name"] = json!(a.name);
            o["description"] = json!(format!(
                "{} ({}, {}, {})",
                a.code, a.name, a.country, a.kind
            ));
            o["contact_information"] = json!(a.contact);
            o["created"] = json!(timestamp(a.created));
            o["modified"] = json!(timestamp(a.created));
        }
        o
    }
}

/// The last version of a report its owner withdrew from a reader that had
/// it (re-marked beyond that reader's reach): the report's id, revoked
/// (STIX 2.1 §3.6), and nothing of its content. A federated peer's sync
/// withdraws its copy on seeing one.
pub fn withdrawn_report(
    agency: &str,
    report_id: &str,
    received: Option<DateTime<Utc>>,
    accepted: DateTime<Utc>,
) -> Value {
    let owner = ids::agency_identity(agency);
    json!({
        "type": "report",
        "spec_version": SPEC_VERSION,
        "id": format!("report--{}", ids::report_uuid(agency, report_id)),
        "created_by_ref": owner,
        "created": timestamp(received.unwrap_or(accepted).min(accepted)),
        "modified": timestamp(accepted),
        "revoked": true,
        "name": "withdrawn by its owner",
        "report_types": ["threat-report"],
        "published": timestamp(accepted),
        "object_refs": [owner],
    })
}

/// A member agency as its identity object shows it
/// ([`Deriver::agency_identity`]): how a federated node learns the agencies
/// whose reports a peer sends. `None` for any other object.
pub fn agency_of_identity(object: &Value) -> Option<AgencyView> {
    if object.get("type")?.as_str()? != "identity" || !extension::is_cordon(object) {
        return None;
    }
    // "CODE (name, country, kind)": the name may hold commas, the rest not.
    let description = object.get("description")?.as_str()?;
    let (code, rest) = description.split_once(" (")?;
    let rest = rest.strip_suffix(')')?;
    let (rest, kind) = rest.rsplit_once(", ")?;
    let (_, country) = rest.rsplit_once(", ")?;
    if object.get("id")?.as_str()? != ids::agency_identity(code) {
        return None;
    }
    let created = object
        .get("created")?
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())?
        .with_timezone(&Utc);
    Some(AgencyView {
        code: code.to_owned(),
        name: object.get("name")?.as_str()?.to_owned(),
        country: country.to_owned(),
        kind: kind.to_owned(),
        contact: object
            .get("contact_information")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        created,
    })
}

/// The attack-pattern of a modus-operandi tag: shared vocabulary, published
/// by Cordon, unmarked.
pub fn attack_pattern(tag: &str) -> Value {
    json!({
        "type": "attack-pattern",
        "spec_version": SPEC_VERSION,
        "id": ids::attack_pattern(tag),
        "created_by_ref": extension::PUBLISHER,
        "created": extension::PUBLISHED,
        "modified": extension::PUBLISHED,
        "name": tag,
        "description": format!("Cordon modus-operandi tag '{tag}'"),
        "external_references": [{ "source_name": "cordon-mo", "external_id": tag }],
        "extensions": { EXTENSION: extension::marker(false) },
    })
}
