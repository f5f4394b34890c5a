//! Signed webhooks through the API, on both backends, against a real HTTP
//! receiver: deliveries are signed with the secret the webhook was made
//! with, carry only what the access rules let the owner learn, are
//! retried, become dead letters that can be retried by hand, resume from
//! the store after a restart without a loss or a repeat, and are made by
//! one replica of several; bad requests change nothing.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use cordon_core::ReportSubmission;
use cordon_server::Config;
use cordon_server::alerts::webhook::Delivery;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use common::{A, Backend, R, Received, Receiver, World, contact_of, test_config, who};

on_both_backends!(
    a_webhook_delivers_signed_alerts_within_the_access_rules,
    bad_webhooks_are_refused_naming_the_field_and_change_nothing,
    failed_deliveries_are_retried_then_dead_lettered_and_retried_by_hand,
    delivery_resumes_after_a_restart_without_loss_or_repeat,
    two_replicas_deliver_each_alert_once,
);

const PHONE: &str = "+855 12 345 678";
const EMAIL: &str = "hook-w@example.com";

/// Quick retries, so that a dead letter takes a fraction of a second.
fn config(attempts: u32) -> Config {
    Config {
        webhooks: Delivery {
            attempts,
            backoff: Duration::from_millis(30),
            max_backoff: Duration::from_millis(120),
            timeout: Duration::from_secs(3),
            lead_every: Duration::from_millis(100),
        },
        ..test_config()
    }
}

fn report(id: &str, tlp: &str, hit_notification: bool, selectors: &[&str]) -> Value {
    json!({
        "id": id, "kind": "fraud_complaint", "country": "KH",
        "marking": {"tlp": tlp, "hit_notification": hit_notification},
        "narrative": format!("report {id}"), "selectors": selectors,
    })
}

/// R's analyst watches the phone and the email; returns the watch id.
async fn watch(world: &World) -> String {
    let watch = world
        .post_json(
            Some(&who(R, "analyst")),
            "/api/v1/watches",
            &json!({"name": "hooked case", "selectors": [PHONE, EMAIL]}),
        )
        .await
        .expect(201);
    watch["id"].as_str().unwrap().to_owned()
}

/// R's analyst's webhook to `receiver`; returns (id, secret).
async fn hook(world: &World, receiver: &Receiver) -> (String, String) {
    let made = world
        .post_json(
            Some(&who(R, "analyst")),
            "/api/v1/webhooks",
            &json!({"url": receiver.url}),
        )
        .await
        .expect(201);
    (
        made["id"].as_str().unwrap().to_owned(),
        made["secret"].as_str().unwrap().to_owned(),
    )
}

/// Checks `X-Cordon-Signature` as a receiver would: `v1` is the hex
/// HMAC-SHA256 under the secret of `t`, `.` and the body, and `t` is now.
#[track_caller]
fn assert_signed(secret: &str, r: &Received) {
    let mut t = None;
    let mut v1 = None;
    for part in r.signature.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v.to_owned()),
            Some(("v1", v)) => v1 = Some(v.to_owned()),
            _ => {}
        }
    }
    let (t, v1) = (t.expect("a t= part"), v1.expect("a v1= part"));
    let age = Utc::now().timestamp() - t.parse::<i64>().expect("t is unix seconds");
    assert!((0..60).contains(&age), "t is now: {t}");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", r.body).as_bytes());
    assert_eq!(
        v1,
        hex::encode(mac.finalize().into_bytes()),
        "the signature verifies"
    );
    assert_eq!(r.event, "alert");
}

fn body(r: &Received) -> Value {
    serde_json::from_str(&r.body).expect("a json body")
}

/// The sequence number a delivery id names (`H-…:seq`).
fn seq_of(r: &Received, webhook: &str) -> i64 {
    let (id, seq) = r.delivery.split_once(':').expect("webhook:seq");
    assert_eq!(id, webhook);
    seq.parse().unwrap()
}

