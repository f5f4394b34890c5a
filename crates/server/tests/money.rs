//! Money through the API, on both backends: flows (JSON lines and a bank's
//! CSV), conversions and a TagPack are imported under a marking; importing
//! again changes nothing; a file with a bad line names it and keeps
//! nothing; the marking's recipients must be members.

mod common;

use serde_json::Value;

use common::{A, Answer, Backend, World, test_config, who};

on_both_backends!(money_is_imported_under_a_marking_and_bad_files_keep_nothing);

fn data(name: &str) -> String {
    let path = cordon_testkit::workspace_root()
        .join("crates/finance/tests/data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn upload(world: &World, who: &str, path: &str, content_type: &str, body: String) -> Answer {
    world
        .send(
            world
                .http
                .post(world.url(path))
                .bearer_auth(world.token(who))
                .header("content-type", content_type)
                .body(body),
        )
        .await
}

async fn kept(world: &World) -> usize {
    world.store.money_after(0, 100_000).await.unwrap().len()
}

async fn money_is_imported_under_a_marking_and_bad_files_keep_nothing(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    let flows = data("flows.jsonl");
    let path = format!("/api/v1/money/flows?tlp=AMBER&recipients={}", common::R);
    let first = upload(&world, &a, &path, "application/x-ndjson", flows.clone())
        .await
        .expect(200);
    let n = flows.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    assert_eq!(first["added"], n, "{first}");
    assert_eq!(first["unchanged"], 0);
    let again = upload(&world, &a, &path, "application/x-ndjson", flows.clone())
        .await
        .expect(200);
    assert_eq!(again["added"], 0, "the same again changes nothing: {again}");
    assert_eq!(again["unchanged"], n);
    let stored = world.store.money_after(0, 100).await.unwrap();
    assert!(stored.iter().all(|r| r.agency == A
        && r.marking.tlp == cordon_core::Tlp::Amber
        && r.marking.recipients == [common::R]));
    assert_eq!(
        world.running().state.money.read(|b| b.flows.len()),
        n as usize
    );

    let bank = upload(
        &world,
        &a,
        "/api/v1/money/flows",
        "text/csv",
        data("bank_transfers.csv"),
    )
    .await
    .expect(200);
    assert!(bank["added"].as_u64().unwrap() > 0, "{bank}");
    upload(
        &world,
        &a,
        "/api/v1/money/conversions",
        "application/x-ndjson",
        data("conversions.jsonl"),
    )
    .await
    .expect(200);
    let tags = upload(
        &world,
        &a,
        "/api/v1/money/tags?tlp=GREEN",
        "application/yaml",
        data("public_style.tagpack.yaml"),
    )
    .await
    .expect(200);
    assert!(tags["added"].as_u64().unwrap() > 0, "{tags}");
    let before = kept(&world).await;

    // A bad line: every bad line named, nothing kept.
    let mut bad = flows.lines().map(str::to_owned).collect::<Vec<_>>();
    let broken = bad[0].replacen("\"amount\":\"1500\"", "\"amount\":\"-3\"", 1);
    bad.push(broken.replacen("9f2c", "aaaa", 1));
    bad.push("{not json".to_owned());
    let refused = upload(
        &world,
        &a,
        "/api/v1/money/flows",
        "application/x-ndjson",
        bad.join("\n"),
    )
    .await
    .expect_error(422, "invalid_field");
    let errors = refused["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{refused}");
    assert_eq!(errors[0]["line"], bad.len() as u64 - 1);
    assert!(
        errors[0]["field"].as_str().unwrap().contains("amount"),
        "{refused}"
    );
    assert_eq!(errors[1]["line"], bad.len() as u64);
    assert_eq!(kept(&world).await, before, "nothing was kept");

    // A marking naming no member, or RED naming an agency: refused.
    for (query, field) in [
        ("tlp=AMBER&recipients=XX-NOPE", "recipients[0]"),
        ("tlp=RED&recipients=GB-NCA", "recipients[0]"),
    ] {
        let refused = upload(
            &world,
            &a,
            &format!("/api/v1/money/flows?{query}"),
            "application/x-ndjson",
            flows.clone(),
        )
        .await
        .expect_error(422, "invalid_field");
        assert_eq!(refused["field"], field, "{refused}");
    }
    let bad_tlp: Value = upload(
        &world,
        &a,
        "/api/v1/money/flows?tlp=PURPLE",
        "application/x-ndjson",
        flows.clone(),
    )
    .await
    .expect_error(400, "invalid_request");
    assert_eq!(bad_tlp["field"], "tlp");
    world
        .send(
            world
                .http
                .post(world.url("/api/v1/money/flows"))
                .body(flows),
        )
        .await
        .expect_error(401, "unauthenticated");
    assert_eq!(kept(&world).await, before, "nothing was kept");
}
