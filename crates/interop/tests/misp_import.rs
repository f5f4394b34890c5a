//! MISP events as MISP writes them → Cordon reports: shapes of the text,
//! markings, sightings, selectors of attributes and objects, and errors
//! that name the event, field and line.

use chrono::{DateTime, Utc};
use cordon_core::{Marking, Report, Tlp};
use cordon_interop::misp::{ImportOptions, check_events, import_events};
use serde_json::{Value, json};

fn now() -> DateTime<Utc> {
    "2026-11-20T08:00:00Z".parse().unwrap()
}

fn options() -> ImportOptions {
    ImportOptions {
        country: "TH".into(),
        marking: Marking::default(),
    }
}

const UUID: &str = "5f2c3d4e-1111-4222-8333-944455556666";

/// An event as MISP's own JSON export writes it (numbers as strings).
fn misp_event() -> Value {
    json!({
        "id": "12", "orgc_id": "1", "org_id": "1",
        "uuid": UUID,
        "info": "Pig-butchering ring recruiting through Telegram",
        "date": "2026-03-01", "timestamp": "1772400000", "published": true,
        "threat_level_id": "2", "analysis": "1", "distribution": "3", "sharing_group_id": "0",
        "Orgc": {"id": "1", "name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
        "Tag": [{"id": "3", "name": "tlp:green", "colour": "#33FF00", "exportable": true},
                {"id": "9", "name": "cordon:kind=\"recruitment_ad\""},
                {"id": "10", "name": "cordon:mo=\"channel:telegram\""},
                {"id": "11", "name": "osint:source-type=\"blog-post\""}],
        "Attribute": [
            {"id": "1", "type": "phone-number", "category": "Person", "to_ids": false,
             "uuid": "a0000000-0000-4000-8000-000000000001", "distribution": "5",
             "value": "+855 12 345 678", "comment": "recruiter's WhatsApp",
             "Sighting": [
                {"id": "1", "type": "0", "uuid": "50000000-0000-4000-8000-000000000001", "date_sighting": "1772400000"},
                {"id": "2", "type": "0", "uuid": "50000000-0000-4000-8000-000000000002", "date_sighting": "1772400001"},
                {"id": "3", "type": "1", "uuid": "50000000-0000-4000-8000-000000000003", "date_sighting": "1772400002"}]},
            {"id": "2", "type": "url", "category": "Network activity", "to_ids": true,
             "uuid": "a0000000-0000-4000-8000-000000000002", "distribution": "5",
             "value": "hxxps://trade-usdt[.]vip/login", "comment": ""},
            {"id": "3", "type": "ip-dst|port", "category": "Network activity", "to_ids": true,
             "uuid": "a0000000-0000-4000-8000-000000000003", "distribution": "5",
             "value": "203.0.113.5|443"},
            {"id": "4", "type": "xmr", "category": "Financial fraud", "to_ids": true,
             "uuid": "a0000000-0000-4000-8000-000000000004", "distribution": "5",
             "value": "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx"},
            {"id": "5", "type": "text", "category": "Other", "to_ids": false,
             "uuid": "a0000000-0000-4000-8000-000000000005", "distribution": "5",
             "value": "Victims are told to deposit USDT."},
            {"id": "6", "type": "port", "category": "Network activity", "to_ids": false,
             "uuid": "a0000000-0000-4000-8000-000000000006", "value": "443"},
            {"id": "7", "type": "domain", "category": "Network activity", "to_ids": true,
             "uuid": "a0000000-0000-4000-8000-000000000007", "value": "deleted.example", "deleted": true}
        ],
        "Object": [
            {"id": "1", "name": "bank-account", "meta-category": "financial",
             "template_uuid": "b4712203-95a8-4883-80e9-b566f5df11c9", "template_version": "3",
             "uuid": "b0000000-0000-4000-8000-000000000001", "distribution": "5", "comment": "mule account",
             "Attribute": [
                {"type": "iban", "object_relation": "iban", "category": "Financial fraud",
                 "uuid": "b1000000-0000-4000-8000-000000000001", "value": "DE89 3704 0044 0532 0130 00",
                 "Sighting": [{"type": "0", "uuid": "50000000-0000-4000-8000-000000000004"}]},
                {"type": "bic", "object_relation": "swift", "category": "Financial fraud",
                 "uuid": "b1000000-0000-4000-8000-000000000002", "value": "COBADEFFXXX"}]},
            {"id": "2", "name": "social-media", "meta-category": "misc",
             "uuid": "b0000000-0000-4000-8000-000000000002", "distribution": "5",
             "Attribute": [
                {"type": "text", "object_relation": "platform", "value": "Telegram"},
                {"type": "text", "object_relation": "username", "value": "@GoodJob_HR"}]},
            {"id": "3", "name": "geolocation", "meta-category": "misc",
             "uuid": "b0000000-0000-4000-8000-000000000003",
             "Attribute": [
                {"type": "float", "object_relation": "latitude", "value": "16.69"},
                {"type": "float", "object_relation": "longitude", "value": "98.51"},
                {"type": "text", "object_relation": "city", "value": "Myawaddy"}]}
        ],
        "Sighting": [
            {"id": "2", "type": "0", "uuid": "50000000-0000-4000-8000-000000000002",
             "attribute_uuid": "a0000000-0000-4000-8000-000000000001"},
            {"id": "9", "type": "0", "uuid": "50000000-0000-4000-8000-000000000009",
             "attribute_uuid": "a0000000-0000-4000-8000-000000000003"}
        ],
        "Galaxy": [], "RelatedEvent": []
    })
}

fn one(text: &str) -> Report {
    let checked = check_events(text, &options(), now());
    assert!(checked.errors.is_empty(), "{:?}", checked.errors);
    assert_eq!(checked.reports.len(), 1);
    checked.reports.into_iter().next().unwrap()
}

#[test]
fn an_event_of_misp_becomes_a_report() {
    let text = serde_json::to_string_pretty(&json!({"Event": misp_event()})).unwrap();
    let imported = import_events(&text, &options()).unwrap();
    let e = &imported.events[0];
    assert_eq!(e.uuid, UUID);
    // Six live standalone attributes, seven in objects.
    assert_eq!(e.attributes, 13);
    assert_eq!(e.unusable, 1, "the Monero address");
    // Sighting 2 is listed twice (on the attribute and the event): once.
    assert_eq!(e.sightings.sightings, 4);
    assert_eq!(e.sightings.attributes, 3);
    assert_eq!(e.sightings.false_positives, 1);

    let r = one(&text);
    assert_eq!(r.id, format!("misp-event--{UUID}"));
    assert_eq!(r.kind.as_str(), "recruitment_ad");
    assert_eq!(r.country, "TH");
    assert_eq!(r.mo, ["channel:telegram"]);
    assert_eq!(r.marking.tlp, Tlp::Green);
    assert_eq!(
        r.received.unwrap().to_rfc3339(),
        "2026-03-01T00:00:00+00:00"
    );
    let selectors: Vec<&str> = r.selectors.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        selectors,
        [
            "phone:+85512345678",
            "domain:trade-usdt.vip",
            "url:https://trade-usdt.vip/login",
            "ip:203.0.113.5",
            "iban:DE89370400440532013000",
            "telegram:@goodjob_hr",
        ]
    );
    let narrative = r.narrative.as_deref().unwrap();
    assert!(
        narrative.starts_with(
            "Pig-butchering ring recruiting through Telegram\n\nVictims are told to deposit USDT."
        ),
        "{narrative}"
    );
    assert!(
        narrative.contains("- phone-number +855 12 345 678: recruiter's WhatsApp"),
        "{narrative}"
    );
    assert!(
        narrative.contains("- bank-account: mule account"),
        "{narrative}"
    );
    assert!(
        narrative.ends_with("\n\nMISP: 4 sightings of 3 attributes, 1 false positive"),
        "{narrative}"
    );
    let loc = r.location.unwrap();
    assert_eq!(
        (loc.lat, loc.lon, loc.place.as_deref()),
        (16.69, 98.51, Some("Myawaddy"))
    );
}

