//! A published purple notice as one STIX 2.1 bundle whose centre is a
//! `report`: the modus operandi a network uses, told to every member
//! agency.
//!
//! The bundle holds the report and everything it refers to: the author's
//! `identity`, the TLP `marking-definition`, one `attack-pattern` per
//! modus-operandi tag and one `indicator` per selector STIX can match. A
//! selector STIX has no pattern for (a person's or company's name) is named
//! in the report's description instead.
//!
//! Identifiers are derived, never random: the notice's UUID in Cordon's
//! namespace (as [`ids`] derives a report's), each indicator's under that,
//! and the bundle's from the notice and its `modified`, so that exporting
//! the same notice twice gives the same bytes and a revised notice updates
//! the receiver's objects instead of duplicating them.
//!
//! The notice's own objects (the report and its indicators) carry the TLP
//! marking and the author. The shared objects keep the form every Cordon
//! export gives them (the author's identity, the TLP definition, the
//! attack-patterns of Cordon's vocabulary and their publisher): one id and
//! version must always be one object. Neither carries the Cordon
//! extension's report fields, so `cordon import` reads a notice bundle as a
//! tip of another tool, with the indicators' selectors.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use cordon_core::{Selector, SelectorError, Tlp};
use serde_json::{Value, json};
use uuid::Uuid;

use super::export::{Deriver, attack_pattern};
use super::{SPEC_VERSION, extension, ids, sco, timestamp, tlp};

/// The owner under which a notice's UUID is derived, in Cordon's namespace
/// beside reports'. Agency codes are `CC-NAME`, so no agency's report can
/// share a notice's UUID.
const NOTICE_OWNER: &str = "notice";

/// What a published notice says, as the server froze it.
#[derive(Debug, Clone, Copy)]
pub struct NoticeView<'a> {
    /// The notice id (`PN-1a2b3c4d5e6f`), stable; the report's id derives
    /// from it.
    pub id: &'a str,
    pub title: &'a str,
    /// The analyst's text.
    pub summary: &'a str,
    /// The author's agency code (`TH-DSI`).
    pub author: &'a str,
    /// TLP:CLEAR or TLP:GREEN: a notice reaches every member agency.
    pub tlp: Tlp,
    pub published: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    /// Modus-operandi tags with how many reports give them, most first.
    pub mo: &'a [(String, usize)],
    /// Reporting and target countries (ISO 3166-1 alpha-2) with counts.
    pub countries: &'a [(String, usize)],
    pub languages: &'a [(String, usize)],
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Canonical selectors to watch for (`phone:+85512345678`).
    pub indicators: &'a [String],
    /// The network the notice describes (`N-0a1b2c3d4e5f`).
    pub network: &'a str,
}

/// Why a notice cannot be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("a purple notice is marked TLP:CLEAR or TLP:GREEN, not TLP:{0}")]
    Tlp(Tlp),
    #[error("the notice has no {0}; a published notice always has one")]
    Empty(&'static str),
    #[error("the notice author '{code}' is not an agency code: {message}")]
    Author { code: String, message: String },
    #[error(
        "the notice was modified at {modified}, before it was published at {published}; modified is when it last changed, publication included"
    )]
    ModifiedBeforePublished {
        published: DateTime<Utc>,
        modified: DateTime<Utc>,
    },
    #[error("indicators[{index}] '{selector}' is not a canonical selector: {error}")]
    Selector {
        index: usize,
        selector: String,
        error: SelectorError,
    },
}

