//! Networks, compounds and purple notices through the API, end to end, on
//! both backends: grouping, live joins, what each agency sees, analysts'
//! merges and splits that a fresh replica's recomputation keeps, compound
//! statuses, and a notice drafted, reviewed, published and exported.

mod common;

use serde_json::{Value, json};

use common::{A, Backend, O, R, World, test_config, who};

on_both_backends!(
    networks_compounds_and_notices_end_to_end,
    a_recomputation_keeps_what_analysts_decided,
);

/// A compound near Myawaddy (Myanmar).
const COMPOUND: (f64, f64) = (16.6087, 98.5212);

fn report(id: &str, tlp: &str, selectors: &[&str], located: bool) -> Value {
    let mut r = json!({
        "id": id,
        "kind": "fraud_complaint",
        "country": "GB",
        "language": "en",
        "received": "2026-03-01T10:00:00Z",
        "marking": {"tlp": tlp},
        "mo": ["investment", "channel:telegram"],
        "narrative": format!("report {id}"),
        "selectors": selectors,
    });
    if located {
        r["location"] = json!({"lat": COMPOUND.0, "lon": COMPOUND.1, "place": "KK Park"});
    }
    r
}

fn ids(reports: &Value) -> Vec<String> {
    let mut ids: Vec<String> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn network_of(world: &World, who: &str, report: &str) -> String {
    let list = world.get(Some(who), "/api/v1/networks").await.expect(200);
    for n in list["networks"].as_array().unwrap() {
        let id = n["id"].as_str().unwrap();
        let view = world
            .get(Some(who), &format!("/api/v1/networks/{id}"))
            .await
            .expect(200);
        if ids(&view["reports"]).iter().any(|r| r == report) {
            return id.to_owned();
        }
    }
    panic!("{report} is in no network {who} sees: {list}");
}

async fn networks_compounds_and_notices_end_to_end(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    let r = who(R, "analyst");
    let o = who(O, "analyst");
    // Network X: six GREEN reports around a handle, three wallets, three
    // of them locating the compound. Network Y: six AMBER reports of A
    // (for nobody else) around a phone.
    let mut reports = Vec::new();
    for i in 0..6 {
        let wallet = [
            "w-one@example.com",
            "w-two@example.com",
            "w-three@example.com",
        ][i % 3];
        reports.push(report(
            &format!("x{i}"),
            "GREEN",
            &["telegram:@x_handler", wallet],
            i < 3,
        ));
    }
    for i in 0..6 {
        let wallet = ["y-one@example.com", "y-two@example.com"][i % 2];
        reports.push(report(
            &format!("y{i}"),
            "AMBER",
            &["+855 97 111 2222", wallet],
            false,
        ));
    }
    world.submit(&a, &json!(reports)).await;

    // A sees both; R reads X and learns of Y only as a contact.
    let x = network_of(&world, &a, "x0").await;
    let y = network_of(&world, &a, "y0").await;
    assert_ne!(x, y);
    let seen = world
        .get(Some(&r), &format!("/api/v1/networks/{x}"))
        .await
        .expect(200);
    assert_eq!(seen["readable"], 6);
    assert_eq!(
        seen["profile"]["families"]["scam"][0][0], "investment",
        "{seen}"
    );
    let handler = seen["perpetrators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["selector"] == "telegram:@x_handler")
        .unwrap_or_else(|| panic!("{seen}"));
    assert_eq!(handler["role"], "handler");
    assert!(
        seen["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["selector"] == "telegram:@x_handler" && e["reports"] == 6),
        "{seen}"
    );
    let list = world.get(Some(&r), "/api/v1/networks").await.expect(200);
    assert_eq!(list["total"], 1, "R reads only X: {list}");
    let restricted = world
        .get(Some(&r), &format!("/api/v1/networks/{y}"))
        .await
        .expect(200);
    assert_eq!(restricted["restricted"], true);
    assert!(
        restricted["linked"]["message"]
            .as_str()
            .unwrap()
            .starts_with("other agencies hold linked intelligence; contact GB-NCA"),
        "{restricted}"
    );
    assert!(!restricted.to_string().contains("y0"), "{restricted}");
    world
        .get(None, &format!("/api/v1/networks/{x}"))
        .await
        .expect_error(401, "unauthenticated");
    world
        .get(Some(&o), "/api/v1/networks/N-000000000000")
        .await
        .expect_error(404, "not_found");
    let graph = world
        .get_query(Some(&r), "/api/v1/graph/network", &[("id", &x)])
        .await
        .expect(200);
    assert_eq!(graph["reports"].as_array().unwrap().len(), 6);
    assert!(graph["edges"].as_array().unwrap().len() >= 12, "{graph}");

    // A new report naming the handle joins X as it is accepted.
    world
        .submit(
            &a,
            &json!(report("x6", "GREEN", &["telegram:@x_handler"], false)),
        )
        .await;
    let grown = world
        .get(Some(&r), &format!("/api/v1/networks/{x}"))
        .await
        .expect(200);
    assert_eq!(grown["readable"], 7, "{grown}");

    // Analysts merge X and Y (one organisation), then split two reports
    // off; contributors may not, and a reason is required.
    let merge = json!({"networks": [x, y], "reason": "the phone and the handle are one persona (interview 2026-03-04)"});
    world
        .post_json(
            Some(&who(A, "contributor")),
            "/api/v1/networks/merge",
            &merge,
        )
        .await
        .expect_error(403, "forbidden");
    world
        .post_json(
            Some(&a),
            "/api/v1/networks/merge",
            &json!({"networks": [x, y], "reason": " "}),
        )
        .await
        .expect_error(400, "invalid_request");
    world
        .post_json(Some(&r), "/api/v1/networks/merge", &merge)
        .await
        .expect_error(404, "not_found");
    let merged = world
        .post_json(Some(&a), "/api/v1/networks/merge", &merge)
        .await
        .expect(200);
    let kept = merged["id"].as_str().unwrap().to_owned();
    assert!(kept == x || kept == y);
    assert_eq!(merged["readable"], 13);
    let gone = if kept == x { &y } else { &x };
    let alias = world
        .get(Some(&a), &format!("/api/v1/networks/{gone}"))
        .await
        .expect(200);
    assert_eq!(
        (alias["id"].as_str(), alias["merged_from"].as_str()),
        (Some(kept.as_str()), Some(gone.as_str()))
    );
    let split = json!({"reports": [{"agency": A, "id": "y4"}, {"agency": A, "id": "y5"}], "reason": "y4 and y5 are a copycat crew"});
    world
        .post_json(
            Some(&a),
            &format!("/api/v1/networks/{kept}/split"),
            &json!({"reports": [{"agency": A, "id": "nope"}], "reason": "x"}),
        )
        .await
        .expect_error(400, "invalid_request");
    let apart = world
        .post_json(Some(&a), &format!("/api/v1/networks/{kept}/split"), &split)
        .await
        .expect(200);
    let apart_id = apart["id"].as_str().unwrap().to_owned();
    assert_eq!(ids(&apart["reports"]), ["y4", "y5"]);
    let history = world
        .get(Some(&a), &format!("/api/v1/networks/{kept}/history"))
        .await
        .expect(200);
    let decisions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["merge", "split"], "{history}");
    assert_eq!(history[1]["reason"], "y4 and y5 are a copycat crew");
    // Another agency's contributor reads none of A's decisions.
    let theirs = world
        .get(
            Some(&who(R, "contributor")),
            &format!("/api/v1/networks/{kept}/history"),
        )
        .await;
    assert!(
        theirs.status == 404 || theirs.json().as_array().unwrap().is_empty(),
        "{}",
        theirs.body
    );

    // A fresh replica recomputes from the store: same ids, the merge and
    // the split kept.
    let replica = world.replica(test_config()).await;
    let again = replica
        .get(Some(&a), &format!("/api/v1/networks/{kept}"))
        .await
        .expect(200);
    assert_eq!(again["readable"], 11, "{again}");
    let again_apart = replica
        .get(Some(&a), &format!("/api/v1/networks/{apart_id}"))
        .await
        .expect(200);
    assert_eq!(ids(&again_apart["reports"]), ["y4", "y5"]);
    let again_alias = replica
        .get(Some(&a), &format!("/api/v1/networks/{gone}"))
        .await
        .expect(200);
    assert_eq!(again_alias["id"].as_str(), Some(kept.as_str()));

    // The compound: three readable located reports of X; a status with
    // its reason; the outsider reads GREEN too.
    let compounds = world.get(Some(&o), "/api/v1/compounds").await.expect(200);
    let compound = &compounds["compounds"][0];
    assert_eq!(compound["readable"], 3, "{compounds}");
    assert_eq!(compound["places"][0][0], "KK Park");
    assert_eq!(compound["networks"][0][0].as_str(), Some(kept.as_str()));
    let site = compound["site"].as_str().unwrap().to_owned();
    let status = format!("/api/v1/compounds/{site}/status");
    world
        .post_json(
            Some(&o),
            &status,
            &json!({"status": "stormed", "reason": "raid"}),
        )
        .await
        .expect_error(400, "invalid_request");
    world
        .post_json(
            Some(&who(O, "contributor")),
            &status,
            &json!({"status": "raided", "reason": "raid"}),
        )
        .await
        .expect_error(403, "forbidden");
    let raided = world
        .post_json(
            Some(&o),
            &status,
            &json!({"status": "raided", "reason": "joint raid 2026-04-02, 212 workers freed"}),
        )
        .await
        .expect(200);
    assert_eq!(raided["status"], "raided");
    assert_eq!(raided["history"][0]["agency"], O);
    assert_eq!(
        raided["history"][0]["reason"],
        "joint raid 2026-04-02, 212 workers freed"
    );
    let seen_by_r = world
        .get(Some(&r), &format!("/api/v1/compounds/{site}"))
        .await
        .expect(200);
    assert_eq!(seen_by_r["status"], "raided");
    assert_eq!(ids(&seen_by_r["reports"]), ["x0", "x1", "x2"]);

    // A purple notice: drafted by A's analyst from the merged network as
    // GREEN, it carries only the GREEN reports (the AMBER phone stays
    // out); revised; published by a second analyst; read and exported.
    let draft = world
        .post_json(Some(&a), "/api/v1/notices", &json!({"network": kept, "title": "Telegram investment persona", "summary": "Victims are groomed on Telegram.", "tlp": "GREEN"}))
        .await
        .expect(201);
    let notice = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["content"]["reports"], 7, "{draft}");
    assert!(
        !draft.to_string().contains("phone:+85597"),
        "the AMBER phone went into a GREEN notice: {draft}"
    );
    world
        .post_json(
            Some(&a),
            "/api/v1/notices",
            &json!({"network": kept, "title": "t", "summary": "s", "tlp": "AMBER"}),
        )
        .await
        .expect_error(400, "invalid_request");
    world
        .get(Some(&r), &format!("/api/v1/notices/{notice}"))
        .await
        .expect_error(404, "not_found");
    let revised = world
        .send(
            reqwest::Client::new()
                .put(world.url(&format!("/api/v1/notices/{notice}")))
                .bearer_auth(world.token(&a))
                .json(&json!({"title": "Telegram investment persona (revised)", "summary": "Victims are groomed on Telegram, then moved to a fake exchange."})),
        )
        .await
        .expect(200);
    assert_eq!(revised["title"], "Telegram investment persona (revised)");
    let publish = format!("/api/v1/notices/{notice}/publish");
    world
        .post_json(Some(&a), &publish, &json!({}))
        .await
        .expect_error(403, "forbidden");
    let published = world
        .post_json(
            Some(&who(A, "analyst2")),
            &publish,
            &json!({"reason": "checked"}),
        )
        .await
        .expect(200);
    assert_eq!(published["state"], "published");
    world
        .post_json(Some(&who(A, "analyst2")), &publish, &json!({}))
        .await
        .expect_error(409, "conflict");
    let read = world
        .get(Some(&o), &format!("/api/v1/notices/{notice}"))
        .await
        .expect(200);
    assert_eq!(read["published_by"], "analyst2");
    world
        .get(None, &format!("/api/v1/notices/{notice}"))
        .await
        .expect_error(404, "not_found");
    let bundle = world
        .get(Some(&o), &format!("/api/v1/notices/{notice}/stix"))
        .await
        .expect(200);
    let report = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "report")
        .unwrap_or_else(|| panic!("{bundle}"));
    assert_eq!(report["name"], "Telegram investment persona (revised)");
    let listed = world.get(Some(&o), "/api/v1/notices").await.expect(200);
    assert_eq!(listed["notices"].as_array().unwrap().len(), 1);
}

