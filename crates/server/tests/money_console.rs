//! Freeze packages and the console's money pages, on both backends: a
//! package carries each chosen balance's amount, band and evidence paths
//! as flows, the victims' reports its requester may read and no other,
//! and a hash of that evidence which is the same for the same evidence
//! (whoever asks) and changes with it; a target that is not a freezable
//! balance is refused naming it. The console traces, draws and prints the
//! same package, and sends its JSON; it lists mule accounts and shows
//! wallet clusters over the flows the member may read, and no others; it
//! imports money files under a marking with the API's checks, refusing a
//! file with a bad line whole and naming the line.

mod common;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use common::{A, Answer, Backend, O, R, World, browser, console_login, test_config, who};

on_both_backends!(
    a_freeze_package_carries_the_evidence_and_its_hash,
    the_console_traces_draws_and_prints_a_freeze_package,
    the_console_lists_mule_accounts_and_wallet_clusters,
    the_console_imports_money_files_as_the_api_does,
);

const VICTIM: &str = "trx:TA6Hr6DeuPSZeQZLKi5ycomotgJPF1dh7b";
const DEPOSIT: &str = "trx:TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS";
const MULE: &str = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";
const MULE2: &str = "trx:TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL";
const EXCHANGE: &str = "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

fn transfer(id: &str, time: &str, from: &str, to: &str, amount: &str) -> String {
    json!({"id": id, "asset": "USDT@tron", "time": time,
           "inputs": [{"address": from, "amount": amount}],
           "outputs": [{"address": to, "amount": amount}]})
    .to_string()
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

/// A victim pays 1000 USDT to a scam deposit, which splits it to two
/// mules; one cashes out at a tagged exchange, the other still holds its
/// part (freezable by Tether). A holds the flows (AMBER to R) and tags the
/// exchange (GREEN). Reports: A's GREEN complaint naming the victim's
/// wallet, R's AMBER report to A naming the deposit, and O's AMBER report
/// (to no one) naming the victim's wallet, which neither A nor R may read;
/// O also holds a flow onward from the second mule.
async fn money_world(world: &World) {
    let a = who(A, "analyst");
    let flows = [
        transfer("pay-1", "2026-02-01T10:00:00Z", VICTIM, DEPOSIT, "1000"),
        transfer("move-1", "2026-02-01T11:00:00Z", DEPOSIT, MULE, "600"),
        transfer("move-2", "2026-02-01T11:30:00Z", DEPOSIT, MULE2, "400"),
        transfer("cash-1", "2026-02-01T12:00:00Z", MULE, EXCHANGE, "600"),
    ]
    .join("\n");
    upload(
        world,
        &a,
        &format!("/api/v1/money/flows?tlp=AMBER&recipients={R}"),
        "application/x-ndjson",
        flows,
    )
    .await
    .expect(200);
    let pack = format!(
        "title: exchanges\ncreator: test\nis_public: true\ntags:\n  - address: \"{}\"\n    label: Big Exchange\n    currency: TRX\n    category: exchange\n    confidence: ownership\n    source: test\n",
        EXCHANGE.trim_start_matches("trx:")
    );
    upload(
        world,
        &a,
        "/api/v1/money/tags?tlp=GREEN",
        "application/yaml",
        pack,
    )
    .await
    .expect(200);
    world
        .submit(
            &a,
            &json!([{"id": "victim-a", "kind": "fraud_complaint", "country": "GB",
                     "marking": {"tlp": "GREEN"}, "mo": ["investment"],
                     "narrative": "paid a trading platform in tether", "selectors": [VICTIM]}]),
        )
        .await;
    world
        .submit(
            &who(R, "analyst"),
            &json!([{"id": "deposit-r", "kind": "fraud_complaint", "country": "KH",
                     "marking": {"tlp": "AMBER", "recipients": [A]}, "mo": ["investment"],
                     "narrative": "the platform's deposit address", "selectors": [DEPOSIT]}]),
        )
        .await;
    // O holds a flow onward from the second mule, which A and R may only
    // learn of.
    upload(
        world,
        &who(O, "analyst"),
        "/api/v1/money/flows?tlp=AMBER",
        "application/x-ndjson",
        transfer("o-onward", "2026-02-03T08:00:00Z", MULE2, MULE, "50"),
    )
    .await
    .expect(200);
    world
        .submit(
            &who(O, "analyst"),
            &json!([{"id": "victim-o-secret", "kind": "fraud_complaint", "country": "PH",
                     "marking": {"tlp": "AMBER", "hit_notification": true}, "mo": ["romance"],
                     "narrative": "oshiddenword", "selectors": [VICTIM]}]),
        )
        .await;
}

/// RFC 8785 for the values a package holds: members sorted by name, no
/// whitespace. Written again here so that the server's own is not what it
/// is checked against.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn request(targets: &[&str]) -> Value {
    json!({"seeds": [{"kind": "leg", "flow": "pay-1", "address": DEPOSIT}], "targets": targets})
}

