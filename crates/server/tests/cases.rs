//! Victim-protection cases through the API, on both backends: a case walks
//! the whole protocol from signal to closing, held by a fresh replica from
//! the log; only the assigned agencies read it (a 404 like a missing one to
//! everyone else, in no list or count); personal fields are sealed in the
//! store; no intelligence path (hits, reports, search, released selectors)
//! reveals the person; overdue stages escalate to the assigned agencies and
//! then their supervisors on a controllable clock; groups split and merge;
//! bad input is refused naming the field and changes nothing; the HTCDS
//! export holds only the standard's fields and Cordon's extension.

mod common;

use std::time::Duration;

use cordon_server::cases::Clock;
use serde_json::{Value, json};

use common::{
    A, Answer, Backend, O, R, Stream, World, browser, console_login, eventually, test_config, who,
};

/// A change answered with 204 No Content.
trait NoContent {
    fn no_content(self);
}

impl NoContent for Answer {
    #[track_caller]
    fn no_content(self) {
        assert_eq!(self.status, 204, "unexpected status; body: {}", self.body);
    }
}

on_both_backends!(
    a_case_walks_from_signal_to_repatriation_and_closes,
    only_the_assigned_agencies_read_a_case,
    personal_fields_are_sealed_in_the_store,
    no_intelligence_path_reveals_a_victim,
    an_overdue_stage_escalates_to_the_assigned_then_their_supervisors,
    a_group_splits_and_merges,
    bad_input_is_refused_naming_the_field_and_changes_nothing,
    a_case_exports_as_htcds,
    a_screened_victim_is_flagged_where_a_report_names_them,
    the_protocol_s_other_paths_hand_over_stay_and_close,
    a_resent_signal_opens_no_second_case,
    a_case_held_near_a_compound_is_offered_it,
    releases_and_rights_are_guarded,
);

/// The person's name, passport and phone: never outside the case.
const NAME: &str = "Kanyarat";
const PASSPORT: &str = "passport:TH:AA9876543";
const PHONE: &str = "phone:+66812345678";
/// The recruiter's handle and the ransom wallet: intelligence.
const RECRUITER: &str = "telegram:@jobs_bkk_recruit";
const WALLET: &str = "trx:TWnDbYKttVG4Uwb7gm1T6QvvmwkyYhtrhL";

fn opening(people: usize) -> Value {
    let mut persons = vec![json!({
        "given_name": NAME, "family_name": "Srisuk", "gender": "feminine",
        "birth_date": "1999-04-02", "languages": ["th", "en"],
        "identifiers": [PASSPORT, PHONE]
    })];
    for i in 1..people {
        persons.push(json!({"given_name": format!("Companion{i}")}));
    }
    json!({
        "source": "family_report",
        "nationality": "TH",
        "compound": {"country": "KH"},
        "assigned": [
            {"agency": A, "role": "origin"},
            {"agency": R, "role": "destination"}
        ],
        "consent": true,
        "personal": {
            "people": persons,
            "held": {"description": "blue building by the casino", "lat": 10.61, "lon": 103.52},
            "recruitment": {"channel": "telegram", "promised_job": "customer service in Bangkok",
                            "selectors": [RECRUITER]},
            "contacts": [{"kind": "family", "name": "her mother", "phone": "+66 81 000 0000"}],
            "account": "she messaged her mother that she cannot leave"
        }
    })
}

async fn open(world: &World, by: &str, people: usize) -> String {
    let answer = world
        .post_json(Some(by), "/api/v1/cases", &opening(people))
        .await
        .expect(201);
    answer["id"].as_str().unwrap().to_owned()
}

async fn step(world: &World, by: &str, id: &str, body: Value) {
    world
        .post_json(Some(by), &format!("/api/v1/cases/{id}/stage"), &body)
        .await
        .no_content();
}

async fn read(world: &World, by: &str, id: &str) -> Value {
    world
        .get(Some(by), &format!("/api/v1/cases/{id}"))
        .await
        .expect(200)
}

