//! Reports → STIX bundle → reports, and bundles of other tools → Cordon →
//! the same objects again.

use chrono::{DateTime, Utc};
use cordon_core::{Marking, Report, ReportSubmission, Tlp};
use cordon_interop::stix::export::{AgencyView, ReportView};
use cordon_interop::stix::{Exporter, ImportOptions, KeptObject, import_bundle};
use serde_json::{Value, json};

fn now() -> DateTime<Utc> {
    "2026-11-20T08:00:00.123456Z".parse().unwrap()
}

fn report(v: Value) -> Report {
    let s: ReportSubmission = serde_json::from_value(v).unwrap();
    s.validate(now()).unwrap()
}

fn reports() -> Vec<Report> {
    vec![
        report(json!({
            "id": "case-1", "kind": "fraud_complaint", "country": "GB", "language": "en",
            "received": "2026-03-01T10:00:00Z", "grading": "B2",
            "marking": {"tlp": "RED", "recipients": ["TH-DSI/somchai"], "hit_notification": false},
            "mo": ["investment", "channel:telegram"],
            "narrative": "Paid 15000 USDT to TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7 after a WhatsApp chat with +855 12 345 678",
            "selectors": ["telegram:@goodjob_hr", "https://trade.example.vip/login?ref=7",
                          {"kind": "iban", "value": "DE89 3704 0044 0532 0130 00"},
                          "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                          "ip:203.0.113.5", "ip:2001:db8::1", "email:recruit+hr@example.com",
                          "name:Nguyen Van An", "company:Golden Dream Ltd",
                          "passport:KE:AK1234567", "bank:KH:ABAAKHPP:000123456",
                          "eth:0x52908400098527886e0f7030069857d2e4169ee7"],
            "losses": [{"amount": "15000.50", "currency": "USDT"}]
        })),
        report(json!({
            "id": "compound-9", "kind": "compound_intel", "country": "KH",
            "marking": {"tlp": "AMBER+STRICT", "recipients": ["GB-NCA"]},
            "narrative": "Compound near the border; guards armed.",
            "location": {"lat": 10.6, "lon": 103.5, "place": "Sihanoukville"}
        })),
        report(json!({
            "id": "ad/77", "kind": "recruitment_ad", "country": "KE",
            "marking": {"tlp": "CLEAR"},
            "narrative": "Customer service job in Bangkok, free visa, call +254 712 345678"
        })),
    ]
}

fn agencies() -> Vec<AgencyView> {
    vec![AgencyView {
        code: "GB-NCA".into(),
        name: "National Crime Agency".into(),
        country: "GB".into(),
        contact: "liaison@nca.example".into(),
        kind: "police".into(),
        created: now(),
    }]
}

fn export(reports: &[Report], kept: &[KeptObject]) -> String {
    let mut ex = Exporter::new(Vec::new(), agencies()).unwrap();
    for k in kept {
        ex.kept(k).unwrap();
    }
    for r in reports {
        ex.report(ReportView {
            agency: "GB-NCA",
            revision: 1,
            accepted: now(),
            report: r,
        })
        .unwrap();
    }
    String::from_utf8(ex.finish().unwrap()).unwrap()
}

fn options() -> ImportOptions {
    ImportOptions {
        country: "TH".into(),
        marking: Marking::default(),
    }
}

#[test]
fn cordon_reports_come_back_exactly() {
    let original = reports();
    let bundle = export(&original, &[]);
    let parsed: Value = serde_json::from_str(&bundle).unwrap();
    assert_eq!(parsed["type"], "bundle");
    let imported = import_bundle(&bundle, &options()).unwrap();
    // Cordon's own objects are rebuilt, not kept; files carry no Cordon
    // marker (it would change their id) and the TLP definitions are the
    // standard ones, so they are kept like others'.
    assert!(
        imported
            .kept
            .iter()
            .all(|k| k.id.starts_with("file--") || k.id.starts_with("marking-definition--")),
        "{:?}",
        imported.kept.iter().map(|k| &k.id).collect::<Vec<_>>()
    );
    assert_eq!(imported.rebuilt + imported.kept.len(), imported.objects);
    let back: Vec<Report> = imported
        .reports
        .iter()
        .map(|r| r.submission.validate(now()).unwrap())
        .collect();
    assert_eq!(back, original);
}

