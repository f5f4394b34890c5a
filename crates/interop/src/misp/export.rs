//! Cordon's reports as MISP events: one event per report revision, in the
//! JSON MISP itself exports (numbers as strings, `{"Event": {…}}`), which
//! PyMISP loads and MISP imports.
//!
//! - `uuid`: the report's STIX UUID (UUIDv5 of agency and report id), so
//!   the event and the STIX report of one report share it; a report that
//!   came from MISP keeps its event's UUID. Attributes and objects get
//!   UUIDv5s of the event UUID and their selector: exporting twice names
//!   the same things, and MISP updates instead of duplicating;
//! - `info`: kind, owner and id, then the narrative's first line;
//! - `date`: the day the report was received; `timestamp`: when this
//!   revision was accepted (MISP keeps an event only if its timestamp is
//!   newer than the one it has);
//! - `threat_level_id`: 1 (high) for a rescue request, 3 (low) for a tip,
//!   2 (medium) otherwise; `analysis`: 0 (initial): Cordon holds reports,
//!   not finished analyses; `published`: false, publishing is for the
//!   receiving MISP to decide;
//! - `distribution` and the `tlp:` tag from the marking, the report's
//!   other fields as tags ([`super::tags`]);
//! - `Orgc`: the owning agency (its code, and the UUID of its STIX
//!   identity);
//! - selectors as attributes and objects ([`super::selectors`]), the
//!   narrative as an event report named `narrative`, the location as a
//!   `geolocation` object.

use std::collections::HashSet;
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use cordon_core::{Report, ReportKind};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::marking::{Distribution, tlp_colour, tlp_tag};
use super::selectors::{self, AttributeSpec, Emit, GEOLOCATION, Template};
use super::tags;
use crate::stix::export::ReportView;
use crate::stix::ids;

/// Cordon's namespace for the UUIDs of attributes, objects and event
/// reports inside an event.
const NAMESPACE: Uuid = uuid::uuid!("c0b1f2a9-4d1e-4f3c-9a57-6d2e8b1f0c34");

/// Longest `info` written, in characters, before the narrative's first
/// line is cut.
const INFO_CHARS: usize = 200;

/// The UUID of a report's event.
pub fn event_uuid(agency: &str, report_id: &str) -> Uuid {
    ids::report_uuid(agency, report_id)
}

/// The organisation of a member agency: its code and the UUID of its STIX
/// identity.
pub fn organisation(code: &str) -> Value {
    let identity = ids::agency_identity(code);
    let uuid = identity.split_once("--").map_or("", |(_, u)| u);
    json!({ "name": code, "uuid": uuid })
}

fn threat_level(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::RescueRequest => "1",
        ReportKind::Tip => "3",
        ReportKind::FraudComplaint | ReportKind::RecruitmentAd | ReportKind::CompoundIntel => "2",
    }
}

fn info(view: &ReportView<'_>) -> String {
    let report = view.report;
    let mut info = format!("{} {}/{}", report.kind, view.agency, report.id);
    if let Some(line) = report
        .narrative
        .as_deref()
        .and_then(|n| n.lines().map(str::trim).find(|l| !l.is_empty()))
    {
        info.push_str(": ");
        let mut chars = line.chars();
        info.extend(chars.by_ref().take(INFO_CHARS));
        if chars.next().is_some() {
            info.push('…');
        }
    }
    info
}

fn tag(name: String) -> Value {
    json!({ "name": name })
}

/// The tags of a report: its TLP level, then its Cordon fields.
fn tags_of(view: &ReportView<'_>) -> Vec<Value> {
    let r = view.report;
    let tlp = r.marking.tlp;
    let mut out = vec![json!({ "name": tlp_tag(tlp), "colour": tlp_colour(tlp) })];
    out.push(tag(tags::cordon(tags::REPORT_ID, &r.id)));
    out.push(tag(tags::cordon(tags::KIND, r.kind.as_str())));
    out.push(tag(tags::cordon(tags::COUNTRY, &r.country)));
    if let Some(l) = &r.language {
        out.push(tag(tags::cordon(tags::LANGUAGE, l)));
    }
    if let Some(at) = r.received {
        out.push(tag(tags::cordon(
            tags::RECEIVED,
            &crate::stix::timestamp(at),
        )));
    }
    for mo in &r.mo {
        out.push(tag(tags::cordon(tags::MO, mo)));
    }
    for loss in &r.losses {
        out.push(tag(tags::cordon(
            tags::LOSS,
            &format!("{} {}", loss.amount, loss.currency),
        )));
    }
    for recipient in &r.marking.recipients {
        out.push(tag(tags::cordon(tags::RECIPIENT, recipient)));
    }
    if !r.marking.hit_notification {
        out.push(tag(tags::cordon(tags::HIT_NOTIFICATION, "false")));
    }
    if let Some(g) = r.grading {
        out.push(tag(tags::name(
            tags::ADMIRALTY,
            tags::RELIABILITY,
            &g.reliability().to_ascii_lowercase().to_string(),
        )));
        out.push(tag(tags::name(
            tags::ADMIRALTY,
            tags::CREDIBILITY,
            &g.credibility().to_string(),
        )));
    }
    out
}