fn steps(path: &Value) -> Vec<(String, String, String, String)> {
    path.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["flow"].as_str().unwrap().to_owned(),
                s["from"].as_str().unwrap().to_owned(),
                s["to"].as_str().unwrap().to_owned(),
                s["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn step(flow: &str, from: &str, to: &str, amount: &str) -> (String, String, String, String) {
    (flow.into(), from.into(), to.into(), amount.into())
}

async fn a_freeze_package_carries_the_evidence_and_its_hash(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    money_world(&world).await;
    let (a, r) = (who(A, "analyst"), who(R, "analyst"));
    let path = "/api/v1/money/freeze";

    let made = world
        .post_json(Some(&a), path, &request(&[MULE2, EXCHANGE]))
        .await
        .expect(200);
    let body = made.to_string();
    assert_eq!(made["format"], "cordon.freeze-package/1");
    assert_eq!(made["requested_by"]["agency"], A);
    assert_eq!(made["requested_by"]["user"], "analyst");
    assert_eq!(
        made["requested_by"]["contact"],
        common::contact_of(A).as_str()
    );
    assert_eq!(made["holders"], json!(["Big Exchange", "Tether"]), "{body}");
    let evidence = &made["evidence"];
    assert_eq!(evidence["model"], "haircut");
    assert_eq!(evidence["max_hops"], 5);
    assert_eq!(
        evidence["seeds"],
        json!([{"kind": "leg", "flow": "pay-1", "address": DEPOSIT}])
    );
    let targets = evidence["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{body}");
    // By address: the exchange (TR7…) before the second mule (TWn…).
    let (exchange, mule2) = (&targets[0], &targets[1]);
    assert_eq!(exchange["address"], EXCHANGE);
    assert_eq!(exchange["holder"], "Big Exchange");
    assert_eq!(exchange["category"], "exchange");
    assert_eq!(exchange["asset"], "USDT@tron");
    assert_eq!(exchange["amount"], "600");
    assert_eq!(
        exchange["band"],
        json!({"low": "600", "central": "600", "high": "600"})
    );
    assert_eq!(
        steps(&exchange["paths"][0]),
        [
            step("pay-1", VICTIM, DEPOSIT, "1000"),
            step("move-1", DEPOSIT, MULE, "600"),
            step("cash-1", MULE, EXCHANGE, "600"),
        ]
    );
    assert_eq!(
        exchange["paths"][0][2]["time"], "2026-02-01T12:00:00Z",
        "{body}"
    );
    assert_eq!(exchange["paths"][0][2]["asset"], "USDT@tron");
    assert_eq!(mule2["address"], MULE2);
    assert_eq!(mule2["holder"], "Tether");
    assert_eq!(mule2["category"], "issuer");
    assert_eq!(mule2["amount"], "400");
    assert_eq!(
        steps(&mule2["paths"][0]),
        [
            step("pay-1", VICTIM, DEPOSIT, "1000"),
            step("move-2", DEPOSIT, MULE2, "400"),
        ]
    );
    // The reports A may read naming the victim's wallet or the deposit;
    // O's is not even mentioned.
    let reports: Vec<(String, String, Value)> = evidence["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["agency"].as_str().unwrap().to_owned(),
                r["report_id"].as_str().unwrap().to_owned(),
                r["selectors"].clone(),
            )
        })
        .collect();
    assert_eq!(
        reports,
        [
            (A.to_owned(), "victim-a".to_owned(), json!([VICTIM])),
            (R.to_owned(), "deposit-r".to_owned(), json!([DEPOSIT])),
        ],
        "{body}"
    );
    // Nor O's onward flow, nor that O holds one: a package goes out to
    // an exchange or a bank, and members' contacts stay in the exchange.
    for secret in ["victim-o-secret", "oshiddenword", "o-onward", O] {
        assert!(!body.contains(secret), "the package shows {secret}: {body}");
    }
    // The hash is SHA-256 of the evidence in canonical JSON.
    let hash = made["evidence_sha256"].as_str().unwrap().to_owned();
    assert_eq!(hash, sha256_hex(&canonical(evidence)));
    assert_eq!(hash.len(), 64);

    // The same evidence, the same hash: asked again, in another order, by
    // another agency reading the same flows and reports.
    let again = world
        .post_json(Some(&a), path, &request(&[EXCHANGE, MULE2, EXCHANGE]))
        .await
        .expect(200);
    assert_eq!(again["evidence_sha256"], hash.as_str());
    let by_r = world
        .post_json(Some(&r), path, &request(&[MULE2, EXCHANGE]))
        .await
        .expect(200);
    assert_eq!(by_r["requested_by"]["agency"], R);
    assert_eq!(by_r["evidence"], made["evidence"]);
    assert_eq!(by_r["evidence_sha256"], hash.as_str());
    // Another model is other evidence.
    let mut fifo = request(&[MULE2, EXCHANGE]);
    fifo["model"] = json!("fifo");
    let by_fifo = world.post_json(Some(&a), path, &fifo).await.expect(200);
    assert_eq!(by_fifo["evidence"]["model"], "fifo");
    assert_ne!(by_fifo["evidence_sha256"], hash.as_str());

    // A target that is not a freezable balance (the first mule passed all
    // it got on), or that the trace never reached: 422 naming it.
    for target in [MULE, "trx:TSReDv3Gye5KqZq49jc3Tz6iKNt1qkwMxs"] {
        let refused = world
            .post_json(Some(&a), path, &request(&[EXCHANGE, target]))
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(refused["field"], "targets[1]", "{refused}");
    }
    let refused = world
        .post_json(Some(&a), path, &request(&[]))
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(refused["field"], "targets");
    let mut backward = request(&[EXCHANGE]);
    backward["direction"] = json!("backward");
    let refused = world
        .post_json(Some(&a), path, &backward)
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(refused["field"], "direction");
    // A seed the requester may not read is no seed at all.
    let refused = world
        .post_json(Some(&who(O, "analyst")), path, &request(&[EXCHANGE]))
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(refused["field"], "seeds[0]");
    world
        .post_json(Some(&who(A, "contributor")), path, &request(&[EXCHANGE]))
        .await
        .expect_error(403, "forbidden");
    world
        .post_json(None, path, &request(&[EXCHANGE]))
        .await
        .expect_error(401, "unauthenticated");

    // New evidence, a new hash: a report A may read naming the victim,
    // then a flow moving more to the exchange.
    world
        .submit(
            &who(O, "analyst"),
            &json!([{"id": "victim-o-green", "kind": "fraud_complaint", "country": "PH",
                     "marking": {"tlp": "GREEN"}, "narrative": "the same wallet paid",
                     "selectors": [VICTIM]}]),
        )
        .await;
    let with_report = world
        .post_json(Some(&a), path, &request(&[MULE2, EXCHANGE]))
        .await
        .expect(200);
    assert_eq!(
        with_report["evidence"]["reports"].as_array().unwrap().len(),
        3
    );
    assert_eq!(
        with_report["evidence"]["targets"],
        made["evidence"]["targets"]
    );
    let second = with_report["evidence_sha256"].as_str().unwrap().to_owned();
    assert_ne!(second, hash);
    upload(
        &world,
        &a,
        &format!("/api/v1/money/flows?tlp=AMBER&recipients={R}"),
        "application/x-ndjson",
        transfer("cash-2", "2026-02-02T09:00:00Z", MULE2, EXCHANGE, "100"),
    )
    .await
    .expect(200);
    let moved = world
        .post_json(Some(&a), path, &request(&[MULE2, EXCHANGE]))
        .await
        .expect(200);
    let targets = moved["evidence"]["targets"].as_array().unwrap();
    assert_eq!(targets[0]["amount"], "700", "{moved}");
    assert_eq!(targets[1]["amount"], "300", "{moved}");
    assert_ne!(moved["evidence_sha256"], second.as_str());
    assert_ne!(moved["evidence_sha256"], hash.as_str());

    // A learns in its audit log that R asked to freeze through its flows.
    let records = common::eventually(
        std::time::Duration::from_secs(10),
        "the freeze in A's audit log",
        &mut || async {
            let page = world
                .get_query(Some(&a), "/api/v1/audit", &[("limit", "500")])
                .await
                .expect(200);
            let records: Vec<Value> = page["records"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["action"] == "money_freeze")
                .cloned()
                .collect();
            (!records.is_empty()).then_some(records)
        },
    )
    .await;
    assert!(
        records
            .iter()
            .any(|e| e["actor"].as_str().is_some_and(|x| x.starts_with(R))
                && e["subject"] == format!("{EXCHANGE} {MULE2}")),
        "{records:?}"
    );
}

