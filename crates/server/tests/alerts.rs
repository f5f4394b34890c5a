//! Watches and alerts through the API, on both backends: a watch raises an
//! alert at ingest on the live event stream, as far as the access rules
//! let its owner learn of the report; a client resuming with
//! `Last-Event-ID` gets what it missed from the store; an ended watch
//! raises nothing.

mod common;

use std::time::Duration;

use serde_json::{Value, json};

use common::{A, Backend, R, Stream, World, test_config, who};

on_both_backends!(
    a_watch_alerts_at_ingest_within_the_access_rules,
    target_watches_alert_within_the_access_rules,
    owners_who_ask_are_told_of_interest_in_red_data,
    orange_notices_are_pushed_acknowledged_and_tracked,
);

fn report(id: &str, tlp: &str, hit_notification: bool, selectors: &[&str]) -> Value {
    json!({
        "id": id, "kind": "fraud_complaint", "country": "KH",
        "marking": {"tlp": tlp, "hit_notification": hit_notification},
        "narrative": format!("report {id}"), "selectors": selectors,
    })
}

async fn a_watch_alerts_at_ingest_within_the_access_rules(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let r = who(R, "analyst");
    let a = who(A, "analyst");
    let phone = "+855 12 345 678";
    let email = "case-w@example.com";
    // Bad watches are refused, naming what is wrong.
    let bad = world
        .post_json(
            Some(&r),
            "/api/v1/watches",
            &json!({"name": "case 7", "selectors": [phone, "not a selector"]}),
        )
        .await
        .expect_error(422, "invalid_selector");
    assert_eq!(bad["field"], "selectors[1]");
    world
        .post_json(
            Some(&who(R, "contributor")),
            "/api/v1/watches",
            &json!({"name": "x", "selectors": [phone]}),
        )
        .await
        .expect_error(403, "forbidden");
    world
        .post_json(
            Some(&r),
            "/api/v1/watches",
            &json!({"name": "x", "selectors": []}),
        )
        .await
        .expect_error(400, "invalid_request");
    let watch = world
        .post_json(
            Some(&r),
            "/api/v1/watches",
            &json!({"name": "case 7", "selectors": [phone, email, phone]}),
        )
        .await
        .expect(201);
    let watch_id = watch["id"].as_str().unwrap().to_owned();
    assert_eq!(
        watch["selectors"],
        json!(["email:case-w@example.com", "phone:+85512345678"])
    );
    let listed = world.get(Some(&r), "/api/v1/watches").await.expect(200);
    assert_eq!(listed["watches"][0]["id"], watch_id.as_str());
    assert!(
        world.get(Some(&a), "/api/v1/watches").await.expect(200)["watches"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let mut stream = Stream::open(&world, &r, None).await;
    let mut other = Stream::open(&world, &who(R, "analyst2"), None).await;
    // A GREEN report naming the phone: R reads it.
    world
        .submit(&a, &json!(report("g1", "GREEN", true, &[phone])))
        .await;
    let (first_id, first) = stream.next(Duration::from_secs(5)).await.expect("an alert");
    assert_eq!(first["report"]["agency"], A);
    assert_eq!(first["report"]["report_id"], "g1");
    assert_eq!(first["watches"][0]["watch"], watch_id.as_str());
    assert_eq!(
        first["watches"][0]["selectors"],
        json!(["phone:+85512345678"])
    );
    // An AMBER report not for R: only its holder and contact.
    world
        .submit(
            &a,
            &json!(report("amber-unseen-q7", "AMBER", true, &[email])),
        )
        .await;
    let (_, second) = stream
        .next(Duration::from_secs(5))
        .await
        .expect("a contact alert");
    assert!(second.get("report").is_none(), "{second}");
    assert_eq!(second["held_by"]["agency"], A);
    assert_eq!(second["held_by"]["contact"], common::contact_of(A).as_str());
    assert!(!second.to_string().contains("amber-unseen-q7"), "{second}");
    // A RED report without hit notification: nothing; the next GREEN one
    // is the next alert.
    world
        .submit(&a, &json!(report("h1", "RED", false, &[phone])))
        .await;
    world
        .submit(&a, &json!(report("g2", "GREEN", true, &[email])))
        .await;
    let (_, third) = stream.next(Duration::from_secs(5)).await.expect("an alert");
    assert_eq!(third["report"]["report_id"], "g2", "{third}");
    // The watch is R's analyst's alone.
    assert!(other.next(Duration::from_millis(300)).await.is_none());

    // Resuming after the first alert replays the two later ones.
    let mut resumed = Stream::open(&world, &r, Some(&first_id)).await;
    let (_, again) = resumed
        .next(Duration::from_secs(5))
        .await
        .expect("a replayed alert");
    assert!(again.get("held_by").is_some(), "{again}");
    let (_, again) = resumed
        .next(Duration::from_secs(5))
        .await
        .expect("a replayed alert");
    assert_eq!(again["report"]["report_id"], "g2");

    // An ended watch raises nothing.
    let gone = reqwest::Client::new()
        .delete(world.url(&format!("/api/v1/watches/{watch_id}")))
        .bearer_auth(world.token(&r))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    world
        .submit(&a, &json!(report("g3", "GREEN", true, &[phone])))
        .await;
    assert!(stream.next(Duration::from_millis(500)).await.is_none());
}

fn located(id: &str, tlp: &str, narrative: &str, mo: &[&str], at: Option<(f64, f64)>) -> Value {
    let mut r = json!({
        "id": id, "kind": "compound_intel", "country": "KH",
        "marking": {"tlp": tlp, "hit_notification": true},
        "narrative": narrative, "mo": mo,
        "selectors": [format!("{id}@example.org")],
    });
    if let Some((lat, lon)) = at {
        r["location"] = json!({"lat": lat, "lon": lon});
    }
    r
}

async fn keep(world: &World, who: &str, body: Value) -> String {
    world
        .post_json(Some(who), "/api/v1/watches", &body)
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Network, compound, pattern and text watches: each alerts on the reports
/// it matches; only a network watch names the holder of a report its owner
/// may not read, the others stay silent about it.
async fn target_watches_alert_within_the_access_rules(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let r = who(R, "analyst");
    let a = who(A, "analyst");
    // Bad targets are refused, naming the field; nothing is kept.
    for (target, field) in [
        (
            json!({"kind": "text", "pattern": "(unclosed"}),
            "target.pattern",
        ),
        (
            json!({"kind": "pattern", "country": "XQ"}),
            "target.country",
        ),
        (
            json!({"kind": "pattern", "country": "KH", "mo": ["no-such-mo"]}),
            "target.mo[0]",
        ),
        (
            json!({"kind": "compound", "site": "not-a-cell"}),
            "target.site",
        ),
    ] {
        let bad = world
            .post_json(
                Some(&r),
                "/api/v1/watches",
                &json!({"name": "bad", "target": target}),
            )
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(bad["field"], field, "{bad}");
    }
    world
        .post_json(
            Some(&r),
            "/api/v1/watches",
            &json!({"name": "bad", "selectors": ["+855 12 345 678"],
                    "target": {"kind": "text", "pattern": "x"}}),
        )
        .await
        .expect_error(400, "invalid_request");
    world
        .post_json(
            Some(&r),
            "/api/v1/watches",
            &json!({"name": "bad", "target": {"kind": "network", "network": "N-000000000000"}}),
        )
        .await
        .expect_error(404, "not_found");
    assert!(
        world.get(Some(&r), "/api/v1/watches").await.expect(200)["watches"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let text = keep(
        &world,
        &r,
        json!({"name": "kokko", "target": {"kind": "text", "pattern": "shwe\\s+kokko"}}),
    )
    .await;
    let pattern = keep(
        &world,
        &r,
        json!({"name": "kh romance", "target": {"kind": "pattern", "country": "kh", "mo": ["Romance"]}}),
    )
    .await;
    let (lat, lon) = (16.9176, 98.5186);
    // A compound watch needs no compound found yet: any site will do.
    let site = cordon_analysis::places::site(lat, lon).unwrap().to_string();
    let compound = keep(
        &world,
        &r,
        json!({"name": "site", "target": {"kind": "compound", "site": site}}),
    )
    .await;

    let mut stream = Stream::open(&world, &r, None).await;
    // Text: a GREEN narrative matches, in any case and spacing.
    world
        .submit(
            &a,
            &json!(located(
                "t1",
                "GREEN",
                "seen at SHWE  Kokko gate",
                &[],
                None
            )),
        )
        .await;
    let (_, got) = stream
        .next(Duration::from_secs(5))
        .await
        .expect("a text alert");
    assert_eq!(got["report"]["report_id"], "t1", "{got}");
    assert_eq!(got["watches"][0]["watch"], text.as_str());
    assert_eq!(got["watches"][0]["target"], "text /shwe\\s+kokko/");
    // An AMBER report R may not read matches the text but alerts nothing:
    // a text watch does not probe content it may not read.
    world
        .submit(
            &a,
            &json!(located("amber-q9z", "AMBER", "shwe kokko again", &[], None)),
        )
        .await;
    // Pattern: country and one of the modi operandi.
    world
        .submit(
            &a,
            &json!(located(
                "p1",
                "GREEN",
                "nothing special",
                &["romance"],
                None
            )),
        )
        .await;
    let (_, got) = stream
        .next(Duration::from_secs(5))
        .await
        .expect("a pattern alert");
    assert_eq!(
        got["report"]["report_id"], "p1",
        "the AMBER text match raised nothing: {got}"
    );
    assert_eq!(got["watches"][0]["watch"], pattern.as_str());
    // Compound: a report located at the site.
    world
        .submit(
            &a,
            &json!(located(
                "c1",
                "GREEN",
                "inside",
                &[],
                Some((lat + 0.0001, lon))
            )),
        )
        .await;
    let (_, got) = stream
        .next(Duration::from_secs(5))
        .await
        .expect("a compound alert");
    assert_eq!(got["report"]["report_id"], "c1", "{got}");
    assert_eq!(got["watches"][0]["watch"], compound.as_str());

    // Network: two reports sharing a handle make a network; a third that
    // joins it alerts, and an AMBER one joining it names only its holder.
    let handle = "telegram:@q_network_boss";
    for id in ["n1", "n2"] {
        let mut body = located(id, "GREEN", "boss", &[], None);
        body["selectors"] = json!([handle, format!("{id}-x@example.org")]);
        world.submit(&a, &json!(body)).await;
    }
    let network = common::eventually(Duration::from_secs(10), "the network forms", &mut || {
        let world = &world;
        let r = &r;
        async move {
            let got = world
                .get(Some(r), &format!("/api/v1/reports/{A}/n1/network"))
                .await;
            (got.status == 200)
                .then(|| got.json()["network"].as_str().map(str::to_owned))
                .flatten()
        }
    })
    .await;
    let net = keep(
        &world,
        &r,
        json!({"name": "boss", "target": {"kind": "network", "network": network}}),
    )
    .await;
    let mut body = located("n3", "GREEN", "boss", &[], None);
    body["selectors"] = json!([handle]);
    world.submit(&a, &json!(body)).await;
    let (_, got) = stream
        .next(Duration::from_secs(5))
        .await
        .expect("a network alert");
    assert_eq!(got["report"]["report_id"], "n3", "{got}");
    assert_eq!(got["watches"][0]["watch"], net.as_str());
    assert_eq!(got["watches"][0]["target"], format!("network {network}"));
    let mut body = located("amber-n4-q8x", "AMBER", "boss", &[], None);
    body["selectors"] = json!([handle]);
    world.submit(&a, &json!(body)).await;
    let (_, got) = stream
        .next(Duration::from_secs(5))
        .await
        .expect("a network contact alert");
    assert!(got.get("report").is_none(), "{got}");
    assert_eq!(got["held_by"]["agency"], A);
    assert!(!got.to_string().contains("amber-n4-q8x"), "{got}");
}

/// An owner that asks is told when another agency's hit query or watch
/// touches its RED data, with whom to contact; the other agency learns
/// nothing, and an owner that does not ask is told nothing.
async fn owners_who_ask_are_told_of_interest_in_red_data(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let (a, r, o) = (
        who(A, "analyst"),
        who(R, "analyst"),
        who(common::O, "analyst"),
    );
    world
        .send(
            world
                .http
                .put(world.url("/api/v1/interest"))
                .bearer_auth(world.token(&who(A, "contributor")))
                .json(&json!({"ask": true})),
        )
        .await
        .expect_error(403, "forbidden");
    let asked = world
        .send(
            world
                .http
                .put(world.url("/api/v1/interest"))
                .bearer_auth(world.token(&a))
                .json(&json!({"ask": true})),
        )
        .await
        .expect(200);
    assert_eq!(asked["ask"], true);
    let phone = "+855 12 909 101";
    let wallet_mail = "red-owner-k2@example.org";
    world
        .submit(&a, &json!([report("red-q1", "RED", false, &[phone])]))
        .await;
    world
        .submit(
            &who(common::O, "analyst"),
            &json!([report("o-red", "RED", false, &[phone])]),
        )
        .await;
    let mut owner = Stream::open(&world, &a, None).await;
    let mut outsider = Stream::open(&world, &o, None).await;

    // R's hit query finds nothing it may see...
    let hits = world
        .get_query(Some(&r), "/api/v1/hits", &[("selector", phone)])
        .await
        .expect(200);
    assert_eq!(hits["readable"], json!([]), "{hits}");
    assert_eq!(hits["held_elsewhere"], json!([]), "{hits}");
    // ...and A, which asks, is told at once; O, which does not, is not.
    let (_, told) = owner
        .next_of("interest", Duration::from_secs(5))
        .await
        .expect("the owner is told of the query");
    assert_eq!(told["how"], "query");
    assert_eq!(told["by_agency"], R);
    assert_eq!(told["by_contact"], common::contact_of(R).as_str());
    assert_eq!(told["selectors"], json!(["phone:+85512909101"]));
    assert_eq!(told["reports"], json!(["red-q1"]));
    assert!(
        outsider
            .next_of("interest", Duration::from_millis(300))
            .await
            .is_none()
    );
    // The same query again within the hour is not shown again.
    world
        .get_query(Some(&r), "/api/v1/hits", &[("selector", phone)])
        .await
        .expect(200);
    assert!(
        owner
            .next_of("interest", Duration::from_millis(300))
            .await
            .is_none()
    );

    // R's watch alerting on a RED report A accepts now.
    world
        .post_json(
            Some(&r),
            "/api/v1/watches",
            &json!({"name": "k2", "selectors": [wallet_mail]}),
        )
        .await
        .expect(201);
    world
        .submit(&a, &json!([report("red-q2", "RED", false, &[wallet_mail])]))
        .await;
    let (_, told) = owner
        .next_of("interest", Duration::from_secs(5))
        .await
        .expect("the owner is told of the watch");
    assert_eq!(told["how"], "watch");
    assert_eq!(told["by_agency"], R);
    assert_eq!(told["reports"], json!(["red-q2"]));

    // Both are kept for the owner to read again; nobody else sees them.
    let listed = world.get(Some(&a), "/api/v1/interest").await.expect(200);
    let shown = listed["shown"].as_array().unwrap();
    assert_eq!(shown.len(), 2, "{listed}");
    assert_eq!(shown[0]["how"], "watch");
    assert!(shown[0]["at"].is_string());
    let theirs = world.get(Some(&r), "/api/v1/interest").await.expect(200);
    assert_eq!(theirs["ask"], false);
    assert_eq!(theirs["shown"], json!([]));
    assert!(!theirs.to_string().contains("red-q"), "{theirs}");
}

/// An orange notice reaches at once the agencies its marking shares it
/// with, and no other; each acknowledges it once; the issuer tracks who
/// has not, and they are reminded until they do.
async fn orange_notices_are_pushed_acknowledged_and_tracked(backend: Backend) {
    let config = cordon_server::Config {
        orange_remind_every: Duration::from_millis(300),
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let (a, r, o) = (
        who(A, "analyst"),
        who(R, "analyst"),
        who(common::O, "analyst"),
    );
    let notice = |tlp: &str, recipients: Value| {
        json!({
            "title": "transfer of victims tonight", "threat": "victim_transfer",
            "text": "a group of 40 is moved to the border crossing q7x at 22:00",
            "tlp": tlp, "recipients": recipients, "selectors": ["+855 12 000 111"],
        })
    };
    // Bad notices are refused, naming the field; nothing is issued.
    for (body, status, code, field) in [
        (
            notice("AMBER", json!(["XX-NOPE"])),
            422,
            "invalid_field",
            "recipients[0]",
        ),
        (
            notice("GREEN", json!([R])),
            422,
            "invalid_field",
            "recipients",
        ),
        (
            notice("RED", json!([R])),
            422,
            "invalid_field",
            "recipients[0]",
        ),
        (
            notice("AMBER", json!([])),
            422,
            "invalid_field",
            "recipients",
        ),
        (
            json!({"title": "x", "threat": "other", "text": "y", "tlp": "GREEN", "selectors": ["not a selector"]}),
            422,
            "invalid_selector",
            "selectors[0]",
        ),
        (
            json!({"title": " ", "threat": "other", "text": "y", "tlp": "GREEN"}),
            400,
            "invalid_request",
            "title",
        ),
    ] {
        let bad = world
            .post_json(Some(&a), "/api/v1/orange-notices", &body)
            .await
            .expect_error(status, code);
        assert_eq!(bad["field"], field, "{bad}");
    }
    world
        .post_json(
            Some(&who(A, "contributor")),
            "/api/v1/orange-notices",
            &notice("AMBER", json!([R])),
        )
        .await
        .expect_error(403, "forbidden");
    assert_eq!(
        world
            .get(Some(&a), "/api/v1/orange-notices")
            .await
            .expect(200)["notices"],
        json!([])
    );

    let mut issuer = Stream::open(&world, &a, None).await;
    let mut reached = Stream::open(&world, &r, None).await;
    let mut outsider = Stream::open(&world, &o, None).await;
    let issued = world
        .post_json(
            Some(&a),
            "/api/v1/orange-notices",
            &notice("AMBER", json!([R])),
        )
        .await
        .expect(201);
    let id = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["tracking"]["audience"], json!([R]));
    assert_eq!(issued["tracking"]["outstanding"], json!([R]));
    let (_, pushed) = reached
        .next_of("orange_notice", Duration::from_secs(5))
        .await
        .expect("the notice is pushed to R");
    assert_eq!(pushed["id"], id.as_str());
    assert_eq!(pushed["reminder"], false);
    assert!(
        outsider
            .next_of("orange_notice", Duration::from_millis(400))
            .await
            .is_none()
    );
    // R reads it (no tracking of others); O may not know of it.
    let seen = world
        .get(Some(&r), &format!("/api/v1/orange-notices/{id}"))
        .await
        .expect(200);
    assert!(seen.get("tracking").is_none(), "{seen}");
    assert!(seen.get("acknowledged").is_none(), "{seen}");
    world
        .get(Some(&o), &format!("/api/v1/orange-notices/{id}"))
        .await
        .expect_error(404, "not_found");
    let theirs = world
        .get(Some(&o), "/api/v1/orange-notices")
        .await
        .expect(200);
    assert!(!theirs.to_string().contains("q7x"), "{theirs}");

    // R acknowledges: A is told, and nobody is outstanding.
    let acked = world
        .post_json(
            Some(&r),
            &format!("/api/v1/orange-notices/{id}/ack"),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(acked["acknowledged"]["agency"], R);
    let (_, told) = issuer
        .next_of("orange_ack", Duration::from_secs(5))
        .await
        .expect("the issuer is told of the acknowledgement");
    assert_eq!(told["ack"]["agency"], R);
    assert_eq!(told["outstanding"], json!([]));
    world
        .post_json(
            Some(&r),
            &format!("/api/v1/orange-notices/{id}/ack"),
            &json!({}),
        )
        .await
        .expect(200);
    world
        .post_json(
            Some(&a),
            &format!("/api/v1/orange-notices/{id}/ack"),
            &json!({}),
        )
        .await
        .expect_error(409, "conflict");
    let tracked = world
        .get(Some(&a), &format!("/api/v1/orange-notices/{id}"))
        .await
        .expect(200);
    assert_eq!(
        tracked["tracking"]["acks"].as_array().unwrap().len(),
        1,
        "{tracked}"
    );
    assert_eq!(tracked["tracking"]["outstanding"], json!([]));

    // A GREEN notice reaches every agency; those that do not acknowledge
    // are reminded, those that did are not.
    let green = world
        .post_json(
            Some(&a),
            "/api/v1/orange-notices",
            &json!({"title": "new compound", "threat": "new_compound", "text": "seen", "tlp": "GREEN"}),
        )
        .await
        .expect(201);
    let green_id = green["id"].as_str().unwrap();
    assert_eq!(green["tracking"]["outstanding"], json!([R, common::O]));
    world
        .post_json(
            Some(&r),
            &format!("/api/v1/orange-notices/{green_id}/ack"),
            &json!({}),
        )
        .await
        .expect(200);
    let (_, first) = outsider
        .next_of("orange_notice", Duration::from_secs(5))
        .await
        .expect("O is told");
    assert_eq!(first["id"], green_id);
    let (_, again) = outsider
        .next_of("orange_notice", Duration::from_secs(5))
        .await
        .expect("O is reminded");
    assert_eq!(again["id"], green_id);
    assert_eq!(again["reminder"], true);
    // R got its push of the GREEN notice, and no reminder of it (earlier
    // reminders of the AMBER one, before R acknowledged it, may come first).
    let mut greens = Vec::new();
    while let Some((_, e)) = reached
        .next_of("orange_notice", Duration::from_millis(800))
        .await
    {
        if e["id"] == green_id {
            greens.push(e);
        }
    }
    assert_eq!(greens.len(), 1, "{greens:?}");
    assert_eq!(greens[0]["reminder"], false);
}