/// The common fields of an attribute, in an object or not.
fn attribute(spec: &AttributeSpec, uuid: Uuid, timestamp: &str) -> Value {
    let mut a = Map::new();
    a.insert("uuid".into(), json!(uuid.to_string()));
    if let Some(r) = spec.relation {
        a.insert("object_relation".into(), json!(r));
    }
    a.insert("type".into(), json!(spec.kind));
    a.insert("category".into(), json!(spec.category()));
    a.insert("value".into(), json!(spec.value));
    a.insert("to_ids".into(), json!(spec.to_ids()));
    a.insert("distribution".into(), json!("5"));
    a.insert("timestamp".into(), json!(timestamp));
    a.insert("comment".into(), json!(spec.comment));
    a.insert("deleted".into(), json!(false));
    a.insert("disable_correlation".into(), json!(false));
    Value::Object(a)
}

fn object(
    template: &Template,
    uuid: Uuid,
    comment: &str,
    attributes: Vec<Value>,
    timestamp: &str,
) -> Value {
    json!({
        "uuid": uuid.to_string(),
        "name": template.name,
        "meta-category": template.meta_category,
        "description": template.description,
        "template_uuid": template.uuid,
        "template_version": template.version.to_string(),
        "distribution": "5",
        "timestamp": timestamp,
        "comment": comment,
        "deleted": false,
        "Attribute": attributes,
    })
}

fn child(event: Uuid, name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{event}/{name}").as_bytes())
}

/// The MISP event of one report revision: `{"Event": {…}}`.
pub fn event(view: ReportView<'_>) -> Value {
    event_with_uuid(view, event_uuid(view.agency, &view.report.id))
}

/// The event of a report under a UUID of its owner's own: for the second
/// of two agencies that imported the same MISP event, whose reports would
/// otherwise share the event's UUID.
fn owner_uuid(view: &ReportView<'_>) -> Uuid {
    Uuid::new_v5(
        &NAMESPACE,
        format!("report:{}/{}", view.agency, view.report.id).as_bytes(),
    )
}

fn event_with_uuid(view: ReportView<'_>, uuid: Uuid) -> Value {
    let report: &Report = view.report;
    let timestamp = view.accepted.timestamp().to_string();
    let received: DateTime<Utc> = report.received.unwrap_or(view.accepted);

    let mut attributes = Vec::new();
    let mut objects = Vec::new();
    for s in &report.selectors {
        match selectors::emit(s) {
            Emit::Attribute(spec) => {
                attributes.push(attribute(&spec, child(uuid, s.as_str()), &timestamp));
            }
            Emit::Object {
                template,
                comment,
                attributes: parts,
            } => {
                let parts = parts
                    .iter()
                    .map(|p| {
                        let name = format!("{}/{}", s.as_str(), p.relation.unwrap_or_default());
                        attribute(p, child(uuid, &name), &timestamp)
                    })
                    .collect();
                objects.push(object(
                    &template,
                    child(uuid, s.as_str()),
                    &comment,
                    parts,
                    &timestamp,
                ));
            }
        }
    }
    if let Some(loc) = &report.location {
        let mut parts = vec![
            AttributeSpec::part("latitude", "float", loc.lat.to_string()),
            AttributeSpec::part("longitude", "float", loc.lon.to_string()),
        ];
        if let Some(place) = &loc.place {
            parts.push(AttributeSpec::part("text", "text", place.clone()));
        }
        let parts = parts
            .iter()
            .map(|p| {
                let name = format!("location/{}", p.relation.unwrap_or_default());
                attribute(p, child(uuid, &name), &timestamp)
            })
            .collect();
        objects.push(object(
            &GEOLOCATION,
            child(uuid, "location"),
            "",
            parts,
            &timestamp,
        ));
    }

    let mut event = Map::new();
    event.insert("uuid".into(), json!(uuid.to_string()));
    event.insert("info".into(), json!(info(&view)));
    event.insert(
        "date".into(),
        json!(received.date_naive().format("%Y-%m-%d").to_string()),
    );
    event.insert("timestamp".into(), json!(timestamp));
    event.insert("published".into(), json!(false));
    event.insert("threat_level_id".into(), json!(threat_level(report.kind)));
    event.insert("analysis".into(), json!("0"));
    event.insert(
        "distribution".into(),
        json!(Distribution::of_tlp(report.marking.tlp).value().to_string()),
    );
    event.insert("Orgc".into(), organisation(view.agency));
    event.insert("Tag".into(), Value::Array(tags_of(&view)));
    event.insert("Attribute".into(), Value::Array(attributes));
    event.insert("Object".into(), Value::Array(objects));
    if let Some(n) = &report.narrative {
        event.insert(
            "EventReport".into(),
            json!([{
                "uuid": child(uuid, "narrative").to_string(),
                "name": "narrative",
                "content": n,
                "distribution": "5",
                "timestamp": timestamp,
                "deleted": false,
            }]),
        );
    }
    json!({ "Event": Value::Object(event) })
}

