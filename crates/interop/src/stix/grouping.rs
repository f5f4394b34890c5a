//! An operation as one STIX 2.1 bundle whose centre is a `grouping`
//! (context `suspicious-activity`): what a joint operation of agencies is
//! after, for its parties' own tools.
//!
//! The bundle holds the grouping and everything it refers to: the lead's
//! and the participants' `identity`, the TLP `marking-definition`, one
//! `indicator` per selector target STIX can match, one `threat-actor`
//! (crime syndicate) per network target, and per compound target an
//! `infrastructure` `located-at` the site's centre (`location`). The shared
//! log becomes `note`s about the grouping, each by its writer's agency.
//! Tasks stay in Cordon: STIX has no object for them.
//!
//! Identifiers are derived, never random: the operation's UUID in Cordon's
//! namespace, as a notice's is, each owned object's under that, and the
//! bundle's from the operation and its `modified`, so that exporting an
//! unchanged operation twice gives the same bytes and a changed one updates
//! the receiver's objects instead of duplicating them.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use cordon_core::{Selector, SelectorError, Tlp};
use serde_json::{Value, json};
use uuid::Uuid;

use super::export::{AgencyView, Deriver};
use super::{SPEC_VERSION, extension, ids, sco, timestamp, tlp};

/// The owner under which an operation's UUID is derived: agency codes are
/// `CC-NAME`, so no agency's report can share it.
const OPERATION_OWNER: &str = "operation";

/// A compound target: its site's cell and the cell's centre.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundSite {
    pub cell: String,
    pub lat: f64,
    pub lon: f64,
}

/// An entry of the shared log.
#[derive(Debug, Clone, Copy)]
pub struct LogNote<'a> {
    pub at: DateTime<Utc>,
    /// The writer's agency code.
    pub author: &'a str,
    pub user: &'a str,
    pub text: &'a str,
}

/// What an operation holds, as the server reads it.
#[derive(Debug, Clone)]
pub struct GroupingView<'a> {
    /// The operation id (`OP-1a2b3c4d5e6f`), stable.
    pub id: &'a str,
    pub name: &'a str,
    pub summary: &'a str,
    /// The lead agency's code.
    pub lead: &'a str,
    pub participants: &'a [String],
    pub tlp: Tlp,
    /// `planned`, `active` or `closed`.
    pub state: &'a str,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    /// Canonical selectors (`phone:+85512345678`).
    pub selectors: &'a [String],
    /// Network ids (`N-0a1b2c3d4e5f`).
    pub networks: &'a [String],
    pub compounds: &'a [CompoundSite],
    pub log: &'a [LogNote<'a>],
    /// The parties as the directory has them (name, country, contact).
    pub agencies: Vec<AgencyView>,
}

/// Why an operation cannot be exported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupingError {
    #[error("the operation has no {0}; an operation always has one")]
    Empty(&'static str),
    #[error("the agency '{code}' is not an agency code: {message}")]
    Agency { code: String, message: String },
    #[error("the operation was modified at {modified}, before it was created at {created}")]
    ModifiedBeforeCreated {
        created: DateTime<Utc>,
        modified: DateTime<Utc>,
    },
    #[error("selectors[{index}] '{selector}' is not a canonical selector: {error}")]
    Selector {
        index: usize,
        selector: String,
        error: SelectorError,
    },
    #[error("compounds[{index}] at {lat}, {lon} is not a point on Earth")]
    Place { index: usize, lat: f64, lon: f64 },
}