#[test]
fn every_shape_misp_writes_is_read() {
    let e = misp_event();
    let shapes = [
        json!({"Event": e}),
        e.clone(),
        json!([{"Event": e}]),
        json!([e]),
        json!({"response": [{"Event": e}]}),
    ];
    for shape in shapes {
        let r = one(&shape.to_string());
        assert_eq!(r.id, format!("misp-event--{UUID}"), "{shape}");
    }
    let two = json!({"response": [
        {"Event": misp_event()},
        {"Event": {"uuid": "6f2c3d4e-1111-4222-8333-944455556666", "info": "second", "Attribute": [
            {"type": "email-src", "value": "hr@example.vip"}]}}
    ]});
    let checked = check_events(
        &serde_json::to_string_pretty(&two).unwrap(),
        &options(),
        now(),
    );
    assert_eq!(checked.reports.len(), 2);
    assert_eq!(checked.reports[1].kind.as_str(), "tip");
    assert_eq!(
        checked.reports[1].marking.tlp,
        Tlp::Amber,
        "no tag, no distribution: the default"
    );
}

fn level(event: Value) -> Tlp {
    one(&event.to_string()).marking.tlp
}

#[test]
fn tlp_tags_win_and_distribution_decides_without_them() {
    let base = |dist: Value, tags: Value| {
        json!({"uuid": UUID, "info": "x", "distribution": dist, "Tag": tags,
               "Attribute": [{"type": "domain", "value": "example.vip"}]})
    };
    assert_eq!(level(base(json!("0"), json!([]))), Tlp::AmberStrict);
    assert_eq!(
        level(base(json!("1"), json!([]))),
        Tlp::AmberStrict,
        "downgraded on pull"
    );
    assert_eq!(
        level(base(json!(2), json!([]))),
        Tlp::Amber,
        "downgraded on pull"
    );
    assert_eq!(level(base(json!("3"), json!([]))), Tlp::Green);
    assert_eq!(level(base(json!("4"), json!([]))), Tlp::Amber);
    assert_eq!(
        level(base(json!("0"), json!([{"name": "tlp:white"}]))),
        Tlp::Clear
    );
    assert_eq!(
        level(base(
            json!("3"),
            json!([{"name": "tlp:green"}, {"name": "tlp:red"}])
        )),
        Tlp::Red,
        "the strictest tag"
    );
    assert_eq!(
        level(base(json!("3"), json!([{"name": "tlp:amber+strict"}]))),
        Tlp::AmberStrict
    );
}