/// The value of a page's first hidden `csrf` field.
fn csrf(body: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = body.find(marker).expect("a csrf field") + marker.len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

async fn post_form(world: &World, session: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
    world
        .send(
            browser()
                .post(world.url(path))
                .header("cookie", format!("cordon_session={session}"))
                .form(fields),
        )
        .await
}

async fn the_console_traces_draws_and_prints_a_freeze_package(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    money_world(&world).await;
    let client = browser();
    let a = who(A, "analyst");
    let session = console_login(&world, &client, &a).await;

    let empty = world.page(&client, Some(&session), "/money").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains(r#"href="/money""#), "the Money link");
    assert!(empty.body.contains(r#"id="trace-form""#));
    assert!(!empty.body.contains("trace-sankey"));

    let query = format!(
        "/money?address={}&flow=pay-1&direction=forward&hops=5&models=haircut&models=fifo",
        common::encode(DEPOSIT)
    );
    let traced = world.page(&client, Some(&session), &query).await;
    assert_eq!(traced.status, 200, "{}", traced.body);
    let page = &traced.body;
    assert!(page.contains(r#"id="trace-sankey""#), "{page}");
    assert!(page.contains(r#"class="node service asset-0""#), "{page}");
    assert!(page.contains(r#"class="link asset-0""#), "{page}");
    assert!(page.contains(r#"id="freezable""#));
    assert!(page.contains(&format!(r#"name="target" value="{EXCHANGE}""#)));
    assert!(page.contains(&format!(r#"name="target" value="{MULE2}""#)));
    assert!(page.contains("Big Exchange"));
    assert!(!page.contains("style="), "no inline style");
    assert!(!page.contains("oshiddenword") && !page.contains("o-onward"));
    // Whom to ask about the onward flow A may only learn of.
    assert!(page.contains(r#"id="held-elsewhere""#));
    assert!(page.contains(&common::contact_of(O)));

    // The package the console prints is the API's, hash and all.
    let api = world
        .post_json(
            Some(&a),
            "/api/v1/money/freeze",
            &json!({"seeds": [{"kind": "leg", "flow": "pay-1", "address": DEPOSIT}],
                    "models": ["haircut", "fifo"], "targets": [EXCHANGE]}),
        )
        .await
        .expect(200);
    let hash = api["evidence_sha256"].as_str().unwrap();
    let token = csrf(page);
    let fields = [
        ("csrf", token.as_str()),
        ("flow", "pay-1"),
        ("address", DEPOSIT),
        ("direction", "forward"),
        ("hops", "5"),
        ("models", "haircut"),
        ("models", "fifo"),
        ("target", EXCHANGE),
        ("model", "haircut"),
        ("format", "html"),
    ];
    let printed = post_form(&world, &session, "/money/freeze", &fields).await;
    assert_eq!(printed.status, 200, "{}", printed.body);
    assert!(printed.body.contains(r#"id="freeze-package""#));
    assert!(printed.body.contains(r#"<body class="print">"#));
    assert!(printed.body.contains(hash), "{}", printed.body);
    assert!(printed.body.contains("cash-1") && printed.body.contains("victim-a"));
    assert!(!printed.body.contains("oshiddenword") && !printed.body.contains("victim-o-secret"));
    assert!(!printed.body.contains("style="));

    let mut as_json = fields.to_vec();
    as_json.retain(|(k, _)| *k != "format");
    as_json.push(("format", "json"));
    let file = post_form(&world, &session, "/money/freeze", &as_json).await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(
        file.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"freeze-package-")),
        "{:?}",
        file.headers
    );
    assert_eq!(file.json()["evidence"], api["evidence"]);
    assert_eq!(file.json()["evidence_sha256"], hash);

    // No CSRF token, no package; a target not freezable names itself.
    let mut forged = fields.to_vec();
    forged[0] = ("csrf", "forged");
    assert_eq!(
        post_form(&world, &session, "/money/freeze", &forged)
            .await
            .status,
        403
    );
    let mut wrong = fields.to_vec();
    wrong[7] = ("target", MULE);
    let refused = post_form(&world, &session, "/money/freeze", &wrong).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("is not among the freezable balances"));

    // A seed the member may not read: the form again, with why.
    let unknown = world
        .page(
            &client,
            Some(&session),
            &format!(
                "/money?address={}&flow=no-such-flow",
                common::encode(DEPOSIT)
            ),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains(r#"id="trace-form""#));
    assert!(unknown.body.contains("among the flows you may read"));

    // A contributor sees no Money link and may make no package.
    let contributor = console_login(&world, &client, &who(A, "contributor")).await;
    let dashboard = world.page(&client, Some(&contributor), "/").await;
    assert!(!dashboard.body.contains(r#"href="/money""#));
    let own = world.page(&client, Some(&contributor), &query).await;
    assert_eq!(own.status, 200);
    assert!(!own.body.contains(r#"name="target""#));
    let mut theirs = fields.to_vec();
    let contributor_csrf = csrf(&own.body);
    theirs[0] = ("csrf", contributor_csrf.as_str());
    assert_eq!(
        post_form(&world, &contributor, "/money/freeze", &theirs)
            .await
            .status,
        403
    );
}

fn bank(id: &str, time: &str, from: &str, to: &str, amount: &str) -> String {
    json!({"id": id, "asset": "USD", "time": time,
           "inputs": [{"address": from, "amount": amount}],
           "outputs": [{"address": to, "amount": amount}]})
    .to_string()
}

const BANK_MULE: &str = "bank:KH:ABAAKHPP:000777001";
const WALLET_X: &str = "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
const WALLET_Y: &str = "btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
const WALLET_Z: &str = "btc:1Q6QrJaDC4Jhfyk5HLDDRrCGWFoaqiCCVQ";

/// Besides the money world, A holds (AMBER to R) six victims paying one
/// bank account within hours, which passes it all on at once, and one
/// bitcoin transaction spending two wallets together.
async fn patterns_world(world: &World) {
    money_world(world).await;
    let mut lines: Vec<String> = (1..=6)
        .map(|i| {
            bank(
                &format!("in-{i}"),
                &format!("2026-03-01T0{i}:00:00Z"),
                &format!("bank:KH:ABAAKHPP:00010000{i}"),
                BANK_MULE,
                "950.00",
            )
        })
        .collect();
    lines.push(bank(
        "out-1",
        "2026-03-01T08:30:00Z",
        BANK_MULE,
        "bank:KH:ABAAKHPP:000777999",
        "5700.00",
    ));
    lines.push(
        json!({"id": "spend-1", "asset": "BTC", "time": "2026-03-02T10:00:00Z",
               "inputs": [{"address": WALLET_X, "amount": "0.5"}, {"address": WALLET_Y, "amount": "0.5"}],
               "outputs": [{"address": WALLET_Z, "amount": "0.9999"}], "fee": "0.0001"})
        .to_string(),
    );
    upload(
        world,
        &who(A, "analyst"),
        &format!("/api/v1/money/flows?tlp=AMBER&recipients={R}"),
        "application/x-ndjson",
        lines.join("\n"),
    )
    .await
    .expect(200);
}

async fn the_console_lists_mule_accounts_and_wallet_clusters(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    patterns_world(&world).await;
    let client = browser();
    let r = console_login(&world, &client, &who(R, "analyst")).await;
    let o = console_login(&world, &client, &who(O, "analyst")).await;

    let money = world.page(&client, Some(&r), "/money").await;
    assert!(
        money.body.contains(r#"href="/money/mules""#),
        "{}",
        money.body
    );
    assert!(money.body.contains(r#"href="/money/cluster""#));

    // R reads A's flows: the mule, its patterns explained, its page linked.
    let listed = world.page(&client, Some(&r), "/money/mules").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let page = &listed.body;
    assert!(page.contains(r#"id="mules-form""#), "{page}");
    assert!(page.contains(r#"name="min_score" value="0.4""#), "{page}");
    assert!(page.contains(r#"id="mules""#), "{page}");
    assert!(
        page.contains(&format!(
            r#"href="/selectors/{}""#,
            common::encode(BANK_MULE)
        )),
        "{page}"
    );
    assert!(page.contains("<strong>fan-in</strong>"), "{page}");
    assert!(
        page.contains("received from 6 different accounts within 72 hours"),
        "{page}"
    );
    assert!(
        page.contains("<strong>rapid pass-through</strong>"),
        "{page}"
    );
    assert!(page.contains("<td class=\"num\">0.70</td>"), "{page}");
    assert!(!page.contains("style="), "no inline style");
    // Bank accounts only, unless wallets are asked for too.
    assert!(!page.contains(WALLET_X) && !page.contains(MULE2));
    let with_crypto = world
        .page(&client, Some(&r), "/money/mules?min_score=0.1&crypto=on")
        .await;
    assert_eq!(with_crypto.status, 200, "{}", with_crypto.body);
    assert!(with_crypto.body.contains(BANK_MULE));
    assert!(
        with_crypto
            .body
            .contains(r#"name="crypto" value="on" checked"#)
    );
    // Above its score, no account.
    let high = world
        .page(&client, Some(&r), "/money/mules?min_score=0.9")
        .await;
    assert_eq!(high.status, 200, "{}", high.body);
    assert!(!high.body.contains(BANK_MULE));
    assert!(
        high.body.contains(
            r#"<p class="empty">No account among the flows you may read scores this high."#
        ),
        "{}",
        high.body
    );

    // O may read none of those flows: no mule, not even its address.
    let theirs = world
        .page(&client, Some(&o), "/money/mules?min_score=0.1")
        .await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(!theirs.body.contains(BANK_MULE), "{}", theirs.body);
    assert!(!theirs.body.contains("received from 6 different accounts"));
    assert!(theirs.body.contains(r#"class="empty""#));

    // A score that is no number, or out of range: the form again, naming it.
    for (bad, says) in [
        (
            "abc",
            r#"min_score &quot;abc&quot; is not a number: give one between 0 and 1"#,
        ),
        ("2", "min_score is between 0 and 1"),
    ] {
        let refused = world
            .page(&client, Some(&r), &format!("/money/mules?min_score={bad}"))
            .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains(r#"id="mules-form""#));
        assert!(refused.body.contains(says), "{}", refused.body);
        assert!(!refused.body.contains(BANK_MULE));
    }

    // The cluster of a wallet typed without its prefix: the wallet spent
    // with it, and the transaction that shows it.
    let empty = world.page(&client, Some(&r), "/money/cluster").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains(r#"id="cluster-form""#));
    assert!(!empty.body.contains(r#"id="cluster-result""#));
    let bare = WALLET_X.trim_start_matches("btc:");
    let found = world
        .page(
            &client,
            Some(&r),
            &format!("/money/cluster?address={}", common::encode(bare)),
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    let page = &found.body;
    assert!(
        page.contains(&format!(r#"name="address" value="{WALLET_X}""#)),
        "the address as canonical: {page}"
    );
    assert!(page.contains(r#"id="cluster-members""#), "{page}");
    for member in [WALLET_X, WALLET_Y] {
        assert!(
            page.contains(&format!(r#"href="/selectors/{}""#, common::encode(member))),
            "{member} linked: {page}"
        );
    }
    assert!(
        page.contains(&format!(
            "<strong>co-spend</strong> in flow <code>spend-1</code>: <code>{WALLET_X}</code> with <code>{WALLET_Y}</code>"
        )) || page.contains(&format!(
            "<strong>co-spend</strong> in flow <code>spend-1</code>: <code>{WALLET_Y}</code> with <code>{WALLET_X}</code>"
        )),
        "{page}"
    );
    assert!(page.contains("Not tagged as any service"), "{page}");

    // A wallet in no flow R may read, and one O may not read: the form
    // again, with why.
    let nowhere = "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    let unknown = world
        .page(
            &client,
            Some(&r),
            &format!("/money/cluster?address={}", common::encode(nowhere)),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains(r#"id="cluster-form""#));
    assert!(
        unknown
            .body
            .contains(&format!("{nowhere} is in no flow you may read")),
        "{}",
        unknown.body
    );
    let hidden = world
        .page(
            &client,
            Some(&o),
            &format!("/money/cluster?address={}", common::encode(WALLET_X)),
        )
        .await;
    assert_eq!(hidden.status, 422, "{}", hidden.body);
    assert!(
        hidden
            .body
            .contains(&format!("{WALLET_X} is in no flow you may read"))
    );
    assert!(!hidden.body.contains(WALLET_Y) && !hidden.body.contains("spend-1"));
    let not_wallet = world
        .page(&client, Some(&r), "/money/cluster?address=not%20a%20wallet")
        .await;
    assert_eq!(not_wallet.status, 422, "{}", not_wallet.body);
    assert!(!not_wallet.body.contains(r#"id="cluster-result""#));
}

/// A money file posted through the console's import form, as a browser
/// sends it (multipart); `csrf` left out when `None`.
async fn post_import(
    world: &World,
    session: &str,
    csrf: Option<&str>,
    fields: &[(&str, &str)],
    file: (&str, String),
) -> Answer {
    let mut form = reqwest::multipart::Form::new();
    if let Some(token) = csrf {
        form = form.text("csrf", token.to_owned());
    }
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::text(file.1).file_name(file.0.to_owned()),
    );
    world
        .send(
            browser()
                .post(world.url("/money/import"))
                .header("cookie", format!("cordon_session={session}"))
                .multipart(form),
        )
        .await
}

/// The number a result page shows under `id`.
fn shown(body: &str, id: &str) -> u64 {
    let marker = format!(r#"id="{id}">"#);
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id}: {body}"))
        + marker.len();
    let end = body[start..].find('<').unwrap() + start;
    body[start..end].parse().unwrap()
}

async fn money_records(world: &World) -> usize {
    world.store.money_after(0, 100_000).await.unwrap().len()
}

async fn the_console_imports_money_files_as_the_api_does(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let client = browser();
    let a = console_login(&world, &client, &who(A, "analyst")).await;
    let r = console_login(&world, &client, &who(R, "analyst")).await;
    let o = console_login(&world, &client, &who(O, "analyst")).await;

    let money = world.page(&client, Some(&a), "/money").await;
    assert!(
        money.body.contains(r#"href="/money/import""#),
        "{}",
        money.body
    );
    let form = world.page(&client, Some(&a), "/money/import").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains(
            r#"<form id="import-form" method="post" action="/money/import" enctype="multipart/form-data">"#
        ),
        "{}",
        form.body
    );
    for kind in ["flows", "flows-csv", "conversions", "tags", "tagpack"] {
        assert!(
            form.body.contains(&format!(r#"<option value="{kind}""#)),
            "{kind}: {}",
            form.body
        );
    }
    assert!(
        form.body
            .contains(r#"<option value="AMBER" selected>AMBER</option>"#)
    );
    assert!(!form.body.contains("style="), "no inline style");
    let token = csrf(&form.body);

    // Flows, AMBER to R: kept, counted, and in the traces at once.
    let flows = [
        transfer("pay-1", "2026-02-01T10:00:00Z", VICTIM, DEPOSIT, "1000"),
        transfer("move-1", "2026-02-01T11:00:00Z", DEPOSIT, MULE, "600"),
    ]
    .join("\n");
    let marking = [
        ("kind", "flows"),
        ("tlp", "AMBER"),
        ("recipients", R),
        ("hit_notification", "on"),
    ];
    let kept = post_import(
        &world,
        &a,
        Some(&token),
        &marking,
        ("flows.jsonl", flows.clone()),
    )
    .await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert!(kept.body.contains(r#"id="import-result""#), "{}", kept.body);
    assert_eq!(shown(&kept.body, "lines"), 2);
    assert_eq!(shown(&kept.body, "added"), 2);
    assert_eq!(shown(&kept.body, "unchanged"), 0);
    assert!(
        kept.body
            .contains(&format!("for {A} under <strong>AMBER</strong> to {R}"))
    );
    assert_eq!(money_records(&world).await, 2);
    // The same file again adds nothing.
    let again = post_import(&world, &a, Some(&token), &marking, ("flows.jsonl", flows)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(shown(&again.body, "added"), 0);
    assert_eq!(shown(&again.body, "unchanged"), 2);

    // The recipient traces the payment; an outsider may not even seed it.
    let trace = format!("/money?address={}&flow=pay-1", common::encode(DEPOSIT));
    let traced = world.page(&client, Some(&r), &trace).await;
    assert_eq!(traced.status, 200, "{}", traced.body);
    assert!(
        traced.body.contains(r#"id="trace-sankey""#),
        "{}",
        traced.body
    );
    assert!(traced.body.contains(MULE), "{}", traced.body);
    let outsider = world.page(&client, Some(&o), &trace).await;
    assert_eq!(outsider.status, 422, "{}", outsider.body);
    assert!(outsider.body.contains("among the flows you may read"));
    assert!(!outsider.body.contains(MULE) && !outsider.body.contains("trace-sankey"));

    // A bad line: the form again with every bad line, and nothing kept
    // from the file, not even its good line.
    let before = money_records(&world).await;
    let bad = [
        transfer("fine-1", "2026-02-02T10:00:00Z", MULE, EXCHANGE, "5"),
        transfer("bad-1", "2026-02-02T11:00:00Z", MULE, EXCHANGE, "-5"),
    ]
    .join("\n");
    let refused = post_import(&world, &a, Some(&token), &marking, ("bad.jsonl", bad)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let page = &refused.body;
    assert!(
        page.contains("1 bad line(s) and nothing was imported"),
        "{page}"
    );
    assert!(page.contains(r#"id="bad-lines""#), "{page}");
    assert!(
        page.contains(r#"<td class="num">2</td><td><code>inputs[0].amount</code></td>"#),
        "{page}"
    );
    assert!(page.contains(r#"id="import-form""#));
    assert!(
        page.contains(&format!(r#"name="recipients" value="{R}""#)),
        "the marking kept: {page}"
    );
    assert!(!page.contains(r#"id="import-result""#));
    assert_eq!(money_records(&world).await, before);
    let fine_trace = format!("/money?address={}&flow=fine-1", common::encode(EXCHANGE));
    let fine = world.page(&client, Some(&a), &fine_trace).await;
    assert_eq!(fine.status, 422, "fine-1 was not kept: {}", fine.body);

    // A recipient that is no member: refused on the form, nothing kept.
    let mut nobody = marking;
    nobody[2] = ("recipients", "XX-NOPE");
    let flow = transfer("fine-2", "2026-02-02T12:00:00Z", MULE, EXCHANGE, "5");
    let refused = post_import(&world, &a, Some(&token), &nobody, ("f.jsonl", flow.clone())).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("XX-NOPE"), "{}", refused.body);
    assert!(refused.body.contains(r#"id="import-form""#));
    assert_eq!(money_records(&world).await, before);

    // A GraphSense TagPack, GREEN: its two tags.
    let pack = format!(
        "title: exchanges\ncreator: test\nis_public: true\ntags:\n  - address: \"{}\"\n    label: Big Exchange\n    currency: TRX\n    category: exchange\n    confidence: ownership\n    source: test\n  - address: \"{}\"\n    label: Other Exchange\n    currency: TRX\n    category: exchange\n    confidence: ownership\n    source: test\n",
        EXCHANGE.trim_start_matches("trx:"),
        MULE2.trim_start_matches("trx:"),
    );
    let tagged = post_import(
        &world,
        &a,
        Some(&token),
        &[("kind", "tagpack"), ("tlp", "GREEN"), ("recipients", "")],
        ("exchanges.yaml", pack),
    )
    .await;
    assert_eq!(tagged.status, 200, "{}", tagged.body);
    assert_eq!(shown(&tagged.body, "added"), 2, "{}", tagged.body);
    assert!(tagged.body.contains("under <strong>GREEN</strong>"));
    assert_eq!(money_records(&world).await, before + 2);

    // No CSRF token, or another session's: refused, nothing kept.
    let r_token = csrf(&world.page(&client, Some(&r), "/money/import").await.body);
    for sent in [None, Some(r_token.as_str())] {
        let forged = post_import(&world, &a, sent, &marking, ("f.jsonl", flow.clone())).await;
        assert_eq!(forged.status, 403, "{}", forged.body);
        assert!(
            forged
                .body
                .contains("not from your current console session")
        );
    }
    assert_eq!(money_records(&world).await, before + 2);

    // A contributor may import, as through the API.
    let contributor = console_login(&world, &client, &who(A, "contributor")).await;
    let own = csrf(
        &world
            .page(&client, Some(&contributor), "/money/import")
            .await
            .body,
    );
    let kept = post_import(
        &world,
        &contributor,
        Some(&own),
        &marking,
        ("f.jsonl", flow),
    )
    .await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert_eq!(shown(&kept.body, "added"), 1);
}
