//! Operations and deconfliction through the API and the console, on both
//! backends: an operation's life with its parties (targets, tasks, log,
//! the lead's changes, closing), held by a fresh replica from the decision
//! log; its invisibility to everyone else (a 404 like a missing one, in no
//! list); deconfliction against another agency's operation, watch and
//! recent hit query, each side told the other's contact and nothing more;
//! bad input refused naming the field, changing nothing; and the STIX
//! `grouping` export checked by the OASIS validator.

mod common;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use common::{A, Answer, Backend, O, R, World, console_login, contact_of, test_config, who};

on_both_backends!(
    an_operation_lives_with_its_parties,
    an_operation_is_invisible_to_everyone_else,
    deconfliction_tells_both_sides_whom_to_call_and_nothing_more,
    a_later_watch_or_query_on_a_target_is_deconflicted_too,
    bad_input_is_refused_naming_the_field_and_changes_nothing,
    an_operation_exports_as_a_stix_grouping,
);

/// A compound near Myawaddy (Myanmar), as its site's cell.
fn compound_cell() -> String {
    cordon_analysis::places::site(16.6087, 98.5212)
        .expect("a point on Earth")
        .to_string()
}

/// A network of three GREEN reports of A located at the compound, which
/// every member agency's analysts know of; its id.
async fn network(world: &World) -> String {
    let reports: Vec<Value> = (0..3)
        .map(|i| {
            json!({"id": format!("net-{i}"), "kind": "compound_intel", "country": "GB",
                   "marking": {"tlp": "GREEN"}, "narrative": format!("network report {i}"),
                   "selectors": ["telegram:@netboss_zq", "+855 12 777 666"],
                   "location": {"lat": 16.6087, "lon": 98.5212}})
        })
        .collect();
    world
        .submit(&who(A, "analyst"), &Value::Array(reports))
        .await;
    let list = world
        .get(Some(&who(A, "analyst")), "/api/v1/networks")
        .await
        .expect(200);
    assert_eq!(list["total"], 1, "{list}");
    list["networks"][0]["id"].as_str().unwrap().to_owned()
}

async fn patch(world: &World, who: &str, path: &str, body: &Value) -> Answer {
    world
        .send(
            world
                .http
                .patch(world.url(path))
                .bearer_auth(world.token(who))
                .json(body),
        )
        .await
}

/// Creates an operation as `who` and returns its answer.
async fn create(world: &World, who: &str, body: Value) -> Value {
    world
        .post_json(Some(who), "/api/v1/operations", &body)
        .await
        .expect(201)
}

fn id_of(op: &Value) -> String {
    op["id"].as_str().expect("an operation id").to_owned()
}

fn target_values(op: &Value) -> Vec<String> {
    op["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"].as_str().unwrap().to_owned())
        .collect()
}