/// The STIX 2.1 bundle of an operation.
pub fn operation_bundle(view: &GroupingView<'_>) -> Result<Value, GroupingError> {
    check(view)?;
    let operation = ids::report_uuid(OPERATION_OWNER, view.id);
    let lead = ids::agency_identity(view.lead);
    let marking = tlp::marking_id(view.tlp);
    let created = timestamp(view.created);
    let modified = timestamp(view.modified);
    let owned = |kind: &str, name: &str| -> Value {
        let uuid = Uuid::new_v5(&operation, format!("{kind}:{name}").as_bytes());
        json!({
            "type": kind,
            "spec_version": SPEC_VERSION,
            "id": format!("{kind}--{uuid}"),
            "created_by_ref": lead,
            "created": created,
            "modified": modified,
            "object_marking_refs": [marking],
        })
    };

    let deriver = Deriver::new(view.agencies.clone());
    let mut objects = vec![
        tlp::marking_definition(view.tlp),
        extension::definition(),
        extension::publisher(),
    ];
    // The parties, and anyone who wrote in the log since leaving.
    let mut agencies: Vec<&str> = std::iter::once(view.lead)
        .chain(view.participants.iter().map(String::as_str))
        .collect();
    for note in view.log {
        if !agencies.contains(&note.author) {
            agencies.push(note.author);
        }
    }
    let mut refs: Vec<Value> = Vec::new();
    for code in &agencies {
        let identity = deriver.agency_identity(code);
        refs.push(identity["id"].clone());
        objects.push(identity);
    }

    let mut seen = HashSet::new();
    let mut unmatched = Vec::new();
    for (index, text) in view.selectors.iter().enumerate() {
        let s = Selector::parse_canonical(text).map_err(|error| GroupingError::Selector {
            index,
            selector: text.clone(),
            error,
        })?;
        if !seen.insert(s.as_str().to_owned()) {
            continue;
        }
        let Some(pattern) = sco::pattern(&s) else {
            unmatched.push(s.as_str().to_owned());
            continue;
        };
        let mut o = owned("indicator", s.as_str());
        o["name"] = json!(s.as_str());
        o["description"] = json!(format!("A target of operation {}", view.id));
        o["indicator_types"] = json!(["malicious-activity"]);
        o["pattern"] = json!(pattern);
        o["pattern_type"] = json!("stix");
        o["pattern_version"] = json!(SPEC_VERSION);
        o["valid_from"] = json!(created);
        refs.push(o["id"].clone());
        objects.push(o);
    }
    for network in dedup(view.networks) {
        let mut o = owned("threat-actor", network);
        o["name"] = json!(format!("network {network}"));
        o["description"] = json!(format!(
            "The scam network Cordon knows as {network}, a target of operation {}",
            view.id
        ));
        o["threat_actor_types"] = json!(["crime-syndicate"]);
        o["external_references"] =
            json!([{ "source_name": "cordon-network", "external_id": network }]);
        refs.push(o["id"].clone());
        objects.push(o);
    }
    let mut cells = HashSet::new();
    for c in view.compounds {
        if !cells.insert(c.cell.as_str()) {
            continue;
        }
        let mut place = owned("location", &c.cell);
        place["name"] = json!(format!("compound site {}", c.cell));
        place["latitude"] = json!(c.lat);
        place["longitude"] = json!(c.lon);
        // A site is an H3 cell of resolution 9, some 175 m across.
        place["precision"] = json!(175.0);
        let mut compound = owned("infrastructure", &c.cell);
        compound["name"] = json!(format!("compound at site {}", c.cell));
        compound["infrastructure_types"] = json!(["unknown"]);
        compound["external_references"] =
            json!([{ "source_name": "cordon-site", "external_id": c.cell }]);
        let mut located = owned("relationship", &format!("located-at:{}", c.cell));
        located["relationship_type"] = json!("located-at");
        located["source_ref"] = compound["id"].clone();
        located["target_ref"] = place["id"].clone();
        for o in [compound, place, located] {
            refs.push(o["id"].clone());
            objects.push(o);
        }
    }

    let mut grouping = owned("grouping", "");
    grouping["id"] = json!(format!("grouping--{operation}"));
    grouping["name"] = json!(view.name);
    grouping["description"] = json!(description(view, &unmatched));
    grouping["context"] = json!("suspicious-activity");
    grouping["object_refs"] = json!(refs);
    grouping["labels"] = json!(["operation", view.state]);
    grouping["external_references"] =
        json!([{ "source_name": "cordon-operation", "external_id": view.id }]);
    let grouping_id = grouping["id"].clone();
    objects.push(grouping);

    for (i, note) in view.log.iter().enumerate() {
        let uuid = Uuid::new_v5(&operation, format!("note:{i}").as_bytes());
        let at = timestamp(note.at);
        objects.push(json!({
            "type": "note",
            "spec_version": SPEC_VERSION,
            "id": format!("note--{uuid}"),
            "created_by_ref": ids::agency_identity(note.author),
            "created": at,
            "modified": at,
            "content": note.text,
            "authors": [format!("{}/{}", note.author, note.user)],
            "object_refs": [grouping_id],
            "object_marking_refs": [marking],
        }));
    }

    let bundle = Uuid::new_v5(&operation, format!("bundle:{modified}").as_bytes());
    Ok(json!({
        "type": "bundle",
        "id": format!("bundle--{bundle}"),
        "objects": objects,
    }))
}

