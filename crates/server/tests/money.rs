//! Money through the API, on both backends: flows (JSON lines and a bank's
//! CSV), conversions and a TagPack are imported under a marking; importing
//! again changes nothing; a file with a bad line names it and keeps
//! nothing; the marking's recipients must be members.

mod common;

use serde_json::{Value, json};

use common::{A, Answer, Backend, World, test_config, who};

on_both_backends!(
    money_is_imported_under_a_marking_and_bad_files_keep_nothing,
    a_trace_runs_over_what_the_viewer_may_read,
    mules_and_clusters_are_found_among_readable_flows,
);

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

const VICTIM: &str = "trx:TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b";
const DEPOSIT: &str = "trx:TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS";
const MULE: &str = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";
const EXCHANGE: &str = "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

fn transfer(id: &str, time: &str, from: &str, to: &str, amount: &str) -> String {
    json!({"id": id, "asset": "USDT@tron", "time": time,
           "inputs": [{"address": from, "amount": amount}],
           "outputs": [{"address": to, "amount": amount}]})
    .to_string()
}

/// A victim's payment to a scam deposit, on to a mule (A's flows, AMBER
/// to R), then from the mule to an exchange (O's flow, AMBER to no one,
/// hit notification on). R traces A's flows and learns only that O holds
/// the onward flow, and whom to call; O traces its own and reaches the
/// exchange it tagged; a seed in a flow the viewer may not read answers as
/// one that does not exist.
async fn a_trace_runs_over_what_the_viewer_may_read(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let (a, r, o) = (
        who(A, "analyst"),
        who(common::R, "analyst"),
        who(common::O, "analyst"),
    );
    let ours = [
        transfer("pay-1", "2026-02-01T10:00:00Z", VICTIM, DEPOSIT, "1000"),
        transfer("move-1", "2026-02-01T11:00:00Z", DEPOSIT, MULE, "1000"),
    ]
    .join("\n");
    upload(
        &world,
        &a,
        &format!("/api/v1/money/flows?tlp=AMBER&recipients={}", common::R),
        "application/x-ndjson",
        ours,
    )
    .await
    .expect(200);
    let theirs = transfer("cash-1", "2026-02-01T12:00:00Z", MULE, EXCHANGE, "1000");
    upload(
        &world,
        &o,
        "/api/v1/money/flows?tlp=AMBER",
        "application/x-ndjson",
        theirs,
    )
    .await
    .expect(200);
    let pack = format!(
        "title: exchanges\ncreator: test\nis_public: true\ntags:\n  - address: \"{}\"\n    label: Big Exchange\n    currency: TRX\n    category: exchange\n    confidence: ownership\n    source: test\n",
        EXCHANGE.trim_start_matches("trx:")
    );
    upload(
        &world,
        &o,
        "/api/v1/money/tags?tlp=AMBER",
        "application/yaml",
        pack,
    )
    .await
    .expect(200);

    let seed = json!({"seeds": [{"kind": "leg", "flow": "pay-1", "address": DEPOSIT}],
                      "models": ["haircut", "fifo"]});
    let traced = world
        .post_json(Some(&r), "/api/v1/money/trace", &seed)
        .await
        .expect(200);
    let body = traced.to_string();
    assert_eq!(traced["trace"]["services"], json!([]), "{body}");
    assert!(
        traced["trace"]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["address"] == MULE),
        "{body}"
    );
    assert_eq!(traced["held_elsewhere"][0]["agency"], common::O, "{body}");
    assert_eq!(traced["held_elsewhere"][0]["addresses"], json!([MULE]));
    assert_eq!(
        traced["held_elsewhere"][0]["contact"],
        common::contact_of(common::O).as_str()
    );
    assert!(
        !body.contains("cash-1") && !body.contains(EXCHANGE),
        "{body}"
    );

    // O reads only its own flow and tag: from the mule, all of it reaches
    // the exchange.
    let from_mule = world
        .post_json(
            Some(&o),
            "/api/v1/money/trace",
            &json!({"seeds": [{"kind": "address", "address": MULE}], "models": ["haircut"]}),
        )
        .await
        .expect(200);
    let services = from_mule["trace"]["services"].as_array().unwrap();
    assert_eq!(services.len(), 1, "{from_mule}");
    assert_eq!(services[0]["amounts"]["haircut"], "1000");
    assert!(!from_mule.to_string().contains("pay-1"), "{from_mule}");
    // A flow O may not read is, to O, no flow at all.
    let refused = world
        .post_json(Some(&o), "/api/v1/money/trace", &seed)
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(refused["field"], "seeds[0]");
    let unknown = world
        .post_json(
            Some(&o),
            "/api/v1/money/trace",
            &json!({"seeds": [{"kind": "leg", "flow": "no-such-flow", "address": DEPOSIT}]}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(
        refused["message"]
            .as_str()
            .unwrap()
            .replace("pay-1", "no-such-flow"),
        unknown["message"].as_str().unwrap()
    );
    world
        .post_json(Some(&r), "/api/v1/money/trace", &json!({"seeds": []}))
        .await
        .expect_error(400, "invalid_request");
}

fn bank(id: &str, time: &str, from: &str, to: &str, amount: &str) -> String {
    json!({"id": id, "asset": "USD", "time": time,
           "inputs": [{"address": from, "amount": amount}],
           "outputs": [{"address": to, "amount": amount}]})
    .to_string()
}

/// Six victims pay one account within hours, which passes it all on at
/// once: a mule, found by whoever may read the flows and by no one else.
/// Two wallets spent together in one transaction are one owner's.
async fn mules_and_clusters_are_found_among_readable_flows(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let (a, r, o) = (
        who(A, "analyst"),
        who(common::R, "analyst"),
        who(common::O, "analyst"),
    );
    let mule = "bank:KH:ABAAKHPP:000777001";
    let collector = "bank:KH:ABAAKHPP:000777999";
    let mut lines: Vec<String> = (1..=6)
        .map(|i| {
            bank(
                &format!("in-{i}"),
                &format!("2026-03-01T0{i}:00:00Z"),
                &format!("bank:KH:ABAAKHPP:00010000{i}"),
                mule,
                "950.00",
            )
        })
        .collect();
    lines.push(bank(
        "out-1",
        "2026-03-01T08:30:00Z",
        mule,
        collector,
        "5700.00",
    ));
    let x = "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
    let y = "btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
    let z = "btc:1Q6QrJaDC4Jhfyk5HLDDRrCGWFoaqiCCVQ";
    lines.push(
        json!({"id": "spend-1", "asset": "BTC", "time": "2026-03-02T10:00:00Z",
               "inputs": [{"address": x, "amount": "0.5"}, {"address": y, "amount": "0.5"}],
               "outputs": [{"address": z, "amount": "0.9999"}], "fee": "0.0001"})
        .to_string(),
    );
    upload(
        &world,
        &a,
        &format!("/api/v1/money/flows?tlp=AMBER&recipients={}", common::R),
        "application/x-ndjson",
        lines.join("\n"),
    )
    .await
    .expect(200);

    let found = world
        .get_query(Some(&r), "/api/v1/money/mules", &[("min_score", "0.1")])
        .await
        .expect(200);
    let accounts = found["accounts"].as_array().unwrap();
    let m = accounts
        .iter()
        .find(|x| x["address"] == mule)
        .unwrap_or_else(|| panic!("the mule is found: {found}"));
    let patterns: Vec<&str> = m["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pattern"].as_str().unwrap())
        .collect();
    assert!(patterns.contains(&"fan_in"), "{m}");
    assert!(
        m["indicators"][0]["explanation"].as_str().unwrap().len() > 10,
        "{m}"
    );
    // The outsider may read none of these flows: it finds nothing.
    let theirs = world
        .get_query(Some(&o), "/api/v1/money/mules", &[("min_score", "0.1")])
        .await
        .expect(200);
    assert_eq!(theirs["accounts"], json!([]), "{theirs}");
    world
        .get_query(Some(&r), "/api/v1/money/mules", &[("min_score", "2")])
        .await
        .expect_error(400, "invalid_request");

    let cluster = world
        .get_query(Some(&r), "/api/v1/money/cluster", &[("address", x)])
        .await
        .expect(200);
    let members = cluster["members"].as_array().unwrap();
    assert!(members.iter().any(|m| m == y), "{cluster}");
    assert!(
        cluster["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e.as_array().unwrap())
            .any(|j| j["heuristic"] == "co_spend" && j["flow"] == "spend-1"),
        "{cluster}"
    );
    let hidden = world
        .get_query(Some(&o), "/api/v1/money/cluster", &[("address", x)])
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(hidden["field"], "address");
    world
        .get_query(
            Some(&r),
            "/api/v1/money/cluster",
            &[("address", "not a wallet")],
        )
        .await
        .expect_error(422, "invalid_field");
}
