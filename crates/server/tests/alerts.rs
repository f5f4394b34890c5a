//! Watches and alerts through the API, on both backends: a watch raises an
//! alert at ingest on the live event stream, as far as the access rules
//! let its owner learn of the report; a client resuming with
//! `Last-Event-ID` gets what it missed from the store; an ended watch
//! raises nothing.

mod common;

use std::time::Duration;

use serde_json::{Value, json};

use common::{A, Backend, R, Stream, World, test_config, who};

on_both_backends!(a_watch_alerts_at_ingest_within_the_access_rules);

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