/// With a recomputation every round, a merge decided before it is kept by
/// it, under the same id, and the report that prompted it is in.
async fn a_recomputation_keeps_what_analysts_decided(backend: Backend) {
    let config = cordon_server::Config {
        recompute_every: std::time::Duration::ZERO,
        tail_every: std::time::Duration::from_millis(50),
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let a = who(A, "analyst");
    let mut reports = Vec::new();
    for i in 0..4 {
        reports.push(report(
            &format!("p{i}"),
            "GREEN",
            &["telegram:@p_handler"],
            false,
        ));
        reports.push(report(
            &format!("q{i}"),
            "GREEN",
            &["telegram:@q_handler"],
            false,
        ));
    }
    world.submit(&a, &json!(reports)).await;
    let (p, q) = (
        network_of(&world, &a, "p0").await,
        network_of(&world, &a, "q0").await,
    );
    assert_ne!(p, q);
    let merged = world
        .post_json(
            Some(&a),
            "/api/v1/networks/merge",
            &json!({"networks": [p, q], "reason": "one persona"}),
        )
        .await
        .expect(200);
    let kept = merged["id"].as_str().unwrap().to_owned();
    let before = merged["computed"].as_str().unwrap().to_owned();
    world
        .submit(
            &a,
            &json!(report("p9", "GREEN", &["telegram:@p_handler"], false)),
        )
        .await;
    let after = common::eventually(
        std::time::Duration::from_secs(20),
        "a recomputation",
        &mut || async {
            let v = world
                .get(Some(&a), &format!("/api/v1/networks/{kept}"))
                .await
                .expect(200);
            (v["computed"].as_str().unwrap() > before.as_str()).then_some(v)
        },
    )
    .await;
    assert_eq!(after["id"].as_str(), Some(kept.as_str()));
    assert_eq!(after["readable"], 9, "merged, with the new report: {after}");
}