/// The STIX 2.1 bundle of a published notice.
pub fn notice_bundle(view: &NoticeView<'_>) -> Result<Value, NoticeError> {
    check(view)?;
    let selectors = selectors(view.indicators)?;

    let notice = ids::report_uuid(NOTICE_OWNER, view.id);
    let author = ids::agency_identity(view.author);
    let marking = tlp::marking_id(view.tlp);
    let created = timestamp(view.published);
    let modified = timestamp(view.modified);
    let own = |kind: &str, uuid: Uuid| {
        json!({
            "type": kind,
            "spec_version": SPEC_VERSION,
            "id": format!("{kind}--{uuid}"),
            "created_by_ref": author,
            "created": created,
            "modified": modified,
            "object_marking_refs": [marking],
        })
    };

    let mut objects = vec![
        tlp::marking_definition(view.tlp),
        extension::definition(),
        extension::publisher(),
        Deriver::new(Vec::new()).agency_identity(view.author),
    ];
    let mut tags = HashSet::new();
    for (tag, _) in view.mo {
        if tags.insert(tag.as_str()) {
            objects.push(attack_pattern(tag));
        }
    }
    let valid_from = timestamp(view.first_seen.unwrap_or(view.published));
    let mut unmatched = Vec::new();
    for s in &selectors {
        let Some(pattern) = sco::pattern(s) else {
            unmatched.push(s.as_str());
            continue;
        };
        let uuid = Uuid::new_v5(&notice, format!("indicator:{s}").as_bytes());
        let mut o = own("indicator", uuid);
        o["name"] = json!(s.as_str());
        o["description"] = json!(format!(
            "Named by purple notice {}: {}",
            view.id, view.title
        ));
        o["indicator_types"] = json!(["malicious-activity"]);
        o["pattern"] = json!(pattern);
        o["pattern_type"] = json!("stix");
        o["pattern_version"] = json!(SPEC_VERSION);
        o["valid_from"] = json!(valid_from);
        objects.push(o);
    }

    let refs: Vec<&Value> = objects.iter().map(|o| &o["id"]).collect();
    let mut report = own("report", notice);
    report["name"] = json!(view.title);
    report["description"] = json!(description(view, &unmatched));
    report["report_types"] = json!(["threat-report"]);
    report["published"] = json!(created);
    report["object_refs"] = json!(refs);
    report["labels"] = json!(["purple-notice"]);
    report["external_references"] = json!([
        { "source_name": "cordon", "external_id": view.id },
        { "source_name": "cordon-network", "external_id": view.network },
    ]);
    objects.push(report);

    let bundle = Uuid::new_v5(&notice, format!("bundle:{modified}").as_bytes());
    Ok(json!({
        "type": "bundle",
        "id": format!("bundle--{bundle}"),
        "objects": objects,
    }))
}

fn check(view: &NoticeView<'_>) -> Result<(), NoticeError> {
    if !matches!(view.tlp, Tlp::Clear | Tlp::Green) {
        return Err(NoticeError::Tlp(view.tlp));
    }
    for (field, value) in [("id", view.id), ("title", view.title)] {
        if value.trim().is_empty() {
            return Err(NoticeError::Empty(field));
        }
    }
    cordon_core::agency::check_code(view.author).map_err(|e| NoticeError::Author {
        code: view.author.to_owned(),
        message: e.message,
    })?;
    if view.modified < view.published {
        return Err(NoticeError::ModifiedBeforePublished {
            published: view.published,
            modified: view.modified,
        });
    }
    Ok(())
}

/// The indicators as selectors, each once, in the notice's order.
fn selectors(indicators: &[String]) -> Result<Vec<Selector>, NoticeError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (index, text) in indicators.iter().enumerate() {
        let s = Selector::parse_canonical(text).map_err(|error| NoticeError::Selector {
            index,
            selector: text.clone(),
            error,
        })?;
        if seen.insert(s.as_str().to_owned()) {
            out.push(s);
        }
    }
    Ok(out)
}

