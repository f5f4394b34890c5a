//! The console's protection desk, on both backends, driven over HTTP like
//! a browser without JavaScript: the queue lists only the cases the
//! member's agency is assigned to, overdue first and filtered by stage;
//! another agency's case answers like a missing one on every page and
//! form; the opening form round-trips, and a refused one comes back with
//! every value kept and the error next to its field; the stage form
//! offers only the protocol's moves; the screening form records the
//! answers changed, at once; the embassy view counts its nationals; the
//! outcome, ransom demands (their wallets linked to the money trace),
//! releases (linked to their report pages), assignments, splits, merges
//! and the HTCDS exports work through the case page's forms; the people,
//! where held, recruitment, contacts, account and forced criminality are
//! edited whole on the case page; an overdue case reaches the console's
//! stream; and a report or selector naming a protected person is badged
//! in search and on the selector page, with nothing of the case.

mod common;

use serde_json::{Value, json};

use common::{A, Answer, Backend, O, R, Stream, World, browser, console_login, test_config, who};

on_both_backends!(
    the_queue_lists_only_the_agencys_cases,
    another_agencys_case_answers_like_a_missing_one,
    the_open_form_round_trips_and_keeps_a_refused_form,
    the_stage_form_offers_only_the_protocols_moves,
    the_screening_form_records_the_changed_answers,
    the_embassy_view_counts_our_nationals,
    the_case_page_records_outcome_demands_and_regroups,
    the_people_and_what_they_told_are_edited_on_the_case_page,
    an_overdue_case_reaches_the_console_live,
    a_protected_persons_selector_is_badged_in_search_and_on_its_page,
);

const NAME: &str = "Kanyarat";
const PASSPORT: &str = "passport:TH:AA9876543";

fn opening(nationality: &str, assigned: Value, people: usize) -> Value {
    let persons: Vec<Value> = (0..people)
        .map(|i| {
            if i == 0 {
                json!({"given_name": NAME, "family_name": "Srisuk", "identifiers": [PASSPORT]})
            } else {
                json!({"given_name": format!("Companion{i}")})
            }
        })
        .collect();
    json!({
        "source": "family_report",
        "nationality": nationality,
        "compound": {"country": "KH"},
        "assigned": assigned,
        "consent": true,
        "personal": {"people": persons, "account": "she messaged her mother"}
    })
}

/// A case opened through the API by `by`, assigned to A (origin) and R
/// (destination).
async fn open_shared(world: &World, by: &str) -> String {
    let body = opening(
        "TH",
        json!([{"agency": A, "role": "origin"}, {"agency": R, "role": "destination"}]),
        1,
    );
    open_api(world, by, &body).await
}

async fn open_api(world: &World, by: &str, body: &Value) -> String {
    let answer = world
        .post_json(Some(by), "/api/v1/cases", body)
        .await
        .expect(201);
    answer["id"].as_str().unwrap().to_owned()
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

fn location(answer: &Answer) -> &str {
    answer.header("location").expect("a redirect")
}

/// The element with `id="…"` and what is around it: an error shown "next
/// to" a field sits in its `div.field`, just before it (or, for a group
/// of choices, just inside it).
fn around<'a>(body: &'a str, id: &str, before: usize) -> &'a str {
    let at = body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no element {id}"));
    let mut start = at.saturating_sub(before);
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + 800).min(body.len());
    while !body.is_char_boundary(end) {
        end += 1;
    }
    &body[start..end]
}