async fn a_case_walks_from_signal_to_repatriation_and_closes(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let (origin, destination) = (who(A, "analyst"), who(R, "contributor"));
    let id = open(&world, &destination, 1).await;
    let answer = world
        .get(Some(&origin), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let case = read(&world, &origin, &id).await;
    assert_eq!(case["stage"], "signal_received");
    assert_eq!(case["personal"]["people"][0]["given_name"], NAME);
    assert_eq!(case["overdue"], false);
    for to in [
        "verified",
        "located",
        "rescue_planned",
        "extracted",
        "screened",
    ] {
        step(
            &world,
            &origin,
            &id,
            json!({"to": to, "why": format!("reached {to}")}),
        )
        .await;
    }
    // Leaving screening needs an outcome.
    world
        .post_json(
            Some(&origin),
            &format!("/api/v1/cases/{id}/stage"),
            &json!({"to": "shelter", "why": "x"}),
        )
        .await
        .expect_error(422, "invalid_field");
    world
        .post_json(
            Some(&origin),
            &format!("/api/v1/cases/{id}/evidence"),
            &json!([
                {"indicator": "ilo_deception", "presence": "present", "note": "promised an office job"},
                {"indicator": "ilo_debt_bondage", "presence": "present", "note": "told she owes US$8,000"},
                {"indicator": "ilo_excessive_overtime", "presence": "unclear"}
            ]),
        )
        .await
        .no_content();
    world
        .post_json(
            Some(&origin),
            &format!("/api/v1/cases/{id}/outcome"),
            &json!({"status": "actual_victim", "reasons": "deceived, indebted, confined"}),
        )
        .await
        .no_content();
    for to in ["shelter", "assessed"] {
        step(&world, &origin, &id, json!({"to": to, "why": "next"})).await;
    }
    // Return needs informed consent and a responsible consulate.
    let refused = world
        .post_json(
            Some(&origin),
            &format!("/api/v1/cases/{id}/stage"),
            &json!({"to": "return_agreed", "informed_consent": true, "why": "she wants to go home"}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(refused["field"], "assigned", "{refused}");
    world
        .post_json(
            Some(&origin),
            &format!("/api/v1/cases/{id}/assign"),
            &json!({"agency": A, "role": "consulate", "embassy": false}),
        )
        .await
        .no_content();
    step(
        &world,
        &origin,
        &id,
        json!({"to": "return_agreed", "informed_consent": true, "why": "she wants to go home"}),
    )
    .await;
    for to in [
        "repatriated",
        "reintegration",
        "follow_up_3",
        "follow_up_6",
        "follow_up_12",
    ] {
        step(&world, &origin, &id, json!({"to": to, "why": "done"})).await;
    }
    step(
        &world,
        &origin,
        &id,
        json!({"to": "closed", "closure": "completed", "why": "all follow-ups done"}),
    )
    .await;
    let case = read(&world, &destination, &id).await;
    assert_eq!(case["stage"], "closed");
    assert_eq!(case["closure"], "completed");
    assert_eq!(case["status"], "actual_victim");
    assert_eq!(case["non_punishment"], true);
    assert!(case["repatriated"].is_string());
    assert_eq!(case["assessment"]["ilo_present"], 2);
    assert_eq!(case["outcome"]["reasons"], "deceived, indebted, confined");
    let timeline = case["timeline"].as_array().unwrap();
    let moves: Vec<&str> = timeline
        .iter()
        .filter(|e| e["kind"] == "stage")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(moves.len(), 14, "{moves:?}");
    assert!(
        timeline
            .iter()
            .all(|e| e["by"].as_str().unwrap().contains('/'))
    );
    // A fresh replica holds the same case from the log.
    let replica = world.replica(test_config()).await;
    let again = read(&replica, &origin, &id).await;
    assert_eq!(again["timeline"], case["timeline"]);
    assert_eq!(again["personal"], case["personal"]);
}

async fn only_the_assigned_agencies_read_a_case(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let id = open(&world, &who(A, "analyst"), 1).await;
    for outsider in [who(O, "admin"), who(O, "analyst")] {
        let missing = world
            .get(Some(&outsider), "/api/v1/cases/PC-000000000000")
            .await
            .expect_error(404, "not_found");
        let hidden = world
            .get(Some(&outsider), &format!("/api/v1/cases/{id}"))
            .await
            .expect_error(404, "not_found");
        assert_eq!(missing["message"], hidden["message"]);
        for (path, body) in [
            ("stage", json!({"to": "verified", "why": "x"})),
            ("notes", json!({"text": "x"})),
            (
                "evidence",
                json!([{"indicator": "ilo_deception", "presence": "present"}]),
            ),
            ("release", json!({"selectors": [RECRUITER]})),
            ("split", json!({"people": [0], "why": "x"})),
        ] {
            world
                .post_json(
                    Some(&outsider),
                    &format!("/api/v1/cases/{id}/{path}"),
                    &body,
                )
                .await
                .expect_error(404, "not_found");
        }
        world
            .get(Some(&outsider), &format!("/api/v1/cases/{id}/htcds"))
            .await
            .expect_error(404, "not_found");
        let list = world
            .get(Some(&outsider), "/api/v1/cases")
            .await
            .expect(200);
        assert_eq!(list, json!([]));
    }
    world
        .get(None, &format!("/api/v1/cases/{id}"))
        .await
        .expect_error(401, "unauthenticated");
    // Every role of an assigned agency reads it: case workers are often
    // contributors.
    for reader in [who(R, "contributor"), who(A, "admin")] {
        read(&world, &reader, &id).await;
        let list = world.get(Some(&reader), "/api/v1/cases").await.expect(200);
        assert_eq!(list[0]["id"], id.as_str());
        assert!(list[0].get("personal").is_none());
    }
    // The embassy view of the nationals' country counts the case; the
    // outsider's counts nothing.
    let th = world
        .get(Some(&who(A, "analyst")), "/api/v1/cases/embassy")
        .await
        .expect(200);
    assert_eq!(th["country"], "GB");
    let outsider = world
        .get(Some(&who(O, "analyst")), "/api/v1/cases/embassy")
        .await
        .expect(200);
    assert_eq!(outsider["cases"], 0);
}

async fn personal_fields_are_sealed_in_the_store(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let id = open(&world, &analyst, 1).await;
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/notes"),
            &json!({"text": "met Kanyarat at the border post"}),
        )
        .await
        .no_content();
    let decisions = world.store.decisions_after(0, 10_000).await.unwrap();
    let ours: Vec<_> = decisions.iter().filter(|d| d.subject == id).collect();
    assert_eq!(ours.len(), 2);
    let kept = serde_json::to_string(
        &ours
            .iter()
            .map(|d| (&d.body, &d.reason))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for secret in [
        NAME,
        "AA9876543",
        "+66812345678",
        "blue building",
        "her mother",
        "border post",
    ] {
        assert!(
            !kept.contains(secret),
            "{secret} is in the log in the clear"
        );
    }
    // The clear part is what routing and counts need.
    assert!(kept.contains("\"nationality\":\"TH\""));
    if backend == Backend::Sqlite {
        // Nothing on disk holds it either: the database file and its WAL.
        let dir = world.backing.as_ref().unwrap().dir().unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for secret in [NAME.as_bytes(), b"AA9876543", b"blue building"] {
                assert!(!bytes.windows(secret.len()).any(|w| w == secret));
            }
        }
    }
    // A server with another key cannot open the case. The tokens issued
    // under the test key are refused there (a copied database yields no
    // token), and a token issued under the other key reaches the case but
    // opens nothing of the person.
    let other_key = cordon_server::TokenKey::from_bytes([9; 32]);
    let other = World::serve(
        world.store.clone(),
        other_key.clone(),
        world.tokens.clone(),
        test_config(),
    )
    .await;
    other.ready().await;
    let refused = other
        .get(Some(&analyst), &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(refused.status, 401);
    let user = world.store.user(A, "analyst").await.unwrap().unwrap();
    let token =
        cordon_server::auth::issue_token(world.store.as_ref(), &other_key, user.id, "other")
            .await
            .unwrap();
    let sealed = other
        .send(
            other
                .http
                .get(other.url(&format!("/api/v1/cases/{id}")))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(sealed.status, 500, "{}", sealed.body);
    for secret in [NAME, "AA9876543", "blue building"] {
        assert!(!sealed.body.contains(secret));
    }
}

async fn no_intelligence_path_reveals_a_victim(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let id = open(&world, &analyst, 1).await;
    // The person's own phone is never released.
    let refused = world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/release"),
            &json!({"selectors": [RECRUITER, "+66 81 234 5678"]}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(refused["field"], "selectors[1]");
    let demand = world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/demands"),
            &json!({"kind": "ransom_demand", "selectors": [WALLET], "amount": "8000",
                    "currency": "usdt", "message": "pay 8000 USDT or Kanyarat is sold on",
                    "marking": {"tlp": "GREEN"}}),
        )
        .await
        .expect(201);
    let released = world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/release"),
            &json!({"selectors": [RECRUITER], "marking": {"tlp": "GREEN"}}),
        )
        .await
        .expect(201);
    for report in [
        demand["report"].as_str().unwrap(),
        released["report"].as_str().unwrap(),
    ] {
        let r = world
            .get(
                Some(&who(O, "analyst")),
                &format!("/api/v1/reports/{A}/{report}"),
            )
            .await
            .expect(200);
        let text = r.to_string();
        for secret in [NAME, "AA9876543", "66812345678", "Srisuk", "casino"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // The wallet is intelligence now: another agency's hit query finds it.
    let hit = world
        .get_query(
            Some(&who(O, "analyst")),
            "/api/v1/hits",
            &[("selector", WALLET)],
        )
        .await
        .expect(200);
    assert!(hit.to_string().contains(A), "{hit}");
    // The person's identifiers hit nothing, search finds no name.
    for selector in [PHONE, PASSPORT] {
        let none = world
            .get_query(
                Some(&who(O, "analyst")),
                "/api/v1/hits",
                &[("selector", selector)],
            )
            .await
            .expect(200);
        assert!(!none.to_string().contains(A), "{none}");
    }
    for viewer in [who(O, "analyst"), analyst.clone()] {
        let found = world
            .get_query(Some(&viewer), "/api/v1/reports", &[("q", NAME)])
            .await
            .expect(200);
        assert!(!found.to_string().contains(NAME), "{found}");
    }
    let all = world
        .get(Some(&who(O, "analyst")), "/api/v1/reports")
        .await
        .expect(200)
        .to_string();
    for secret in [NAME, "AA9876543", "blue building"] {
        assert!(!all.contains(secret));
    }
    // Nor do the graph, the networks, TAXII or the alerts' pages: every
    // path that carries intelligence carries only the released selectors.
    let taxii = world
        .send(
            world
                .http
                .get(world.url("/taxii2/cordon/collections/all/objects/"))
                .bearer_auth(world.token(&who(O, "analyst")))
                .header("accept", "application/taxii+json;version=2.1"),
        )
        .await;
    let walk = world
        .get_query(
            Some(&who(O, "analyst")),
            "/api/v1/graph/neighbourhood",
            &[("selector", WALLET), ("depth", "3")],
        )
        .await;
    let networks = world
        .get(Some(&who(O, "analyst")), "/api/v1/networks")
        .await;
    for (path, answer) in [("taxii", &taxii), ("graph", &walk), ("networks", &networks)] {
        assert!(answer.status < 500, "{path}: {}", answer.status);
        for secret in [NAME, "AA9876543", "66812345678", "blue building", "Srisuk"] {
            assert!(!answer.body.contains(secret), "{path} shows {secret}");
        }
    }
    assert!(
        taxii.body.contains("jobs_bkk_recruit"),
        "released selectors are intelligence"
    );
    // The case shows where its selectors went.
    let case = read(&world, &analyst, &id).await;
    assert_eq!(case["released"].as_array().unwrap().len(), 2);
    assert_eq!(case["demands"][0]["currency"], "USDT");
}

async fn an_overdue_stage_escalates_to_the_assigned_then_their_supervisors(backend: Backend) {
    let clock = Clock::manual(chrono::Utc::now());
    let mut config = test_config();
    config.cases.clock = clock.clone();
    config.cases.escalate_every = Duration::from_millis(100);
    let Some(world) = World::start(backend, config).await else {
        return;
    };
    let mut analyst = Stream::open(&world, &who(R, "analyst"), None).await;
    let mut admin = Stream::open(&world, &who(R, "admin"), None).await;
    let mut outsider = Stream::open(&world, &who(O, "admin"), None).await;
    let id = open(&world, &who(A, "analyst"), 1).await;
    // Not yet due: nothing.
    assert!(
        analyst
            .next_of("case_overdue", Duration::from_millis(400))
            .await
            .is_none()
    );
    // A day later, verification is overdue: the assigned agencies hear.
    clock.advance(chrono::Duration::hours(25));
    let (_, told) = analyst
        .next_of("case_overdue", Duration::from_secs(10))
        .await
        .expect("the assigned agency is told");
    assert_eq!(told["case"], id.as_str());
    assert_eq!(told["level"], "assigned");
    assert_eq!(told["stage"], "signal_received");
    assert!(told.get("personal").is_none() && !told.to_string().contains(NAME));
    let (_, told) = admin
        .next_of("case_overdue", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(told["level"], "assigned");
    // Two days more: the supervisors (admins) are told, analysts not again.
    clock.advance(chrono::Duration::hours(48));
    let (_, told) = admin
        .next_of("case_overdue", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(told["level"], "supervisors");
    assert!(
        analyst
            .next_of("case_overdue", Duration::from_millis(500))
            .await
            .is_none()
    );
    assert!(
        outsider
            .next_of("case_overdue", Duration::from_millis(200))
            .await
            .is_none()
    );
    // Once each: the log holds two escalations, the case shows them.
    let case = read(&world, &who(A, "analyst"), &id).await;
    assert_eq!(case["overdue"], true);
    assert_eq!(case["escalated"], "supervisors");
    let escalations = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "escalate")
        .count();
    assert_eq!(escalations, 2);
    // Moving on stops the clock of the old stage.
    step(
        &world,
        &who(A, "analyst"),
        &id,
        json!({"to": "verified", "why": "called back"}),
    )
    .await;
    let case = read(&world, &who(A, "analyst"), &id).await;
    assert_eq!(case["escalated"], Value::Null);
}

async fn a_group_splits_and_merges(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let id = open(&world, &analyst, 3).await;
    let split = world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/split"),
            &json!({"people": [1, 2], "why": "moved to another compound"}),
        )
        .await
        .expect(201);
    let new = split["id"].as_str().unwrap().to_owned();
    let old_case = read(&world, &analyst, &id).await;
    let new_case = read(&world, &analyst, &new).await;
    assert_eq!(old_case["group_size"], 1);
    assert_eq!(old_case["personal"]["people"].as_array().unwrap().len(), 1);
    assert_eq!(old_case["split_into"], json!([new]));
    assert_eq!(new_case["group_size"], 2);
    assert_eq!(new_case["split_from"], id.as_str());
    assert_eq!(
        new_case["personal"]["people"][0]["given_name"],
        "Companion1"
    );
    assert_eq!(new_case["stage"], old_case["stage"]);
    assert_eq!(new_case["stage_since"], old_case["stage_since"]);
    // Reunited: the split-off case merges back and closes.
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/merge"),
            &json!({"from": new, "why": "found together at the border"}),
        )
        .await
        .no_content();
    let merged = read(&world, &analyst, &id).await;
    assert_eq!(merged["group_size"], 3);
    assert_eq!(merged["personal"]["people"].as_array().unwrap().len(), 3);
    assert_eq!(merged["merged_from"], json!([new]));
    let closed = read(&world, &analyst, &new).await;
    assert_eq!(closed["stage"], "closed");
    assert_eq!(closed["closure"], "merged");
    assert_eq!(closed["merged_into"], id.as_str());
    // A closed case neither moves nor merges again.
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/merge"),
            &json!({"from": new, "why": "again"}),
        )
        .await
        .expect_error(422, "invalid_field");
}

async fn bad_input_is_refused_naming_the_field_and_changes_nothing(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let before = world.store.decisions_after(0, 10_000).await.unwrap().len();
    let mut bad_phone = opening(1);
    bad_phone["personal"]["people"][0]["identifiers"] = json!(["phone:0812345678"]);
    let mut no_agency = opening(1);
    no_agency["assigned"][1]["agency"] = json!("XX-NOPE");
    let mut future = opening(1);
    future["received"] = json!("2999-01-01T00:00:00Z");
    for (body, field) in [
        (bad_phone, "personal.people[0].identifiers[0]"),
        (no_agency, "assigned[1].agency"),
        (future, "received"),
        (
            json!({"source": "family_report", "nationality": "ZZ", "assigned": [], "personal": {"people": []}}),
            "nationality",
        ),
    ] {
        let e = world
            .post_json(Some(&analyst), "/api/v1/cases", &body)
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(e["field"], field, "{e}");
        let m = e["message"].as_str().unwrap();
        assert!(
            m.starts_with(|c: char| c.is_lowercase() || c == '\''),
            "{m}"
        );
    }
    world
        .post_json(
            Some(&analyst),
            "/api/v1/cases",
            &json!({"source": "rumour"}),
        )
        .await
        .expect_error(400, "invalid_request");
    let id = open(&world, &analyst, 1).await;
    let after_open = world.store.decisions_after(0, 10_000).await.unwrap().len();
    assert_eq!(after_open, before + 1);
    for (path, body, field) in [
        ("stage", json!({"to": "shelter", "why": "x"}), "to"),
        ("stage", json!({"to": "rescued", "why": "x"}), "to"),
        ("stage", json!({"to": "closed", "why": "x"}), "to"),
        (
            "stage",
            json!({"to": "closed", "closure": "merged", "why": "x"}),
            "to",
        ),
        (
            "evidence",
            json!([{"indicator": "ilo_nope", "presence": "present"}]),
            "[0].indicator",
        ),
        (
            "evidence",
            json!([{"indicator": "ilo_deception", "presence": "maybe"}]),
            "[0].presence",
        ),
        (
            "outcome",
            json!({"status": "victim", "reasons": "x"}),
            "status",
        ),
        (
            "demands",
            json!({"kind": "ransom_demand", "selectors": [WALLET], "amount": "lots", "message": "x"}),
            "amount",
        ),
        (
            "demands",
            json!({"kind": "ransom_demand", "selectors": ["not a selector at all"], "message": "x"}),
            "selectors[0]",
        ),
        (
            "release",
            json!({"selectors": [RECRUITER], "marking": {"tlp": "RED"}}),
            "marking.tlp",
        ),
        ("split", json!({"people": [0], "why": "x"}), "people"),
        ("assign", json!({"agency": O, "role": "boss"}), "role"),
        ("tasks", json!({"text": "visit", "agency": O}), "agency"),
    ] {
        let e = world
            .post_json(Some(&analyst), &format!("/api/v1/cases/{id}/{path}"), &body)
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(e["field"], field, "{path}: {e}");
    }
    assert_eq!(
        world.store.decisions_after(0, 10_000).await.unwrap().len(),
        after_open
    );
    let case = read(&world, &analyst, &id).await;
    assert_eq!(case["stage"], "signal_received");
    assert_eq!(case["timeline"].as_array().unwrap().len(), 1);
}

async fn a_case_exports_as_htcds(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let id = open(&world, &analyst, 2).await;
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/outcome"),
            &json!({"status": "possible_victim", "reasons": "screening under way"}),
        )
        .await
        .no_content();
    let export = world
        .get(Some(&analyst), &format!("/api/v1/cases/{id}/htcds"))
        .await
        .expect(200);
    assert_eq!(export["standard"], "HTCDS");
    assert_eq!(export["version"], "2.0");
    let fields = cordon_protect::htcds::fields();
    let known = |k: &str| {
        fields.contains_key(k)
            || cordon_protect::htcds::EXTENSION
                .iter()
                .any(|(n, ..)| *n == k)
    };
    for part in ["persons", "events", "organisations"] {
        for row in export[part].as_array().unwrap() {
            for k in row.as_object().unwrap().keys() {
                assert!(known(k), "{part}: {k}");
            }
        }
    }
    assert_eq!(export["persons"].as_array().unwrap().len(), 2);
    assert_eq!(export["persons"][0]["prs_FirstName"], NAME);
    assert_eq!(
        export["persons"][0]["vic_TraffickingStatus"],
        "PossibleVictimOfTrafficking"
    );
    assert_eq!(
        export["persons"][0]["vic_TraffickingStatusDecisionMakingOrg"],
        "Police"
    );
    assert_eq!(export["persons"][0]["fcx_NonPunishment"], true);
    let csv = world
        .get_query(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/htcds"),
            &[("format", "csv")],
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(csv.body.lines().count(), 3);
    assert!(csv.body.lines().next().unwrap().split(',').all(known));
    world
        .get(
            Some(&who(O, "analyst")),
            &format!("/api/v1/cases/{id}/htcds"),
        )
        .await
        .expect_error(404, "not_found");
}

async fn a_screened_victim_is_flagged_where_a_report_names_them(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    // Another agency's scam report names the phone she was forced to scam
    // from.
    let outsider = who(O, "analyst");
    world
        .submit(
            &outsider,
            &json!([{"id": "fraud-1", "kind": "fraud_complaint", "country": "PH",
                     "marking": {"tlp": "GREEN"}, "narrative": "investment scam caller",
                     "selectors": [PHONE, "telegram:@fx_mentor_ph"]}]),
        )
        .await;
    let path = format!("/api/v1/reports/{O}/fraud-1");
    let before = world.get(Some(&outsider), &path).await.expect(200);
    assert!(before.get("non_punishment").is_none(), "{before}");
    let analyst = who(A, "analyst");
    let id = open(&world, &analyst, 1).await;
    // Screening as not a victim protects no one.
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/outcome"),
            &json!({"status": "not_a_victim", "reasons": "recruiter"}),
        )
        .await
        .no_content();
    let still = world.get(Some(&outsider), &path).await.expect(200);
    assert!(still.get("non_punishment").is_none(), "{still}");
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{id}/outcome"),
            &json!({"status": "actual_victim", "reasons": "forced to scam"}),
        )
        .await
        .no_content();
    let flagged = world.get(Some(&outsider), &path).await.expect(200);
    assert_eq!(
        flagged["non_punishment"],
        json!([{"selector": PHONE, "status": "actual_victim"}]),
        "{flagged}"
    );
    // The flag tells that much and nothing of the case.
    let text = flagged.to_string();
    assert!(!text.contains(&id) && !text.contains(NAME));
    // Who saw it is in the audit log of the agency that opened the case.
    let seen = eventually(
        Duration::from_secs(10),
        "the flag is audited",
        &mut || async {
            let log = world
                .get(Some(&who(A, "admin")), "/api/v1/audit")
                .await
                .expect(200);
            log.to_string()
                .contains("non_punishment_shown")
                .then_some(log)
        },
    )
    .await;
    assert!(seen.to_string().contains(O), "{seen}");
    let listed = world
        .get_query(Some(&outsider), "/api/v1/reports", &[("agency", O)])
        .await
        .expect(200);
    assert_eq!(listed["reports"][0]["non_punishment"][0]["selector"], PHONE);
    // The console's report page says so.
    let client = browser();
    let session = console_login(&world, &client, &outsider).await;
    let page = world
        .page(&client, Some(&session), &format!("/reports/{O}/fraud-1"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Non-punishment principle"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(NAME));
    // A fresh replica rebuilds the flag from the log.
    let replica = world.replica(test_config()).await;
    let again = replica.get(Some(&outsider), &path).await.expect(200);
    assert_eq!(again["non_punishment"], flagged["non_punishment"]);
}

async fn the_protocol_s_other_paths_hand_over_stay_and_close(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    // Escaped on her own: handed over straight from the signal.
    let escaped = open(&world, &analyst, 1).await;
    step(
        &world,
        &analyst,
        &escaped,
        json!({"to": "extracted", "why": "reached the embassy"}),
    )
    .await;
    let case = read(&world, &analyst, &escaped).await;
    assert_eq!(case["stage"], "extracted");
    // From verified and located too; never from rescue_planned backwards.
    for (path, from) in [
        ("verified", &["verified"][..]),
        ("located", &["verified", "located"][..]),
    ] {
        let id = open(&world, &analyst, 1).await;
        for to in from {
            step(&world, &analyst, &id, json!({"to": to, "why": "on"})).await;
        }
        step(
            &world,
            &analyst,
            &id,
            json!({"to": "extracted", "why": format!("released after a raid ({path})")}),
        )
        .await;
    }
    // She chooses to stay: reintegration where she is, without return.
    for to in ["screened"] {
        step(&world, &analyst, &escaped, json!({"to": to, "why": "on"})).await;
    }
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{escaped}/outcome"),
            &json!({"status": "possible_victim", "reasons": "indicators present"}),
        )
        .await
        .no_content();
    for to in ["shelter", "assessed", "reintegration"] {
        step(
            &world,
            &analyst,
            &escaped,
            json!({"to": to, "why": "her choice"}),
        )
        .await;
    }
    let case = read(&world, &analyst, &escaped).await;
    assert_eq!(case["stage"], "reintegration");
    assert_eq!(case["repatriated"], Value::Null);
    // Completed only after the 12-month follow-up; any open stage closes
    // with another reason.
    let e = world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{escaped}/stage"),
            &json!({"to": "closed", "closure": "completed", "why": "x"}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert!(e["message"].as_str().unwrap().contains("12-month"), "{e}");
    step(
        &world,
        &analyst,
        &escaped,
        json!({"to": "closed", "closure": "lost_contact", "why": "phone off for months"}),
    )
    .await;
    let case = read(&world, &analyst, &escaped).await;
    assert_eq!(
        (case["stage"].as_str(), case["closure"].as_str()),
        (Some("closed"), Some("lost_contact"))
    );
    // A closed case moves no more.
    let e = world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{escaped}/stage"),
            &json!({"to": "verified", "why": "x"}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert!(
        e["message"].as_str().unwrap().starts_with("case is closed"),
        "{e}"
    );
}

async fn a_resent_signal_opens_no_second_case(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let hotline = who(R, "contributor");
    let mut signal = opening(1);
    signal["reference"] = json!("CALL-2026-0042");
    let first = world
        .post_json(Some(&hotline), "/api/v1/cases", &signal)
        .await
        .expect(201);
    let again = world
        .post_json(Some(&hotline), "/api/v1/cases", &signal)
        .await
        .expect(201);
    assert_eq!(first["id"], again["id"]);
    // Another agency's reference is its own.
    let other = world
        .post_json(Some(&who(A, "analyst")), "/api/v1/cases", &signal)
        .await
        .expect(201);
    assert_ne!(first["id"], other["id"]);
    let list = world.get(Some(&hotline), "/api/v1/cases").await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
}

async fn a_case_held_near_a_compound_is_offered_it(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    // Another agency's intelligence locates a compound near Myawaddy.
    let reports: Vec<Value> = (0..3)
        .map(|i| {
            json!({"id": format!("kk-{i}"), "kind": "compound_intel", "country": "PH",
                   "marking": {"tlp": "GREEN"}, "narrative": format!("compound report {i}"),
                   "selectors": ["telegram:@kk_park_hr", "+855 12 777 666"],
                   "location": {"lat": 16.6087, "lon": 98.5212}})
        })
        .collect();
    world
        .submit(&who(O, "analyst"), &Value::Array(reports))
        .await;
    let site = cordon_analysis::places::site(16.6087, 98.5212)
        .unwrap()
        .to_string();
    let analyst = who(A, "analyst");
    let mut near = opening(1);
    near["personal"]["held"] = json!({"description": "by the river", "lat": 16.62, "lon": 98.53});
    let id = world
        .post_json(Some(&analyst), "/api/v1/cases", &near)
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = read(&world, &analyst, &id).await;
    let likely = case["likely_compounds"].as_array().unwrap();
    assert_eq!(likely.len(), 1, "{likely:?}");
    assert_eq!(likely[0]["site"], site.as_str());
    assert!(likely[0]["km"].as_f64().unwrap() < 3.0, "{likely:?}");
    assert_eq!(likely[0]["reports"], 3);
    // Far away, nothing is offered.
    let far = open(&world, &analyst, 1).await;
    assert_eq!(
        read(&world, &analyst, &far).await["likely_compounds"],
        json!([])
    );
}

async fn releases_and_rights_are_guarded(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let analyst = who(A, "analyst");
    let contributor = who(R, "contributor");
    let id = open(&world, &analyst, 1).await;
    let post = |who: String, path: &'static str, body: Value| {
        let world = &world;
        let id = id.clone();
        async move {
            world
                .post_json(Some(&who), &format!("/api/v1/cases/{id}/{path}"), &body)
                .await
        }
    };
    // Never a name, a family member's phone, or anyone protected.
    for selector in ["name:Kanyarat Srisuk", "+66 81 000 0000"] {
        let e = post(analyst.clone(), "release", json!({"selectors": [selector]}))
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(e["field"], "selectors[0]", "{e}");
        assert!(!e["message"].as_str().unwrap().contains("Kanyarat"));
    }
    // Another case's screened victim is protected here too.
    let other = open(&world, &analyst, 1).await;
    let mut stranger = opening(1);
    stranger["personal"]["people"][0]["identifiers"] = json!(["phone:+66899999999"]);
    let protected = world
        .post_json(Some(&analyst), "/api/v1/cases", &stranger)
        .await
        .expect(201);
    let protected = protected["id"].as_str().unwrap();
    world
        .post_json(
            Some(&analyst),
            &format!("/api/v1/cases/{protected}/outcome"),
            &json!({"status": "actual_victim", "reasons": "screened"}),
        )
        .await
        .no_content();
    post(
        analyst.clone(),
        "release",
        json!({"selectors": ["+66 89 999 9999"]}),
    )
    .await
    .expect_error(422, "invalid_field");
    // Contributors record; analysts release, assign and merge.
    post(
        contributor.clone(),
        "release",
        json!({"selectors": [RECRUITER]}),
    )
    .await
    .expect_error(403, "forbidden");
    post(
        contributor.clone(),
        "assign",
        json!({"agency": O, "role": "support"}),
    )
    .await
    .expect_error(403, "forbidden");
    post(
        contributor.clone(),
        "merge",
        json!({"from": other, "why": "same group"}),
    )
    .await
    .expect_error(403, "forbidden");
    // A demand may be recorded without releasing anything, by anyone assigned.
    let recorded = post(
        contributor.clone(),
        "demands",
        json!({"kind": "proof_of_life", "message": "a photo from her phone"}),
    )
    .await
    .expect(201);
    assert_eq!(recorded["report"], Value::Null);
    for (body, field) in [
        (
            json!({"kind": "ransom_demand", "message": "x", "currency": "dollars!"}),
            "currency",
        ),
        (
            json!({"kind": "ransom_demand", "message": "x", "amount": "-5"}),
            "amount",
        ),
    ] {
        let e = post(analyst.clone(), "demands", body)
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(e["field"], field, "{e}");
    }
    // The deciding organisation is the actor's or an assigned agency.
    let e = post(
        analyst.clone(),
        "outcome",
        json!({"status": "not_a_victim", "organisation": O, "reasons": "x"}),
    )
    .await
    .expect_error(422, "invalid_field");
    assert_eq!(e["field"], "organisation");
    // Too many people in one case is refused, naming the list.
    let mut crowd = opening(1);
    crowd["personal"]["people"] = Value::Array(vec![json!({"given_name": "x"}); 201]);
    let e = world
        .post_json(Some(&analyst), "/api/v1/cases", &crowd)
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(e["field"], "personal.people");
    // A closed case takes notes only.
    step(
        &world,
        &analyst,
        &id,
        json!({"to": "closed", "closure": "unfounded", "why": "prank"}),
    )
    .await;
    for (path, body) in [
        (
            "evidence",
            json!([{"indicator": "ilo_deception", "presence": "present"}]),
        ),
        ("assign", json!({"agency": O, "role": "support"})),
        ("tasks", json!({"text": "call"})),
        ("release", json!({"selectors": [RECRUITER]})),
    ] {
        let e = post(analyst.clone(), path, body)
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(e["field"], "id", "{path}: {e}");
    }
    post(analyst.clone(), "notes", json!({"text": "family informed"}))
        .await
        .no_content();
}