/// The analyst's summary, then what the notice was drawn from in one
/// generated paragraph, then the selectors no indicator matches.
fn description(view: &NoticeView<'_>, unmatched: &[&str]) -> String {
    // Scam types are the taxonomy's one bare family (data/mo.json); every
    // other tag is written `family:code`.
    let (scams, other): (Vec<_>, Vec<_>) = view.mo.iter().partition(|(t, _)| !t.contains(':'));
    let mut sentences = vec![format!("Drawn from network {}.", view.network)];
    let counted = |label: &str, items: &[&(String, usize)]| {
        let listed: Vec<String> = items
            .iter()
            .map(|(name, n)| {
                let s = if *n == 1 { "" } else { "s" };
                format!("{name} ({n} report{s})")
            })
            .collect();
        (!listed.is_empty()).then(|| format!("{label}: {}.", listed.join(", ")))
    };
    let countries: Vec<_> = view.countries.iter().collect();
    let languages: Vec<_> = view.languages.iter().collect();
    sentences.extend(counted("Scam types", &scams));
    sentences.extend(counted("Other modus operandi", &other));
    sentences.extend(counted("Countries", &countries));
    sentences.extend(counted("Languages", &languages));
    let day = |at: DateTime<Utc>| at.format("%Y-%m-%d").to_string();
    match (view.first_seen, view.last_seen) {
        (Some(f), Some(l)) => {
            sentences.push(format!("First seen {}, last seen {}.", day(f), day(l)))
        }
        (Some(f), None) => sentences.push(format!("First seen {}.", day(f))),
        (None, Some(l)) => sentences.push(format!("Last seen {}.", day(l))),
        (None, None) => {}
    }
    let mut text = String::new();
    if !view.summary.trim().is_empty() {
        text.push_str(view.summary.trim_end());
        text.push_str("\n\n");
    }
    text.push_str(&sentences.join(" "));
    if !unmatched.is_empty() {
        text.push_str("\n\nAlso named, with no STIX pattern to match them: ");
        text.push_str(&unmatched.join(", "));
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::stix::{ImportOptions, import_bundle, is_identifier, pattern, type_of};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    struct Fixture {
        mo: Vec<(String, usize)>,
        countries: Vec<(String, usize)>,
        languages: Vec<(String, usize)>,
        indicators: Vec<String>,
    }

    fn fixture() -> Fixture {
        let pairs = |items: &[(&str, usize)]| -> Vec<(String, usize)> {
            items.iter().map(|(s, n)| (s.to_string(), *n)).collect()
        };
        Fixture {
            mo: pairs(&[
                ("investment", 40),
                ("channel:telegram", 12),
                ("recruitment:fake_job_offer", 7),
            ]),
            countries: pairs(&[("TH", 30), ("KH", 12), ("MM", 1)]),
            languages: pairs(&[("th", 20), ("en", 5)]),
            indicators: [
                "phone:+85512345678",
                "domain:evil.vip",
                "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                "telegram:@goodjob_hr",
                "name:nguyen van an",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    fn view(f: &Fixture) -> NoticeView<'_> {
        NoticeView {
            id: "PN-1a2b3c4d5e6f",
            title: "Fake trading platforms recruiting through Telegram",
            summary: "Victims are approached on Telegram and moved to a fake exchange.",
            author: "TH-DSI",
            tlp: Tlp::Green,
            published: at("2026-11-20T08:00:00.123456Z"),
            modified: at("2026-11-20T08:00:00.123456Z"),
            mo: &f.mo,
            countries: &f.countries,
            languages: &f.languages,
            first_seen: Some(at("2026-01-03T10:00:00Z")),
            last_seen: Some(at("2026-10-30T18:00:00Z")),
            indicators: &f.indicators,
            network: "N-0a1b2c3d4e5f",
        }
    }

    fn objects(bundle: &Value) -> &[Value] {
        bundle["objects"].as_array().unwrap()
    }

    fn report(bundle: &Value) -> &Value {
        let reports: Vec<&Value> = objects(bundle)
            .iter()
            .filter(|o| o["type"] == "report")
            .collect();
        assert_eq!(reports.len(), 1);
        reports[0]
    }

    #[test]
    fn the_same_notice_gives_the_same_bundle_and_a_revision_another_bundle_id() {
        let f = fixture();
        let v = view(&f);
        let a = notice_bundle(&v).unwrap();
        assert_eq!(a, notice_bundle(&v).unwrap());
        assert_eq!(
            a.to_string(),
            notice_bundle(&view(&fixture())).unwrap().to_string()
        );
        let revised = NoticeView {
            modified: at("2026-11-21T09:00:00Z"),
            ..v
        };
        let b = notice_bundle(&revised).unwrap();
        assert_ne!(a["id"], b["id"]);
        // The same objects, a new version of the notice's own ones.
        assert_eq!(report(&a)["id"], report(&b)["id"]);
        assert_eq!(report(&b)["modified"], "2026-11-21T09:00:00.000000Z");
        let ids = |bundle: &Value| -> Vec<Value> {
            objects(bundle).iter().map(|o| o["id"].clone()).collect()
        };
        assert_eq!(ids(&a), ids(&b));
        // Another notice, other ids.
        let other = NoticeView {
            id: "PN-ffffffffffff",
            ..v
        };
        assert_ne!(
            report(&notice_bundle(&other).unwrap())["id"],
            report(&a)["id"]
        );
    }

    #[test]
    fn every_reference_resolves_inside_the_bundle_and_the_report_names_everything() {
        let f = fixture();
        let bundle = notice_bundle(&view(&f)).unwrap();
        assert_eq!(bundle["type"], "bundle");
        assert!(is_identifier(bundle["id"].as_str().unwrap()));
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
            refs.extend(o["created_by_ref"].as_str());
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

        let r = report(&bundle);
        let refs: BTreeSet<&str> = r["object_refs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let others: BTreeSet<&str> = ids.iter().copied().filter(|i| *i != r["id"]).collect();
        assert_eq!(refs, others);
        assert_eq!(
            r["name"],
            "Fake trading platforms recruiting through Telegram"
        );
        assert_eq!(r["report_types"], json!(["threat-report"]));
        assert_eq!(r["labels"], json!(["purple-notice"]));
        assert_eq!(r["published"], "2026-11-20T08:00:00.123456Z");
        assert_eq!(r["created_by_ref"], ids::agency_identity("TH-DSI"));
        assert_eq!(r["external_references"][0]["source_name"], "cordon");
        assert_eq!(
            r["external_references"][0]["external_id"],
            "PN-1a2b3c4d5e6f"
        );

        let count = |kind: &str| {
            objects(&bundle)
                .iter()
                .filter(|o| o["type"] == kind)
                .count()
        };
        assert_eq!(count("attack-pattern"), 3);
        assert_eq!(count("indicator"), 4);
        assert_eq!(count("marking-definition"), 1);
        let green = tlp::marking_id(Tlp::Green);
        for o in objects(&bundle) {
            if matches!(o["type"].as_str(), Some("report" | "indicator")) {
                assert_eq!(o["object_marking_refs"], json!([green]), "{}", o["id"]);
                assert_eq!(o["created_by_ref"], r["created_by_ref"], "{}", o["id"]);
            }
        }
    }

    #[test]
    fn each_indicator_matches_its_selector_and_one_without_a_pattern_is_described() {
        let f = fixture();
        let bundle = notice_bundle(&view(&f)).unwrap();
        for o in objects(&bundle).iter().filter(|o| o["type"] == "indicator") {
            let name = o["name"].as_str().unwrap();
            let observations = pattern::observations(o["pattern"].as_str().unwrap());
            assert_eq!(observations.len(), 1, "{name}");
            let inputs = sco::selector_inputs(&observations[0].kind, &|p| {
                observations[0].equals.get(p).cloned()
            });
            assert_eq!(inputs.len(), 1, "{name}");
            assert_eq!(o["valid_from"], "2026-01-03T10:00:00.000000Z");
        }
        let names: BTreeSet<&str> = objects(&bundle)
            .iter()
            .filter(|o| o["type"] == "indicator")
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert!(!names.contains("name:nguyen van an"));
        let description = report(&bundle)["description"].as_str().unwrap();
        assert!(
            description.starts_with(
                "Victims are approached on Telegram and moved to a fake exchange.\n\n"
            ),
            "{description}"
        );
        for part in [
            "Drawn from network N-0a1b2c3d4e5f.",
            "Scam types: investment (40 reports).",
            "Other modus operandi: channel:telegram (12 reports), recruitment:fake_job_offer (7 reports).",
            "Countries: TH (30 reports), KH (12 reports), MM (1 report).",
            "Languages: th (20 reports), en (5 reports).",
            "First seen 2026-01-03, last seen 2026-10-30.",
            "no STIX pattern to match them: name:nguyen van an.",
        ] {
            assert!(
                description.contains(part),
                "{part:?} missing from {description}"
            );
        }
    }

    #[test]
    fn a_notice_bundle_imports_into_cordon_as_one_tip_with_its_selectors() {
        let f = fixture();
        let bundle = notice_bundle(&view(&f)).unwrap();
        let options = ImportOptions {
            country: "GB".into(),
            marking: cordon_core::Marking::default(),
        };
        let imported = import_bundle(&bundle.to_string(), &options).unwrap();
        assert_eq!(imported.reports.len(), 1);
        let submission = &imported.reports[0].submission;
        assert_eq!(submission.marking.as_ref().unwrap().tlp, Tlp::Green);
        let report = submission.validate(at("2026-11-22T00:00:00Z")).unwrap();
        let got: BTreeSet<&str> = report.selectors.iter().map(Selector::as_str).collect();
        let want: BTreeSet<&str> = f.indicators[..4].iter().map(String::as_str).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn amber_and_red_are_refused() {
        let f = fixture();
        for tlp in [Tlp::Amber, Tlp::AmberStrict, Tlp::Red] {
            let err = notice_bundle(&NoticeView { tlp, ..view(&f) }).unwrap_err();
            assert_eq!(err, NoticeError::Tlp(tlp));
        }
        assert_eq!(
            NoticeError::Tlp(Tlp::Amber).to_string(),
            "a purple notice is marked TLP:CLEAR or TLP:GREEN, not TLP:AMBER"
        );
        assert!(
            notice_bundle(&NoticeView {
                tlp: Tlp::Clear,
                ..view(&f)
            })
            .is_ok()
        );
    }

    #[test]
    fn what_the_server_should_never_give_is_refused_with_what_to_fix() {
        let f = fixture();
        let v = view(&f);
        let bad = [
            "phone:+85512345678".to_owned(),
            "crypto:trx:nope".to_owned(),
        ];
        let err = notice_bundle(&NoticeView {
            indicators: &bad,
            ..v
        })
        .unwrap_err();
        assert!(
            matches!(err, NoticeError::Selector { index: 1, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("indicators[1] 'crypto:trx:nope' is not a canonical selector: ")
        );
        let spaced = ["phone:+855 12 345 678".to_owned()];
        let err = notice_bundle(&NoticeView {
            indicators: &spaced,
            ..v
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("its canonical form is 'phone:+85512345678'"),
            "{err}"
        );

        let err = notice_bundle(&NoticeView { author: "dsi", ..v }).unwrap_err();
        assert!(matches!(err, NoticeError::Author { .. }), "{err}");
        assert_eq!(
            notice_bundle(&NoticeView { title: " ", ..v }).unwrap_err(),
            NoticeError::Empty("title")
        );
        let err = notice_bundle(&NoticeView {
            modified: at("2026-11-19T00:00:00Z"),
            ..v
        })
        .unwrap_err();
        assert!(
            matches!(err, NoticeError::ModifiedBeforePublished { .. }),
            "{err}"
        );
    }

    #[test]
    fn repeated_tags_and_selectors_give_one_object_each() {
        let mut f = fixture();
        f.mo.push(("investment".into(), 40));
        f.indicators.push("domain:evil.vip".into());
        let bundle = notice_bundle(&view(&f)).unwrap();
        let count = |kind: &str| {
            objects(&bundle)
                .iter()
                .filter(|o| o["type"] == kind)
                .count()
        };
        assert_eq!(count("attack-pattern"), 3);
        assert_eq!(count("indicator"), 4);
    }
}