fn listed(world_list: &Value) -> Vec<String> {
    world_list["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_operation_lives_with_its_parties(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    let r = who(R, "analyst");
    let cell = compound_cell();
    let net = network(&world).await;
    // A network target is one its adder may know of.
    let unknown = world
        .post_json(
            Some(&a),
            "/api/v1/operations",
            &json!({"name": "x", "targets": ["+855 12 345 678", "N-000000000000"]}),
        )
        .await
        .expect_error(404, "not_found");
    assert_eq!(unknown["field"], "targets[1]");
    let op = create(
        &world,
        &a,
        json!({
            "name": "Operation Riverbank",
            "summary": "the compound by the river",
            "participants": [R],
            "targets": ["+855 12 345 678", net, format!("site:{}", cell.to_uppercase()), "+855 12-345-678"],
            "marking": {"tlp": "AMBER"},
        }),
    )
    .await;
    let id = id_of(&op);
    assert!(id.starts_with("OP-"), "{id}");
    assert_eq!(op["lead"], A);
    assert_eq!(op["participants"], json!([R]));
    assert_eq!(op["state"], "planned");
    assert_eq!(op["marking"]["tlp"], "AMBER");
    assert_eq!(op["created_by"], a.as_str());
    assert_eq!(
        target_values(&op),
        ["phone:+85512345678", net.as_str(), cell.as_str()]
    );
    assert_eq!(op["targets"][2]["kind"], "compound");
    assert_eq!(op["overlaps"], json!([]));

    // A participant's analyst reads it and works in it.
    let path = format!("/api/v1/operations/{id}");
    let seen = world.get(Some(&r), &path).await.expect(200);
    assert_eq!(seen["name"], "Operation Riverbank");
    let added = world
        .post_json(
            Some(&r),
            &format!("{path}/targets"),
            &json!({"targets": ["recruit.hr@example.com", "+855 12 345 678"]}),
        )
        .await
        .expect(200);
    assert_eq!(target_values(&added).len(), 4);
    assert_eq!(added["targets"][3]["by"], r.as_str());
    let tasked = world
        .post_json(
            Some(&r),
            &format!("{path}/tasks"),
            &json!({"title": "trace the wallet", "owner": format!("{R}/analyst2"), "due": "2027-01-31"}),
        )
        .await
        .expect(201);
    let task = &tasked["tasks"][0];
    assert_eq!(task["owner"], "KH-NCB/analyst2");
    assert_eq!(task["due"], "2027-01-31");
    assert_eq!(task["state"], "open");
    let task_id = task["id"].as_str().unwrap().to_owned();
    let done = patch(
        &world,
        &a,
        &format!("{path}/tasks/{task_id}"),
        &json!({"state": "done", "due": ""}),
    )
    .await
    .expect(200);
    assert_eq!(done["tasks"][0]["state"], "done");
    assert!(done["tasks"][0].get("due").is_none(), "{done}");
    assert_eq!(done["tasks"][0]["by"], a.as_str());
    let logged = world
        .post_json(
            Some(&r),
            &format!("{path}/log"),
            &json!({"text": "surveillance on the east gate"}),
        )
        .await
        .expect(201);
    assert_eq!(logged["log"][0]["agency"], R);
    assert_eq!(logged["log"][0]["user"], "analyst");
    assert_eq!(logged["log"][0]["text"], "surveillance on the east gate");

    // Only the lead changes the operation itself; contributors take no
    // part at all.
    patch(&world, &r, &path, &json!({"name": "mine now"}))
        .await
        .expect_error(403, "forbidden");
    world
        .post_json(
            Some(&who(A, "contributor")),
            "/api/v1/operations",
            &json!({"name": "x"}),
        )
        .await
        .expect_error(403, "forbidden");
    world
        .get(Some(&who(A, "contributor")), &path)
        .await
        .expect_error(404, "not_found");
    let changed = patch(
        &world,
        &who(A, "admin"),
        &path,
        &json!({"name": "Operation Riverbank II", "state": "active"}),
    )
    .await
    .expect(200);
    assert_eq!(changed["name"], "Operation Riverbank II");
    assert_eq!(changed["state"], "active");
    assert_eq!(changed["summary"], "the compound by the river");
    let removed = world
        .post_json(
            Some(&a),
            &format!("{path}/targets/remove"),
            &json!({"targets": [net]}),
        )
        .await
        .expect(200);
    assert!(!target_values(&removed).contains(&net));

    for viewer in [&a, &r, &who(R, "admin")] {
        let list = world
            .get(Some(viewer), "/api/v1/operations")
            .await
            .expect(200);
        assert_eq!(list["total"], 1, "{viewer} {list}");
        assert_eq!(listed(&list), std::slice::from_ref(&id));
        assert_eq!(list["operations"][0]["targets"], 3);
        assert_eq!(list["operations"][0]["open_tasks"], 0);
    }

    // A closed operation takes no targets until its lead reopens it.
    patch(&world, &a, &path, &json!({"state": "closed"}))
        .await
        .expect(200);
    world
        .post_json(
            Some(&r),
            &format!("{path}/targets"),
            &json!({"targets": ["other@example.com"]}),
        )
        .await
        .expect_error(409, "conflict");

    // A fresh replica holds the same operation, folded from the log.
    let replica = world.replica(test_config()).await;
    let there = replica.get(Some(&r), &path).await.expect(200);
    let here = world.get(Some(&r), &path).await.expect(200);
    assert_eq!(there, here);

    // The console shows it to its parties and changes it through forms.
    let browser = common::browser();
    let session = console_login(&world, &browser, &r).await;
    let page = world.page(&browser, Some(&session), "/operations").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Operation Riverbank II"),
        "{}",
        page.body
    );
    let page = world
        .page(&browser, Some(&session), &format!("/operations/{id}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("surveillance on the east gate"));
    assert!(page.body.contains("trace the wallet"));
    assert!(
        !page.body.contains("update-operation"),
        "only the lead's page has the lead's form"
    );
    let csrf = hidden(&page.body, "csrf").expect("a csrf field");
    let posted = browser
        .post(world.url(&format!("/operations/{id}/log")))
        .header("cookie", format!("cordon_session={session}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("text", "written from the console"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303, "{:?}", posted.text().await);
    let forged = browser
        .post(world.url(&format!("/operations/{id}/log")))
        .header("cookie", format!("cordon_session={session}"))
        .form(&[("csrf", "forged"), ("text", "forged entry")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let after = world.get(Some(&a), &path).await.expect(200);
    let texts: Vec<&str> = after["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["surveillance on the east gate", "written from the console"]
    );
}

/// The value of the page's first hidden field `name`.
fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

async fn an_operation_is_invisible_to_everyone_else(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    // An AMBER operation of A with R, and a RED one naming R's analyst.
    let amber = id_of(
        &create(
            &world,
            &a,
            json!({"name": "Operation Amberquill", "participants": [R], "targets": ["quill@example.com"]}),
        )
        .await,
    );
    let red = id_of(
        &create(
            &world,
            &a,
            json!({"name": "Operation Redquill", "participants": [R],
                   "marking": {"tlp": "RED", "recipients": [format!("{R}/analyst")]}}),
        )
        .await,
    );
    let red_op = world
        .get(Some(&a), &format!("/api/v1/operations/{red}"))
        .await
        .expect(200);
    assert_eq!(
        red_op["marking"]["recipients"],
        json!([a.as_str(), "KH-NCB/analyst"]),
        "its creator reads a RED operation"
    );
    let missing = world
        .get(
            Some(&who(O, "analyst")),
            "/api/v1/operations/OP-000000000000",
        )
        .await;
    missing.expect_error(404, "not_found");

    // (viewer, reads AMBER, reads RED)
    let table = [
        (who(A, "analyst"), true, true),
        (who(A, "admin"), true, false),
        (who(A, "contributor"), false, false),
        (who(R, "analyst"), true, true),
        (who(R, "analyst2"), true, false),
        (who(R, "contributor"), false, false),
        (who(O, "analyst"), false, false),
        (who(O, "admin"), false, false),
    ];
    for (viewer, reads_amber, reads_red) in &table {
        let list = world
            .get(Some(viewer), "/api/v1/operations")
            .await
            .expect(200);
        let ids = listed(&list);
        assert_eq!(list["total"], ids.len());
        assert_eq!(ids.contains(&amber), *reads_amber, "{viewer} {list}");
        assert_eq!(ids.contains(&red), *reads_red, "{viewer} {list}");
        for (id, reads, name) in [
            (&amber, *reads_amber, "Amberquill"),
            (&red, *reads_red, "Redquill"),
        ] {
            for suffix in ["", "/stix"] {
                let answer = world
                    .get(Some(viewer), &format!("/api/v1/operations/{id}{suffix}"))
                    .await;
                if reads {
                    assert_eq!(answer.status, 200, "{viewer} {id}{suffix}");
                } else {
                    assert_eq!(answer.status, 404, "{viewer} {id}{suffix}");
                    assert_eq!(
                        answer.body, missing.body,
                        "a hidden operation is a missing one"
                    );
                }
            }
            if !reads {
                assert!(!list.to_string().contains(name), "{viewer} {list}");
                // Nor can it be changed, nor learn that it exists by trying.
                for (path, body) in [
                    (
                        format!("/api/v1/operations/{id}/targets"),
                        json!({"targets": ["x@example.com"]}),
                    ),
                    (
                        format!("/api/v1/operations/{id}/log"),
                        json!({"text": "hello"}),
                    ),
                    (
                        format!("/api/v1/operations/{id}/tasks"),
                        json!({"title": "t", "owner": A}),
                    ),
                ] {
                    let answer = world.post_json(Some(viewer), &path, &body).await;
                    if viewer.ends_with("/contributor") {
                        answer.expect_error(403, "forbidden");
                    } else {
                        answer.expect_error(404, "not_found");
                        assert_eq!(answer.body, missing.body);
                    }
                }
            }
        }
    }
    world
        .get(None, "/api/v1/operations")
        .await
        .expect_error(401, "unauthenticated");
    world
        .get(None, &format!("/api/v1/operations/{amber}"))
        .await
        .expect_error(401, "unauthenticated");

    // The console: a hidden operation's page is a missing one's.
    let browser = common::browser();
    let session = console_login(&world, &browser, &who(O, "analyst")).await;
    let missing_page = world
        .page(&browser, Some(&session), "/operations/OP-000000000000")
        .await;
    assert_eq!(missing_page.status, 404);
    let hidden_page = world
        .page(&browser, Some(&session), &format!("/operations/{amber}"))
        .await;
    assert_eq!(hidden_page.status, 404);
    assert_eq!(hidden_page.body, missing_page.body);
    let list_page = world.page(&browser, Some(&session), "/operations").await;
    assert_eq!(list_page.status, 200);
    assert!(!list_page.body.contains("Amberquill"));
    assert!(!list_page.body.contains(&amber));

    // Taking a participant off takes its sight away.
    patch(
        &world,
        &a,
        &format!("/api/v1/operations/{amber}"),
        &json!({"participants": []}),
    )
    .await
    .expect(200);
    world
        .get(
            Some(&who(R, "analyst")),
            &format!("/api/v1/operations/{amber}"),
        )
        .await
        .expect_error(404, "not_found");
}

/// The overlaps `who` is told of.
async fn overlaps_of(world: &World, who: &str) -> (Vec<Value>, String) {
    let answer = world.get(Some(who), "/api/v1/deconflictions").await;
    let body = answer.expect(200);
    (
        body["deconflictions"].as_array().unwrap().clone(),
        answer.body,
    )
}

fn overlap_on<'a>(overlaps: &'a [Value], target: &str) -> Vec<&'a Value> {
    overlaps
        .iter()
        .filter(|d| d["target"]["value"] == target)
        .collect()
}

/// The other end: a watch kept, or a hit query asked, on a target of
/// another agency's open operation tells both sides too, once.
async fn a_later_watch_or_query_on_a_target_is_deconflicted_too(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let (a, r, o) = (who(A, "analyst"), who(R, "analyst"), who(O, "analyst"));
    let ours = create(
        &world,
        &a,
        json!({"name": "Operation Basaltsecret", "summary": "basalt words",
               "targets": ["+855 12 444 555", "boss.later.zq@example.com"], "state": "active"}),
    )
    .await;
    let ours_id = id_of(&ours);
    assert_eq!(ours["overlaps"], json!([]));
    // R keeps a watch on one target: both are told at once.
    world
        .post_json(
            Some(&r),
            "/api/v1/watches",
            &json!({"name": "later watch", "selectors": ["boss.later.zq@example.com"]}),
        )
        .await
        .expect(201);
    let (theirs, body) = overlaps_of(&world, &r).await;
    let d = overlap_on(&theirs, "email:boss.later.zq@example.com");
    assert_eq!(d.len(), 1, "{body}");
    assert_eq!(d[0]["yours"]["kind"], "watch");
    assert_eq!(d[0]["other"]["kind"], "operation");
    assert_eq!(d[0]["other"]["agency"], A);
    assert_eq!(d[0]["other"]["contact"], contact_of(A).as_str());
    assert!(
        !body.contains("Basaltsecret") && !body.contains(&ours_id),
        "{body}"
    );
    let (mine, body) = overlaps_of(&world, &a).await;
    let d = overlap_on(&mine, "email:boss.later.zq@example.com");
    assert_eq!(d.len(), 1, "{body}");
    assert_eq!(d[0]["yours"]["operation"], ours_id.as_str());
    assert_eq!(d[0]["other"]["kind"], "watch");
    assert_eq!(d[0]["other"]["agency"], R);
    // O asks of the other target, twice: told once, off the query's path.
    for _ in 0..2 {
        world
            .get_query(Some(&o), "/api/v1/hits", &[("selector", "+855 12 444 555")])
            .await
            .expect(200);
    }
    let told = common::eventually(Duration::from_secs(5), "the query's overlap", &mut || {
        let world = &world;
        let o = &o;
        async move {
            let (theirs, _) = overlaps_of(world, o).await;
            let d: Vec<Value> = overlap_on(&theirs, "phone:+85512444555")
                .into_iter()
                .cloned()
                .collect();
            (!d.is_empty()).then_some(d)
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (theirs, body) = overlaps_of(&world, &o).await;
    assert_eq!(overlap_on(&theirs, "phone:+85512444555").len(), 1, "{body}");
    assert_eq!(told[0]["yours"]["kind"], "query");
    assert_eq!(told[0]["other"]["agency"], A);
    let (mine, body) = overlaps_of(&world, &a).await;
    assert_eq!(overlap_on(&mine, "phone:+85512444555").len(), 1, "{body}");
}

async fn deconfliction_tells_both_sides_whom_to_call_and_nothing_more(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    let r = who(R, "analyst");
    let o = who(O, "analyst");
    let watched = "email:watched.zq@example.com";
    let queried = "phone:+85512999888";
    let both = "telegram:@riverboss_zq";
    // O watches one selector (for its agency); R's analyst queries another;
    // O runs its own operation on a third.
    let watch = world
        .post_json(
            Some(&o),
            "/api/v1/watches",
            &json!({"name": "Watchname Obsidianq", "scope": "agency", "selectors": ["watched.zq@example.com"]}),
        )
        .await
        .expect(201);
    let watch_id = watch["id"].as_str().unwrap().to_owned();
    world
        .get_query(Some(&r), "/api/v1/hits", &[("selector", "+855 12 999 888")])
        .await
        .expect(200);
    let theirs = create(
        &world,
        &o,
        json!({"name": "Operation Zephyrsecret", "summary": "zephyr summary words",
               "targets": ["telegram:@riverboss_zq"], "state": "active"}),
    )
    .await;
    let theirs_id = id_of(&theirs);
    assert_eq!(target_values(&theirs), [both]);

    // A's operation takes all three: both sides of each overlap are told.
    let ours = create(
        &world,
        &a,
        json!({"name": "Operation Quartzhidden", "summary": "quartz summary words",
               "targets": ["watched.zq@example.com", "+855 12 999 888", "telegram:@riverboss_zq", "free.zq@example.com"]}),
    )
    .await;
    let ours_id = id_of(&ours);
    let overlaps = ours["overlaps"].as_array().unwrap();
    assert_eq!(overlaps.len(), 3, "{ours}");

    let (mine, body) = overlaps_of(&world, &a).await;
    assert_eq!(mine.len(), 3, "{body}");
    for (target, agency, kind) in [
        (watched, O, "watch"),
        (queried, R, "query"),
        (both, O, "operation"),
    ] {
        let d = overlap_on(&mine, target);
        assert_eq!(d.len(), 1, "{target}: {body}");
        assert_eq!(d[0]["yours"]["kind"], "operation");
        assert_eq!(d[0]["yours"]["operation"], ours_id.as_str());
        assert_eq!(d[0]["other"]["agency"], agency);
        assert_eq!(d[0]["other"]["kind"], kind);
        assert_eq!(d[0]["other"]["contact"], contact_of(agency).as_str());
    }
    // Nothing of the other side's work: not its operation's id, name or
    // summary, not its watch, not who asked.
    for secret in [
        theirs_id.as_str(),
        "Zephyrsecret",
        "zephyr summary",
        &watch_id,
        "Obsidianq",
        "analyst",
    ] {
        assert!(!body.contains(secret), "{secret} leaked to {A}: {body}");
    }
    let op_body = world
        .get(Some(&a), &format!("/api/v1/operations/{ours_id}"))
        .await
        .body;
    for secret in [theirs_id.as_str(), "Zephyrsecret", &watch_id, "Obsidianq"] {
        assert!(!op_body.contains(secret), "{secret} leaked: {op_body}");
    }

    // O is told twice: through its watch and through its operation.
    let (told, body) = overlaps_of(&world, &o).await;
    assert_eq!(told.len(), 2, "{body}");
    let w = overlap_on(&told, watched);
    assert_eq!(w[0]["yours"]["kind"], "watch");
    assert_eq!(w[0]["yours"]["watch"], watch_id.as_str());
    let p = overlap_on(&told, both);
    assert_eq!(p[0]["yours"]["operation"], theirs_id.as_str());
    for d in &told {
        assert_eq!(d["other"]["agency"], A);
        assert_eq!(d["other"]["kind"], "operation");
        assert_eq!(d["other"]["contact"], contact_of(A).as_str());
    }
    let theirs_now = world
        .get(Some(&o), &format!("/api/v1/operations/{theirs_id}"))
        .await;
    assert_eq!(theirs_now.json()["overlaps"].as_array().unwrap().len(), 1);
    for text in [&body, &theirs_now.body] {
        for secret in [
            ours_id.as_str(),
            "Quartzhidden",
            "quartz summary",
            "free.zq",
        ] {
            assert!(!text.contains(secret), "{secret} leaked to {O}: {text}");
        }
    }
    // R learns of its query's selector in A's operation.
    let (told, body) = overlaps_of(&world, &r).await;
    assert_eq!(told.len(), 1, "{body}");
    assert_eq!(told[0]["target"]["value"], queried);
    assert_eq!(told[0]["yours"]["kind"], "query");
    assert_eq!(told[0]["other"]["agency"], A);
    assert_eq!(told[0]["other"]["contact"], contact_of(A).as_str());
    for secret in [ours_id.as_str(), "Quartzhidden", "free.zq"] {
        assert!(!body.contains(secret), "{secret} leaked to {R}: {body}");
    }
    // Contributors are told nothing; other agencies nothing at all.
    for nobody in [who(R, "contributor"), who(O, "contributor")] {
        let (told, body) = overlaps_of(&world, &nobody).await;
        assert!(told.is_empty(), "{nobody}: {body}");
    }

    // An overlap is told once: the same target again, or its removal and
    // return, tells nothing new.
    let path = format!("/api/v1/operations/{ours_id}");
    world
        .post_json(
            Some(&a),
            &format!("{path}/targets/remove"),
            &json!({"targets": ["telegram:@riverboss_zq"]}),
        )
        .await
        .expect(200);
    world
        .post_json(
            Some(&a),
            &format!("{path}/targets"),
            &json!({"targets": ["telegram:@riverboss_zq", "watched.zq@example.com"]}),
        )
        .await
        .expect(200);
    assert_eq!(overlaps_of(&world, &a).await.0.len(), 3);
    // A party is no "other agency": R's query meets an operation R takes
    // part in without anyone being told.
    create(
        &world,
        &a,
        json!({"name": "joint", "participants": [R], "targets": ["+855 12 999 888"]}),
    )
    .await;
    assert_eq!(overlaps_of(&world, &a).await.0.len(), 3);
    assert_eq!(overlaps_of(&world, &r).await.0.len(), 1);
    // A new query of an operation's target waits for the next target
    // added; a target added later is compared at once.
    world
        .get_query(
            Some(&o),
            "/api/v1/hits",
            &[("selector", "late.zq@example.com")],
        )
        .await
        .expect(200);
    let later = world
        .post_json(
            Some(&a),
            &format!("{path}/targets"),
            &json!({"targets": ["late.zq@example.com"]}),
        )
        .await
        .expect(200);
    assert_eq!(later["overlaps"].as_array().unwrap().len(), 4, "{later}");
    assert_eq!(overlaps_of(&world, &o).await.0.len(), 3);
    // Watches of a compound and of a network meet them as targets.
    let cell = compound_cell();
    let net = network(&world).await;
    for (name, scope, target) in [
        (
            "Compoundwatch Obsidianr",
            "agency",
            json!({"kind": "compound", "site": cell}),
        ),
        (
            "Networkwatch Obsidians",
            "user",
            json!({"kind": "network", "network": net}),
        ),
    ] {
        world
            .post_json(
                Some(&o),
                "/api/v1/watches",
                &json!({"name": name, "scope": scope, "target": target}),
            )
            .await
            .expect(201);
    }
    let placed = world
        .post_json(
            Some(&a),
            &format!("{path}/targets"),
            &json!({"targets": [format!("site:{cell}"), net]}),
        )
        .await
        .expect(200);
    assert_eq!(placed["overlaps"].as_array().unwrap().len(), 6, "{placed}");
    for secret in ["Obsidianr", "Obsidians"] {
        assert!(!placed.to_string().contains(secret), "{placed}");
    }
    let (told, body) = overlaps_of(&world, &o).await;
    assert_eq!(told.len(), 5, "{body}");
    assert_eq!(overlap_on(&told, &cell)[0]["yours"]["kind"], "watch");
    assert_eq!(overlap_on(&told, &net)[0]["yours"]["user"], "analyst");
    // The network watch is O's analyst's own: its colleagues are not told.
    assert_eq!(overlaps_of(&world, &who(O, "admin")).await.0.len(), 4);

    // The console shows each side the overlap and the other's contact.
    let browser = common::browser();
    let session = console_login(&world, &browser, &o).await;
    let page = world
        .page(&browser, Some(&session), "/deconflictions")
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&contact_of(A)), "{}", page.body);
    assert!(page.body.contains(watched));
    for secret in [ours_id.as_str(), "Quartzhidden"] {
        assert!(
            !page.body.contains(secret),
            "{secret} leaked: {}",
            page.body
        );
    }
    let session = console_login(&world, &browser, &a).await;
    let page = world
        .page(&browser, Some(&session), &format!("/operations/{ours_id}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&contact_of(O)));
    assert!(page.body.contains(&contact_of(R)));
    for secret in [theirs_id.as_str(), "Zephyrsecret", &watch_id, "Obsidianq"] {
        assert!(
            !page.body.contains(secret),
            "{secret} leaked: {}",
            page.body
        );
    }
}

async fn bad_input_is_refused_naming_the_field_and_changes_nothing(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    // Another agency watches a selector: an operation refused must tell
    // no one of it.
    world
        .post_json(
            Some(&who(O, "analyst")),
            "/api/v1/watches",
            &json!({"name": "w", "selectors": ["+855 12 345 678"]}),
        )
        .await
        .expect(201);
    let good = || {
        json!({"name": "Operation Good", "participants": [R],
               "targets": ["+855 12 345 678", "good@example.com"]})
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"name": "  "}), "invalid_field", "name"),
        (
            json!({"participants": [R, "TH-DSI"]}),
            "invalid_field",
            "participants[1]",
        ),
        (
            json!({"participants": ["nca"]}),
            "invalid_field",
            "participants[0]",
        ),
        (
            json!({"targets": ["+855 12 345 678", "not a selector"]}),
            "invalid_selector",
            "targets[1]",
        ),
        (json!({"targets": ["N-xyz"]}), "invalid_field", "targets[0]"),
        (
            json!({"targets": ["site:8a2a1072b59ffff"]}),
            "invalid_field",
            "targets[0]",
        ),
        (
            json!({"marking": {"tlp": "PINK"}}),
            "invalid_field",
            "marking.tlp",
        ),
        (
            json!({"marking": {"tlp": "AMBER", "recipients": [R]}}),
            "invalid_field",
            "marking.recipients",
        ),
        (
            json!({"marking": {"tlp": "RED", "recipients": [R]}}),
            "invalid_field",
            "marking.recipients[0]",
        ),
        (
            json!({"marking": {"tlp": "RED", "recipients": [format!("{O}/analyst")]}}),
            "invalid_field",
            "marking.recipients[0]",
        ),
        (
            json!({"marking": {"tlp": "RED", "recipients": [format!("{R}/nobody")]}}),
            "invalid_field",
            "marking.recipients[0]",
        ),
        (json!({"state": "closed"}), "invalid_field", "state"),
    ];
    for (change, code, field) in cases {
        let mut body = good();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let refused = world
            .post_json(Some(&a), "/api/v1/operations", &body)
            .await
            .expect_error(422, code);
        assert_eq!(refused["field"], field, "{body}: {refused}");
    }
    world
        .post_raw(
            Some(&a),
            "/api/v1/operations",
            "application/json",
            "{\"name\": ",
        )
        .await
        .expect_error(400, "invalid_request");
    world
        .post_json(
            Some(&a),
            "/api/v1/operations",
            &json!({"name": "x", "colour": "red"}),
        )
        .await
        .expect_error(400, "invalid_request");
    // Nothing was created, and no one was told of anything.
    for viewer in [a.clone(), who(R, "analyst"), who(O, "analyst")] {
        let list = world
            .get(Some(&viewer), "/api/v1/operations")
            .await
            .expect(200);
        assert_eq!(list["total"], 0, "{viewer} {list}");
        assert!(overlaps_of(&world, &viewer).await.0.is_empty(), "{viewer}");
    }

    // Bad changes to an operation change nothing of it.
    let op = create(
        &world,
        &a,
        json!({"name": "Operation Good", "participants": [R]}),
    )
    .await;
    let id = id_of(&op);
    let path = format!("/api/v1/operations/{id}");
    let before = world.get(Some(&a), &path).await.expect(200);
    let refusals = [
        (
            world
                .post_json(
                    Some(&a),
                    &format!("{path}/targets"),
                    &json!({"targets": ["+855 12 345 678", "nope nope"]}),
                )
                .await,
            422,
            "targets[1]",
        ),
        (
            world
                .post_json(
                    Some(&a),
                    &format!("{path}/targets"),
                    &json!({"targets": []}),
                )
                .await,
            422,
            "targets",
        ),
        (
            world
                .post_json(
                    Some(&a),
                    &format!("{path}/targets/remove"),
                    &json!({"targets": ["never@example.com"]}),
                )
                .await,
            422,
            "targets[0]",
        ),
        (
            world
                .post_json(
                    Some(&a),
                    &format!("{path}/tasks"),
                    &json!({"title": "t", "owner": A, "due": "31/01/2027"}),
                )
                .await,
            422,
            "due",
        ),
        (
            world
                .post_json(
                    Some(&a),
                    &format!("{path}/tasks"),
                    &json!({"title": "t", "owner": O}),
                )
                .await,
            422,
            "owner",
        ),
        (
            world
                .post_json(
                    Some(&a),
                    &format!("{path}/tasks"),
                    &json!({"title": "t", "owner": format!("{R}/ghost")}),
                )
                .await,
            422,
            "owner",
        ),
        (
            world
                .post_json(Some(&a), &format!("{path}/log"), &json!({"text": ""}))
                .await,
            422,
            "text",
        ),
        (
            patch(&world, &a, &path, &json!({"name": "", "state": "active"})).await,
            422,
            "name",
        ),
        (
            patch(&world, &a, &path, &json!({"state": "finished"})).await,
            422,
            "state",
        ),
        (
            patch(
                &world,
                &a,
                &path,
                &json!({"participants": ["PH-NBI", "XX"]}),
            )
            .await,
            422,
            "participants[1]",
        ),
    ];
    for (answer, status, field) in refusals {
        let body = answer.expect(status);
        assert_eq!(body["field"], field, "{body}");
    }
    patch(
        &world,
        &a,
        &format!("{path}/tasks/T-00000000"),
        &json!({"state": "done"}),
    )
    .await
    .expect_error(404, "not_found");
    let after = world.get(Some(&a), &path).await.expect(200);
    assert_eq!(after, before, "a refused change changed the operation");
    assert!(overlaps_of(&world, &who(O, "analyst")).await.0.is_empty());
}

/// Warning codes of stix2-validator that Cordon's bundles raise on
/// purpose: 103, UUIDv5 ids (see crates/interop/tests/stix_notice.rs).
const JUSTIFIED_WARNINGS: [&str; 1] = ["103"];

async fn an_operation_exports_as_a_stix_grouping(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    let r = who(R, "analyst");
    let cell = compound_cell();
    let net = network(&world).await;
    let op = create(
        &world,
        &a,
        json!({
            "name": "Operation Riverbank",
            "summary": "the compound by the river",
            "participants": [R],
            "targets": ["+855 12 345 678", "recruit.hr@example.com", "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                        net, format!("site:{cell}")],
            "marking": {"tlp": "RED", "recipients": [format!("{R}/analyst")]},
            "state": "active",
        }),
    )
    .await;
    let id = id_of(&op);
    world
        .post_json(
            Some(&r),
            &format!("/api/v1/operations/{id}/log"),
            &json!({"text": "surveillance on the east gate"}),
        )
        .await
        .expect(201);
    let answer = world
        .get(Some(&r), &format!("/api/v1/operations/{id}/stix"))
        .await;
    assert_eq!(
        answer.header("content-type"),
        Some("application/stix+json;version=2.1")
    );
    let bundle = answer.expect(200);
    assert_eq!(bundle["type"], "bundle");
    let objects = bundle["objects"].as_array().unwrap();
    let count = |kind: &str| objects.iter().filter(|o| o["type"] == kind).count();
    assert_eq!(count("grouping"), 1);
    assert_eq!(count("indicator"), 3);
    assert_eq!(count("threat-actor"), 1);
    assert_eq!(count("infrastructure"), 1);
    assert_eq!(count("note"), 1);
    let grouping = objects.iter().find(|o| o["type"] == "grouping").unwrap();
    assert_eq!(grouping["name"], "Operation Riverbank");
    assert_eq!(grouping["context"], "suspicious-activity");
    let red = objects
        .iter()
        .find(|o| o["type"] == "marking-definition")
        .unwrap();
    assert_eq!(red["name"], "TLP:RED");
    assert_eq!(grouping["object_marking_refs"], json!([red["id"]]));
    // Exporting it again gives the same bytes.
    let again = world
        .get(Some(&a), &format!("/api/v1/operations/{id}/stix"))
        .await
        .expect(200);
    assert_eq!(again, bundle);

    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("operation-{id}-{backend:?}.json"));
    std::fs::write(&file, serde_json::to_string_pretty(&bundle).unwrap()).unwrap();
    let Some(check) = stix_check(&file) else {
        return;
    };
    assert_eq!(check["objects"], objects.len());
    assert_eq!(check["errors"], json!([]), "stix2-validator errors");
    assert_eq!(check["valid"], true, "stix2-validator: not valid");
    let unjustified: Vec<&String> = check["warnings"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|code| !JUSTIFIED_WARNINGS.contains(&code.as_str()))
        .collect();
    assert!(
        unjustified.is_empty(),
        "warnings with codes {unjustified:?}: {}",
        check["warning_samples"]
    );
    assert_eq!(check["bundle_loads"], true, "{}", check["unloadable"]);
}

/// Runs the STIX checker of the CLI's tests (stix2-validator and stix2)
/// on a bundle file; `None` when the virtualenv is missing outside CI.
fn stix_check(bundle: &std::path::Path) -> Option<Value> {
    let py = cordon_testkit::python()?;
    let script = cordon_testkit::workspace_root().join("crates/cli/tests/python/stix_check.py");
    let out = Command::new(py)
        .arg(&script)
        .arg(bundle)
        .output()
        .unwrap_or_else(|e| panic!("cannot start python for stix_check.py: {e}"));
    assert!(
        out.status.success(),
        "stix_check.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the helper prints JSON"))
}
