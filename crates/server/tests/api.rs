//! The HTTP API through a real server and a real client, on SQLite and on
//! PostgreSQL: submissions in every form, reads, listings and their
//! filters, hit queries, the failure modes (bad input, limits, the hit index
//! loading, rate limits, tokens) and the audit log.

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cordon_core::{Report, ReportSubmission};
use cordon_server::Config;
use cordon_store::audit::{self, GENESIS};
use cordon_store::*;
use serde_json::{Value, json};
use tokio::sync::watch;

use common::{A, Backend, O, R, World, eventually, listed_ids, test_config, who};

on_both_backends!(
    submit_one_a_batch_csv_and_json_lines,
    a_bad_item_stores_nothing_and_names_line_and_field,
    malformed_submissions_are_refused,
    a_body_over_the_limit_is_413,
    read_and_list_with_every_filter_and_page,
    hit_query_takes_messy_selectors_and_refuses_invalid_ones,
    hit_batch_answers_in_place_and_keeps_its_limit,
    the_hit_index_fails_closed_until_loaded,
    the_hit_index_follows_writes_behind_its_back,
    rate_limit_answers_429_with_retry_after,
    tokens_decide_who_calls,
    health_metrics_openapi_and_unknown_routes,
    the_audit_log_shows_the_owner_who_touched_its_data,
    two_replicas_on_one_store_keep_one_audit_chain,
    an_unsupported_method_has_the_error_body,
    recipients_must_name_members_and_their_users,
    metrics_need_loopback_or_the_metrics_token,
    a_revoked_token_ends_its_console_sessions,
    a_batch_hit_query_is_one_audit_record_per_owner,
    the_neighbourhood_walks_readable_reports_within_its_bounds,
);

const REPORTS: &str = "/api/v1/reports";

fn a_analyst() -> String {
    who(A, "analyst")
}

fn r_analyst() -> String {
    who(R, "analyst")
}

/// A report as JSON with the fields most tests need.
fn report(id: &str, tlp: &str, narrative: &str, selectors: &[&str]) -> Value {
    json!({
        "id": id,
        "kind": "fraud_complaint",
        "country": "KH",
        "received": "2026-01-15T10:00:00Z",
        "marking": {"tlp": tlp},
        "narrative": narrative,
        "selectors": selectors,
    })
}