fn dedup(items: &[String]) -> Vec<&str> {
    let mut seen = HashSet::new();
    items
        .iter()
        .map(String::as_str)
        .filter(|i| seen.insert(*i))
        .collect()
}

fn check(view: &GroupingView<'_>) -> Result<(), GroupingError> {
    for (field, value) in [("id", view.id), ("name", view.name)] {
        if value.trim().is_empty() {
            return Err(GroupingError::Empty(field));
        }
    }
    let agencies = std::iter::once(view.lead)
        .chain(view.participants.iter().map(String::as_str))
        .chain(view.log.iter().map(|n| n.author));
    for code in agencies {
        cordon_core::agency::check_code(code).map_err(|e| GroupingError::Agency {
            code: code.to_owned(),
            message: e.message,
        })?;
    }
    if view.modified < view.created {
        return Err(GroupingError::ModifiedBeforeCreated {
            created: view.created,
            modified: view.modified,
        });
    }
    for (index, c) in view.compounds.iter().enumerate() {
        if !((-90.0..=90.0).contains(&c.lat) && (-180.0..=180.0).contains(&c.lon)) {
            return Err(GroupingError::Place {
                index,
                lat: c.lat,
                lon: c.lon,
            });
        }
    }
    Ok(())
}

/// The analyst's summary, then who takes part and where it stands, then
/// the selectors no indicator matches.
fn description(view: &GroupingView<'_>, unmatched: &[String]) -> String {
    let mut text = String::new();
    if !view.summary.trim().is_empty() {
        text.push_str(view.summary.trim_end());
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "Operation {}, {}, led by {}",
        view.id, view.state, view.lead
    ));
    if !view.participants.is_empty() {
        text.push_str(&format!(" with {}", view.participants.join(", ")));
    }
    text.push('.');
    if !unmatched.is_empty() {
        text.push_str("\n\nAlso targeted, with no STIX pattern to match them: ");
        text.push_str(&unmatched.join(", "));
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::stix::{is_identifier, type_of};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    struct Fixture {
        participants: Vec<String>,
        selectors: Vec<String>,
        networks: Vec<String>,
        compounds: Vec<CompoundSite>,
    }

    fn fixture() -> Fixture {
        Fixture {
            participants: vec!["KH-NCB".into(), "TH-DSI".into()],
            selectors: vec![
                "phone:+85512345678".into(),
                "telegram:@goodjob_hr".into(),
                "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7".into(),
                "phone:+85512345678".into(),
            ],
            networks: vec!["N-0a1b2c3d4e5f".into()],
            compounds: vec![CompoundSite {
                cell: "8964a4e0a2bffff".into(),
                lat: 16.6087,
                lon: 98.5212,
            }],
        }
    }

    fn view<'a>(f: &'a Fixture, log: &'a [LogNote<'a>]) -> GroupingView<'a> {
        GroupingView {
            id: "OP-1a2b3c4d5e6f",
            name: "Operation Riverbank",
            summary: "Joint action against the compound by the river.",
            lead: "GB-NCA",
            participants: &f.participants,
            tlp: Tlp::Amber,
            state: "active",
            created: at("2026-11-20T08:00:00.123456Z"),
            modified: at("2026-11-21T09:00:00Z"),
            selectors: &f.selectors,
            networks: &f.networks,
            compounds: &f.compounds,
            log,
            agencies: Vec::new(),
        }
    }

    fn objects(bundle: &Value) -> &[Value] {
        bundle["objects"].as_array().unwrap()
    }

    fn log() -> Vec<LogNote<'static>> {
        vec![LogNote {
            at: at("2026-11-21T09:00:00Z"),
            author: "KH-NCB",
            user: "sokha",
            text: "surveillance on the east gate",
        }]
    }

    #[test]
    fn every_reference_resolves_and_the_grouping_names_every_target() {
        let f = fixture();
        let log = log();
        let bundle = operation_bundle(&view(&f, &log)).unwrap();
        let ids: BTreeSet<&str> = objects(&bundle)
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), objects(&bundle).len(), "an id appears twice");
        for o in objects(&bundle) {
            let id = o["id"].as_str().unwrap();
            assert!(is_identifier(id), "{id}");
            assert_eq!(type_of(id), o["type"].as_str());
            let mut refs: Vec<&str> = Vec::new();
            for single in ["created_by_ref", "source_ref", "target_ref"] {
                refs.extend(o[single].as_str());
            }
            for list in ["object_marking_refs", "object_refs"] {
                refs.extend(
                    o[list]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str),
                );
            }
            if let Some(extensions) = o["extensions"].as_object() {
                refs.extend(extensions.keys().map(String::as_str));
            }
            for r in refs {
                assert!(
                    ids.contains(r) || r.starts_with(tlp::TLP2_EXTENSION),
                    "{id} refers to {r}, which is not in the bundle"
                );
            }
        }
        let count = |kind: &str| {
            objects(&bundle)
                .iter()
                .filter(|o| o["type"] == kind)
                .count()
        };
        assert_eq!(count("grouping"), 1);
        assert_eq!(count("indicator"), 3);
        assert_eq!(count("threat-actor"), 1);
        assert_eq!(count("infrastructure"), 1);
        assert_eq!(count("location"), 1);
        assert_eq!(count("identity"), 4, "three parties and the publisher");
        assert_eq!(count("note"), 1);
        let g = objects(&bundle)
            .iter()
            .find(|o| o["type"] == "grouping")
            .unwrap();
        assert_eq!(g["context"], "suspicious-activity");
        assert_eq!(g["name"], "Operation Riverbank");
        assert_eq!(
            g["object_marking_refs"],
            json!([tlp::marking_id(Tlp::Amber)])
        );
        assert_eq!(g["created_by_ref"], ids::agency_identity("GB-NCA"));
        assert_eq!(
            g["external_references"][0]["external_id"],
            "OP-1a2b3c4d5e6f"
        );
        assert_eq!(g["object_refs"].as_array().unwrap().len(), 3 + 3 + 1 + 3);
        let description = g["description"].as_str().unwrap();
        assert!(
            description
                .ends_with("Operation OP-1a2b3c4d5e6f, active, led by GB-NCA with KH-NCB, TH-DSI."),
            "{description}"
        );
        let note = objects(&bundle)
            .iter()
            .find(|o| o["type"] == "note")
            .unwrap();
        assert_eq!(note["object_refs"], json!([g["id"]]));
        assert_eq!(note["authors"], json!(["KH-NCB/sokha"]));
    }

    #[test]
    fn the_same_operation_gives_the_same_bundle_and_a_change_another_bundle_id() {
        let f = fixture();
        let a = operation_bundle(&view(&f, &[])).unwrap();
        assert_eq!(a, operation_bundle(&view(&f, &[])).unwrap());
        let changed = GroupingView {
            modified: at("2026-11-22T00:00:00Z"),
            ..view(&f, &[])
        };
        let b = operation_bundle(&changed).unwrap();
        assert_ne!(a["id"], b["id"]);
        let ids = |bundle: &Value| -> Vec<Value> {
            objects(bundle).iter().map(|o| o["id"].clone()).collect()
        };
        assert_eq!(ids(&a), ids(&b));
    }

    #[test]
    fn what_the_server_should_never_give_is_refused_with_what_to_fix() {
        let f = fixture();
        let bad = ["phone:+855 12 345 678".to_owned()];
        let err = operation_bundle(&GroupingView {
            selectors: &bad,
            ..view(&f, &[])
        })
        .unwrap_err();
        assert!(
            matches!(err, GroupingError::Selector { index: 0, .. }),
            "{err}"
        );
        let err = operation_bundle(&GroupingView {
            name: " ",
            ..view(&f, &[])
        })
        .unwrap_err();
        assert_eq!(err, GroupingError::Empty("name"));
        let err = operation_bundle(&GroupingView {
            lead: "nca",
            ..view(&f, &[])
        })
        .unwrap_err();
        assert!(matches!(err, GroupingError::Agency { .. }), "{err}");
        let far = [CompoundSite {
            cell: "x".into(),
            lat: 91.0,
            lon: 0.0,
        }];
        let err = operation_bundle(&GroupingView {
            compounds: &far,
            ..view(&f, &[])
        })
        .unwrap_err();
        assert!(
            matches!(err, GroupingError::Place { index: 0, .. }),
            "{err}"
        );
    }
}