#[test]
fn every_object_has_a_unique_id_and_a_marking_where_it_holds_content() {
    let bundle = export(&reports(), &[]);
    let parsed: Value = serde_json::from_str(&bundle).unwrap();
    let objects = parsed["objects"].as_array().unwrap();
    let mut ids = std::collections::BTreeSet::new();
    for o in objects {
        assert!(
            ids.insert(o["id"].as_str().unwrap().to_owned()),
            "duplicate {}",
            o["id"]
        );
        let shared = matches!(
            o["type"].as_str().unwrap(),
            "marking-definition" | "extension-definition" | "attack-pattern"
        ) || (o["type"] == "identity"
            && o["identity_class"] != "individual"
            && o["identity_class"] != "organization")
            || o["id"] == cordon_interop::stix::ids::agency_identity("GB-NCA");
        assert!(
            shared || o.get("object_marking_refs").is_some(),
            "unmarked {o}"
        );
    }
    // A member agency's identity reads back as the agency it shows.
    let identity = objects
        .iter()
        .find(|o| o["id"] == cordon_interop::stix::ids::agency_identity("GB-NCA"))
        .unwrap();
    let agency = cordon_interop::stix::export::agency_of_identity(identity).unwrap();
    assert_eq!(
        (
            agency.code.as_str(),
            agency.name.as_str(),
            agency.country.as_str(),
            agency.kind.as_str()
        ),
        ("GB-NCA", "National Crime Agency", "GB", "police")
    );
    assert_eq!(agency.contact, "liaison@nca.example");
    assert!(cordon_interop::stix::export::agency_of_identity(red_of(objects)).is_none());
    // The RED report carries the standard TLP 2.0 RED marking.
    let red = red_of(objects);
    assert_eq!(
        red["object_marking_refs"][0],
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    );
    assert_eq!(red["confidence"], 70);
}

const FOREIGN: &str = r#"{
  "type": "bundle",
  "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
  "objects": [
    {"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--c5d1e9c0-6b8a-4b5e-9f0e-0d9c4b7a1a11",
     "created": "2024-01-01T00:00:00.000Z", "definition_type": "statement", "definition": {"statement": "Copyright ACME CERT"}},
    {"type": "report", "spec_version": "2.1", "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
     "created": "2024-05-01T10:00:00.000Z", "modified": "2024-05-01T10:00:00.000Z",
     "name": "Pig-butchering cluster", "description": "Fake trading app.",
     "published": "2024-05-01T10:00:00Z", "report_types": ["threat-report"],
     "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
     "object_refs": ["indicator--a740531e-63ff-4e49-a9e1-a0a3eed0e3e7", "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111",
                     "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"]},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--a740531e-63ff-4e49-a9e1-a0a3eed0e3e7",
     "created": "2024-05-01T10:00:00.000Z", "modified": "2024-05-01T10:00:00.000Z",
     "pattern": "[domain-name:value = 'Trade-Example.VIP'] OR [ipv4-addr:value = '198.51.100.0/24']",
     "pattern_type": "stix", "valid_from": "2024-05-01T10:00:00Z"},
    {"type": "malware", "spec_version": "2.1", "id": "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111",
     "created": "2024-05-01T10:00:00.000Z", "modified": "2024-05-01T10:00:00.000Z",
     "name": "FakeTrader", "is_family": true,
     "object_marking_refs": ["marking-definition--c5d1e9c0-6b8a-4b5e-9f0e-0d9c4b7a1a11"]},
    {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
     "created": "2024-05-01T10:00:00.000Z", "modified": "2024-05-01T10:00:00.000Z",
     "first_observed": "2024-04-30T00:00:00Z", "last_observed": "2024-04-30T00:00:00Z", "number_observed": 3,
     "object_refs": ["email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3"]},
    {"type": "email-addr", "spec_version": "2.1", "id": "email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3",
     "value": "support@trade-example.vip",   "x_acme_note": "odd  spacing kept"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--11111111-2222-4333-8444-555555555555",
     "created": "2024-05-02T10:00:00.000Z", "modified": "2024-05-02T10:00:00.000Z", "name": "Recruiter number",
     "pattern": "[phone-number:value = '+85512345678']", "pattern_type": "stix", "valid_from": "2024-05-02T10:00:00Z",
     "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}
  ]
}"#;