fn statuses(answer: &Value) -> Vec<(u64, String, String, u64)> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["id"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
                r["revision"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn owned(rows: &[(u64, &str, &str, u64)]) -> Vec<(u64, String, String, u64)> {
    rows.iter()
        .map(|(l, i, s, r)| (*l, (*i).to_owned(), (*s).to_owned(), *r))
        .collect()
}

async fn submit_one_a_batch_csv_and_json_lines(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let me = a_analyst();

    // One report: accepted, then unchanged when sent again, then a new
    // revision when its content changes.
    let one = report("one", "GREEN", "first text", &["+855 12 345 678"]);
    let answer = world.submit(&me, &one).await;
    assert_eq!(statuses(&answer), owned(&[(1, "one", "accepted", 1)]));
    assert_eq!(
        (answer["accepted"].as_u64(), answer["unchanged"].as_u64()),
        (Some(1), Some(0))
    );
    let first_seq = answer["results"][0]["seq"].as_i64().unwrap();
    let answer = world.submit(&me, &one).await;
    assert_eq!(statuses(&answer), owned(&[(1, "one", "unchanged", 1)]));
    assert_eq!(answer["results"][0]["seq"].as_i64(), Some(first_seq));
    assert_eq!(
        (answer["accepted"].as_u64(), answer["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    let changed = report("one", "GREEN", "second text", &["+855 12 345 678"]);
    let answer = world.submit(&me, &changed).await;
    assert_eq!(statuses(&answer), owned(&[(1, "one", "accepted", 2)]));
    assert!(answer["results"][0]["seq"].as_i64().unwrap() > first_seq);

    let read = world
        .get(Some(&me), "/api/v1/reports/GB-NCA/one")
        .await
        .expect(200);
    assert_eq!(read["agency"], A);
    assert_eq!(read["revision"], 2);
    assert_eq!(read["report"]["narrative"], "second text");
    assert_eq!(read["report"]["selectors"], json!(["phone:+85512345678"]));
    assert_eq!(read["report"]["marking"]["tlp"], "GREEN");

    // A JSON array: one result per report, in order; a report without an
    // id gets a content-derived one, the same when sent again.
    let batch = json!([
        report("b1", "AMBER", "batch one", &["batch-one@example.com"]),
        {"kind": "tip", "country": "TH", "narrative": "no id given"},
        report("one", "GREEN", "second text", &["+855 12 345 678"]),
    ]);
    let answer = world.submit(&me, &batch).await;
    let got = statuses(&answer);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], (1, "b1".into(), "accepted".into(), 1));
    assert_eq!((got[1].0, got[1].2.as_str(), got[1].3), (2, "accepted", 1));
    assert!(got[1].1.starts_with("sha256-"), "{}", got[1].1);
    assert_eq!(got[2], (3, "one".into(), "unchanged".into(), 2));
    let derived = got[1].1.clone();
    let again = world
        .submit(
            &me,
            &json!({"kind": "tip", "country": "TH", "narrative": "no id given"}),
        )
        .await;
    assert_eq!(
        statuses(&again),
        vec![(1, derived.clone(), "unchanged".into(), 1)]
    );

    // CSV, columns as in core::ingest::csv.
    let csv = "id,kind,country,tlp,recipients,hit_notification,grading,mo,narrative,selectors,losses,received\n\
               c1,recruitment_ad,MM,AMBER,KH-NCB,true,B2,task;channel:telegram,job advert one,+66 81 234 5678;hr-c1@example.com,1500 USDT,2026-01-10T00:00:00Z\n\
               c2,tip,TH,GREEN,,false,,,tip two,,,\n";
    let answer = world
        .post_raw(Some(&me), REPORTS, "text/csv; charset=utf-8", csv)
        .await
        .expect(200);
    assert_eq!(
        statuses(&answer),
        owned(&[(1, "c1", "accepted", 1), (2, "c2", "accepted", 1)])
    );
    let c1 = world
        .get(Some(&me), "/api/v1/reports/GB-NCA/c1")
        .await
        .expect(200);
    assert_eq!(c1["report"]["kind"], "recruitment_ad");
    assert_eq!(c1["report"]["marking"]["recipients"], json!(["KH-NCB"]));
    let mut mo: Vec<&str> = c1["report"]["mo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    mo.sort_unstable();
    assert_eq!(mo, ["channel:telegram", "task"]);
    let mut selectors: Vec<&str> = c1["report"]["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    selectors.sort_unstable();
    assert_eq!(selectors, ["email:hr-c1@example.com", "phone:+66812345678"]);
    assert_eq!(
        c1["report"]["losses"],
        json!([{"amount": "1500", "currency": "USDT"}])
    );
    let c2 = world
        .get(Some(&me), "/api/v1/reports/GB-NCA/c2")
        .await
        .expect(200);
    assert_eq!(c2["report"]["marking"]["hit_notification"], false);

    // JSON lines, blank lines skipped; lines renumbered by report.
    let lines = format!(
        "{}\n\n{}\n",
        report("j1", "GREEN", "line one", &[]),
        report("j2", "RED", "line two", &["j2@example.com"])
    );
    for media in ["application/x-ndjson", "application/jsonl"] {
        let answer = world
            .post_raw(Some(&me), REPORTS, media, lines.clone())
            .await
            .expect(200);
        let want = if media == "application/x-ndjson" {
            "accepted"
        } else {
            "unchanged"
        };
        assert_eq!(
            statuses(&answer),
            owned(&[(1, "j1", want, 1), (2, "j2", want, 1)]),
            "{media}"
        );
    }
    let ids = listed_ids(&world.get(Some(&me), REPORTS).await.expect(200));
    for id in ["one", "b1", "c1", "c2", "j1", "j2"] {
        assert!(
            ids.contains(&format!("{A}/{id}")),
            "{id} missing from {ids:?}"
        );
    }
    assert!(ids.contains(&format!("{A}/{derived}")));
}

async fn a_bad_item_stores_nothing_and_names_line_and_field(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let me = a_analyst();
    let before = world.store.counts().await.unwrap();

    // A JSON batch with one bad selector: 422, line and field named.
    let batch = json!([
        report("ok1", "GREEN", "fine", &["+855 12 345 678"]),
        report(
            "bad2",
            "GREEN",
            "fine too",
            &["+855 12 345 678", "DE00 1234 5678 9012 3456 78"]
        ),
        report("ok3", "GREEN", "fine three", &[]),
    ]);
    let answer = world.post_json(Some(&me), REPORTS, &batch).await;
    let body = answer.expect_error(422, "invalid_report");
    assert_eq!(body["line"], 2, "{body}");
    assert_eq!(body["field"], "selectors[1]", "{body}");
    assert_eq!(
        body["errors"],
        json!([{"line": 2, "field": "selectors[1]", "message": body["errors"][0]["message"]}])
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("nothing was stored"),
        "{body}"
    );

    // Several bad items: every one listed, the first in line/field.
    let batch = json!([
        {"kind": "nonsense", "country": "KH", "narrative": "x"},
        report("ok", "GREEN", "fine", &[]),
        {"id": "x", "kind": "tip", "country": "KH", "narrative": "x", "marking": {"tlp": "RED", "recipients": ["KH-NCB"]}},
        {"kind": "tip", "country": "KH"},
    ]);
    let body = world
        .post_json(Some(&me), REPORTS, &batch)
        .await
        .expect_error(422, "invalid_report");
    assert_eq!(
        (body["line"].as_u64(), body["field"].as_str()),
        (Some(1), Some("kind"))
    );
    let lines: Vec<(u64, Option<&str>)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (1, Some("kind")),
            (3, Some("marking.recipients[0]")),
            (4, Some("narrative"))
        ]
    );

    // CSV: a bad row names its file line (the header is line 1).
    let csv = "id,kind,country,narrative,selectors\n\
               cok,tip,KH,fine,\n\
               cbad,tip,KH,fine,+855 1\n";
    let body = world
        .post_raw(Some(&me), REPORTS, "text/csv", csv)
        .await
        .expect_error(422, "invalid_report");
    assert_eq!(
        (body["line"].as_u64(), body["field"].as_str()),
        (Some(3), Some("selectors[0]")),
        "{body}"
    );
    // An unknown column is an error, not silently dropped data.
    let csv = "id,kind,country,narrative,colour\ncx,tip,KH,fine,blue\n";
    let body = world
        .post_raw(Some(&me), REPORTS, "text/csv", csv)
        .await
        .expect_error(422, "invalid_report");
    assert_eq!(
        (body["line"].as_u64(), body["field"].as_str()),
        (Some(1), Some("colour")),
        "{body}"
    );

    // JSON lines: a line that is not JSON and one that is not a report.
    let lines = format!(
        "{}\nnot json\n{}\n",
        report("jok", "GREEN", "fine", &[]),
        json!({"kind": "tip", "country": "KH", "narrative": "x", "grading": "Q9"})
    );
    let body = world
        .post_raw(Some(&me), REPORTS, "application/x-ndjson", lines)
        .await
        .expect_error(422, "invalid_report");
    let lines: Vec<(u64, Option<&str>)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str()))
        .collect();
    assert_eq!(lines, vec![(2, None), (3, Some("grading"))]);

    // Nothing of any of it was stored, nor indexed.
    assert_eq!(
        world.store.counts().await.unwrap().revisions,
        before.revisions
    );
    for id in ["ok1", "bad2", "ok3", "ok", "x", "cok", "cbad", "cx", "jok"] {
        world
            .get(Some(&me), &format!("/api/v1/reports/GB-NCA/{id}"))
            .await
            .expect_error(404, "not_found");
    }
    let hits = world
        .get_query(
            Some(&me),
            "/api/v1/hits",
            &[("selector", "+855 12 345 678")],
        )
        .await
        .expect(200);
    assert_eq!(hits["readable"], json!([]));
    assert_eq!(hits["held_elsewhere"], json!([]));
}

async fn malformed_submissions_are_refused(backend: Backend) {
    let config = Config {
        max_reports: 2,
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let me = a_analyst();
    let before = world.store.counts().await.unwrap();
    for (body, media) in [
        ("{not json", "application/json"),
        ("", "application/json"),
        ("\"a string\"", "application/json"),
        ("42", ""),
    ] {
        world
            .post_raw(Some(&me), REPORTS, media, body)
            .await
            .expect_error(400, "invalid_request");
    }
    // A JSON array that is empty holds no report.
    world
        .post_json(Some(&me), REPORTS, &json!([]))
        .await
        .expect_error(422, "invalid_report");
    // An unknown content type is refused and its message names what works.
    let answer = world
        .post_raw(Some(&me), REPORTS, "application/xml", "<report/>")
        .await;
    let body = answer.expect_error(400, "invalid_request");
    assert!(
        body["message"].as_str().unwrap().contains("text/csv"),
        "{body}"
    );
    // More reports than one submission may hold.
    let three = json!([
        report("m1", "GREEN", "a", &[]),
        report("m2", "GREEN", "b", &[]),
        report("m3", "GREEN", "c", &[]),
    ]);
    world
        .post_json(Some(&me), REPORTS, &three)
        .await
        .expect_error(413, "payload_too_large");
    // Without a token nobody submits.
    world
        .post_json(None, REPORTS, &report("anon", "CLEAR", "x", &[]))
        .await
        .expect_error(401, "unauthenticated");
    assert_eq!(
        world.store.counts().await.unwrap().revisions,
        before.revisions
    );
}

async fn a_body_over_the_limit_is_413(backend: Backend) {
    let config = Config {
        max_body: 2048,
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let me = a_analyst();
    let big = report("big", "GREEN", &"word ".repeat(1000), &[]);
    world
        .post_json(Some(&me), REPORTS, &big)
        .await
        .expect_error(413, "payload_too_large");
    let csv = format!(
        "id,kind,country,narrative\nbig,tip,KH,{}\n",
        "word ".repeat(1000)
    );
    world
        .post_raw(Some(&me), REPORTS, "text/csv", csv)
        .await
        .expect_error(413, "payload_too_large");
    let selectors: Vec<String> = (0..300).map(|i| format!("+855 12 345 {i:03}")).collect();
    world
        .post_json(Some(&me), "/api/v1/hits", &json!({"selectors": selectors}))
        .await
        .expect_error(413, "payload_too_large");
    // A body within the limit still works, and nothing else was stored.
    world
        .submit(&me, &report("small", "GREEN", "small", &[]))
        .await;
    assert_eq!(world.store.counts().await.unwrap().revisions, 1);
}

async fn an_unsupported_method_has_the_error_body(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let me = a_analyst();
    for (method, path) in [
        (reqwest::Method::DELETE, "/api/v1/reports"),
        (reqwest::Method::PUT, "/api/v1/hits"),
        (reqwest::Method::POST, "/api/v1/me"),
    ] {
        let answer = world
            .send(
                world
                    .http
                    .request(method.clone(), world.url(path))
                    .bearer_auth(world.token(&me)),
            )
            .await;
        assert_eq!(answer.status, 405, "{method} {path}");
        assert!(answer.header("allow").is_some(), "{method} {path}");
        // The one error body, whichever code the closed list gives it.
        let body = answer.json();
        assert!(body["code"].is_string(), "{method} {path}: {}", answer.body);
        assert!(
            body["message"].is_string(),
            "{method} {path}: {}",
            answer.body
        );
    }
}

async fn a_revoked_token_ends_its_console_sessions(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let browser = common::browser();
    let r = r_analyst();
    let session = common::console_login(&world, &browser, &r).await;
    assert_eq!(world.page(&browser, Some(&session), "/").await.status, 200);
    let user = world.store.user(R, "analyst").await.unwrap().unwrap();
    let token = world
        .store
        .tokens(R)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.user_id == user.id)
        .unwrap();
    // `cordon token revoke`: "it stops working within 30 seconds
    // everywhere". Forgetting the cache is what those 30 seconds do.
    assert!(
        world
            .store
            .revoke_token(token.id, Utc::now())
            .await
            .unwrap()
    );
    world.running().state.auth.forget_all();
    world
        .get(Some(&r), "/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    let after = world.page(&browser, Some(&session), "/").await;
    assert!(
        (300..400).contains(&after.status)
            && after
                .header("location")
                .is_some_and(|l| l.starts_with("/login")),
        "the session of a revoked token still shows the console: {}",
        after.status
    );
}

/// Reports that differ in every filterable field, newest last.
fn filter_corpus() -> Value {
    json!([
        {"id": "f1", "kind": "fraud_complaint", "country": "KH", "received": "2026-01-01T00:00:00Z",
         "marking": {"tlp": "GREEN"}, "mo": ["investment"], "narrative": "pangolin scheme one",
         "selectors": ["+855 12 345 601"]},
        {"id": "f2", "kind": "recruitment_ad", "country": "MM", "received": "2026-01-05T00:00:00Z",
         "marking": {"tlp": "AMBER", "recipients": ["KH-NCB"]}, "mo": ["task", "channel:telegram"],
         "narrative": "pangolin advert two", "selectors": ["hr-f2@example.com"]},
        {"id": "f3", "kind": "compound_intel", "country": "KH", "received": "2026-01-10T00:00:00Z",
         "marking": {"tlp": "CLEAR"}, "mo": ["romance"], "narrative": "compound three walls",
         "selectors": ["DE89 3704 0044 0532 0130 00"]},
        {"id": "f4", "kind": "tip", "country": "TH", "received": "2026-01-20T00:00:00Z",
         "marking": {"tlp": "RED", "recipients": ["KH-NCB/analyst"]}, "mo": ["investment", "channel:telegram"],
         "narrative": "tip four pangolin", "selectors": ["+66 81 234 5604", "tip-f4@example.com"]},
        {"id": "f5", "kind": "fraud_complaint", "country": "KH", "received": "2026-02-01T00:00:00Z",
         "marking": {"tlp": "AMBER+STRICT", "recipients": ["KH-NCB"]}, "narrative": "five without selectors"},
    ])
}

async fn list_ids(world: &World, who: Option<&str>, query: &[(&str, &str)]) -> Vec<String> {
    let page = world.get_query(who, REPORTS, query).await.expect(200);
    listed_ids(&page)
        .into_iter()
        .map(|id| id.trim_start_matches("GB-NCA/").to_owned())
        .collect()
}

async fn read_and_list_with_every_filter_and_page(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let me = a_analyst();
    world.submit(&me, &filter_corpus()).await;
    let me = Some(me.as_str());

    let read = world.get(me, "/api/v1/reports/GB-NCA/f4").await.expect(200);
    assert_eq!(read["report"]["id"], "f4");
    assert_eq!(read["report"]["kind"], "tip");
    assert_eq!(read["report"]["country"], "TH");
    assert_eq!(read["report"]["received"], "2026-01-20T00:00:00Z");
    assert_eq!(
        read["report"]["marking"]["recipients"],
        json!(["KH-NCB/analyst"])
    );
    assert_eq!(read["revision"], 1);
    assert!(read["seq"].is_i64() && read["accepted"].is_string());

    // Newest first (by ingest order: all came in one batch, in order).
    assert_eq!(
        list_ids(&world, me, &[]).await,
        ["f5", "f4", "f3", "f2", "f1"]
    );
    let cases: &[(common::Params, &[&str])] = &[
        (&[("agency", A)], &["f5", "f4", "f3", "f2", "f1"]),
        (&[("agency", R)], &[]),
        (&[("country", "KH")], &["f5", "f3", "f1"]),
        (&[("country", "kh")], &["f5", "f3", "f1"]),
        (&[("kind", "fraud_complaint")], &["f5", "f1"]),
        (&[("kind", "recruitment_ad")], &["f2"]),
        (&[("mo", "investment")], &["f4", "f1"]),
        (&[("mo", "channel:telegram")], &["f4", "f2"]),
        (&[("tlp", "RED")], &["f4"]),
        (&[("tlp", "AMBER+STRICT")], &["f5"]),
        (&[("tlp", "CLEAR")], &["f3"]),
        (&[("selector_kind", "phone")], &["f4", "f1"]),
        (&[("selector_kind", "email")], &["f4", "f2"]),
        (&[("selector_kind", "iban")], &["f3"]),
        (
            &[("from", "2026-01-05T00:00:00Z")],
            &["f5", "f4", "f3", "f2"],
        ),
        (&[("until", "2026-01-05T00:00:00Z")], &["f1"]),
        (
            &[
                ("from", "2026-01-05T00:00:00Z"),
                ("until", "2026-01-20T00:00:00Z"),
            ],
            &["f3", "f2"],
        ),
        (&[("q", "pangolin")], &["f4", "f2", "f1"]),
        (&[("q", "PANGOLIN advert")], &["f2"]),
        (&[("q", "pangolin walls")], &[]),
        (&[("q", "pango")], &[]),
        (&[("q", "   ")], &["f5", "f4", "f3", "f2", "f1"]),
        (&[("q", "pangolin"), ("country", "KH")], &["f1"]),
        (&[("kind", "fraud_complaint"), ("tlp", "GREEN")], &["f1"]),
    ];
    for (query, want) in cases {
        assert_eq!(&list_ids(&world, me, query).await, want, "{query:?}");
    }

    // Paging: limit 2, following next_before, gives everything once.
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    for _ in 0..10 {
        let mut query = vec![("limit", "2".to_owned())];
        if let Some(b) = &before {
            query.push(("before", b.clone()));
        }
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = world.get_query(me, REPORTS, &query).await.expect(200);
        let ids = listed_ids(&page);
        assert!(ids.len() <= 2);
        seen.extend(ids);
        match page["next_before"].as_i64() {
            Some(n) => before = Some(n.to_string()),
            None => break,
        }
    }
    let seen: Vec<&str> = seen
        .iter()
        .map(|s| s.trim_start_matches("GB-NCA/"))
        .collect();
    assert_eq!(seen, ["f5", "f4", "f3", "f2", "f1"]);

    // Bad filters are 400 with the error body.
    for query in [
        &[("limit", "0")][..],
        &[("limit", "201")],
        &[("tlp", "PINK")],
        &[("kind", "rumour")],
        &[("from", "yesterday")],
        &[("before", "x")],
        &[("colour", "blue")],
    ] {
        let body = world
            .get_query(me, REPORTS, query)
            .await
            .expect_error(400, "invalid_request");
        if query[0].0 == "limit" {
            assert_eq!(body["field"], "limit");
        }
    }

    // Another agency's analyst sees the listing through the rules: R is a
    // recipient of f2, f5 and (as the named analyst) f4; f1 is GREEN and
    // f3 CLEAR.
    let r = r_analyst();
    assert_eq!(
        list_ids(&world, Some(&r), &[]).await,
        ["f5", "f4", "f3", "f2", "f1"]
    );
    let r2 = who(R, "analyst2");
    assert_eq!(
        list_ids(&world, Some(&r2), &[]).await,
        ["f5", "f3", "f2", "f1"]
    );
    assert_eq!(
        list_ids(&world, Some(&who(O, "analyst")), &[]).await,
        ["f3", "f1"]
    );
    assert_eq!(list_ids(&world, None, &[]).await, ["f3"]);
    // A paged listing for a viewer who may read little still ends, and
    // gives what it may read, once.
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    for _ in 0..10 {
        let mut query = vec![("limit", "1".to_owned())];
        if let Some(b) = &before {
            query.push(("before", b.clone()));
        }
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = world.get_query(None, REPORTS, &query).await.expect(200);
        seen.extend(listed_ids(&page));
        match page["next_before"].as_i64() {
            Some(n) => before = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, [format!("{A}/f3")]);
}

async fn hit_query_takes_messy_selectors_and_refuses_invalid_ones(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    world
        .submit(
            &a_analyst(),
            &report(
                "messy",
                "GREEN",
                "see hxxps://trade-bad[.]vip/login?ref=7&utm_source=x",
                &["+855 12 345 678", "Recruit+HR@Example.COM"],
            ),
        )
        .await;
    let stored = world
        .get(Some(&a_analyst()), "/api/v1/reports/GB-NCA/messy")
        .await
        .expect(200);
    let mut selectors: Vec<&str> = stored["report"]["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    selectors.sort_unstable();
    assert_eq!(
        selectors,
        [
            "domain:trade-bad.vip",
            "email:recruit+hr@example.com",
            "phone:+85512345678",
            "url:https://trade-bad.vip/login?ref=7",
        ]
    );
    let r = r_analyst();
    let cases: &[(common::Params, &str)] = &[
        (&[("selector", "+855 12 345 678")], "phone:+85512345678"),
        (&[("selector", "+855-12-345-678")], "phone:+85512345678"),
        (
            &[("selector", "012 345 678"), ("region", "KH")],
            "phone:+85512345678",
        ),
        (
            &[("selector", "hxxps://trade-bad[.]vip/login?ref=7")],
            "url:https://trade-bad.vip/login?ref=7",
        ),
        (&[("selector", "trade-bad[.]vip")], "domain:trade-bad.vip"),
        (
            &[("selector", "recruit+hr[@]example[.]com")],
            "email:recruit+hr@example.com",
        ),
    ];
    for (query, canonical) in cases {
        let hits = world
            .get_query(Some(&r), "/api/v1/hits", query)
            .await
            .expect(200);
        assert_eq!(hits["selector"], *canonical, "{query:?}");
        let readable = hits["readable"].as_array().unwrap();
        assert_eq!(readable.len(), 1, "{query:?}: {hits}");
        assert_eq!(readable[0]["agency"], A);
        assert_eq!(readable[0]["report_id"], "messy");
        assert_eq!(readable[0]["tlp"], "GREEN");
        assert_eq!(readable[0]["received"], "2026-01-15T10:00:00Z");
        assert_eq!(hits["held_elsewhere"], json!([]));
    }
    // No hit is an empty answer, not an error.
    let none = world
        .get_query(Some(&r), "/api/v1/hits", &[("selector", "+855 99 999 999")])
        .await
        .expect(200);
    assert_eq!(none["readable"], json!([]));
    assert_eq!(none["held_elsewhere"], json!([]));

    for bad in [
        "not a selector ###",
        "+855 1",
        "name:John Smith",
        "DE00 1234 5678 9012 3456 78",
    ] {
        let body = world
            .get_query(Some(&r), "/api/v1/hits", &[("selector", bad)])
            .await
            .expect_error(422, "invalid_selector");
        assert_eq!(body["field"], "selector", "{bad}");
    }
    world
        .get(Some(&r), "/api/v1/hits")
        .await
        .expect_error(400, "invalid_request");
    let body = world
        .get_query(
            Some(&r),
            "/api/v1/hits",
            &[("selector", "012 345 678"), ("region", "ZZZ")],
        )
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(body["field"], "region");
    // Without a token no hit query is answered.
    world
        .get_query(None, "/api/v1/hits", &[("selector", "+855 12 345 678")])
        .await
        .expect_error(401, "unauthenticated");
}

async fn hit_batch_answers_in_place_and_keeps_its_limit(backend: Backend) {
    let config = Config {
        max_hit_batch: 4,
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    world
        .submit(
            &a_analyst(),
            &report(
                "b",
                "AMBER",
                "batch",
                &["+855 12 345 678", "hr-b@example.com"],
            ),
        )
        .await;
    let o = who(O, "analyst");
    let answer = world
        .post_json(
            Some(&o),
            "/api/v1/hits",
            &json!({"selectors": ["+855 12 345 678", "DE89 3704 0044 0532 0130 01", "hr-b[@]example.com", "nobody@example.com"]}),
        )
        .await
        .expect(200);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(answer["hits"], 2);
    assert_eq!(results[0]["input"], "+855 12 345 678");
    assert_eq!(results[0]["selector"], "phone:+85512345678");
    assert_eq!(results[0]["readable"], json!([]));
    let held = results[0]["held_elsewhere"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["agency"], A);
    assert_eq!(held[0]["country"], "GB");
    assert_eq!(held[0]["contact"], common::contact_of(A));
    assert_eq!(held[0]["marking"], "AMBER");
    assert_eq!(held[0]["count"], 1);
    assert_eq!(held[0]["first_seen"], "2026-01-15T10:00:00Z");
    assert_eq!(held[0]["last_seen"], "2026-01-15T10:00:00Z");
    assert!(results[0].get("error").is_none());
    // The invalid item is answered in place with its selector error.
    assert_eq!(results[1]["input"], "DE89 3704 0044 0532 0130 01");
    assert!(results[1].get("selector").is_none());
    assert_eq!(results[1]["error"]["code"], "invalid_iban");
    assert!(results[1]["error"]["message"].as_str().unwrap().len() > 3);
    assert_eq!(results[1]["readable"], json!([]));
    assert_eq!(results[1]["held_elsewhere"], json!([]));
    assert_eq!(results[2]["selector"], "email:hr-b@example.com");
    assert_eq!(results[2]["held_elsewhere"][0]["count"], 1);
    assert_eq!(results[3]["selector"], "email:nobody@example.com");
    assert_eq!(results[3]["held_elsewhere"], json!([]));
    // With a region for national numbers.
    let answer = world
        .post_json(
            Some(&o),
            "/api/v1/hits",
            &json!({"selectors": ["012 345 678"], "region": "KH"}),
        )
        .await
        .expect(200);
    assert_eq!(answer["results"][0]["selector"], "phone:+85512345678");
    assert_eq!(answer["hits"], 1);

    // Over the limit, unknown fields, bad JSON: 400 with the error body.
    let body = world
        .post_json(
            Some(&o),
            "/api/v1/hits",
            &json!({"selectors": ["a", "b", "c", "d", "e"]}),
        )
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(body["field"], "selectors");
    world
        .post_json(
            Some(&o),
            "/api/v1/hits",
            &json!({"selectors": [], "colour": "blue"}),
        )
        .await
        .expect_error(400, "invalid_request");
    world
        .post_raw(Some(&o), "/api/v1/hits", "application/json", "{nope")
        .await
        .expect_error(400, "invalid_request");
    world
        .post_json(
            None,
            "/api/v1/hits",
            &json!({"selectors": ["+855 12 345 678"]}),
        )
        .await
        .expect_error(401, "unauthenticated");
}

/// A store whose `postings_after` waits until the gate opens: the hit index
/// cannot load before the test says so. Every other method is the real
/// store's.
struct GatedStore {
    inner: Arc<dyn Store>,
    gate: watch::Receiver<bool>,
}

#[async_trait]
impl Store for GatedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn create_agency(&self, agency: &NewAgency) -> Result<Agency> {
        self.inner.create_agency(agency).await
    }
    async fn agency(&self, code: &str) -> Result<Option<Agency>> {
        self.inner.agency(code).await
    }
    async fn agencies(&self) -> Result<Vec<Agency>> {
        self.inner.agencies().await
    }
    async fn create_user(&self, user: &NewUser) -> Result<User> {
        self.inner.create_user(user).await
    }
    async fn users(&self, agency: &str) -> Result<Vec<User>> {
        self.inner.users(agency).await
    }
    async fn user(&self, agency: &str, name: &str) -> Result<Option<User>> {
        self.inner.user(agency, name).await
    }
    async fn create_token(&self, token: &NewToken) -> Result<Token> {
        self.inner.create_token(token).await
    }
    async fn token_by_digest(&self, digest: &[u8]) -> Result<Option<Token>> {
        self.inner.token_by_digest(digest).await
    }
    async fn revoke_token(&self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        self.inner.revoke_token(id, at).await
    }
    async fn tokens(&self, agency: &str) -> Result<Vec<Token>> {
        self.inner.tokens(agency).await
    }
    async fn submit_with_kept(
        &self,
        agency: &str,
        reports: &[Report],
        kept: &[NewStixObject],
        accepted: DateTime<Utc>,
    ) -> Result<Submitted> {
        self.inner
            .submit_with_kept(agency, reports, kept, accepted)
            .await
    }
    async fn report(&self, agency: &str, id: &str) -> Result<Option<StoredReport>> {
        self.inner.report(agency, id).await
    }
    async fn revisions(&self, agency: &str, id: &str) -> Result<Vec<StoredReport>> {
        self.inner.revisions(agency, id).await
    }
    async fn reports_after(&self, after: i64, limit: u32) -> Result<Vec<StoredReport>> {
        self.inner.reports_after(after, limit).await
    }
    async fn list_reports(
        &self,
        filter: &ReportFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredReport>> {
        self.inner.list_reports(filter, before, limit).await
    }
    async fn postings(&self, selector: &str) -> Result<Vec<Posting>> {
        self.inner.postings(selector).await
    }
    async fn postings_after(&self, after: i64, limit: u32) -> Result<Vec<SelectorPosting>> {
        let mut gate = self.gate.clone();
        gate.wait_for(|open| *open)
            .await
            .map_err(|_| StoreError::Backend("the gate was dropped".into()))?;
        self.inner.postings_after(after, limit).await
    }
    async fn counts(&self) -> Result<Counts> {
        self.inner.counts().await
    }
    async fn report_by_stix(&self, uuid: uuid::Uuid) -> Result<Vec<(String, String)>> {
        self.inner.report_by_stix(uuid).await
    }
    async fn selector_by_stix(&self, id: &str) -> Result<Option<String>> {
        self.inner.selector_by_stix(id).await
    }
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>> {
        self.inner.append_audit(events).await
    }
    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditRecord>> {
        self.inner.audit_after(after, limit).await
    }
    async fn audit_for_owner(
        &self,
        owner: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        self.inner.audit_for_owner(owner, after, limit).await
    }
    async fn recent_audit_for_owner(
        &self,
        owner: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        self.inner
            .recent_audit_for_owner(owner, before, limit)
            .await
    }
    async fn stix_objects_after(
        &self,
        after: i64,
        limit: u32,
        filter: &StixFilter,
    ) -> Result<Vec<StoredStixObject>> {
        self.inner.stix_objects_after(after, limit, filter).await
    }
    async fn stix_object_versions(&self, id: &str) -> Result<Vec<StoredStixObject>> {
        self.inner.stix_object_versions(id).await
    }
    async fn delete_stix_objects(
        &self,
        agency: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<u64> {
        self.inner.delete_stix_objects(agency, id, version).await
    }
    async fn append_decisions(&self, decisions: &[NewDecision]) -> Result<Vec<Decision>> {
        self.inner.append_decisions(decisions).await
    }
    async fn decisions_after(&self, after: i64, limit: u32) -> Result<Vec<Decision>> {
        self.inner.decisions_after(after, limit).await
    }
    async fn decisions_about(&self, subject: &str) -> Result<Vec<Decision>> {
        self.inner.decisions_about(subject).await
    }
    async fn try_lead(&self, role: &str) -> Result<Option<Box<dyn Lead>>> {
        self.inner.try_lead(role).await
    }
    async fn put_money(
        &self,
        agency: &str,
        marking: &cordon_core::Marking,
        records: &[cordon_store::NewMoney],
        at: DateTime<Utc>,
    ) -> Result<Vec<PutOutcome>> {
        self.inner.put_money(agency, marking, records, at).await
    }
    async fn money_after(&self, after: i64, limit: u32) -> Result<Vec<cordon_store::StoredMoney>> {
        self.inner.money_after(after, limit).await
    }
}

async fn the_hit_index_fails_closed_until_loaded(backend: Backend) {
    let Some(backing) = backend.open().await else {
        return;
    };
    let key = common::test_key();
    let tokens = common::populate(backing.store.as_ref(), &key).await;
    // A report already stored before the server starts.
    let before = validated(report("early", "GREEN", "early", &["+855 12 345 678"]));
    backing
        .store
        .submit(A, &[before], Utc::now())
        .await
        .unwrap();
    let (open, gate) = watch::channel(false);
    let gated: Arc<dyn Store> = Arc::new(GatedStore {
        inner: backing.store.clone(),
        gate,
    });
    let world = World::serve(gated, key, tokens, test_config()).await;
    let r = r_analyst();

    // Loading: hit queries answer 503 with Retry-After, never "no hit".
    let answer = world
        .get_query(Some(&r), "/api/v1/hits", &[("selector", "+855 12 345 678")])
        .await;
    answer.expect_error(503, "unavailable");
    assert!(
        answer
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let answer = world
        .post_json(
            Some(&r),
            "/api/v1/hits",
            &json!({"selectors": ["+855 12 345 678"]}),
        )
        .await;
    answer.expect_error(503, "unavailable");
    assert!(answer.header("retry-after").is_some());
    let ready = world.get(None, "/readyz").await;
    ready.expect_error(503, "unavailable");
    assert!(ready.header("retry-after").is_some());
    // The rest of the API answers meanwhile.
    assert_eq!(world.get(None, "/healthz").await.status, 200);
    world.get(Some(&r), "/api/v1/me").await.expect(200);
    world
        .get(Some(&r), "/api/v1/reports/GB-NCA/early")
        .await
        .expect(200);
    world
        .submit(
            &a_analyst(),
            &report("during", "GREEN", "during load", &["+855 12 345 678"]),
        )
        .await;
    let still = world
        .get_query(Some(&r), "/api/v1/hits", &[("selector", "+855 12 345 678")])
        .await;
    still.expect_error(503, "unavailable");
    assert!(!world.running().state.hits.is_ready());

    open.send(true).unwrap();
    world.ready().await;
    assert_eq!(world.get(None, "/readyz").await.status, 200);
    // Both reports are found: the one stored before and the one submitted
    // while loading (by the load or, at the latest, the tailer).
    eventually(
        Duration::from_secs(10),
        "both reports in the index",
        &mut || async {
            let hits = world
                .get_query(Some(&r), "/api/v1/hits", &[("selector", "+855 12 345 678")])
                .await
                .expect(200);
            let mut ids: Vec<&str> = hits["readable"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["report_id"].as_str().unwrap())
                .collect();
            ids.sort_unstable();
            (ids == ["during", "early"]).then_some(())
        },
    )
    .await;
    let answer = world
        .post_json(
            Some(&r),
            "/api/v1/hits",
            &json!({"selectors": ["+855 12 345 678"]}),
        )
        .await
        .expect(200);
    assert_eq!(answer["hits"], 1);
    drop(world);
    drop(backing);
}

fn validated(report: Value) -> Report {
    let submission: ReportSubmission = serde_json::from_value(report).unwrap();
    submission.validate(Utc::now()).unwrap()
}

async fn the_hit_index_follows_writes_behind_its_back(backend: Backend) {
    let config = Config {
        tail_every: Duration::from_millis(100),
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let o = who(O, "analyst");
    let selector = [("selector", "+855 12 345 678")];
    let none = world
        .get_query(Some(&o), "/api/v1/hits", &selector)
        .await
        .expect(200);
    assert_eq!(none["held_elsewhere"], json!([]));

    // Written straight into the store (another replica, `cordon import`).
    let behind = validated(report(
        "behind",
        "GREEN",
        "written elsewhere",
        &["+855 12 345 678"],
    ));
    world.store.submit(A, &[behind], Utc::now()).await.unwrap();
    let started = std::time::Instant::now();
    eventually(
        Duration::from_secs(10),
        "the tailer to index the report",
        &mut || async {
            let hits = world
                .get_query(Some(&o), "/api/v1/hits", &selector)
                .await
                .expect(200);
            (hits["readable"].as_array().unwrap().len() == 1).then_some(())
        },
    )
    .await;
    eprintln!("indexed after {:?}", started.elapsed());

    // A revision behind its back that tightens the marking and drops the
    // selector is followed too: the old posting goes.
    let revised = validated(json!({
        "id": "behind", "kind": "fraud_complaint", "country": "KH",
        "received": "2026-01-15T10:00:00Z",
        "marking": {"tlp": "AMBER", "recipients": ["KH-NCB"]},
        "narrative": "written elsewhere, revised",
        "selectors": ["hr-behind@example.com"],
    }));
    world.store.submit(A, &[revised], Utc::now()).await.unwrap();
    eventually(
        Duration::from_secs(10),
        "the tailer to apply the revision",
        &mut || async {
            let old = world
                .get_query(Some(&o), "/api/v1/hits", &selector)
                .await
                .expect(200);
            let new = world
                .get_query(
                    Some(&o),
                    "/api/v1/hits",
                    &[("selector", "hr-behind@example.com")],
                )
                .await
                .expect(200);
            let gone = old["readable"] == json!([]) && old["held_elsewhere"] == json!([]);
            let contact = new["readable"] == json!([])
                && new["held_elsewhere"].as_array().unwrap().len() == 1
                && new["held_elsewhere"][0]["marking"] == "AMBER";
            (gone && contact).then_some(())
        },
    )
    .await;
}

async fn rate_limit_answers_429_with_retry_after(backend: Backend) {
    let config = Config {
        rate_per_second: 1,
        rate_burst: 2,
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let r = r_analyst();
    world.get(Some(&r), "/api/v1/me").await.expect(200);
    world.get(Some(&r), "/api/v1/me").await.expect(200);
    let third = world.get(Some(&r), "/api/v1/me").await;
    third.expect_error(429, "rate_limited");
    let wait: u64 = third.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // Hit queries are limited alike.
    world
        .get_query(Some(&r), "/api/v1/hits", &[("selector", "+855 12 345 678")])
        .await
        .expect_error(429, "rate_limited");
    // Another token has its own bucket.
    world
        .get(Some(&who(O, "analyst")), "/api/v1/me")
        .await
        .expect(200);
    // Anonymous callers are limited by address.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(world.get(None, REPORTS).await.status);
    }
    assert_eq!(statuses, [200, 200, 429]);
    // After waiting as told, the token works again.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    world.get(Some(&r), "/api/v1/me").await.expect(200);
}

async fn tokens_decide_who_calls(backend: Backend) {
    let Some(mut world) = World::start(backend, test_config()).await else {
        return;
    };
    for (agency, user, role) in [
        (A, "admin", "admin"),
        (R, "analyst", "analyst"),
        (O, "contributor", "contributor"),
    ] {
        let me = world
            .get(Some(&who(agency, user)), "/api/v1/me")
            .await
            .expect(200);
        assert_eq!(me, json!({"agency": agency, "user": user, "role": role}));
    }
    world
        .get(None, "/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    let selector = [("selector", "+855 12 345 678")];
    world
        .get_query(None, "/api/v1/hits", &selector)
        .await
        .expect_error(401, "unauthenticated");
    // A bad token is refused, never taken for the public.
    for header in [
        "Bearer cordon_not-a-real-token",
        "Bearer nonsense",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer",
    ] {
        let answer = world
            .send(
                world
                    .http
                    .get(world.url(REPORTS))
                    .header(reqwest::header::AUTHORIZATION, header),
            )
            .await;
        answer.expect_error(401, "unauthenticated");
    }
    // A token made with another key does not work either.
    let other_key = cordon_server::TokenKey::from_bytes([9; 32]);
    let foreign =
        common::add_user_with_token(world.store.as_ref(), &other_key, R, "foreign", "analyst")
            .await;
    let answer = world
        .send(
            world
                .http
                .get(world.url("/api/v1/me"))
                .bearer_auth(&foreign),
        )
        .await;
    answer.expect_error(401, "unauthenticated");

    // Revocation: a fresh replica refuses the token at once; this one as
    // soon as it forgets its cache.
    let r = r_analyst();
    world.get(Some(&r), "/api/v1/me").await.expect(200);
    let user = world.store.user(R, "analyst").await.unwrap().unwrap();
    let token = world
        .store
        .tokens(R)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.user_id == user.id && t.revoked.is_none())
        .unwrap();
    assert!(
        world
            .store
            .revoke_token(token.id, Utc::now())
            .await
            .unwrap()
    );
    let mut replica = world.replica(test_config()).await;
    replica
        .get(Some(&r), "/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    replica
        .get_query(Some(&r), "/api/v1/hits", &selector)
        .await
        .expect_error(401, "unauthenticated");
    world.running().state.auth.forget_all();
    world
        .get(Some(&r), "/api/v1/me")
        .await
        .expect_error(401, "unauthenticated");
    // The other tokens of the agency still work.
    world
        .get(Some(&who(R, "analyst2")), "/api/v1/me")
        .await
        .expect(200);
    replica.stop().await;
    world.stop().await;
}

async fn health_metrics_openapi_and_unknown_routes(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let healthz = world.get(None, "/healthz").await;
    assert_eq!((healthz.status, healthz.body.trim()), (200, "ok"));
    let readyz = world.get(None, "/readyz").await;
    assert_eq!((readyz.status, readyz.body.trim()), (200, "ready"));
    world
        .get(Some(&r_analyst()), "/api/v1/me")
        .await
        .expect(200);
    let metrics = world.get(None, "/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("cordon_http_requests_total"),
        "{}",
        metrics.body
    );
    assert!(
        metrics.body.contains("cordon_hit_index_ready 1"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"),
        "{:?}",
        metrics.headers
    );

    let doc = world.get(None, "/api/v1/openapi.json").await.expect(200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let routes = [
        ("/api/v1/me", "get"),
        ("/api/v1/reports", "get"),
        ("/api/v1/reports", "post"),
        ("/api/v1/reports/{agency}/{id}", "get"),
        ("/api/v1/hits", "get"),
        ("/api/v1/hits", "post"),
        ("/api/v1/graph/neighbourhood", "get"),
        ("/api/v1/graph/path", "get"),
        ("/api/v1/graph/network", "get"),
        ("/api/v1/reports/{agency}/{id}/network", "get"),
        ("/api/v1/networks", "get"),
        ("/api/v1/networks/merge", "post"),
        ("/api/v1/networks/{id}", "get"),
        ("/api/v1/networks/{id}/history", "get"),
        ("/api/v1/networks/{id}/split", "post"),
        ("/api/v1/compounds", "get"),
        ("/api/v1/compounds/{site}", "get"),
        ("/api/v1/compounds/{site}/status", "post"),
        ("/api/v1/notices", "get"),
        ("/api/v1/notices", "post"),
        ("/api/v1/notices/{id}", "get"),
        ("/api/v1/notices/{id}", "put"),
        ("/api/v1/notices/{id}/publish", "post"),
        ("/api/v1/notices/{id}/stix", "get"),
        ("/api/v1/watches", "get"),
        ("/api/v1/watches", "post"),
        ("/api/v1/watches/{id}", "delete"),
        ("/api/v1/alerts/stream", "get"),
        ("/api/v1/webhooks", "get"),
        ("/api/v1/webhooks", "post"),
        ("/api/v1/webhooks/{id}", "delete"),
        ("/api/v1/webhooks/{id}/dead-letters", "get"),
        ("/api/v1/webhooks/{id}/dead-letters/{seq}/retry", "post"),
        ("/api/v1/audit", "get"),
        ("/api/v1/interest", "get"),
        ("/api/v1/interest", "put"),
        ("/api/v1/orange-notices", "get"),
        ("/api/v1/orange-notices", "post"),
        ("/api/v1/orange-notices/{id}", "get"),
        ("/api/v1/orange-notices/{id}/ack", "post"),
        ("/api/v1/operations", "get"),
        ("/api/v1/operations", "post"),
        ("/api/v1/operations/{id}", "get"),
        ("/api/v1/operations/{id}", "patch"),
        ("/api/v1/operations/{id}/targets", "post"),
        ("/api/v1/operations/{id}/targets/remove", "post"),
        ("/api/v1/operations/{id}/tasks", "post"),
        ("/api/v1/operations/{id}/tasks/{task}", "patch"),
        ("/api/v1/operations/{id}/log", "post"),
        ("/api/v1/operations/{id}/stix", "get"),
        ("/api/v1/deconflictions", "get"),
        ("/api/v1/money/flows", "post"),
        ("/api/v1/money/conversions", "post"),
        ("/api/v1/money/tags", "post"),
        ("/api/v1/money/trace", "post"),
        ("/api/v1/money/mules", "get"),
        ("/api/v1/money/cluster", "get"),
        ("/api/v1/money/freeze", "post"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/embassy", "get"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}", "patch"),
        ("/api/v1/cases/{id}/stage", "post"),
        ("/api/v1/cases/{id}/assign", "post"),
        ("/api/v1/cases/{id}/evidence", "post"),
        ("/api/v1/cases/{id}/outcome", "post"),
        ("/api/v1/cases/{id}/demands", "post"),
        ("/api/v1/cases/{id}/release", "post"),
        ("/api/v1/cases/{id}/split", "post"),
        ("/api/v1/cases/{id}/merge", "post"),
        ("/api/v1/cases/{id}/tasks", "post"),
        ("/api/v1/cases/{id}/notes", "post"),
        ("/api/v1/cases/{id}/htcds", "get"),
        ("/api/v1/screening/indicators", "get"),
        ("/api/v1/public/check", "post"),
        ("/api/v1/public/tips", "post"),
        ("/api/v1/tips", "get"),
        ("/api/v1/tips/{id}/close", "post"),
        ("/api/v1/bulletins/{origin}", "get"),
        ("/api/v1/bulletins/{origin}/stix", "get"),
        ("/api/v1/federation/hits", "get"),
        ("/api/v1/federation/status", "get"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| (path.clone(), m.clone()))
        })
        .collect();
    documented.sort();
    let mut want: Vec<(String, String)> = routes
        .iter()
        .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
        .collect();
    want.sort();
    assert_eq!(documented, want);
    // Clients generate one function per operation id: each is unique.
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "operation ids repeat: {ids:?}");
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                ["200", "201", "204"]
                    .iter()
                    .any(|c| responses.contains_key(*c)),
                "{method} {path}"
            );
            // Every documented error answer carries the error body.
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/ApiError",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    // Every documented route is served (not the fallback).
    for (path, method) in routes {
        // The event stream never ends; tests/alerts.rs reads it.
        if path == "/api/v1/alerts/stream" {
            continue;
        }
        let path = path.replace("{agency}", A).replace("{id}", "nothing");
        let answer = match method {
            "get" => world.get(Some(&r_analyst()), &path).await,
            _ => world.post_json(Some(&r_analyst()), &path, &json!({})).await,
        };
        assert!(
            !answer.body.contains("no such endpoint"),
            "{method} {path}: {}",
            answer.body
        );
    }

    // Outside the API an unknown path is a console page, not JSON.
    let page = world.get(Some(&r_analyst()), "/nothing").await;
    assert_eq!(page.status, 404);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.body.contains("there is no such page"), "{}", page.body);
    for path in [
        "/api/v1/nothing",
        "/api/v2/reports",
        "/api/v1/reports/GB-NCA",
    ] {
        let body = world
            .get(Some(&r_analyst()), path)
            .await
            .expect_error(404, "not_found");
        assert!(
            body["message"].as_str().unwrap().contains("openapi.json"),
            "{path}: {body}"
        );
    }
}

async fn audit_records(world: &World, who: &str) -> Vec<Value> {
    let page = world.get(Some(who), "/api/v1/audit").await.expect(200);
    page["records"].as_array().unwrap().clone()
}

fn has_record(records: &[Value], actor: &str, action: &str, subject: &str) -> bool {
    records
        .iter()
        .any(|r| r["actor"] == actor && r["action"] == action && r["subject"] == subject)
}

async fn the_audit_log_shows_the_owner_who_touched_its_data(backend: Backend) {
    let Some(mut world) = World::start(backend, test_config()).await else {
        return;
    };
    world
        .submit(
            &a_analyst(),
            &json!([
                report("green", "GREEN", "green text", &["+855 12 345 678"]),
                report(
                    "red",
                    "RED",
                    "red text",
                    &["+855 12 345 678", "red@example.com"]
                ),
            ]),
        )
        .await;
    let b = r_analyst();
    world
        .get_query(Some(&b), "/api/v1/hits", &[("selector", "+855 12 345 678")])
        .await
        .expect(200);
    world
        .get(Some(&b), "/api/v1/reports/GB-NCA/green")
        .await
        .expect(200);
    // A refused read is not a read; the hit query on RED data is audited
    // even though B saw only the contact.
    world
        .get(Some(&b), "/api/v1/reports/GB-NCA/red")
        .await
        .expect_error(404, "not_found");
    world
        .post_json(
            Some(&b),
            "/api/v1/hits",
            &json!({"selectors": ["red@example.com"]}),
        )
        .await
        .expect(200);
    // The owner reading its own data is not an access to audit.
    world
        .get(Some(&a_analyst()), "/api/v1/reports/GB-NCA/red")
        .await
        .expect(200);

    let owner = who(A, "admin");
    let records = eventually(
        Duration::from_secs(10),
        "the audit records",
        &mut || async {
            let records = audit_records(&world, &owner).await;
            (has_record(&records, R, "hit_query", "phone:+85512345678")
                && has_record(&records, R, "read_report", "GB-NCA/green")
                && has_record(&records, R, "hit_query", "email:red@example.com"))
            .then_some(records)
        },
    )
    .await;
    assert!(
        !has_record(&records, R, "read_report", "GB-NCA/red"),
        "{records:?}"
    );
    assert!(records.iter().all(|r| r["actor"] != A), "{records:?}");
    for r in &records {
        assert!(
            r["seq"].is_i64() && r["at"].is_string() && r["hash"].as_str().unwrap().len() == 64
        );
        // Other agencies' user ids are not shown.
        assert!(r.get("user").is_none(), "{r}");
    }
    // Newest first, and paging goes on from next_before.
    let seqs: Vec<i64> = records.iter().map(|r| r["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    let first = world
        .get_query(Some(&owner), "/api/v1/audit", &[("limit", "1")])
        .await
        .expect(200);
    assert_eq!(first["records"].as_array().unwrap().len(), 1);
    let next = first["next_before"].as_i64().unwrap().to_string();
    let second = world
        .get_query(
            Some(&owner),
            "/api/v1/audit",
            &[("limit", "1"), ("before", &next)],
        )
        .await
        .expect(200);
    assert_eq!(second["records"][0]["seq"].as_i64(), Some(seqs[1]));
    world
        .get_query(Some(&owner), "/api/v1/audit", &[("limit", "0")])
        .await
        .expect_error(400, "invalid_request");

    // The analyst reads it too; a contributor may not; the public not at all.
    assert!(!audit_records(&world, &a_analyst()).await.is_empty());
    world
        .get(Some(&who(A, "contributor")), "/api/v1/audit")
        .await
        .expect_error(403, "forbidden");
    world
        .get(None, "/api/v1/audit")
        .await
        .expect_error(401, "unauthenticated");
    // B's own log holds nothing of A's data.
    let theirs = audit_records(&world, &b).await;
    assert!(
        theirs
            .iter()
            .all(|r| !r["subject"].as_str().unwrap().starts_with("GB-NCA/")),
        "{theirs:?}"
    );
    assert!(
        theirs.iter().all(|r| r["subject"] != "phone:+85512345678"),
        "{theirs:?}"
    );

    // After the server stops (the queue written), the whole chain verifies.
    world.stop().await;
    let (mut seq, mut hash) = (0, GENESIS.to_owned());
    let mut total = 0;
    loop {
        let page = world.store.audit_after(seq, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        total += page.len();
        (seq, hash) = audit::verify(seq, hash, &page).expect("the audit chain verifies");
    }
    assert!(total >= 3, "{total} records");
    let all = world.store.audit_after(0, 1000).await.unwrap();
    assert!(all.iter().any(|r| r.event.actor == R
        && r.event.action == "hit_query"
        && r.event.owner.as_deref() == Some(A)
        && r.event.user.is_some()));
}

async fn two_replicas_on_one_store_keep_one_audit_chain(backend: Backend) {
    let Some(mut first) = World::start(backend, test_config()).await else {
        return;
    };
    let other_store = first
        .backing
        .as_ref()
        .expect("a world owns its store")
        .reopen()
        .await;
    let mut second = World::serve(
        other_store,
        first.key.clone(),
        first.tokens.clone(),
        test_config(),
    )
    .await;
    second.ready().await;
    first
        .submit(
            &a_analyst(),
            &report(
                "shared",
                "GREEN",
                "held on one replica",
                &["+855 12 345 678", "shared@example.com"],
            ),
        )
        .await;
    // The other replica learns of it from the store.
    let selector = [("selector", "+855 12 345 678")];
    eventually(
        Duration::from_secs(10),
        "the second replica to index the report",
        &mut || async {
            let hits = second
                .get_query(Some(&r_analyst()), "/api/v1/hits", &selector)
                .await
                .expect(200);
            (hits["readable"].as_array().unwrap().len() == 1).then_some(())
        },
    )
    .await;

    // Both replicas audit at once: hit queries and reads of A's report by
    // two other agencies, each an event about A's data.
    let rounds = 40;
    let calls = (0..rounds).flat_map(|i| {
        let server = if i % 2 == 0 { &first } else { &second };
        let reader = if i % 3 == 0 {
            who(O, "analyst")
        } else {
            r_analyst()
        };
        [(server, reader.clone(), true), (server, reader, false)]
    });
    let answers = futures::future::join_all(calls.map(|(server, reader, hit)| async move {
        if hit {
            server
                .get_query(
                    Some(&reader),
                    "/api/v1/hits",
                    &[("selector", "shared@example.com")],
                )
                .await
        } else {
            server
                .get(Some(&reader), "/api/v1/reports/GB-NCA/shared")
                .await
        }
    }))
    .await;
    assert!(answers.iter().all(|a| a.status == 200));
    second.stop().await;
    first.stop().await;

    // One chain, every event in it once.
    let (mut seq, mut hash) = (0, GENESIS.to_owned());
    let mut records = Vec::new();
    loop {
        let page = first.store.audit_after(seq, 500).await.unwrap();
        if page.is_empty() {
            break;
        }
        (seq, hash) = audit::verify(seq, hash, &page).expect("one unbroken audit chain");
        records.extend(page);
    }
    assert_eq!(hash, records.last().expect("records").hash);
    assert_eq!(
        records.len() as u64,
        first.store.counts().await.unwrap().audit
    );
    let count = |action: &str, subject: &str| {
        records
            .iter()
            .filter(|r| {
                r.event.action == action
                    && r.event.subject == subject
                    && r.event.owner.as_deref() == Some(A)
            })
            .count()
    };
    assert_eq!(count("hit_query", "email:shared@example.com"), rounds);
    assert_eq!(count("read_report", "GB-NCA/shared"), rounds);
}

async fn recipients_must_name_members_and_their_users(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let base = |id: &str, tlp: &str, recipients: Value| {
        json!({"id": id, "kind": "tip", "country": "GB", "narrative": "x",
               "marking": {"tlp": tlp, "recipients": recipients}})
    };
    let batch = json!([
        base("ok", "AMBER", json!([R])),
        base("typo", "AMBER", json!(["XK-NOPE"])),
        base("nobody", "RED", json!([format!("{R}/nobody")])),
    ]);
    let refused = world
        .post_json(Some(&a_analyst()), "/api/v1/reports", &batch)
        .await
        .expect_error(422, "invalid_report");
    let errors = refused["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{refused}");
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(errors[0]["field"], "marking.recipients");
    assert!(errors[0]["message"].as_str().unwrap().contains("XK-NOPE"));
    assert_eq!(errors[1]["line"], 3);
    assert!(errors[1]["message"].as_str().unwrap().contains("nobody"));
    // Nothing of the batch was stored, not even its good report.
    world
        .get(Some(&a_analyst()), &format!("/api/v1/reports/{A}/ok"))
        .await
        .expect_error(404, "not_found");
    // A named individual who exists is fine.
    world
        .submit(
            &a_analyst(),
            &base("red", "RED", json!([format!("{R}/analyst")])),
        )
        .await;
}

async fn metrics_need_loopback_or_the_metrics_token(backend: Backend) {
    let config = Config {
        metrics_token: Some("scrape-secret".into()),
        ..test_config()
    };
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    // With a token configured, even loopback peers must send it: the counts
    // describe the whole store.
    world
        .get(None, "/metrics")
        .await
        .expect_error(403, "forbidden");
    let scraped = world
        .send(
            world
                .http
                .get(world.url("/metrics"))
                .bearer_auth("scrape-secret"),
        )
        .await;
    assert_eq!(scraped.status, 200);
    assert!(scraped.body.contains("cordon_hit_index_selectors"));
    let wrong = world
        .send(world.http.get(world.url("/metrics")).bearer_auth("nope"))
        .await;
    assert_eq!(wrong.status, 403);
}

async fn a_batch_hit_query_is_one_audit_record_per_owner(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    world
        .submit(
            &a_analyst(),
            &json!([
                {"id": "b1", "kind": "tip", "country": "GB", "marking": {"tlp": "AMBER"},
                 "selectors": ["+855 12 000 001"]},
                {"id": "b2", "kind": "tip", "country": "GB", "marking": {"tlp": "GREEN"},
                 "selectors": ["batch@example.com"]},
            ]),
        )
        .await;
    let answer = world
        .post_json(
            Some(&r_analyst()),
            "/api/v1/hits",
            &json!({"selectors": ["+85512000001", "batch@example.com", "nobody@example.com"]}),
        )
        .await
        .expect(200);
    assert_eq!(answer["hits"], 2);
    // The owner sees one record naming both of its selectors; the selector
    // that touched no one is recorded without an owner.
    let owner = who(A, "admin");
    let records = eventually(Duration::from_secs(10), "the batch record", &mut || async {
        let records: Vec<Value> = audit_records(&world, &owner)
            .await
            .into_iter()
            .filter(|r| r["actor"] == R && r["action"] == "hit_query")
            .collect();
        (!records.is_empty()).then_some(records)
    })
    .await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        records[0]["subject"],
        "phone:+85512000001 email:batch@example.com"
    );
    let all = world.store.audit_after(0, 1000).await.unwrap();
    let unowned: Vec<_> = all
        .iter()
        .filter(|r| r.event.actor == R && r.event.owner.is_none())
        .collect();
    assert_eq!(unowned.len(), 1);
    assert_eq!(unowned[0].event.subject, "email:nobody@example.com");
}

/// A chain phone → r1 → wallet → r2 → handle → r3, and a hub domain held
/// by thirty reports: each depth adds one step, a hub is counted but not
/// walked, the node limit truncates, and bad bounds are refused.
async fn the_neighbourhood_walks_readable_reports_within_its_bounds(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let phone = "+855 12 345 678";
    let wallet = "TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL";
    let handle = "telegram:@goodjob_hr";
    let mut reports = vec![
        report(
            "r1",
            "GREEN",
            "chain one",
            &[phone, wallet, "hub-board.vip"],
        ),
        report("r2", "GREEN", "chain two", &[wallet, handle]),
        report("r3", "GREEN", "chain three", &[handle]),
    ];
    for i in 0..30 {
        reports.push(report(
            &format!("hub-{i}"),
            "GREEN",
            "a job board",
            &["hub-board.vip"],
        ));
    }
    world.submit(&a_analyst(), &json!(reports)).await;
    let walk = |depth: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let world = &world;
        async move {
            let mut q = vec![("selector", phone), ("depth", depth)];
            q.extend_from_slice(extra);
            world
                .get_query(Some(&r_analyst()), "/api/v1/graph/neighbourhood", &q)
                .await
        }
    };
    let ids = |w: &Value| -> Vec<String> {
        let mut ids: Vec<String> = w["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["report_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let one = walk("1", &[]).await.expect(200);
    assert_eq!(ids(&one), ["r1"]);
    assert_eq!(one["selectors"].as_array().unwrap().len(), 1);
    let three = walk("3", &[("hub", "10")]).await.expect(200);
    assert_eq!(ids(&three), ["r1", "r2"], "{three}");
    let hub = three["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["selector"] == "domain:hub-board.vip")
        .unwrap();
    assert_eq!(
        (hub["hub"].as_bool(), hub["expanded"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(hub["readable"], 31);
    assert_eq!(hub["reports"], json!([]));
    let four = walk("4", &[("hub", "10")]).await.expect(200);
    assert_eq!(ids(&four), ["r1", "r2"]);
    let handle_node = four["selectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["selector"] == "telegram:@goodjob_hr")
        .unwrap();
    assert_eq!(handle_node["depth"], 4);
    let wide = walk("3", &[("hub", "100")]).await.expect(200);
    assert_eq!(
        ids(&wide).len(),
        32,
        "the hub walked: r1, r2 and its thirty"
    );
    let small = walk("3", &[("hub", "100"), ("max_nodes", "5")])
        .await
        .expect(200);
    assert_eq!(small["truncated"], true);
    assert!(
        small["reports"].as_array().unwrap().len() + small["selectors"].as_array().unwrap().len()
            <= 5
    );
    for (bad, field) in [
        (&[("depth", "0")][..], "depth"),
        (&[("depth", "5")][..], "depth"),
        (&[("hub", "0")][..], "hub"),
        (&[("max_nodes", "20001")][..], "max_nodes"),
    ] {
        let mut q = vec![("selector", phone)];
        q.extend_from_slice(bad);
        let e = world
            .get_query(Some(&r_analyst()), "/api/v1/graph/neighbourhood", &q)
            .await
            .expect_error(400, "invalid_request");
        assert_eq!(e["field"], field, "{e}");
    }
    world
        .get_query(
            Some(&r_analyst()),
            "/api/v1/graph/neighbourhood",
            &[("selector", "not a selector at all")],
        )
        .await
        .expect_error(422, "invalid_selector");
    let nobody = world
        .get_query(
            Some(&r_analyst()),
            "/api/v1/graph/neighbourhood",
            &[("selector", "+855 96 000 0000")],
        )
        .await
        .expect(200);
    assert_eq!(nobody["reports"], json!([]));
    assert_eq!(nobody["selectors"].as_array().unwrap().len(), 1);

    // Paths along the same chain.
    let path = |to: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let world = &world;
        async move {
            let mut q = vec![("from", phone), ("to", to)];
            q.extend_from_slice(extra);
            world
                .get_query(Some(&r_analyst()), "/api/v1/graph/path", &q)
                .await
        }
    };
    let steps = |p: &Value| -> Vec<String> {
        p["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| match s["node"].as_str().unwrap() {
                "selector" => s["selector"].as_str().unwrap().to_owned(),
                _ => format!("report {}", s["report_id"].as_str().unwrap()),
            })
            .collect()
    };
    let long = path(handle, &[]).await.expect(200);
    assert_eq!(
        steps(&long),
        [
            "phone:+85512345678",
            "report r1",
            "trx:TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL",
            "report r2",
            "telegram:@goodjob_hr"
        ],
        "{long}"
    );
    let short = path(handle, &[("max_reports", "1")]).await.expect(200);
    assert_eq!(short["steps"], json!([]));
    let none = path("+855 96 000 0000", &[]).await.expect(200);
    assert_eq!(none["steps"], json!([]));
    path(handle, &[("max_reports", "9")])
        .await
        .expect_error(400, "invalid_request");
    world
        .get_query(
            Some(&r_analyst()),
            "/api/v1/graph/path",
            &[("from", phone), ("to", "not a selector")],
        )
        .await
        .expect_error(422, "invalid_selector");
}