async fn the_queue_lists_only_the_agencys_cases(backend: Backend) {
    let clock = cordon_server::cases::Clock::manual(chrono::Utc::now());
    let mut config = test_config();
    config.cases.clock = clock.clone();
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let ours = open_shared(&world, &who(A, "analyst")).await;
    let second = open_shared(&world, &who(R, "contributor")).await;
    let theirs = open_api(
        &world,
        &who(O, "analyst"),
        &opening("PH", json!([{"agency": O, "role": "origin"}]), 1),
    )
    .await;
    world
        .post_json(
            Some(&who(A, "analyst")),
            &format!("/api/v1/cases/{second}/stage"),
            &json!({"to": "verified", "why": "the family sent a photo"}),
        )
        .await;
    let client = browser();
    let a = console_login(&world, &client, &who(A, "analyst")).await;
    let queue = world.page(&client, Some(&a), "/cases").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let q = &queue.body;
    assert!(q.contains(r#"href="/cases""#), "the Protection link");
    assert!(q.contains(">Protection<"));
    assert!(q.contains(&format!(r#"href="/cases/{ours}""#)), "{q}");
    assert!(q.contains(&format!(r#"href="/cases/{second}""#)));
    assert!(!q.contains(&theirs), "another agency's case in the queue");
    assert!(q.contains("Signal received") && q.contains("Verified"));
    assert!(!q.contains("OVERDUE"));
    assert!(!q.contains("style="));
    // R is assigned too, in any role; O sees only its own.
    let r = console_login(&world, &client, &who(R, "contributor")).await;
    let rq = world.page(&client, Some(&r), "/cases").await.body;
    assert!(rq.contains(&ours) && rq.contains(&second) && !rq.contains(&theirs));
    let o = console_login(&world, &client, &who(O, "analyst")).await;
    let oq = world.page(&client, Some(&o), "/cases").await.body;
    assert!(oq.contains(&theirs) && !oq.contains(&ours) && !oq.contains(&second));

    // Filtered by stage.
    let verified = world.page(&client, Some(&a), "/cases?stage=verified").await;
    assert_eq!(verified.status, 200);
    assert!(verified.body.contains(&second) && !verified.body.contains(&ours));
    let bad = world.page(&client, Some(&a), "/cases?stage=rescued").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        around(&bad.body, "f-stage", 300).contains("Error: unknown stage &#39;rescued&#39;")
            || around(&bad.body, "f-stage", 300).contains("Error: unknown stage 'rescued'")
    );

    // A day and a half on, the signal not verified is overdue and comes
    // first; the verified one (three days) is not.
    clock.advance(chrono::Duration::hours(36));
    let late = world.page(&client, Some(&a), "/cases").await.body;
    assert!(late.contains("OVERDUE"), "{late}");
    let (first, then) = (late.find(&ours).unwrap(), late.find(&second).unwrap());
    assert!(first < then, "overdue first");
    let only = world
        .page(&client, Some(&a), "/cases?overdue=on")
        .await
        .body;
    assert!(only.contains(&ours) && !only.contains(&second));

    // Closed cases only when asked.
    world
        .post_json(
            Some(&who(A, "analyst")),
            &format!("/api/v1/cases/{ours}/stage"),
            &json!({"to": "closed", "closure": "unfounded", "why": "duplicate signal"}),
        )
        .await;
    let open_only = world.page(&client, Some(&a), "/cases").await.body;
    assert!(!open_only.contains(&ours));
    let with_closed = world.page(&client, Some(&a), "/cases?closed=on").await.body;
    assert!(with_closed.contains(&ours) && with_closed.contains("unfounded"));
}

async fn another_agencys_case_answers_like_a_missing_one(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let id = open_shared(&world, &who(A, "analyst")).await;
    let client = browser();
    let o = console_login(&world, &client, &who(O, "admin")).await;
    let missing = world
        .page(&client, Some(&o), "/cases/PC-000000000000")
        .await;
    let hidden = world.page(&client, Some(&o), &format!("/cases/{id}")).await;
    assert_eq!((missing.status, hidden.status), (404, 404));
    assert!(hidden.body.contains("no case found that you may read"));
    assert_eq!(
        missing.body.replace("PC-000000000000", ""),
        hidden.body.replace(&id, ""),
        "a hidden case answers exactly like a missing one"
    );
    assert!(!hidden.body.contains(NAME));
    for export in ["htcds.json", "htcds.csv"] {
        let answer = world
            .page(&client, Some(&o), &format!("/cases/{id}/{export}"))
            .await;
        assert_eq!(answer.status, 404, "{export}");
        assert!(!answer.body.contains(NAME));
    }
    let token = csrf(&world.page(&client, Some(&o), "/cases").await.body);
    for (path, fields) in [
        ("stage", vec![("to", "verified"), ("why", "x")]),
        ("notes", vec![("text", "x")]),
        ("evidence", vec![("i.ilo_deception", "present")]),
        (
            "outcome",
            vec![("status", "actual_victim"), ("reasons", "x")],
        ),
        ("assign", vec![("agency", O), ("role", "support")]),
        ("tasks", vec![("text", "x")]),
        ("release", vec![("selectors", "telegram:@recruiter_kh")]),
        ("split", vec![("people", "0"), ("why", "x")]),
        ("merge", vec![("from", "PC-000000000000"), ("why", "x")]),
        ("details", vec![("nationality", "TH")]),
        ("personal", vec![("p0.given_name", "x")]),
        ("personal", vec![("p0.given_name", "x"), ("more", "person")]),
    ] {
        let mut fields = fields;
        fields.push(("csrf", token.as_str()));
        let answer = post_form(&world, &o, &format!("/cases/{id}/{path}"), &fields).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        assert!(!answer.body.contains(NAME));
    }
    // Nothing was written to the case.
    let case = world
        .get(Some(&who(A, "analyst")), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    assert_eq!(case["timeline"].as_array().unwrap().len(), 1);
    // An assigned agency's page shows the case, and no other case.
    let other = open_api(
        &world,
        &who(O, "analyst"),
        &opening("PH", json!([{"agency": O, "role": "origin"}]), 1),
    )
    .await;
    let a = console_login(&world, &client, &who(A, "contributor")).await;
    let page = world.page(&client, Some(&a), &format!("/cases/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(NAME) && page.body.contains(PASSPORT));
    assert!(!page.body.contains(&other));
    let a_on_other = world
        .page(&client, Some(&a), &format!("/cases/{other}"))
        .await;
    assert_eq!(a_on_other.status, 404);
    // The read is audited like the API's.
    let admin = who(A, "admin");
    common::eventually(
        std::time::Duration::from_secs(10),
        "the console's read in the audit log",
        &mut || {
            let (world, admin, id) = (&world, &admin, &id);
            async move {
                let audit = world.get(Some(admin), "/api/v1/audit?limit=200").await;
                (audit.body.contains("case_read") && audit.body.contains(id.as_str())).then_some(())
            }
        },
    )
    .await;
}

async fn the_open_form_round_trips_and_keeps_a_refused_form(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let client = browser();
    let a = console_login(&world, &client, &who(A, "analyst")).await;
    let form = world.page(&client, Some(&a), "/cases/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(r#"id="open-case""#));
    assert!(
        form.body
            .contains(&format!(r#"name="a0.agency" value="{A}""#))
    );
    assert!(!form.body.contains("style="));
    let token = csrf(&form.body);
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &token),
        ("source", "hotline_call"),
        ("nationality", "th"),
        ("compound_country", "XX"),
        ("held_description", "blue building by the casino"),
        ("held_lat", "10.61"),
        ("held_lon", "103.52"),
        ("p0.given_name", NAME),
        ("p0.family_name", "Srisuk"),
        ("p0.gender", "feminine"),
        ("p0.birth_date", "1999-04-02"),
        ("p0.identifiers", "passport:TH:AA9876543\n+66 81 234 5678"),
        ("p1.given_name", ""),
        ("a0.agency", A),
        ("a0.role", "origin"),
        ("a1.agency", R),
        ("a1.role", "consulate"),
        ("a1.no_embassy", "on"),
        ("channel", "telegram"),
        ("recruitment_selectors", "telegram:@jobs_bkk_recruit"),
        ("c0.kind", "family"),
        ("c0.name", "her mother"),
        ("account", "she cannot leave <the building>"),
        ("fc_scam_types", "investment"),
        ("fc_scam_types", "romance"),
        ("fc_quota", "5 victims a day"),
        ("fc_coerced_offences", "fraud\nmoney laundering"),
        ("fc_languages_used", "en, zh"),
        ("fc_times_resold", "2"),
    ];
    assert!(
        form.body
            .contains(r#"name="fc_scam_types" value="investment""#)
    );
    let refused = post_form(&world, &a, "/cases", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let body = &refused.body;
    assert!(body.contains("The case was not opened"));
    let near = around(body, "f-compound_country", 400);
    assert!(
        near.contains("Error: ") && near.contains("ISO 3166-1 alpha-2 country code"),
        "{near}"
    );
    // Every value kept, escaped.
    for kept in [
        r#"name="compound_country" value="XX""#,
        r#"name="p0.given_name" value="Kanyarat""#,
        r#"name="a1.agency" value="KH-NCB""#,
        "blue building by the casino",
        "she cannot leave &lt;the building&gt;",
        "passport:TH:AA9876543\n+66 81 234 5678",
        r#"name="c0.name" value="her mother""#,
    ] {
        assert!(body.contains(kept), "{kept} not kept");
    }
    assert!(body.contains(r#"name="a1.no_embassy" value="on" checked"#));
    assert!(body.contains(r#"name="fc_scam_types" value="romance" checked"#));
    assert!(body.contains(r#"name="fc_quota" value="5 victims a day""#));
    assert!(body.contains(r#"value="consulate" selected"#));
    assert!(!body.contains("<the building>"));

    // A bad identifier is named by its person and line.
    fields[3] = ("compound_country", "KH");
    fields[11] = (
        "p0.identifiers",
        "passport:TH:AA9876543\nnot an identifier at all",
    );
    let refused = post_form(&world, &a, "/cases", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        around(&refused.body, "f-p0-identifiers", 400).contains("Error: line 2: "),
        "{}",
        refused.body
    );
    // An agency that is no member, on its row.
    fields[11] = ("p0.identifiers", "passport:TH:AA9876543\n+66 81 234 5678");
    fields[15] = ("a1.agency", "TH-NOBODY");
    let refused = post_form(&world, &a, "/cases", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        around(&refused.body, "f-a1-agency", 400).contains("Error: no member agency TH-NOBODY"),
        "{}",
        refused.body
    );
    // One more person's row, on asking, values kept, nothing opened.
    fields[15] = ("a1.agency", R);
    let mut more = fields.clone();
    more.push(("more", "person"));
    let grown = post_form(&world, &a, "/cases", &more).await;
    assert_eq!(grown.status, 200);
    assert!(grown.body.contains(r#"name="p2.given_name""#));
    assert!(
        grown
            .body
            .contains(r#"name="p0.given_name" value="Kanyarat""#)
    );
    assert_eq!(
        world
            .get(Some(&who(A, "analyst")), "/api/v1/cases")
            .await
            .expect(200),
        json!([])
    );
    // A forged form changes nothing.
    let mut forged = fields.clone();
    forged[0] = ("csrf", "forged");
    assert_eq!(post_form(&world, &a, "/cases", &forged).await.status, 403);

    // Accepted: the case page comes next.
    let opened = post_form(&world, &a, "/cases", &fields).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let to = location(&opened).to_owned();
    assert!(to.starts_with("/cases/PC-"), "{to}");
    let id = to.trim_start_matches("/cases/").to_owned();
    let case = world
        .get(Some(&who(R, "analyst")), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    assert_eq!(case["source"], "hotline_call");
    assert_eq!(case["nationality"], "TH");
    assert_eq!(case["compound"]["country"], "KH");
    let person = &case["personal"]["people"][0];
    assert_eq!(person["given_name"], NAME);
    assert_eq!(person["gender"], "feminine");
    assert_eq!(person["birth_date"], "1999-04-02");
    assert_eq!(
        person["identifiers"],
        json!([PASSPORT, "phone:+66812345678"]),
        "identifiers kept canonical"
    );
    assert_eq!(case["personal"]["people"].as_array().unwrap().len(), 1);
    assert_eq!(case["personal"]["held"]["lat"], 10.61);
    assert_eq!(case["personal"]["contacts"][0]["name"], "her mother");
    assert_eq!(
        case["personal"]["forced_criminality"],
        json!({
            "scam_types": ["investment", "romance"],
            "quota": "5 victims a day",
            "coerced_offences": ["fraud", "money laundering"],
            "languages_used": ["en", "zh"],
            "times_resold": 2
        })
    );
    assert_eq!(
        case["assigned"],
        json!([
            {"agency": A, "role": "origin", "embassy": true},
            {"agency": R, "role": "consulate", "embassy": false}
        ])
    );
    let page = world.page(&client, Some(&a), &to).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let p = &page.body;
    assert!(p.contains(NAME) && p.contains("phone:+66812345678"));
    assert!(p.contains("KH-NCB (consulate, standing in: no embassy of the origin country)"));
    assert!(p.contains(r#"id="held-map""#) && p.contains("10.61000, 103.52000"));
    assert!(p.contains("she cannot leave &lt;the building&gt;"));
    assert!(!p.contains("style="));
}

async fn the_stage_form_offers_only_the_protocols_moves(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let id = open_shared(&world, &who(A, "analyst")).await;
    let client = browser();
    let a = console_login(&world, &client, &who(A, "analyst")).await;
    let page = world.page(&client, Some(&a), &format!("/cases/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let form_start = page.body.find(r#"id="stage-form""#).unwrap();
    let form = &page.body[form_start..];
    let form = &form[..form.find("</form>").unwrap()];
    let offered: Vec<&str> = form
        .match_indices(r#"<option value=""#)
        .map(|(i, m)| {
            let rest = &form[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .filter(|v| !v.is_empty())
        .collect();
    // Stages first, then closure reasons (never merged or completed here).
    assert_eq!(
        offered,
        [
            "verified",
            "extracted",
            "closed",
            "declined_support",
            "lost_contact",
            "deceased",
            "unfounded"
        ]
    );
    assert!(!form.contains("informed_consent"));
    let token = csrf(&page.body);
    let path = format!("/cases/{id}/stage");
    // A move the protocol does not allow, named next to the field.
    let refused = post_form(
        &world,
        &a,
        &path,
        &[("csrf", &token), ("to", "shelter"), ("why", "she is safe")],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        around(&refused.body, "f-to", 500).contains(
            "Error: cannot move from signal_received to shelter: the protocol goes signal_received → verified"
        ),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("she is safe"), "why kept");
    // Why is required.
    let refused = post_form(
        &world,
        &a,
        &path,
        &[("csrf", &token), ("to", "verified"), ("why", " ")],
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(around(&refused.body, "f-why", 400).contains("Error: why is required"));
    // Moved; the timeline shows the move and its reason.
    let moved = post_form(
        &world,
        &a,
        &path,
        &[
            ("csrf", &token),
            ("to", "verified"),
            ("why", "the family sent a photo"),
        ],
    )
    .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    assert_eq!(location(&moved), format!("/cases/{id}#stage"));
    let page = world
        .page(&client, Some(&a), &format!("/cases/{id}"))
        .await
        .body;
    assert!(page.contains("moved to verified") && page.contains("the family sent a photo"));
    // A task, done; a note.
    let token = csrf(&page);
    let set = post_form(
        &world,
        &a,
        &format!("/cases/{id}/tasks"),
        &[
            ("csrf", &token),
            ("text", "call the family"),
            ("agency", A),
            ("due", "2030-01-02"),
        ],
    )
    .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let set_case = world
        .get(Some(&who(A, "analyst")), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    let task = set_case["tasks"][0]["id"].as_str().unwrap().to_owned();
    let done = post_form(
        &world,
        &a,
        &format!("/cases/{id}/tasks"),
        &[
            ("csrf", &token),
            ("task", &task),
            ("text", "call the family"),
            ("agency", A),
            ("done", "on"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let noted = post_form(
        &world,
        &a,
        &format!("/cases/{id}/notes"),
        &[("csrf", &token), ("text", "hotline confirmed the address")],
    )
    .await;
    assert_eq!(noted.status, 303, "{}", noted.body);
    let case = world
        .get(Some(&who(A, "analyst")), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    assert_eq!(case["stage"], "verified");
    assert_eq!(case["tasks"][0]["done"], true);
    let timeline = case["timeline"].to_string();
    assert!(timeline.contains("hotline confirmed the address"));
}

async fn the_screening_form_records_the_changed_answers(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let id = open_shared(&world, &who(A, "analyst")).await;
    let client = browser();
    let a = console_login(&world, &client, &who(A, "analyst")).await;
    let page = world.page(&client, Some(&a), &format!("/cases/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("Decision aid, not a verdict"));
    // Every indicator, with its label and help, grouped.
    let indicators = world
        .get(Some(&who(A, "analyst")), "/api/v1/screening/indicators")
        .await
        .expect(200);
    for i in indicators.as_array().unwrap() {
        let id = i["id"].as_str().unwrap();
        assert!(body.contains(&format!(r#"name="i.{id}""#)), "{id}");
        let help = i["help"].as_str().unwrap().replace('\'', "&#39;");
        let help_plain = i["help"].as_str().unwrap();
        assert!(
            body.contains(&help) || body.contains(help_plain),
            "help of {id}"
        );
    }
    assert!(body.contains("ILO indicators of forced labour"));
    assert!(body.contains("ILO/EC Delphi: Deceptive recruitment"));
    assert!(body.contains("Scam compound: "));
    let token = csrf(body);
    let path = format!("/cases/{id}/evidence");
    let mut fields: Vec<(String, String)> = vec![("csrf".into(), token.clone())];
    for i in indicators.as_array().unwrap() {
        fields.push((format!("i.{}", i["id"].as_str().unwrap()), String::new()));
        fields.push((format!("n.{}", i["id"].as_str().unwrap()), String::new()));
    }
    let set = |fields: &mut Vec<(String, String)>, name: &str, value: &str| {
        fields.iter_mut().find(|(n, _)| n == name).unwrap().1 = value.to_owned();
    };
    // A note without an answer is refused at its indicator.
    let mut noted = fields.clone();
    set(&mut noted, "n.ilo_isolation", "phone taken");
    let as_refs = |f: &Vec<(String, String)>| -> Vec<(String, String)> { f.clone() };
    let refused = world
        .send(
            browser()
                .post(world.url(&path))
                .header("cookie", format!("cordon_session={a}"))
                .form(&as_refs(&noted)),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        around(&refused.body, "f-i-ilo_isolation", 0)
            .contains("Error: choose present, absent or unclear"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(r#"value="phone taken""#),
        "the note kept"
    );
    // Three answers at once.
    set(&mut fields, "i.ilo_deception", "present");
    set(&mut fields, "n.ilo_deception", "promised an office job");
    set(&mut fields, "i.ilo_debt_bondage", "present");
    set(&mut fields, "i.ilo_excessive_overtime", "unclear");
    let recorded = world
        .send(
            browser()
                .post(world.url(&path))
                .header("cookie", format!("cordon_session={a}"))
                .form(&fields),
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    assert_eq!(location(&recorded), format!("/cases/{id}#screening"));
    let case = world
        .get(Some(&who(A, "analyst")), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    let evidence: Vec<(String, String)> = case["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["indicator"].as_str().unwrap().to_owned(),
                e["presence"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(evidence.len(), 3, "{evidence:?}");
    assert!(evidence.contains(&("ilo_debt_bondage".into(), "present".into())));
    assert!(evidence.contains(&("ilo_excessive_overtime".into(), "unclear".into())));
    assert_eq!(case["assessment"]["ilo_present"], 2);
    assert_eq!(case["assessment"]["suggests"], "possible_victim");
    let page = world
        .page(&client, Some(&a), &format!("/cases/{id}"))
        .await
        .body;
    assert!(page.contains("recorded: present") && page.contains("promised an office job"));
    assert!(page.contains(r#"<strong id="ilo-present">2</strong>"#));
    assert!(page.contains(r#"value="present" id="i-ilo_deception-present" checked"#));
    // The same answers again, without notes: nothing changed.
    let mut same = fields.clone();
    set(&mut same, "n.ilo_deception", "");
    let unchanged = world
        .send(
            browser()
                .post(world.url(&path))
                .header("cookie", format!("cordon_session={a}"))
                .form(&same),
        )
        .await;
    assert_eq!(unchanged.status, 422, "{}", unchanged.body);
    assert!(unchanged.body.contains("nothing changed"));
    // Only the changed one is written.
    set(&mut same, "i.ilo_excessive_overtime", "present");
    let changed = world
        .send(
            browser()
                .post(world.url(&path))
                .header("cookie", format!("cordon_session={a}"))
                .form(&same),
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let case = world
        .get(Some(&who(A, "analyst")), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    let entries = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "evidence")
        .count();
    assert_eq!(entries, 4);
    assert_eq!(case["assessment"]["ilo_present"], 3);
}

async fn the_embassy_view_counts_our_nationals(backend: Backend) {
    let clock = cordon_server::cases::Clock::manual(chrono::Utc::now());
    let mut config = test_config();
    config.cases.clock = clock.clone();
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let analyst = who(A, "analyst");
    // Two cases of A's nationals (GB): one held in KH with R standing in
    // as consulate, a group of three somewhere not known yet.
    let mut kh = opening(
        "GB",
        json!([{"agency": A, "role": "origin"},
               {"agency": R, "role": "consulate", "embassy": false}]),
        1,
    );
    kh["compound"] = json!({"country": "KH"});
    let first = open_api(&world, &analyst, &kh).await;
    let mut unknown = opening("GB", json!([{"agency": A, "role": "origin"}]), 3);
    unknown["compound"] = json!({});
    open_api(&world, &analyst, &unknown).await;
    // Not counted: another nationality, and a case A is not assigned to.
    open_api(
        &world,
        &analyst,
        &opening("TH", json!([{"agency": A, "role": "support"}]), 1),
    )
    .await;
    open_api(
        &world,
        &who(O, "analyst"),
        &opening("GB", json!([{"agency": O, "role": "origin"}]), 2),
    )
    .await;
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{first}/stage"),
            &json!({"to": "verified", "why": "confirmed"}),
        )
        .await;
    clock.advance(chrono::Duration::hours(30));
    let client = browser();
    let a = console_login(&world, &client, &analyst).await;
    let page = world.page(&client, Some(&a), "/cases/embassy").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let p = &page.body;
    assert!(p.contains(r#"<dd id="embassy-cases">2</dd>"#), "{p}");
    assert!(p.contains(r#"<dd id="embassy-people">4</dd>"#));
    assert!(p.contains(r#"<dd id="embassy-overdue">1</dd>"#));
    let by_stage = &p[p.find(r#"id="by-stage""#).unwrap()..];
    let by_stage = &by_stage[..by_stage.find("</table>").unwrap()];
    assert!(
        by_stage
            .contains(">Signal received</a></td><td class=\"num\">1</td><td class=\"num\">3</td>"),
        "{by_stage}"
    );
    assert!(
        by_stage.contains(">Verified</a></td><td class=\"num\">1</td><td class=\"num\">1</td>")
    );
    let by_country = &p[p.find(r#"id="by-country""#).unwrap()..];
    let by_country = &by_country[..by_country.find("</table>").unwrap()];
    assert!(
        by_country.contains("<td>KH</td><td class=\"num\">1</td>"),
        "{by_country}"
    );
    assert!(by_country.contains("not known yet"));
    assert!(p.contains(r#"<ul id="partners"><li>KH-NCB</li></ul>"#));
    // The outsider's view of its own country counts only its case.
    let o = console_login(&world, &client, &who(O, "analyst")).await;
    let theirs = world.page(&client, Some(&o), "/cases/embassy").await.body;
    assert!(
        theirs.contains(r#"<dd id="embassy-cases">0</dd>"#),
        "{theirs}"
    );
}

/// A case page's form, posted with the session's CSRF token.
struct Form<'a> {
    world: &'a World,
    session: &'a str,
    token: &'a str,
    path: String,
}

impl Form<'_> {
    async fn send(&self, fields: &[(&str, &str)]) -> Answer {
        let mut fields = fields.to_vec();
        fields.push(("csrf", self.token));
        post_form(self.world, self.session, &self.path, &fields).await
    }
}

const WALLET: &str = "trx:TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL";
const RECRUITER: &str = "telegram:@jobs_bkk_recruit";

async fn the_case_page_records_outcome_demands_and_regroups(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let id = open_api(
        &world,
        &analyst,
        &opening(
            "TH",
            json!([{"agency": A, "role": "origin"}, {"agency": R, "role": "destination"}]),
            3,
        ),
    )
    .await;
    let client = browser();
    let a = console_login(&world, &client, &analyst).await;
    let page = world
        .page(&client, Some(&a), &format!("/cases/{id}"))
        .await
        .body;
    let token = csrf(&page);
    let post = |path: &'static str| Form {
        world: &world,
        session: &a,
        token: &token,
        path: format!("/cases/{id}/{path}"),
    };
    assert!(!page.contains(r#"id="non-punishment""#));

    // The outcome, and the banner it raises.
    let refused = post("outcome")
        .send(&[("status", "victim"), ("reasons", "deceived")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(around(&refused.body, "f-status", 400).contains("Error: expected possible_victim"));
    assert!(
        refused.body.contains(">deceived</textarea>"),
        "reasons kept"
    );
    let done = post("outcome")
        .send(&[
            ("status", "actual_victim"),
            ("reasons", "deceived, indebted"),
        ])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = world
        .page(&client, Some(&a), &format!("/cases/{id}"))
        .await
        .body;
    assert!(page.contains(r#"id="non-punishment""#), "the banner");
    assert!(page.contains("Non-punishment principle applies."));

    // A ransom demand: its wallet released, linked to the money trace.
    let demanded = post("demands")
        .send(&[
            ("kind", "ransom_demand"),
            ("selectors", WALLET),
            ("amount", "5000"),
            ("currency", "usdt"),
            ("message", "pay or she is sold on"),
            ("tlp", "AMBER"),
        ])
        .await;
    assert_eq!(demanded.status, 303, "{}", demanded.body);
    let page = world
        .page(&client, Some(&a), &format!("/cases/{id}"))
        .await
        .body;
    assert!(
        page.contains(&format!(
            r#"href="/money?address={}""#,
            common::encode(WALLET)
        )),
        "{page}"
    );
    assert!(page.contains("pay or she is sold on") && page.contains("5000 USDT"));
    // The person's own identifier is never released, named by its line.
    let refused = post("release")
        .send(&[("selectors", &format!("{RECRUITER}\n{PASSPORT}"))])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        around(&refused.body, "f-release-selectors", 400).contains("Error: line 2: "),
        "{}",
        refused.body
    );
    let released = post("release").send(&[("selectors", RECRUITER)]).await;
    assert_eq!(released.status, 303, "{}", released.body);
    // Each release links to its report, of the agency that released it.
    let case = world
        .get(Some(&analyst), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    let page = world
        .page(&client, Some(&a), &format!("/cases/{id}"))
        .await
        .body;
    let reports = case["released"].as_array().unwrap();
    assert_eq!(reports.len(), 2, "the demand's and the release's");
    for r in reports {
        assert_eq!(r["agency"], A);
        let href = format!(
            "/reports/{A}/{}",
            common::encode(r["report"].as_str().unwrap())
        );
        assert!(page.contains(&format!(r#"href="{href}""#)), "{href}");
        let report = world.page(&client, Some(&a), &href).await;
        assert_eq!(report.status, 200, "{href}: {}", report.body);
    }

    // A consulate standing in; a task; the details' bad site refused.
    let assigned = post("assign")
        .send(&[
            ("agency", "ph-nbi"),
            ("role", "consulate"),
            ("no_embassy", "on"),
        ])
        .await;
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let refused = post("assign")
        .send(&[("agency", "XX-NONE"), ("role", "support")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        around(&refused.body, "f-agency", 400).contains("Error: "),
        "{}",
        refused.body
    );
    let refused = post("details")
        .send(&[
            ("nationality", "TH"),
            ("compound_country", "KH"),
            ("compound_site", "not-a-cell"),
            ("group_size", "3"),
            ("consent", "on"),
        ])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(around(&refused.body, "f-compound_site", 400).contains("not an H3 cell"));
    assert!(refused.body.contains(r#"value="not-a-cell""#));
    let page = world
        .page(&client, Some(&a), &format!("/cases/{id}"))
        .await
        .body;
    assert!(page.contains("PH-NBI (consulate, standing in: no embassy of the origin country)"));

    // The exports, through the session.
    let json_export = world
        .page(&client, Some(&a), &format!("/cases/{id}/htcds.json"))
        .await;
    assert_eq!(json_export.status, 200, "{}", json_export.body);
    assert!(
        json_export
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(json_export.body.contains(NAME) && json_export.body.contains("fcx_CordonCase"));
    let csv = world
        .page(&client, Some(&a), &format!("/cases/{id}/htcds.csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains(&format!("{id}-htcds.csv"))
    );
    assert_eq!(
        csv.body.lines().count(),
        4,
        "a header and one line per person"
    );

    // Split two people off: the new case's page comes next.
    let refused = post("split")
        .send(&[("why", "moved to another shelter")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Error: a split moves some of the people")
    );
    let split = post("split")
        .send(&[
            ("people", "1"),
            ("people", "2"),
            ("why", "moved to another shelter"),
        ])
        .await;
    assert_eq!(split.status, 303, "{}", split.body);
    let new = location(&split).trim_start_matches("/cases/").to_owned();
    assert!(new.starts_with("PC-") && new != id);
    let new_page = world
        .page(&client, Some(&a), &format!("/cases/{new}"))
        .await
        .body;
    assert!(
        new_page.contains("Companion1") && new_page.contains(&format!(r#"href="/cases/{id}""#))
    );
    // And merge it back.
    let merged = post("merge")
        .send(&[("from", &new), ("why", "same shelter again")])
        .await;
    assert_eq!(merged.status, 303, "{}", merged.body);
    let case = world
        .get(Some(&analyst), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    assert_eq!(case["personal"]["people"].as_array().unwrap().len(), 3);
    assert_eq!(case["merged_from"], json!([new]));
}

/// The value of the form input `name` as the page shows it.
fn input_value<'a>(body: &'a str, name: &str) -> &'a str {
    let marker = format!(r#"name="{name}" value=""#);
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    let end = body[start..].find('"').unwrap() + start;
    &body[start..end]
}

async fn the_people_and_what_they_told_are_edited_on_the_case_page(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let id = open_shared(&world, &analyst).await;
    let client = browser();
    // A member of another assigned agency edits it, in any role.
    let r = console_login(&world, &client, &who(R, "contributor")).await;
    let page = world.page(&client, Some(&r), &format!("/cases/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    // The form holds what the case holds, and a spare person.
    assert!(body.contains(r#"id="personal-form""#));
    assert_eq!(input_value(body, "p0.given_name"), NAME);
    assert_eq!(input_value(body, "p0.family_name"), "Srisuk");
    assert!(around(body, "f-p0-identifiers", 0).contains(PASSPORT));
    assert_eq!(input_value(body, "p1.given_name"), "");
    assert!(body.contains(r#"name="fc_scam_types" value="investment""#));
    assert!(around(body, "f-account", 0).contains("she messaged her mother"));
    assert!(!body.contains("style="));
    let token = csrf(body);
    let form = Form {
        world: &world,
        session: &r,
        token: &token,
        path: format!("/cases/{id}/personal"),
    };
    let identifiers = format!("{PASSPORT}\n+66 81 234 5678");
    let mut fields: Vec<(&str, &str)> = vec![
        ("p0.given_name", "Kanya"),
        ("p0.family_name", "Srisuk"),
        ("p0.gender", "feminine"),
        ("p0.birth_date", "1999-04-02"),
        ("p0.nationality", ""),
        ("p0.languages", "th, en"),
        ("p0.identifiers", &identifiers),
        ("p1.given_name", "Somchai"),
        ("p1.gender", "masculine"),
        ("p1.nationality", "la"),
        (
            "p1.identifiers",
            "passport:TH:AB1234567\nnot an identifier at all",
        ),
        ("held_description", "the blue tower"),
        ("held_lat", "10.61"),
        ("held_lon", "103.52"),
        ("channel", "telegram"),
        ("recruitment_selectors", RECRUITER),
        ("c0.kind", "ngo"),
        ("c0.name", "the shelter"),
        ("account", "she messaged her mother <again>"),
        ("fc_scam_types", "investment"),
        ("fc_scam_types", "voice_phishing"),
        ("fc_quota", "5 victims a day"),
        ("fc_coerced_offences", "fraud\nmoney laundering"),
        ("fc_languages_used", "en, zh"),
        ("fc_times_resold", "twice"),
    ];
    // A number the form cannot read, named at its field; nothing written.
    let refused = form.send(&fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        around(&refused.body, "f-fc_times_resold", 400).contains("Error: &#39;twice&#39; is not")
            || around(&refused.body, "f-fc_times_resold", 400).contains("Error: 'twice' is not"),
        "{}",
        refused.body
    );
    // A refusal of the API, at the person and line it names, every value
    // kept.
    fields.retain(|(n, _)| *n != "fc_times_resold");
    fields.push(("fc_times_resold", "2"));
    let refused = form.send(&fields).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let body = &refused.body;
    assert!(
        body.contains("The people&#39;s details did not change")
            || body.contains("The people's details did not change")
    );
    assert!(
        around(body, "f-p1-identifiers", 400).contains("Error: line 2: "),
        "{body}"
    );
    assert_eq!(input_value(body, "p0.given_name"), "Kanya");
    assert_eq!(input_value(body, "p1.given_name"), "Somchai");
    assert_eq!(input_value(body, "fc_quota"), "5 victims a day");
    assert_eq!(input_value(body, "fc_times_resold"), "2");
    assert!(body.contains(r#"name="fc_scam_types" value="voice_phishing" checked"#));
    assert!(body.contains("she messaged her mother &lt;again&gt;"));
    assert!(body.contains(r#"value="masculine" selected"#));
    let unchanged = world
        .get(Some(&analyst), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    assert_eq!(unchanged["personal"]["people"].as_array().unwrap().len(), 1);
    // One more person's row on asking, values kept, nothing written.
    let at = fields
        .iter()
        .position(|(n, _)| *n == "p1.identifiers")
        .unwrap();
    fields[at] = ("p1.identifiers", "passport:TH:AB1234567");
    let mut more = fields.clone();
    more.push(("more", "person"));
    let grown = form.send(&more).await;
    assert_eq!(grown.status, 200, "{}", grown.body);
    assert_eq!(input_value(&grown.body, "p3.given_name"), "");
    assert_eq!(input_value(&grown.body, "p1.given_name"), "Somchai");
    assert!(!grown.body.contains("did not change"));
    // Saved whole: the case page's people section comes next.
    let saved = form.send(&fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(location(&saved), format!("/cases/{id}#people"));
    let case = world
        .get(Some(&analyst), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    let people = case["personal"]["people"].as_array().unwrap();
    assert_eq!(people.len(), 2, "{case}");
    assert_eq!(people[0]["given_name"], "Kanya");
    assert_eq!(people[0]["languages"], json!(["th", "en"]));
    assert_eq!(
        people[0]["identifiers"],
        json!([PASSPORT, "phone:+66812345678"])
    );
    assert_eq!(people[1]["given_name"], "Somchai");
    assert_eq!(people[1]["gender"], "masculine");
    assert_eq!(people[1]["nationality"], "LA");
    assert_eq!(case["group_size"], 2, "the group grows to the people named");
    assert_eq!(case["personal"]["held"]["lat"], 10.61);
    assert_eq!(
        case["personal"]["recruitment"]["selectors"],
        json!([RECRUITER])
    );
    assert_eq!(case["personal"]["contacts"][0]["kind"], "ngo");
    assert_eq!(
        case["personal"]["account"],
        "she messaged her mother <again>"
    );
    assert_eq!(
        case["personal"]["forced_criminality"],
        json!({
            "scam_types": ["investment", "voice_phishing"],
            "quota": "5 victims a day",
            "coerced_offences": ["fraud", "money laundering"],
            "languages_used": ["en", "zh"],
            "times_resold": 2
        })
    );
    let page = world
        .page(&client, Some(&r), &format!("/cases/{id}"))
        .await
        .body;
    assert!(page.contains("Somchai") && page.contains("phone:+66812345678"));
    assert!(page.contains(r#"id="forced-criminality-facts""#));
    assert!(page.contains("investment, voice phishing"));
    assert!(page.contains("details updated"), "in the timeline");
    // The form shows what was saved.
    assert_eq!(input_value(&page, "p1.given_name"), "Somchai");
    assert_eq!(input_value(&page, "fc_times_resold"), "2");
    assert_eq!(input_value(&page, "p2.given_name"), "");
}

async fn an_overdue_case_reaches_the_console_live(backend: Backend) {
    let clock = cordon_server::cases::Clock::manual(chrono::Utc::now());
    let mut config = test_config();
    config.cases.clock = clock.clone();
    config.cases.escalate_every = std::time::Duration::from_millis(100);
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let client = browser();
    let a = console_login(&world, &client, &who(A, "analyst")).await;
    let o = console_login(&world, &client, &who(O, "analyst")).await;
    // Every page gives the script the stages' words, and the script shows
    // the notification as a line linking to the case.
    let page = world.page(&client, Some(&a), "/alerts").await.body;
    assert!(
        page.contains("signal_received&quot;:&quot;signal received&quot;"),
        "{page}"
    );
    let script = world.page(&client, None, "/static/console.js").await.body;
    assert!(script.contains(r#"addEventListener("case_overdue""#));
    assert!(script.contains(r#""Case " + overdue.case + " is overdue in ""#));
    assert!(script.contains(r#""/cases/" + encodeURIComponent(overdue.case)"#));
    let mut ours = Stream::console(&world, &a).await;
    let mut theirs = Stream::console(&world, &o).await;
    let id = open_shared(&world, &who(A, "analyst")).await;
    assert!(
        ours.next_of("case_overdue", std::time::Duration::from_millis(400))
            .await
            .is_none()
    );
    // A day later verification is overdue: the session hears at once.
    clock.advance(chrono::Duration::hours(25));
    let (event_id, told) = ours
        .next_of("case_overdue", std::time::Duration::from_secs(10))
        .await
        .expect("the console's stream carries the escalation");
    assert_eq!(event_id, "", "a notification moves no Last-Event-ID");
    assert_eq!(told["case"], id.as_str());
    assert_eq!(told["stage"], "signal_received");
    assert_eq!(told["level"], "assigned");
    assert!(!told.to_string().contains(NAME));
    assert!(
        theirs
            .next_of("case_overdue", std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "an agency not assigned hears nothing"
    );
}

const PHONE: &str = "phone:+66812345678";

async fn a_protected_persons_selector_is_badged_in_search_and_on_its_page(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    // Another agency's scam report names the phone she was forced to scam
    // from.
    world
        .submit(
            &who(O, "analyst"),
            &json!([{"id": "fraud-1", "kind": "fraud_complaint", "country": "PH",
                     "marking": {"tlp": "GREEN"}, "narrative": "crimson ledger investment caller",
                     "selectors": [PHONE, "telegram:@fx_mentor_ph"]}]),
        )
        .await;
    let mut body = opening("TH", json!([{"agency": A, "role": "origin"}]), 1);
    body["personal"]["people"][0]["identifiers"] = json!([PASSPORT, PHONE]);
    let id = open_api(&world, &who(A, "analyst"), &body).await;
    let client = browser();
    let selector = format!("/selectors/{}", common::encode(PHONE));
    let search = "/search?q=crimson+ledger";
    // R reads the report and is not assigned to the case; A is.
    let sessions = [
        console_login(&world, &client, &who(R, "analyst")).await,
        console_login(&world, &client, &who(A, "analyst")).await,
    ];
    // Before the outcome: nothing.
    for session in &sessions {
        for path in [selector.as_str(), search] {
            let page = world.page(&client, Some(session), path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            assert!(page.body.contains("fraud-1"), "{path}");
            assert!(
                !page.body.contains("non-punishment"),
                "{path}: {}",
                page.body
            );
        }
    }
    let outcome = world
        .post_json(
            Some(&who(A, "analyst")),
            &format!("/api/v1/cases/{id}/outcome"),
            &json!({"status": "possible_victim", "reasons": "forced to scam"}),
        )
        .await;
    assert_eq!(outcome.status, 204, "{}", outcome.body);
    for session in &sessions {
        let found = world.page(&client, Some(session), search).await.body;
        let result = &found[found.find("fraud-1").unwrap()..];
        let result = &result[..result.find("</li>").unwrap()];
        assert!(
            result.contains(r#"class="badge protected""#) && result.contains("non-punishment"),
            "{result}"
        );
        assert!(result.contains("(possible victim)"), "{result}");
        let page = world.page(&client, Some(session), &selector).await.body;
        assert!(
            page.contains(r#"id="non-punishment""#),
            "the banner: {page}"
        );
        assert!(page.contains("Non-punishment principle applies."));
        let row = &page[page.find("fraud-1").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("non-punishment"), "{row}");
        // That the principle applies and the status; nothing of the case.
        for page in [&found, &page] {
            for secret in [id.as_str(), NAME, "Srisuk", PASSPORT, "forced to scam"] {
                assert!(!page.contains(secret), "{secret} shown");
            }
        }
    }
    // The other selector of the report is not a person's: no banner.
    let other = world
        .page(
            &client,
            Some(&sessions[0]),
            &format!("/selectors/{}", common::encode("telegram:@fx_mentor_ph")),
        )
        .await
        .body;
    assert!(!other.contains(r#"id="non-punishment""#));
}