#[test]
fn a_stricter_attribute_or_object_makes_the_whole_report_stricter() {
    let with = |attribute: Value| {
        level(
            json!({"uuid": UUID, "info": "x", "distribution": "3", "Tag": [{"name": "tlp:clear"}],
            "Attribute": [{"type": "domain", "value": "example.vip"}, attribute]}),
        )
    };
    // An attribute as wide as its event changes nothing.
    assert_eq!(
        with(json!({"type": "domain", "value": "a.example", "distribution": "3"})),
        Tlp::Clear
    );
    assert_eq!(
        with(json!({"type": "domain", "value": "a.example", "distribution": "5"})),
        Tlp::Clear
    );
    assert_eq!(
        with(json!({"type": "domain", "value": "a.example", "distribution": "1"})),
        Tlp::AmberStrict
    );
    assert_eq!(
        with(json!({"type": "domain", "value": "a.example", "Tag": [{"name": "tlp:amber"}]})),
        Tlp::Amber
    );
    let object = level(json!({"uuid": UUID, "info": "x", "distribution": "3",
        "Object": [{"name": "domain-ip", "distribution": "0",
                    "Attribute": [{"type": "domain", "object_relation": "domain", "value": "example.vip"}]}]}));
    assert_eq!(object, Tlp::AmberStrict);
}

#[test]
fn cordon_tags_carry_the_report_fields() {
    let r = one(
        &json!({"Event": {"uuid": UUID, "info": "ignored for Cordon's own events",
            "Tag": [{"name": "tlp:amber"}, {"name": "cordon:report-id=\"case-7\""},
                    {"name": "cordon:kind=\"fraud_complaint\""}, {"name": "cordon:country=\"GB\""},
                    {"name": "cordon:recipient=\"KH-NCB\""}, {"name": "cordon:hit-notification=\"false\""},
                    {"name": "cordon:loss=\"15000.50 USDT\""}, {"name": "cordon:language=\"en\""},
                    {"name": "cordon:received=\"2026-03-01T10:00:00Z\""},
                    {"name": "admiralty-scale:source-reliability=\"b\""}],
            "EventReport": [{"name": "narrative", "content": "Paid to 07911 123456."}]}})
        .to_string(),
    );
    assert_eq!(r.id, "case-7");
    assert_eq!(r.kind.as_str(), "fraud_complaint");
    assert_eq!(r.country, "GB");
    assert_eq!(r.marking.recipients, ["KH-NCB"]);
    assert!(!r.marking.hit_notification);
    assert_eq!(r.losses[0].amount, "15000.50");
    assert_eq!(
        r.grading.unwrap().to_string(),
        "B6",
        "credibility not given: cannot be judged"
    );
    assert_eq!(r.narrative.as_deref(), Some("Paid to 07911 123456."));
    // The narrative's national number takes the report's country.
    assert_eq!(r.selectors[0].as_str(), "phone:+447911123456");
}

/// The one error of a bad text.
fn error(text: &str) -> cordon_interop::misp::ImportError {
    import_events(text, &options()).unwrap_err()
}

