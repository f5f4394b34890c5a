//! The public check and "report this offer" through the real server, on
//! SQLite and PostgreSQL: answers with reasons in four languages, only
//! CLEAR reports counted, per-address limits, and the hotline's queue of
//! tips that only the hotline reads.

mod common;

use serde_json::{Value, json};

use common::{A, Backend, O, R, World, test_config, who};

on_both_backends!(
    a_lure_is_answered_with_its_reasons_in_four_languages,
    only_clear_reports_make_a_selector_known,
    bad_questions_get_typed_errors_and_the_limit_holds,
    tips_reach_the_hotline_queue_only,
    the_page_answers_without_script,
    bulletins_publish_only_what_the_agency_may,
);

const LURE: &str = "URGENT! Customer service job in Sihanoukville, Cambodia. $1,500/month, \
                    free flight and hotel, no experience needed, typing test only. \
                    Tourist visa first. Telegram only: t.me/hr_kh_jobs";

const JOB: &str = "Staff nurse, Royal Free Hospital, London. NMC registration required. \
                   Skilled Worker visa sponsored by the Trust. Apply on our careers page.";

fn reasons(answer: &Value) -> Vec<(String, String)> {
    answer["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["subject"].as_str().unwrap().to_owned(),
                r["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_lure_is_answered_with_its_reasons_in_four_languages(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let mut headlines = Vec::new();
    for language in ["en", "id", "sw", "th"] {
        let answer = world
            .post_json(
                None,
                "/api/v1/public/check",
                &json!({"text": LURE, "country": "KE", "language": language}),
            )
            .await
            .expect(200);
        assert_ne!(answer["verdict"], "none", "{answer}");
        assert_eq!(answer["language"], language);
        let why = reasons(&answer);
        let destination = why
            .iter()
            .find(|(s, _)| s == "flag.destination")
            .unwrap_or_else(|| panic!("no destination reason: {answer}"));
        // The reason quotes the advert's own words.
        assert!(destination.1.contains("Sihanoukville"), "{destination:?}");
        assert!(why.iter().any(|(s, _)| s == "no_company"), "{answer}");
        assert!(why.iter().any(|(s, _)| s.starts_with("pay_")), "{answer}");
        // Kenya's hotlines, and the advice, in the language asked for.
        assert!(
            answer["hotlines"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["country"] == "KE"),
            "{answer}"
        );
        assert!(!answer["hotlines"].as_array().unwrap().is_empty());
        assert!(
            answer["selectors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.as_str().unwrap().contains("hr_kh_jobs"))
        );
        headlines.push(answer["headline"].as_str().unwrap().to_owned());
    }
    headlines.sort();
    headlines.dedup();
    assert_eq!(
        headlines.len(),
        4,
        "one headline per language: {headlines:?}"
    );

    let job = world
        .post_json(
            None,
            "/api/v1/public/check",
            &json!({"text": JOB, "country": "GB"}),
        )
        .await
        .expect(200);
    assert_eq!(job["verdict"], "none", "{job}");
    assert!(
        reasons(&job).iter().any(|(s, _)| s.starts_with("mark.")),
        "{job}"
    );
    // A language the check does not speak is answered in English.
    let other = world
        .post_json(
            None,
            "/api/v1/public/check",
            &json!({"text": JOB, "language": "xx"}),
        )
        .await
        .expect(200);
    assert_eq!(other["language"], "en");
}

async fn only_clear_reports_make_a_selector_known(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let owner = who(A, "analyst");
    let mut reports = Vec::new();
    for (n, tlp) in ["CLEAR", "CLEAR", "GREEN", "AMBER", "RED"]
        .iter()
        .enumerate()
    {
        let recipients: Vec<String> = if *tlp == "RED" {
            vec![who(R, "analyst")]
        } else {
            vec![]
        };
        reports.push(json!({
            "id": format!("pub-{n}"), "kind": "recruitment_ad", "country": "KH",
            "marking": {"tlp": tlp, "recipients": recipients},
            "narrative": format!("secretword{n} recruiter"),
            "selectors": [if n < 2 { "+855 12 700 100".to_owned() } else { format!("+855 12 700 20{n}") }],
        }));
    }
    world.submit(&owner, &Value::Array(reports)).await;
    // Two CLEAR reports hold the first number: known, counted, "high".
    for asker in [None, Some(who(O, "analyst"))] {
        let answer = world
            .post_json(
                asker.as_deref(),
                "/api/v1/public/check",
                &json!({"text": "+855 12 700 100"}),
            )
            .await
            .expect(200);
        assert_eq!(answer["verdict"], "high", "{answer}");
        assert_eq!(
            answer["score"],
            Value::Null,
            "a lone number has no words to score"
        );
        let why = reasons(&answer);
        assert_eq!(why.len(), 1, "{answer}");
        assert_eq!(why[0].0, "phone:+85512700100");
        assert!(why[0].1.contains(" 2 "), "{why:?}");
        let body = answer.to_string();
        assert!(!body.contains(A) && !body.contains("secretword"), "{body}");
    }
    // The marked ones are not known to the public, whoever asks.
    for n in 2..5 {
        let number = format!("+855 12 700 20{n}");
        for asker in [None, Some(owner.clone())] {
            let answer = world
                .post_json(
                    asker.as_deref(),
                    "/api/v1/public/check",
                    &json!({"text": number}),
                )
                .await
                .expect(200);
            assert_eq!(answer["verdict"], "none", "{answer}");
            assert!(reasons(&answer).is_empty(), "{answer}");
        }
    }
}

async fn bad_questions_get_typed_errors_and_the_limit_holds(backend: Backend) {
    let mut config = test_config();
    config.public.checks_per_minute = 4;
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let empty = world
        .post_json(None, "/api/v1/public/check", &json!({"text": "  "}))
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(empty["field"], "text");
    let long = "job ".repeat(6_000);
    let too_long = world
        .post_json(None, "/api/v1/public/check", &json!({"text": long}))
        .await
        .expect_error(422, "invalid_field");
    assert!(
        too_long["message"]
            .as_str()
            .unwrap()
            .contains("longer than"),
        "{too_long}"
    );
    let country = world
        .post_json(
            None,
            "/api/v1/public/check",
            &json!({"text": JOB, "country": "XX"}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(country["field"], "country");
    world
        .post_json(None, "/api/v1/public/check", &json!({"txt": JOB}))
        .await
        .expect_error(400, "invalid_request");
    let limited = world
        .post_json(None, "/api/v1/public/check", &json!({"text": JOB}))
        .await;
    limited.expect_error(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
}

async fn tips_reach_the_hotline_queue_only(backend: Backend) {
    // No hotline named: the door is closed, clearly.
    let Some(closed) = World::start(backend, test_config()).await else {
        return;
    };
    closed
        .post_json(None, "/api/v1/public/tips", &json!({"text": LURE}))
        .await
        .expect_error(503, "unavailable");
    drop(closed);

    let mut config = test_config();
    config.public.hotline = Some(R.to_owned());
    config.public.tips_per_hour = 3;
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let first = world
        .post_json(
            None,
            "/api/v1/public/tips",
            &json!({"text": LURE, "country": "KE"}),
        )
        .await
        .expect(201);
    let id = first["id"].as_str().unwrap().to_owned();
    // The same text again adds nothing.
    let again = world
        .post_json(
            None,
            "/api/v1/public/tips",
            &json!({"text": format!("  {LURE} ")}),
        )
        .await
        .expect(200);
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["new"], false);
    // Bots fill the hidden field; spam is named.
    world
        .post_json(
            None,
            "/api/v1/public/tips",
            &json!({"text": JOB, "website": "x"}),
        )
        .await
        .expect_error(422, "invalid_field");
    // The fourth try this hour is refused.
    world
        .post_json(None, "/api/v1/public/tips", &json!({"text": JOB}))
        .await
        .expect_error(429, "rate_limited");

    // The hotline's members read the queue; nobody else does.
    let queue = world
        .get(Some(&who(R, "contributor")), "/api/v1/tips")
        .await
        .expect(200);
    let tips = queue["tips"].as_array().unwrap();
    assert_eq!(tips.len(), 1, "{queue}");
    assert_eq!(tips[0]["marking"], "CLEAR");
    assert_eq!(tips[0]["text"], LURE);
    assert_ne!(tips[0]["verdict"], "none");
    for other in [who(A, "analyst"), who(O, "admin")] {
        let q = world.get(Some(&other), "/api/v1/tips").await.expect(200);
        assert_eq!(q["tips"], json!([]), "{other}");
        world
            .post_json(
                Some(&other),
                &format!("/api/v1/tips/{id}/close"),
                &json!({"outcome": "dismissed"}),
            )
            .await
            .expect_error(404, "not_found");
    }
    world
        .get(None, "/api/v1/tips")
        .await
        .expect_error(401, "unauthenticated");
    // A tip never makes its numbers "reported" in the public check.
    let check = world
        .post_json(
            None,
            "/api/v1/public/check",
            &json!({"text": "t.me/hr_kh_jobs"}),
        )
        .await
        .expect(200);
    assert!(reasons(&check).is_empty(), "{check}");

    // The console shows the hotline its queue, and nobody else.
    let client = common::browser();
    let hotline = common::console_login(&world, &client, &who(R, "contributor")).await;
    let queue_page = client
        .get(world.url("/tips"))
        .header("cookie", format!("cordon_session={hotline}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        queue_page.contains("Sihanoukville") && queue_page.contains(&format!("/tips/{id}/close")),
        "{queue_page}"
    );
    let other = common::console_login(&world, &client, &who(O, "analyst")).await;
    let page = client
        .get(world.url("/tips"))
        .header("cookie", format!("cordon_session={other}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"no-tips\"") && !page.contains("Sihanoukville"),
        "{page}"
    );

    world
        .post_json(
            Some(&who(R, "analyst")),
            &format!("/api/v1/tips/{id}/close"),
            &json!({"outcome": "maybe"}),
        )
        .await
        .expect_error(422, "invalid_field");
    let closed = world
        .post_json(
            Some(&who(R, "analyst")),
            &format!("/api/v1/tips/{id}/close"),
            &json!({"outcome": "filed", "report": "KH-NCB/tip-1", "note": "checked"}),
        )
        .await
        .expect(200);
    assert_eq!(closed["closed"]["outcome"], "filed");
    world
        .post_json(
            Some(&who(R, "analyst")),
            &format!("/api/v1/tips/{id}/close"),
            &json!({"outcome": "dismissed"}),
        )
        .await
        .expect_error(409, "conflict");
    let open = world
        .get(Some(&who(R, "analyst")), "/api/v1/tips")
        .await
        .expect(200);
    assert_eq!(open["tips"], json!([]));
    let all = world
        .get_query(
            Some(&who(R, "analyst")),
            "/api/v1/tips",
            &[("closed", "true")],
        )
        .await
        .expect(200);
    assert_eq!(all["tips"].as_array().unwrap().len(), 1);

    // Kept in the log: a server started again over the store has it.
    let replica = world.replica(test_config_with_hotline()).await;
    let q = replica
        .get(Some(&who(R, "analyst")), "/api/v1/tips?closed=true")
        .await
        .expect(200);
    assert_eq!(q["tips"][0]["id"], id.as_str());
}

fn test_config_with_hotline() -> cordon_server::Config {
    let mut c = test_config();
    c.public.hotline = Some(R.to_owned());
    c
}

async fn the_page_answers_without_script(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let client = common::browser();
    let form = client
        .get(world.url("/check?lang=sw"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("lang=\"sw\""), "{html}");
    assert!(!html.contains("<script"), "the public page runs no script");
    for lang in ["en", "id", "sw", "th"] {
        let page = client
            .post(world.url("/check"))
            .form(&[("text", LURE), ("country", "KE"), ("lang", lang)])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("data-verdict=\"high\"") || html.contains("data-verdict=\"warning\""),
            "{html}"
        );
        assert!(html.contains("Sihanoukville"), "reasons quote the advert");
        assert!(
            html.contains("action=\"/check/report\""),
            "a risky offer can be reported"
        );
    }
    let empty = client
        .post(world.url("/check"))
        .form(&[("text", ""), ("lang", "id")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    assert!(
        empty.text().await.unwrap().contains("Tempelkan"),
        "the error in Indonesian"
    );
}

fn ad(
    id: &str,
    tlp: &str,
    recipients: &[String],
    text: &str,
    channel: &str,
    received: &str,
) -> Value {
    json!({
        "id": id, "kind": "recruitment_ad", "country": "TH", "received": received,
        "marking": {"tlp": tlp, "recipients": recipients},
        "mo": [format!("channel:{channel}")],
        "narrative": text,
    })
}

fn case_opening(born: &str) -> Value {
    json!({
        "source": "family_report",
        "nationality": "TH",
        "compound": {"country": "KH"},
        "assigned": [{"agency": A, "role": "origin"}],
        "consent": true,
        "personal": {
            "people": [{"given_name": "Nok", "birth_date": born}],
            "recruitment": {"channel": "facebook", "promised_job": "translator"},
            "account": "bulletin test"
        }
    })
}

async fn bulletins_publish_only_what_the_agency_may(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let now = chrono::Utc::now();
    let recent = (now - chrono::Duration::days(10)).to_rfc3339();
    let older = (now - chrono::Duration::days(120)).to_rfc3339();
    let lure = "Customer service in Sihanoukville, 60,000 baht a month, free flight, telegram only";
    // A's own reports, whatever their marking; another agency's CLEAR one;
    // and another agency's AMBER one naming A, which A may read but must
    // not publish.
    world
        .submit(
            &who(A, "analyst"),
            &json!([
                ad("b-1", "AMBER", &[], lure, "telegram", &recent),
                ad("b-2", "CLEAR", &[], lure, "telegram", &recent),
                ad(
                    "b-3",
                    "RED",
                    &[who(A, "analyst")],
                    "Data entry in Myawaddy",
                    "facebook",
                    &older
                ),
            ]),
        )
        .await;
    world
        .submit(
            &who(O, "analyst"),
            &json!([ad("b-4", "CLEAR", &[], lure, "line", &recent)]),
        )
        .await;
    world
        .submit(
            &who(O, "analyst"),
            &json!([ad(
                "b-5",
                "AMBER",
                &[A.to_owned()],
                "Typist in Bokeo, secretbulletinword",
                "whatsapp",
                &recent
            )]),
        )
        .await;
    for born in ["2004-01-01", "2005-06-01", "2003-03-03", "1980-01-01"] {
        world
            .post_json(
                Some(&who(A, "analyst")),
                "/api/v1/cases",
                &case_opening(born),
            )
            .await
            .expect(201);
    }

    let b = world
        .get(Some(&who(A, "analyst")), "/api/v1/bulletins/TH")
        .await
        .expect(200);
    assert_eq!(b["adverts"]["now"], 3, "{b}");
    assert_eq!(b["adverts"]["before"], 1, "{b}");
    assert_eq!(b["cases"]["now"], 4, "{b}");
    let names = |k: &str| -> Vec<String> {
        b[k].as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("destinations")[0], "sihanoukville");
    assert!(names("destinations").contains(&"myawaddy".to_owned()));
    assert!(
        !b.to_string().contains("bokeo"),
        "another agency's AMBER report is not published: {b}"
    );
    assert!(!b.to_string().contains("whatsapp"), "{b}");
    assert!(names("channels").contains(&"telegram".to_owned()));
    assert!(names("jobs").contains(&"translator".to_owned()));
    // Three people of 18-24 shown; the one of 46 folded away.
    assert_eq!(
        b["ages"],
        json!([{"name": "18-24", "now": 3, "before": 0}]),
        "{b}"
    );
    assert!(b["pay"]["median_usd"].as_f64().unwrap() > 1000.0, "{b}");

    // O publishes only its own and CLEAR: not A's AMBER or RED, no cases.
    let o = world
        .get(Some(&who(O, "analyst")), "/api/v1/bulletins/TH")
        .await
        .expect(200);
    assert_eq!(o["adverts"]["now"], 3, "b-2, b-4, b-5: {o}");
    assert_eq!(o["adverts"]["before"], 0, "{o}");
    assert_eq!(o["cases"]["now"], 0, "{o}");

    let stix = world
        .get(Some(&who(A, "analyst")), "/api/v1/bulletins/TH/stix")
        .await;
    assert_eq!(
        stix.header("content-type"),
        Some("application/stix+json;version=2.1")
    );
    let bundle = stix.expect(200);
    let report = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "report")
        .unwrap()
        .clone();
    assert_eq!(report["labels"], json!(["awareness-bulletin"]));
    assert!(
        report["description"]
            .as_str()
            .unwrap()
            .contains("sihanoukville")
    );
    assert!(!bundle.to_string().contains("bokeo"));

    world
        .get(None, "/api/v1/bulletins/TH")
        .await
        .expect_error(401, "unauthenticated");
    world
        .get(Some(&who(A, "analyst")), "/api/v1/bulletins/XX")
        .await
        .expect_error(422, "invalid_field");
    world
        .get_query(
            Some(&who(A, "analyst")),
            "/api/v1/bulletins/TH",
            &[("from", "2020-01-01T00:00:00Z")],
        )
        .await
        .expect_error(422, "invalid_field");

    // The console shows it, and prints it alone.
    let client = common::browser();
    let session = common::console_login(&world, &client, &who(A, "analyst")).await;
    let page = client
        .get(world.url("/bulletins?origin=TH&print=1"))
        .header("cookie", format!("cordon_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("id=\"bulletin\"") && html.contains("sihanoukville"),
        "{html}"
    );
    assert!(html.contains("TLP:CLEAR"));
}