/// Events of many reports, each under a UUID no other event of the same
/// export has.
#[derive(Debug, Default)]
pub struct Events {
    seen: HashSet<Uuid>,
}

impl Events {
    /// The event of a report (see [`event`]); a report whose event UUID an
    /// earlier report of this export already took (two agencies imported
    /// the same MISP event) gets a UUID of its owner's, and its
    /// `cordon:report-id` tag still brings it back under its own id.
    pub fn event(&mut self, view: ReportView<'_>) -> Value {
        let mut uuid = event_uuid(view.agency, &view.report.id);
        if !self.seen.insert(uuid) {
            uuid = owner_uuid(&view);
            self.seen.insert(uuid);
        }
        event_with_uuid(view, uuid)
    }
}

/// Writes events as one JSON list, one event per line.
#[derive(Debug)]
pub struct EventWriter<W: Write> {
    out: W,
    written: u64,
    events: Events,
}

impl<W: Write> EventWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(EventWriter {
            out,
            written: 0,
            events: Events::default(),
        })
    }

    /// How many events have been written.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub fn report(&mut self, view: ReportView<'_>) -> io::Result<()> {
        let event = self.events.event(view);
        self.event(&event)
    }

    pub fn event(&mut self, event: &Value) -> io::Result<()> {
        self.out
            .write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.out, event)?;
        self.written += 1;
        Ok(())
    }

    /// Closes the list and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::misp::{ImportOptions, import_events};
    use cordon_core::{Marking, ReportSubmission, Tlp};

    fn now() -> DateTime<Utc> {
        "2026-11-20T08:00:00Z".parse().unwrap()
    }

    fn report(v: Value) -> Report {
        serde_json::from_value::<ReportSubmission>(v)
            .unwrap()
            .validate(now())
            .unwrap()
    }

    fn full() -> Report {
        report(json!({
            "id": "case-1", "kind": "fraud_complaint", "country": "GB", "language": "en",
            "received": "2026-03-01T10:00:00Z", "grading": "B2",
            "marking": {"tlp": "RED", "recipients": ["TH-DSI/somchai"], "hit_notification": false},
            "mo": ["investment", "channel:telegram"],
            "narrative": "Paid 15000 USDT to TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7 after a WhatsApp chat with +855 12 345 678\nSecond line.",
            "selectors": ["telegram:@goodjob_hr", "https://trade.example.vip/login?ref=7",
                          {"kind": "iban", "value": "DE89 3704 0044 0532 0130 00"},
                          "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                          "ip:203.0.113.5", "ip:2001:db8::1", "email:recruit+hr@example.com",
                          "name:Nguyen Van An", "company:Golden Dream Ltd",
                          "passport:KE:AK1234567", "bank:KH:ABAAKHPP:000123456",
                          "eth:0x52908400098527886e0f7030069857d2e4169ee7",
                          "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "line:kelvin88"],
            "losses": [{"amount": "15000.50", "currency": "USDT"}],
            "location": {"lat": 16.69, "lon": 98.51, "place": "Myawaddy"}
        }))
    }

    fn view(r: &Report) -> ReportView<'_> {
        ReportView {
            agency: "GB-NCA",
            revision: 1,
            accepted: now(),
            report: r,
        }
    }

    fn options() -> ImportOptions {
        ImportOptions {
            country: "TH".into(),
            marking: Marking::default(),
        }
    }

    #[test]
    fn a_report_comes_back_exactly_from_its_event() {
        let reports = [
            full(),
            report(
                json!({"id": "compound-9", "kind": "compound_intel", "country": "KH",
                "marking": {"tlp": "AMBER+STRICT", "recipients": ["GB-NCA"]},
                "narrative": "Compound near the border."}),
            ),
            report(
                json!({"id": "ad/77", "kind": "recruitment_ad", "country": "KE",
                "marking": {"tlp": "CLEAR"}, "selectors": ["+254 712 345678"]}),
            ),
        ];
        let mut w = EventWriter::new(Vec::new()).unwrap();
        for r in &reports {
            w.report(view(r)).unwrap();
        }
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let imported = import_events(&text, &options()).unwrap();
        assert_eq!(imported.events.len(), 3);
        for (e, r) in imported.events.iter().zip(&reports) {
            let back = e.submission.validate(now()).unwrap();
            assert_eq!(&back, r);
            assert_eq!(back.digest(), r.digest());
            assert_eq!(e.unusable, 0);
        }
    }

    #[test]
    fn events_are_deterministic_and_marked() {
        let r = full();
        let a = event(view(&r));
        assert_eq!(a, event(view(&r)));
        let e = &a["Event"];
        assert_eq!(e["distribution"], "0");
        assert_eq!(e["Tag"][0]["name"], "tlp:red");
        assert_eq!(e["date"], "2026-03-01");
        assert_eq!(e["threat_level_id"], "2");
        assert_eq!(
            e["uuid"],
            json!(ids::report_uuid("GB-NCA", "case-1").to_string())
        );
        assert!(
            e["info"]
                .as_str()
                .unwrap()
                .starts_with("fraud_complaint GB-NCA/case-1: Paid 15000 USDT")
        );
        let mut uuids: Vec<&str> = e["Attribute"]
            .as_array()
            .unwrap()
            .iter()
            .chain(e["Object"].as_array().unwrap())
            .map(|a| a["uuid"].as_str().unwrap())
            .collect();
        let n = uuids.len();
        uuids.sort();
        uuids.dedup();
        assert_eq!(uuids.len(), n, "uuids are unique");
        let types: Vec<&str> = e["Attribute"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["type"].as_str().unwrap())
            .collect();
        for t in [
            "phone-number",
            "url",
            "domain",
            "iban",
            "sha256",
            "ip-dst",
            "email",
            "full-name",
            "btc",
            "passport-number",
        ] {
            assert!(types.contains(&t), "{t} missing from {types:?}");
        }
        let objects: Vec<&str> = e["Object"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        for o in [
            "telegram-account",
            "legal-entity",
            "bank-account",
            "coin-address",
            "user-account",
            "geolocation",
        ] {
            assert!(objects.contains(&o), "{o} missing from {objects:?}");
        }
    }

    #[test]
    fn two_agencies_holding_one_misp_event_export_two_events() {
        let r = report(
            json!({"id": "misp-event--5f2c3d4e-1111-4222-8333-944455556666",
            "kind": "tip", "country": "TH", "narrative": "x"}),
        );
        let mut w = EventWriter::new(Vec::new()).unwrap();
        w.report(view(&r)).unwrap();
        w.report(ReportView {
            agency: "TH-DSI",
            ..view(&r)
        })
        .unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let back = import_events(&text, &options()).unwrap();
        assert_eq!(back.events.len(), 2);
        assert_ne!(back.events[0].uuid, back.events[1].uuid);
        for e in &back.events {
            assert_eq!(e.submission.validate(now()).unwrap(), r);
        }
    }

    #[test]
    fn a_report_from_misp_is_exported_under_its_event_uuid() {
        let r = report(
            json!({"id": "misp-event--5f2c3d4e-1111-4222-8333-944455556666",
            "kind": "tip", "country": "TH", "narrative": "x", "marking": {"tlp": "GREEN"}}),
        );
        let e = event(view(&r));
        assert_eq!(e["Event"]["uuid"], "5f2c3d4e-1111-4222-8333-944455556666");
        assert_eq!(e["Event"]["distribution"], "2");
        let back = import_events(&e.to_string(), &options()).unwrap();
        assert_eq!(back.events[0].submission.validate(now()).unwrap(), r);
        assert_eq!(
            back.events[0].submission.marking.as_ref().unwrap().tlp,
            Tlp::Green
        );
    }
}