#[test]
fn bad_events_name_the_line_event_and_field() {
    let e = error("[\n{\"Event\": {\"uuid\": \"x\",\n\"info\": }}\n]");
    assert_eq!((e.line, e.field.as_str()), (3, "events"));
    assert!(e.message.starts_with("not JSON"), "{e}");

    let text = serde_json::to_string_pretty(&json!([
        {"Event": {"uuid": UUID, "info": "ok"}},
        {"Event": {"uuid": "7f2c3d4e-1111-4222-8333-944455556666", "info": "bad",
            "Attribute": [{"type": "domain", "value": "a.example"},
                          {"type": "domain", "value": "b.example", "distribution": "7"}]}}
    ]))
    .unwrap();
    let e = error(&text);
    let want_line = text
        .lines()
        .position(|l| l.contains("\"distribution\": \"7\""))
        .unwrap()
        + 1;
    assert_eq!(e.line, want_line, "{e}");
    assert_eq!(
        e.field,
        "events[1] (7f2c3d4e-1111-4222-8333-944455556666).Attribute[1].distribution"
    );

    let text = serde_json::to_string_pretty(&json!({"Event": {"uuid": UUID, "info": "x",
        "Object": [{"name": "person", "Attribute": [{"object_relation": "full-name", "type": "full-name"}]}]}}))
    .unwrap();
    let e = error(&text);
    assert_eq!(
        e.field,
        format!("events[0] ({UUID}).Object[0].Attribute[0].value")
    );
    assert!(text.lines().nth(e.line - 1).unwrap().contains('{'), "{e}");

    for (event, field) in [
        (json!({"info": "no uuid"}), "events[0].uuid"),
        (json!({"uuid": "nope", "info": "x"}), "events[0].uuid"),
        (
            json!({"uuid": UUID}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).info",
        ),
        (
            json!({"uuid": UUID, "info": "x", "distribution": "5"}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).distribution",
        ),
        (
            json!({"uuid": UUID, "info": "x", "date": "01/03/2026"}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).date",
        ),
        (
            json!({"uuid": UUID, "info": "x", "timestamp": "soon"}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).timestamp",
        ),
        (
            json!({"uuid": UUID, "info": "x", "Tag": [{"colour": "#fff"}]}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).Tag[0]",
        ),
        (
            json!({"uuid": UUID, "info": "x", "Attribute": {"type": "domain"}}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).Attribute",
        ),
        (
            json!({"uuid": UUID, "info": "x", "Attribute": [{"value": "a.example"}]}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).Attribute[0].type",
        ),
        (
            json!({"uuid": UUID, "info": "x", "Attribute": [{"type": "domain", "value": {"a": 1}}]}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).Attribute[0].value",
        ),
        (
            json!({"uuid": UUID, "info": "x", "Attribute": [{"type": "domain", "value": "a.example", "Sighting": [{"type": "4"}]}]}),
            "events[0] (5f2c3d4e-1111-4222-8333-944455556666).Attribute[0].Sighting[0].type",
        ),
    ] {
        let e = error(&event.to_string());
        assert_eq!(e.field, field, "{event}: {e}");
    }
    let e = error(&json!([{"uuid": UUID, "info": "a"}, {"uuid": UUID, "info": "b"}]).to_string());
    assert!(e.message.contains("events[0]"), "{e}");
    assert!(error("42").message.contains("a MISP export is"));
}

#[test]
fn a_report_that_does_not_validate_names_its_event() {
    let text = json!([{"uuid": UUID, "info": "x", "Tag": [{"name": "cordon:kind=\"rumour\""}]}])
        .to_string();
    let checked = check_events(&text, &options(), now());
    assert!(checked.reports.is_empty());
    assert_eq!(checked.errors.len(), 1);
    assert_eq!(
        checked.errors[0].field.as_deref(),
        Some(format!("events[0] ({UUID}): kind").as_str())
    );
}

#[test]
fn values_cordon_cannot_normalise_are_counted_not_fatal() {
    let text = json!({"uuid": UUID, "info": "x", "Attribute": [
        {"type": "phone-number", "value": "12"},
        {"type": "iban", "value": "DE00 1234"},
        {"type": "btc", "value": "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
        {"type": "btc", "value": "1BoatSLRHtKNngkdXEeobR76b53LETtpyX"},
        {"type": "domain", "value": "example.vip"},
        {"type": "filename", "value": "invoice.exe"}]})
    .to_string();
    let checked = check_events(&text, &options(), now());
    assert!(checked.errors.is_empty(), "{:?}", checked.errors);
    assert_eq!(
        checked.unusable, 3,
        "a short number, a bad IBAN, a bad checksum"
    );
    assert_eq!(checked.attributes, 6);
    let selectors: Vec<&str> = checked.reports[0]
        .selectors
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        selectors,
        [
            "domain:example.vip",
            "btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
        ]
    );
}