#[test]
fn other_tools_objects_become_reports_and_are_kept_verbatim() {
    let imported = import_bundle(FOREIGN, &options()).unwrap();
    assert_eq!(imported.objects, 7);
    assert_eq!(
        imported.kept.len(),
        7,
        "every object of another tool is kept"
    );
    // The statement marking takes the laxest marking of what uses it (the
    // malware, unmarked by TLP, takes the default AMBER).
    let statement = imported
        .kept
        .iter()
        .find(|k| k.id.starts_with("marking-definition"))
        .unwrap();
    assert_eq!(statement.marking.tlp, Tlp::Amber);
    assert_eq!(
        imported.unusable_observables, 1,
        "the CIDR range is no selector"
    );
    let reports: Vec<Report> = imported
        .reports
        .iter()
        .map(|r| r.submission.validate(now()).unwrap())
        .collect();
    assert_eq!(reports.len(), 2);
    let main = &reports[0];
    assert_eq!(main.id, "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3");
    assert_eq!(main.country, "TH");
    assert_eq!(main.marking.tlp, Tlp::Amber);
    let selectors: Vec<&str> = main.selectors.iter().map(|s| s.as_str()).collect();
    assert!(
        selectors.contains(&"domain:trade-example.vip"),
        "{selectors:?}"
    );
    assert!(
        selectors.contains(&"email:support@trade-example.vip"),
        "{selectors:?}"
    );
    assert_eq!(reports[1].marking.tlp, Tlp::Red);
    assert_eq!(reports[1].selectors[0].as_str(), "phone:+85512345678");

    // The SCO has no marking of its own: it takes the AMBER of the report
    // that (through the observed-data) lists it.
    let email = imported
        .kept
        .iter()
        .find(|k| k.id.starts_with("email-addr"))
        .unwrap();
    assert_eq!(email.marking.tlp, Tlp::Amber);
    assert!(
        email
            .json
            .contains("\"value\": \"support@trade-example.vip\",   \"x_acme_note\"")
    );

    // Exported again: the kept objects, byte for byte, and nothing derived
    // for the reports that came from them.
    let kept: Vec<KeptObject> = imported
        .kept
        .iter()
        .map(|k| KeptObject {
            id: k.id.clone(),
            added: now(),
            json: k.json.clone(),
        })
        .collect();
    let again = export(&reports, &kept);
    let parsed: Value = serde_json::from_str(&again).unwrap();
    let original: Value = serde_json::from_str(FOREIGN).unwrap();
    assert_eq!(parsed["objects"], original["objects"]);
    for k in &imported.kept {
        assert!(again.contains(&k.json));
    }
}

#[test]
fn bad_bundles_name_the_line_and_field() {
    let cases = [
        ("[]", "bundle"),
        (r#"{"type": "report"}"#, "type"),
        (
            r#"{"type": "bundle", "id": "bundle--x", "objects": []}"#,
            "id",
        ),
        (
            r#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "spec_version": "2.0", "objects": []}"#,
            "spec_version",
        ),
        (
            "{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [\n{\"type\": \"report\", \"id\": \"indicator--a740531e-63ff-4e49-a9e1-a0a3eed0e3e7\"}]}",
            "objects[0].id",
        ),
        (
            "{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [\n\n{\"type\": \"malware\", \"spec_version\": \"2.1\", \"id\": \"malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111\", \"created\": \"yesterday\"}]}",
            "objects[0].created",
        ),
    ];
    for (text, field) in cases {
        let e = import_bundle(text, &options()).unwrap_err();
        assert_eq!(e.field, field, "{text}: {e}");
    }
    let e = import_bundle(cases[5].0, &options()).unwrap_err();
    assert_eq!(e.line, 3);
}

fn red_of(objects: &[Value]) -> &Value {
    objects
        .iter()
        .find(|o| o["type"] == "report" && o["name"].as_str().unwrap().ends_with("case-1"))
        .unwrap()
}