async fn a_webhook_delivers_signed_alerts_within_the_access_rules(backend: Backend) {
    let Some(world) = World::start(backend, config(3)).await else {
        return;
    };
    let a = who(A, "analyst");
    let receiver = Receiver::start().await;
    let watch_id = watch(&world).await;
    let (id, secret) = hook(&world, &receiver).await;
    assert!(
        id.starts_with("H-") && secret.starts_with("whsec_"),
        "{id} {secret}"
    );
    // Listed without its secret; not another analyst's.
    let listed = world
        .get(Some(&who(R, "analyst")), "/api/v1/webhooks")
        .await
        .expect(200);
    assert_eq!(listed["webhooks"][0]["id"], id.as_str());
    assert_eq!(listed["webhooks"][0]["url"], receiver.url.as_str());
    assert!(!listed.to_string().contains(&secret));
    let theirs = world
        .get(Some(&who(R, "analyst2")), "/api/v1/webhooks")
        .await
        .expect(200);
    assert!(
        theirs["webhooks"].as_array().unwrap().is_empty(),
        "{theirs}"
    );

    // A GREEN report naming the phone: R reads it.
    world
        .submit(&a, &json!(report("g1", "GREEN", true, &[PHONE])))
        .await;
    let got = receiver.wait_delivered(1, Duration::from_secs(10)).await;
    assert_signed(&secret, &got[0]);
    let first = body(&got[0]);
    assert_eq!(seq_of(&got[0], &id), first["seq"].as_i64().unwrap());
    assert_eq!(first["report"]["agency"], A);
    assert_eq!(first["report"]["report_id"], "g1");
    assert_eq!(first["watches"][0]["watch"], watch_id.as_str());
    assert_eq!(
        first["watches"][0]["selectors"],
        json!(["phone:+85512345678"])
    );

    // An AMBER report R may not read: its holder and contact, nothing of it.
    world
        .submit(
            &a,
            &json!({
                "id": "amber-hook-zq7", "kind": "tip", "country": "KH",
                "marking": {"tlp": "AMBER", "hit_notification": true},
                "narrative": "said hookwordzq9 at the river", "selectors": [EMAIL],
            }),
        )
        .await;
    // A RED one without hit notification: nothing; then a GREEN one.
    world
        .submit(&a, &json!(report("h1", "RED", false, &[PHONE])))
        .await;
    world
        .submit(&a, &json!(report("g2", "GREEN", true, &[EMAIL])))
        .await;
    let got = receiver.wait_delivered(3, Duration::from_secs(10)).await;
    let second = body(&got[1]);
    assert!(second.get("report").is_none(), "{second}");
    assert_eq!(second["held_by"]["agency"], A);
    assert_eq!(second["held_by"]["contact"], contact_of(A).as_str());
    for r in &got {
        assert!(!r.body.contains("amber-hook-zq7"), "{}", r.body);
        assert!(!r.body.contains("hookwordzq9"), "{}", r.body);
        assert_signed(&secret, r);
    }
    assert_eq!(body(&got[2])["report"]["report_id"], "g2");
    // In report order, once each.
    let seqs: Vec<i64> = got.iter().map(|r| seq_of(r, &id)).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 3);

    // The same events the stream replays from the store.
    let mut stream = common::Stream::open(&world, &who(R, "analyst"), Some("0")).await;
    for r in &got {
        let (_, event) = stream.next(Duration::from_secs(5)).await.expect("an alert");
        assert_eq!(event, body(r));
    }

    // A webhook naming one watch carries that watch's alerts only.
    let other = world
        .post_json(
            Some(&who(R, "analyst")),
            "/api/v1/watches",
            &json!({"name": "other case", "selectors": ["other-hook@example.com"]}),
        )
        .await
        .expect(201);
    let narrow = Receiver::start().await;
    world
        .post_json(
            Some(&who(R, "analyst")),
            "/api/v1/webhooks",
            &json!({"url": narrow.url, "watches": [other["id"]]}),
        )
        .await
        .expect(201);
    world
        .submit(&a, &json!(report("g3", "GREEN", true, &[PHONE])))
        .await;
    world
        .submit(
            &a,
            &json!(report("g4", "GREEN", true, &["other-hook@example.com"])),
        )
        .await;
    let got = narrow.wait_delivered(1, Duration::from_secs(10)).await;
    assert_eq!(body(&got[0])["report"]["report_id"], "g4");
    receiver.wait_delivered(5, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(narrow.received().len(), 1);

    // An ended webhook gets nothing more.
    let gone = world
        .http
        .delete(world.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(world.token(&who(R, "analyst")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    let before = receiver.received().len();
    world
        .submit(&a, &json!(report("g5", "GREEN", true, &[PHONE])))
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.received().len(), before);
    world
        .get(
            Some(&who(R, "analyst")),
            &format!("/api/v1/webhooks/{id}/dead-letters"),
        )
        .await
        .expect_error(404, "not_found");
}

async fn bad_webhooks_are_refused_naming_the_field_and_change_nothing(backend: Backend) {
    let Some(world) = World::start(backend, config(3)).await else {
        return;
    };
    let r = who(R, "analyst");
    let watch_id = watch(&world).await;
    let decisions = world.store.decisions_after(0, 1_000).await.unwrap().len();
    for (request, field) in [
        (json!({"url": "ftp://soc.example/hook"}), "url"),
        (json!({"url": "soc.example/hook"}), "url"),
        (json!({"url": ""}), "url"),
        (json!({"url": "https://user:pw@soc.example/"}), "url"),
        (json!({"url": "https://soc.example/#x"}), "url"),
        (
            json!({"url": "https://soc.example/", "watches": [watch_id, "W-000000000000"]}),
            "watches[1]",
        ),
        (json!({"url": "https://soc.example/", "after": -1}), "after"),
    ] {
        let error = world
            .post_json(Some(&r), "/api/v1/webhooks", &request)
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(error["field"], field, "{request}: {error}");
    }
    // Another analyst's watch is not this analyst's to carry; an agency
    // webhook carries only agency-wide watches.
    world
        .post_json(
            Some(&who(R, "analyst2")),
            "/api/v1/webhooks",
            &json!({"url": "https://soc.example/", "watches": [watch_id]}),
        )
        .await
        .expect_error(422, "invalid_field");
    world
        .post_json(
            Some(&r),
            "/api/v1/webhooks",
            &json!({"url": "https://soc.example/", "scope": "agency", "watches": [watch_id]}),
        )
        .await
        .expect_error(422, "invalid_field");
    for request in [
        json!({"url": "https://soc.example/", "colour": "blue"}),
        json!({"scope": "user"}),
        json!({"url": "https://soc.example/", "scope": "everyone"}),
    ] {
        world
            .post_json(Some(&r), "/api/v1/webhooks", &request)
            .await
            .expect_error(400, "invalid_request");
    }
    world
        .post_json(
            Some(&who(R, "contributor")),
            "/api/v1/webhooks",
            &json!({"url": "https://soc.example/"}),
        )
        .await
        .expect_error(403, "forbidden");
    world
        .post_json(
            None,
            "/api/v1/webhooks",
            &json!({"url": "https://soc.example/"}),
        )
        .await
        .expect_error(401, "unauthenticated");
    world
        .post_json(
            Some(&r),
            "/api/v1/webhooks/H-000000000000/dead-letters/1/retry",
            &json!({}),
        )
        .await
        .expect_error(404, "not_found");
    // Nothing was written.
    assert_eq!(
        world.store.decisions_after(0, 1_000).await.unwrap().len(),
        decisions
    );
    let listed = world.get(Some(&r), "/api/v1/webhooks").await.expect(200);
    assert!(
        listed["webhooks"].as_array().unwrap().is_empty(),
        "{listed}"
    );
}

async fn failed_deliveries_are_retried_then_dead_lettered_and_retried_by_hand(backend: Backend) {
    let Some(world) = World::start(backend, config(3)).await else {
        return;
    };
    let a = who(A, "analyst");
    let r = who(R, "analyst");
    let receiver = Receiver::start().await;
    watch(&world).await;
    let (id, secret) = hook(&world, &receiver).await;

    // Two failures, then success: delivered on the third attempt.
    receiver.plan(&[500, 500]);
    world
        .submit(&a, &json!(report("g1", "GREEN", true, &[PHONE])))
        .await;
    let got = receiver.wait_delivered(1, Duration::from_secs(10)).await;
    let all = receiver.received();
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all.iter().all(|x| x.delivery == got[0].delivery));
    assert_eq!(
        all.iter().map(|x| x.answered).collect::<Vec<_>>(),
        [500, 500, 200]
    );

    // Every attempt fails: a dead letter, and delivery moves on.
    receiver.plan(&[503, 503, 503]);
    world
        .submit(&a, &json!(report("g2", "GREEN", true, &[EMAIL])))
        .await;
    world
        .submit(&a, &json!(report("g3", "GREEN", true, &[PHONE])))
        .await;
    let got = receiver.wait_delivered(2, Duration::from_secs(10)).await;
    assert_eq!(body(&got[1])["report"]["report_id"], "g3");
    let dead_path = format!("/api/v1/webhooks/{id}/dead-letters");
    let dead = world.get(Some(&r), &dead_path).await.expect(200);
    let letters = dead["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{dead}");
    assert_eq!(letters[0]["attempts"], 3);
    assert_eq!(letters[0]["status"], 503);
    let seq = letters[0]["seq"].as_i64().unwrap();
    let listed = world.get(Some(&r), "/api/v1/webhooks").await.expect(200);
    assert_eq!(listed["webhooks"][0]["dead_letters"], 1);
    // Another analyst of R neither sees nor retries it.
    world
        .get(Some(&who(R, "analyst2")), &dead_path)
        .await
        .expect_error(404, "not_found");

    // The console lists it, and retries it with the session's CSRF token
    // only: while the receiver still fails, it stays.
    let browser = common::browser();
    let session = common::console_login(&world, &browser, &r).await;
    let page = world.page(&browser, Some(&session), "/webhooks").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&id) && page.body.contains(&receiver.url));
    let console_retry = format!("/webhooks/{id}/dead-letters/{seq}/retry");
    assert!(page.body.contains(&console_retry), "{}", page.body);
    assert!(!page.body.contains(&secret));
    let csrf = csrf_of(&page.body);
    let sent = receiver.received().len();
    let forged = form(
        &world,
        &browser,
        &session,
        &console_retry,
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        receiver.received().len(),
        sent,
        "a refused form sends nothing"
    );
    receiver.plan(&[502]);
    let retried = form(
        &world,
        &browser,
        &session,
        &console_retry,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert!(retried.body.contains("failed again"), "{}", retried.body);
    let dead = world.get(Some(&r), &dead_path).await.expect(200);
    assert_eq!(dead["dead_letters"][0]["attempts"], 4, "{dead}");
    // Through the API as well.
    receiver.plan(&[502]);
    let retry = format!("{dead_path}/{seq}/retry");
    let outcome = world
        .post_json(Some(&r), &retry, &json!({}))
        .await
        .expect(200);
    assert_eq!(outcome["outcome"], "failed", "{outcome}");
    assert_eq!(outcome["status"], 502);
    let dead = world.get(Some(&r), &dead_path).await.expect(200);
    assert_eq!(dead["dead_letters"][0]["attempts"], 5, "{dead}");
    // And again once it answers: delivered, signed, no longer dead.
    let outcome = world
        .post_json(Some(&r), &retry, &json!({}))
        .await
        .expect(200);
    assert_eq!(outcome["outcome"], "delivered", "{outcome}");
    let got = receiver.delivered();
    let last = got.last().unwrap();
    assert_eq!(seq_of(last, &id), seq);
    assert_eq!(body(last)["report"]["report_id"], "g2");
    assert_signed(&secret, last);
    let dead = world.get(Some(&r), &dead_path).await.expect(200);
    assert!(
        dead["dead_letters"].as_array().unwrap().is_empty(),
        "{dead}"
    );
    world
        .post_json(Some(&r), &retry, &json!({}))
        .await
        .expect_error(404, "not_found");

    // A webhook made in the console shows its secret once.
    let made = form(
        &world,
        &browser,
        &session,
        "/webhooks",
        &[
            ("csrf", &csrf),
            ("url", "https://soc.example/cordon"),
            ("scope", "agency"),
        ],
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(made.body.contains("whsec_"), "{}", made.body);
    let listed = world
        .get(Some(&who(R, "analyst2")), "/api/v1/webhooks")
        .await
        .expect(200);
    assert_eq!(listed["webhooks"][0]["scope"], "agency", "{listed}");
    assert_eq!(listed["webhooks"][0]["url"], "https://soc.example/cordon");
    let bad = form(
        &world,
        &browser,
        &session,
        "/webhooks",
        &[("csrf", &csrf), ("url", "ftp://x")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
}

/// The value of a page's first hidden `csrf` field.
fn csrf_of(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

/// POSTs a console form with the session cookie.
async fn form(
    world: &World,
    browser: &reqwest::Client,
    session: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> common::Answer {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", common::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    world
        .send(
            browser
                .post(world.url(path))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("cordon_session={session}"))
                .body(body),
        )
        .await
}

async fn delivery_resumes_after_a_restart_without_loss_or_repeat(backend: Backend) {
    let config = config(1_000);
    let Some(mut world) = World::start(backend, config.clone()).await else {
        return;
    };
    let a = who(A, "analyst");
    let receiver = Receiver::start().await;
    watch(&world).await;
    let (id, secret) = hook(&world, &receiver).await;
    world
        .submit(&a, &json!(report("g1", "GREEN", true, &[PHONE])))
        .await;
    world
        .submit(&a, &json!(report("g2", "GREEN", true, &[EMAIL])))
        .await;
    receiver.wait_delivered(2, Duration::from_secs(10)).await;
    // The receiver goes down while an alert is retried, and the server
    // stops meanwhile.
    receiver.answer(503);
    world
        .submit(&a, &json!(report("g3", "GREEN", true, &[PHONE])))
        .await;
    common::eventually(Duration::from_secs(10), "a failed attempt", &mut || async {
        (receiver.received().len() > 2).then_some(())
    })
    .await;
    world.stop().await;
    // A report is written while no server runs (`cordon import`).
    let late: ReportSubmission =
        serde_json::from_value(report("g4", "GREEN", true, &[EMAIL])).unwrap();
    world
        .store
        .submit(A, &[late.validate(Utc::now()).unwrap()], Utc::now())
        .await
        .unwrap();
    receiver.answer(200);
    let mut restarted = World::serve(
        world.store.clone(),
        world.key.clone(),
        world.tokens.clone(),
        config,
    )
    .await;
    restarted.ready().await;
    let got = receiver.wait_delivered(4, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = receiver.delivered();
    assert_eq!(got_now.len(), got.len(), "nothing more arrives");
    let mut per_id: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &got_now {
        *per_id.entry(r.delivery.as_str()).or_default() += 1;
        assert_signed(&secret, r);
    }
    assert_eq!(per_id.len(), 4, "{per_id:?}");
    assert!(per_id.values().all(|n| *n == 1), "each once: {per_id:?}");
    let ids: Vec<String> = got_now
        .iter()
        .map(|r| body(r)["report"]["report_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["g1", "g2", "g3", "g4"]);
    let seqs: Vec<i64> = got_now.iter().map(|r| seq_of(r, &id)).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    restarted.stop().await;
}

async fn two_replicas_deliver_each_alert_once(backend: Backend) {
    let config = config(1_000);
    let Some(mut world) = World::start(backend, config.clone()).await else {
        return;
    };
    let a = who(A, "analyst");
    let receiver = Receiver::start().await;
    watch(&world).await;
    // The second replica opens the database on its own, as another
    // process would.
    let other_store = world.backing.as_ref().unwrap().reopen().await;
    let mut second = World::serve(
        other_store,
        world.key.clone(),
        world.tokens.clone(),
        config.clone(),
    )
    .await;
    second.ready().await;
    let (_, secret) = hook(&world, &receiver).await;
    for i in 0..6 {
        let on = if i % 2 == 0 { &world } else { &second };
        let selector = if i % 3 == 0 { PHONE } else { EMAIL };
        on.submit(
            &a,
            &json!(report(&format!("g{i}"), "GREEN", true, &[selector])),
        )
        .await;
    }
    receiver.wait_delivered(6, Duration::from_secs(15)).await;
    // The first replica stops; the second takes the lead over.
    world.stop().await;
    second
        .submit(&a, &json!(report("g6", "GREEN", true, &[PHONE])))
        .await;
    receiver.wait_delivered(7, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let got = receiver.delivered();
    let mut per_id: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &got {
        *per_id.entry(r.delivery.as_str()).or_default() += 1;
        assert_signed(&secret, r);
    }
    assert_eq!(per_id.len(), 7, "{per_id:?}");
    assert!(
        per_id.values().all(|n| *n == 1),
        "one replica delivers each alert once: {per_id:?}"
    );
    second.stop().await;
}
