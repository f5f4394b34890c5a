//! The TAXII 2.1 server through a real server and a real HTTP client, on
//! SQLite and on PostgreSQL: discovery, API root, collections, objects and
//! their paging and filters, the manifest, objects by id, versions, DELETE,
//! POST and status; the protocol's failure modes; what each agency sees
//! under TLP 2.0; the audit of reads. The last case drives the server with
//! the OASIS `taxii2-client` as two agencies.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use common::{A, Answer, Backend, O, R, World, eventually, test_config, who};

on_both_backends!(
    discovery_api_root_and_collections,
    pages_walk_every_object_once,
    filters_select_by_time_type_id_version_and_spec,
    objects_by_id_versions_and_delete,
    post_envelopes_and_their_status,
    protocol_errors_and_authentication,
    tlp_decides_what_each_caller_sees,
    reads_are_in_the_owners_audit_log,
);

const TAXII: &str = "application/taxii+json;version=2.1";
const STIX: &str = "application/stix+json;version=2.1";
const ROOT: &str = "/taxii2/cordon/";
const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const EXTENSION: &str = "extension-definition--452e400b-f02a-47d2-805b-32a3ec36a55e";
const T0: &str = "2026-02-01T09:30:00.000Z";
const T1: &str = "2026-02-03T16:05:00.000Z";

fn collection(id: &str) -> String {
    format!("{ROOT}collections/{id}/")
}

fn objects_of(id: &str) -> String {
    format!("{ROOT}collections/{id}/objects/")
}

fn object_path(collection: &str, id: &str) -> String {
    format!("{ROOT}collections/{collection}/objects/{id}/")
}

/// A TAXII request as `who` (bearer token), accepting TAXII 2.1.
fn taxii(world: &World, method: reqwest::Method, who: &str, path: &str) -> reqwest::RequestBuilder {
    world
        .http
        .request(method, world.url(path))
        .header("accept", TAXII)
        .bearer_auth(world.token(who))
}

async fn get(world: &World, who: &str, path: &str, query: &[(&str, &str)]) -> Answer {
    world
        .send(taxii(world, reqwest::Method::GET, who, path).query(query))
        .await
}

/// A TAXII answer: the status, the TAXII media type, the body.
#[track_caller]
fn ok(answer: &Answer, status: u16) -> Value {
    let body = answer.expect(status);
    assert_eq!(
        answer.header("content-type"),
        Some(TAXII),
        "{}",
        answer.body
    );
    body
}

/// A TAXII error message: the status, the media type and the fields
/// TAXII 2.1 §3.6.1 gives it.
#[track_caller]
fn taxii_error(answer: &Answer, status: u16) -> Value {
    let body = ok(answer, status);
    assert!(body["title"].is_string(), "{}", answer.body);
    assert!(body["description"].is_string(), "{}", answer.body);
    assert_eq!(body["http_status"], status.to_string(), "{}", answer.body);
    body
}

async fn post_envelope(world: &World, who: &str, collection: &str, envelope: &Value) -> Answer {
    world
        .send(
            taxii(world, reqwest::Method::POST, who, &objects_of(collection))
                .header("content-type", TAXII)
                .body(envelope.to_string()),
        )
        .await
}

/// A report as the JSON API takes it.
fn report(id: &str, tlp: &str, recipients: &[&str], narrative: &str, selectors: &[&str]) -> Value {
    json!({
        "id": id,
        "kind": "fraud_complaint",
        "country": "KH",
        "received": "2026-01-15T10:00:00Z",
        "marking": {"tlp": tlp, "recipients": recipients},
        "mo": ["task"],
        "narrative": narrative,
        "selectors": selectors,
    })
}

fn uuid4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Objects another tool would send: a report naming an indicator, an
/// observation of an e-mail address and a malware, with their author; all
/// under `marking` when given (else unmarked: the import's default AMBER,
/// readable by the posting agency only). Returns the envelope and its ids.
fn foreign(email: &str, marking: Option<&str>) -> (Value, Vec<String>) {
    let marks = |mut o: Value| {
        if let Some(m) = marking {
            o["object_marking_refs"] = json!([m]);
        }
        o
    };
    let author = format!("identity--{}", uuid4());
    let sco = format!("email-addr--{}", uuid4());
    let observed = format!("observed-data--{}", uuid4());
    let indicator = format!("indicator--{}", uuid4());
    let malware = format!("malware--{}", uuid4());
    let report = format!("report--{}", uuid4());
    let common = |kind: &str, id: &str| json!({"type": kind, "spec_version": "2.1", "id": id, "created": T0, "modified": T0, "created_by_ref": author});
    let mut objects = vec![
        marks(
            json!({"type": "identity", "spec_version": "2.1", "id": author, "created": T0, "modified": T0,
                     "name": "ACME CERT", "identity_class": "organization"}),
        ),
        marks(json!({"type": "email-addr", "spec_version": "2.1", "id": sco, "value": email})),
    ];
    let mut o = common("observed-data", &observed);
    o["first_observed"] = json!(T0);
    o["last_observed"] = json!(T0);
    o["number_observed"] = json!(1);
    o["object_refs"] = json!([sco]);
    objects.push(marks(o));
    let mut o = common("indicator", &indicator);
    o["name"] = json!(format!("mail of {email}"));
    o["pattern"] = json!(format!("[email-addr:value = '{email}']"));
    o["pattern_type"] = json!("stix");
    o["valid_from"] = json!(T0);
    objects.push(marks(o));
    let mut o = common("malware", &malware);
    o["name"] = json!("pig-butchering kit");
    o["is_family"] = json!(false);
    objects.push(marks(o));
    let mut o = common("report", &report);
    o["name"] = json!(format!("campaign using {email}"));
    o["published"] = json!(T0);
    o["object_refs"] = json!([indicator, observed, malware]);
    objects.push(marks(o));
    let ids = objects
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    (json!({ "objects": objects }), ids)
}

/// A report in Cordon's own STIX form (its extension names the recipients)
/// listing an indicator of another tool, which takes the report's marking.
/// Returns the envelope, the indicator's id and the UUID of the objects
/// Cordon derives from the report.
fn cordon_report_listing(tlp: &str, recipients: &[&str], email: &str) -> (Value, String, String) {
    let marking = match tlp {
        "RED" => TLP2_RED,
        "AMBER" => TLP2_AMBER,
        "GREEN" => TLP2_GREEN,
        _ => TLP2_CLEAR,
    };
    let indicator = format!("indicator--{}", uuid4());
    let report_id = format!("kept-{}", uuid4());
    let objects = json!([
        {"type": "indicator", "spec_version": "2.1", "id": indicator, "created": T0, "modified": T0,
         "name": format!("{tlp} indicator"), "pattern": format!("[email-addr:value = '{email}']"),
         "pattern_type": "stix", "valid_from": T0},
        {"type": "report", "spec_version": "2.1", "id": format!("report--{}", uuid4()),
         "created": T0, "modified": T0, "name": format!("{tlp} report"), "published": T0,
         "report_types": ["threat-report"], "object_refs": [indicator],
         "object_marking_refs": [marking],
         "extensions": {EXTENSION: {
             "extension_type": "property-extension", "report_id": report_id, "agency": A,
             "revision": 1, "kind": "tip", "country": "GB", "recipients": recipients,
             "hit_notification": true, "selectors": [format!("email:{email}")]}}},
    ]);
    let uuid = cordon_interop::stix::ids::report_uuid(A, &report_id).to_string();
    (json!({ "objects": objects }), indicator, uuid)
}

/// Every object of a listing walked page by page with `limit`, and the
/// pages' answers.
async fn walk(
    world: &World,
    who: &str,
    path: &str,
    limit: usize,
    query: &[(&str, &str)],
) -> (Vec<Value>, Vec<Answer>) {
    let limit_text = limit.to_string();
    let mut next: Option<String> = None;
    let mut objects = Vec::new();
    let mut pages = Vec::new();
    loop {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("limit", &limit_text));
        if let Some(n) = &next {
            q.push(("next", n));
        }
        let answer = get(world, who, path, &q).await;
        let body = ok(&answer, 200);
        let page = body["objects"].as_array().cloned().unwrap_or_default();
        let more = body["more"].as_bool().expect("more is a boolean");
        if more {
            assert_eq!(
                page.len(),
                limit,
                "a page before the last is full: {}",
                answer.body
            );
            next = Some(
                body["next"]
                    .as_str()
                    .expect("more comes with next")
                    .to_owned(),
            );
        } else {
            assert!(body.get("next").is_none(), "{}", answer.body);
        }
        objects.extend(page);
        pages.push(answer);
        assert!(pages.len() < 10_000, "the walk does not end");
        if !more {
            return (objects, pages);
        }
    }
}

/// Every object of a view in one page.
async fn everything(world: &World, who: &str, coll: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let mut q = query.to_vec();
    q.push(("limit", "10000"));
    let body = ok(&get(world, who, &objects_of(coll), &q).await, 200);
    assert_eq!(body["more"], false);
    body["objects"].as_array().cloned().unwrap_or_default()
}

fn ids(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| o["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn id_set(objects: &[Value]) -> BTreeSet<String> {
    ids(objects).into_iter().collect()
}

fn kind(id: &str) -> &str {
    id.split_once("--").map_or(id, |(k, _)| k)
}

fn uuid_of(id: &str) -> &str {
    id.split_once("--").map_or("", |(_, u)| u)
}

/// The version TAXII gives an object: modified, else created.
fn version_of(o: &Value) -> Option<&str> {
    o.get("modified")
        .or_else(|| o.get("created"))
        .and_then(Value::as_str)
}

/// The STIX id of the report `id` of agency `agency`.
fn report_stix(agency: &str, id: &str) -> String {
    format!(
        "report--{}",
        cordon_interop::stix::ids::report_uuid(agency, id)
    )
}

/// The object of `kind` whose `value` is `value`.
fn sco_with<'a>(objects: &'a [Value], kind: &str, value: &str) -> Option<&'a Value> {
    objects
        .iter()
        .find(|o| o["type"] == kind && o["value"] == value)
}

/// Every reference an object makes, to check a view is self-contained.
fn references(o: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["object_refs", "object_marking_refs"] {
        if let Some(a) = o[key].as_array() {
            out.extend(a.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }
    for key in ["created_by_ref", "source_ref", "target_ref"] {
        if let Some(r) = o[key].as_str() {
            out.push(r.to_owned());
        }
    }
    out
}

/// The ids of a collection list by alias.
async fn collection_ids(world: &World, who: &str) -> BTreeMap<String, Value> {
    let body = ok(
        &get(world, who, &format!("{ROOT}collections/"), &[]).await,
        200,
    );
    body["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["alias"].as_str().unwrap().to_owned(), c.clone()))
        .collect()
}

async fn discovery_api_root_and_collections(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let me = who(A, "analyst");

    let discovery = ok(&get(&world, &me, "/taxii2/", &[]).await, 200);
    let root_url = world.url(ROOT);
    assert_eq!(discovery["default"], root_url.as_str());
    assert_eq!(discovery["api_roots"], json!([root_url]));
    assert!(discovery["title"].is_string());

    let root = ok(&get(&world, &me, ROOT, &[]).await, 200);
    assert_eq!(root["versions"], json!([TAXII]));
    assert!(root["max_content_length"].as_u64().unwrap() >= 1024 * 1024);

    // `all` and one per member agency, each with a stable id; a member
    // writes to `all` and to its own agency's collection only.
    let listed = collection_ids(&world, &me).await;
    assert_eq!(
        listed.keys().cloned().collect::<Vec<_>>(),
        ["GB-NCA", "KH-NCB", "PH-NBI", "all"]
    );
    let mut seen = HashSet::new();
    for (alias, c) in &listed {
        let id = c["id"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{c}");
        assert!(seen.insert(id.to_owned()), "ids are unique: {c}");
        assert_eq!(c["can_read"], true);
        assert_eq!(c["can_write"], alias == "all" || alias == A, "{c}");
        assert_eq!(c["media_types"], json!([STIX]));
        assert!(c["title"].as_str().is_some_and(|t| !t.is_empty()));
        // By id and by alias, the same collection.
        assert_eq!(&ok(&get(&world, &me, &collection(id), &[]).await, 200), c);
        assert_eq!(
            &ok(&get(&world, &me, &collection(alias), &[]).await, 200),
            c
        );
    }
    // Ids do not depend on who asks or on a restart of the server.
    let theirs = collection_ids(&world, &who(O, "analyst")).await;
    for (alias, c) in &theirs {
        assert_eq!(c["id"], listed[alias]["id"]);
        assert_eq!(c["can_write"], alias == "all" || alias == O, "{c}");
    }
    let replica = world.replica(test_config()).await;
    assert_eq!(collection_ids(&replica, &me).await, listed);

    let missing = get(&world, &me, &collection(&uuid4()), &[]).await;
    taxii_error(&missing, 404);
    let missing = get(&world, &me, &objects_of("XX-NONE"), &[]).await;
    taxii_error(&missing, 404);
}

/// The data most cases read: A's reports in every marking, R's report, and
/// objects of another tool that A posted.
struct Seeded {
    /// The ids of the foreign envelope A posted (AMBER: A only).
    foreign_amber: Vec<String>,
    /// A foreign envelope under GREEN.
    foreign_green: Vec<String>,
}

async fn seed(world: &World) -> Seeded {
    let a = who(A, "analyst");
    for r in [
        report(
            "g1",
            "GREEN",
            &[],
            "green one",
            &["+855 12 345 678", "g1@example.com"],
        ),
        report(
            "a1",
            "AMBER",
            &["KH-NCB"],
            "amber one",
            &["+855 12 345 678", "a1@example.com"],
        ),
        report(
            "r1",
            "RED",
            &["KH-NCB/analyst"],
            "red one",
            &["r1@example.com"],
        ),
        report("c1", "CLEAR", &[], "clear one", &["c1@example.com"]),
    ] {
        // One request each: each report has its own date_added.
        world.submit(&a, &r).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (amber, foreign_amber) = foreign("foreign-amber@example.com", None);
    ok(&post_envelope(world, &a, "all", &amber).await, 202);
    let (green, foreign_green) = foreign("foreign-green@example.com", Some(TLP2_GREEN));
    ok(&post_envelope(world, &a, "all", &green).await, 202);
    world
        .submit(
            &who(R, "analyst"),
            &report(
                "k1",
                "GREEN",
                &[],
                "their one",
                &["k1@example.com", "+855 12 345 678"],
            ),
        )
        .await;
    Seeded {
        foreign_amber,
        foreign_green,
    }
}

async fn pages_walk_every_object_once(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let seeded = seed(&world).await;
    let me = who(A, "analyst");
    let truth = everything(&world, &me, "all", &[]).await;

    // Each (id, version) once; every object each one refers to is there.
    let pairs: Vec<(String, String)> = truth
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                version_of(o).unwrap_or("").to_owned(),
            )
        })
        .collect();
    let unique: HashSet<&(String, String)> = pairs.iter().collect();
    assert_eq!(unique.len(), pairs.len(), "an object twice: {pairs:?}");
    let present = id_set(&truth);
    for o in &truth {
        for r in references(o) {
            assert!(
                present.contains(&r),
                "{} refers to {r}, not in the collection",
                o["id"]
            );
        }
    }

    // A's reports' derived objects, its identity, the vocabulary, and the
    // objects of the other tool, verbatim.
    let g1 = report_stix(A, "g1");
    for id in [
        g1.clone(),
        g1.replace("report--", "observed-data--"),
        g1.replace("report--", "indicator--"),
        g1.replace("report--", "relationship--"),
        report_stix(A, "a1"),
        report_stix(A, "r1"),
        report_stix(A, "c1"),
        report_stix(R, "k1"),
        EXTENSION.to_owned(),
        TLP2_GREEN.to_owned(),
        TLP2_RED.to_owned(),
        cordon_interop::stix::ids::agency_identity(A),
        cordon_interop::stix::ids::attack_pattern("task"),
    ] {
        assert!(present.contains(&id), "{id} missing from all");
    }
    for id in seeded.foreign_amber.iter().chain(&seeded.foreign_green) {
        assert!(present.contains(id), "kept {id} missing");
    }
    let kept: Vec<&Value> = truth
        .iter()
        .filter(|o| {
            seeded
                .foreign_amber
                .contains(&o["id"].as_str().unwrap().to_owned())
        })
        .collect();
    let (sent, _) = foreign("x@example.com", None);
    assert_eq!(kept.len(), sent["objects"].as_array().unwrap().len());
    // The report of the other tool is its kept object, not a copy.
    let foreign_report = seeded.foreign_amber.last().unwrap();
    assert_eq!(
        truth
            .iter()
            .filter(|o| o["id"] == foreign_report.as_str())
            .count(),
        1
    );
    assert!(
        truth
            .iter()
            .find(|o| o["id"] == foreign_report.as_str())
            .unwrap()
            .get("extensions")
            .is_none()
    );
    // A phone two reports name is one object, given with the first.
    let phones: Vec<&Value> = truth
        .iter()
        .filter(|o| o["type"] == "phone-number")
        .collect();
    assert_eq!(phones.len(), 1, "{phones:?}");
    for email in [
        "g1@example.com",
        "a1@example.com",
        "r1@example.com",
        "k1@example.com",
    ] {
        assert!(sco_with(&truth, "email-addr", email).is_some(), "{email}");
    }

    // Walking with any limit gives the same objects in the same order; a
    // report's objects cut by the limit continue on the next page.
    for limit in [1, 3, 7, 50] {
        let (walked, pages) = walk(&world, &me, &objects_of("all"), limit, &[]).await;
        assert_eq!(ids(&walked), ids(&truth), "limit {limit}");
        assert_eq!(walked, truth, "limit {limit}");
        assert_eq!(pages.len(), truth.len().div_ceil(limit), "limit {limit}");
        if limit == 3 {
            let cut = pages.windows(2).any(|w| {
                let last = w[0].json()["objects"].as_array().unwrap().last().unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let first = w[1].json()["objects"][0]["id"].as_str().unwrap().to_owned();
                uuid_of(&last) == uuid_of(&first) && kind(&last) != kind(&first)
            });
            assert!(cut, "no page ended inside a report");
        }
        for page in &pages {
            // The date headers span the page.
            let objects = page.json()["objects"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(!objects.is_empty());
            assert!(page.header("x-taxii-date-added-first").is_some());
            assert!(page.header("x-taxii-date-added-last").is_some());
        }
    }

    // The manifest lists the same objects, page for page, with their
    // versions, their media type and when they were added.
    let (manifest, pages) = walk(
        &world,
        &me,
        &format!("{ROOT}collections/all/manifest/"),
        7,
        &[],
    )
    .await;
    assert_eq!(ids(&manifest), ids(&truth));
    for (m, o) in manifest.iter().zip(&truth) {
        assert_eq!(m["media_type"], STIX);
        assert!(m["date_added"].as_str().unwrap().ends_with('Z'), "{m}");
        match version_of(o) {
            Some(v) => assert_eq!(m["version"], v, "{m}"),
            // An unversioned object (an SCO) has its date_added.
            None => assert_eq!(m["version"], m["date_added"], "{m}"),
        }
    }
    for page in &pages {
        let entries = page.json()["objects"].as_array().cloned().unwrap();
        let dates: Vec<&str> = entries
            .iter()
            .map(|e| e["date_added"].as_str().unwrap())
            .collect();
        let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
        let first = dates.iter().map(|d| parse(d)).min().unwrap();
        let last = dates.iter().map(|d| parse(d)).max().unwrap();
        assert_eq!(
            parse(page.header("x-taxii-date-added-first").unwrap()),
            first
        );
        assert_eq!(parse(page.header("x-taxii-date-added-last").unwrap()), last);
    }

    // One agency's collection: its data and the vocabulary, nothing else.
    let theirs = everything(&world, &me, R, &[]).await;
    let their_ids = id_set(&theirs);
    assert!(their_ids.contains(&report_stix(R, "k1")));
    assert!(!their_ids.contains(&g1));
    assert!(!their_ids.iter().any(|i| seeded.foreign_green.contains(i)));
    assert!(their_ids.contains(&cordon_interop::stix::ids::agency_identity(R)));
    assert!(!their_ids.contains(&cordon_interop::stix::ids::agency_identity(A)));
    // The phone k1 names is given in R's collection too, with k1.
    assert_eq!(
        theirs
            .iter()
            .filter(|o| o["type"] == "phone-number")
            .count(),
        1
    );
    let (walked, _) = walk(&world, &me, &objects_of(R), 4, &[]).await;
    assert_eq!(walked, theirs);
}

async fn filters_select_by_time_type_id_version_and_spec(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let seeded = seed(&world).await;
    let me = who(A, "analyst");
    let manifest = |q: &'static [(&'static str, &'static str)]| {
        let world = &world;
        let me = &me;
        async move {
            let body = ok(
                &get(
                    world,
                    me,
                    &format!("{ROOT}collections/all/manifest/"),
                    &[q, &[("limit", "10000")]].concat(),
                )
                .await,
                200,
            );
            body["objects"].as_array().cloned().unwrap_or_default()
        }
    };
    let all = manifest(&[]).await;

    // added_after: exactly the objects added later.
    let mut dates: Vec<String> = all
        .iter()
        .map(|m| m["date_added"].as_str().unwrap().to_owned())
        .collect();
    dates.sort();
    dates.dedup();
    assert!(dates.len() >= 5, "{dates:?}");
    for cut in [
        &dates[0],
        &dates[dates.len() / 2],
        &dates[dates.len() - 2],
        &dates[dates.len() - 1],
    ] {
        let later: Vec<String> = all
            .iter()
            .filter(|m| m["date_added"].as_str().unwrap() > cut.as_str())
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect();
        let got = everything(&world, &me, "all", &[("added_after", cut)]).await;
        assert_eq!(ids(&got), later, "added_after {cut}");
        // Paged too.
        let (walked, _) = walk(&world, &me, &objects_of("all"), 2, &[("added_after", cut)]).await;
        assert_eq!(ids(&walked), later, "added_after {cut}, paged");
    }

    // match[type], one type or several; derived and kept alike.
    let indicators = everything(&world, &me, "all", &[("match[type]", "indicator")]).await;
    assert!(indicators.iter().all(|o| o["type"] == "indicator"));
    let want: Vec<String> = all
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .filter(|i| kind(i) == "indicator")
        .collect();
    assert_eq!(ids(&indicators), want);
    assert!(want.iter().any(|i| seeded.foreign_green.contains(i)));
    assert!(want.contains(&report_stix(A, "g1").replace("report--", "indicator--")));
    let two = everything(&world, &me, "all", &[("match[type]", "indicator,malware")]).await;
    assert!(two.iter().any(|o| o["type"] == "malware"));
    assert_eq!(
        two.iter().filter(|o| o["type"] == "indicator").count(),
        want.len()
    );
    assert!(
        everything(&world, &me, "all", &[("match[type]", "x-nothing")])
            .await
            .is_empty()
    );

    // match[id]: those objects, derived, vocabulary or kept.
    let g1 = report_stix(A, "g1");
    let chosen = format!("{g1},{},{}", seeded.foreign_green[0], TLP2_AMBER);
    let got = everything(&world, &me, "all", &[("match[id]", &chosen)]).await;
    assert_eq!(
        id_set(&got),
        [
            g1.clone(),
            seeded.foreign_green[0].clone(),
            TLP2_AMBER.to_owned()
        ]
        .into_iter()
        .collect()
    );
    let (walked, _) = walk(
        &world,
        &me,
        &objects_of("all"),
        1,
        &[("match[id]", &chosen)],
    )
    .await;
    assert_eq!(id_set(&walked), id_set(&got));

    // match[spec_version]: everything is 2.1.
    assert_eq!(
        everything(&world, &me, "all", &[("match[spec_version]", "2.1")])
            .await
            .len(),
        all.len()
    );
    let none = ok(
        &get(
            &world,
            &me,
            &objects_of("all"),
            &[("match[spec_version]", "2.0")],
        )
        .await,
        200,
    );
    assert_eq!(none, json!({"more": false}));

    // match[version]: a revised report has two versions of each object.
    let first_g1 = everything(&world, &me, "all", &[("match[id]", &g1)]).await;
    assert_eq!(first_g1.len(), 1);
    let v1 = first_g1[0]["modified"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(5)).await;
    world
        .submit(
            &me,
            &report(
                "g1",
                "GREEN",
                &[],
                "green one, corrected",
                &["+855 12 345 678", "g1@example.com"],
            ),
        )
        .await;
    let last = everything(&world, &me, "all", &[("match[id]", &g1)]).await;
    assert_eq!(last.len(), 1);
    let v2 = last[0]["modified"].as_str().unwrap().to_owned();
    assert!(v2 > v1, "{v1} {v2}");
    assert_eq!(last[0]["description"], "green one, corrected");
    let versions = |q: &'static str| {
        let world = &world;
        let me = &me;
        let g1 = g1.clone();
        async move {
            everything(
                world,
                me,
                "all",
                &[("match[id]", &g1), ("match[version]", q)],
            )
            .await
            .iter()
            .map(|o| o["modified"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(versions("all").await, [v1.clone(), v2.clone()]);
    assert_eq!(versions("first").await, [v1.as_str()]);
    assert_eq!(versions("last").await, [v2.as_str()]);
    assert_eq!(versions("first,last").await, [v1.clone(), v2.clone()]);
    let at = everything(
        &world,
        &me,
        "all",
        &[("match[id]", &g1), ("match[version]", &v1)],
    )
    .await;
    assert_eq!(at.len(), 1);
    assert_eq!(at[0]["description"], "green one");
    // The stream: `all` gives both revisions' objects, `first` the first.
    let streamed = everything(
        &world,
        &me,
        "all",
        &[("match[version]", "all"), ("match[type]", "report")],
    )
    .await;
    assert_eq!(
        streamed.iter().filter(|o| o["id"] == g1.as_str()).count(),
        2
    );
    let streamed = everything(
        &world,
        &me,
        "all",
        &[("match[version]", "first"), ("match[type]", "report")],
    )
    .await;
    let firsts: Vec<&Value> = streamed.iter().filter(|o| o["id"] == g1.as_str()).collect();
    assert_eq!(firsts.len(), 1);
    assert_eq!(firsts[0]["modified"], v1.as_str());
    let streamed = everything(&world, &me, "all", &[("match[version]", &v1)]).await;
    assert_eq!(streamed.len(), 4, "{streamed:?}");
    assert!(streamed.iter().all(|o| o["modified"] == v1.as_str()));
    // Unversioned objects (SCOs) have their date_added as version: the
    // time of the report that gives them, which its objects share.
    let manifest_now = ok(
        &get(
            &world,
            &me,
            &format!("{ROOT}collections/all/manifest/"),
            &[("limit", "10000")],
        )
        .await,
        200,
    )["objects"]
        .as_array()
        .unwrap()
        .clone();
    let phone = manifest_now
        .iter()
        .find(|m| kind(m["id"].as_str().unwrap()) == "phone-number")
        .unwrap();
    let phone_version = phone["version"].as_str().unwrap();
    assert_eq!(phone["version"], phone["date_added"]);
    let want: Vec<&str> = manifest_now
        .iter()
        .filter(|m| m["version"] == phone_version)
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(want.len() > 1, "{want:?}");
    let by_version = everything(&world, &me, "all", &[("match[version]", phone_version)]).await;
    assert_eq!(ids(&by_version), want);
    // A kept SCO likewise.
    let kept_sco = manifest_now
        .iter()
        .find(|m| m["id"] == seeded.foreign_green[1].as_str())
        .unwrap();
    assert_eq!(kept_sco["version"], kept_sco["date_added"]);
    let at = kept_sco["version"].as_str().unwrap();
    let by_version = everything(&world, &me, "all", &[("match[version]", at)]).await;
    assert!(
        id_set(&by_version).contains(&seeded.foreign_green[1]),
        "{by_version:?}"
    );
    // The vocabulary too has one version each.
    let tlp = everything(
        &world,
        &me,
        "all",
        &[("match[version]", "2022-10-01T00:00:00.000Z")],
    )
    .await;
    assert_eq!(tlp.len(), 5);
    assert!(tlp.iter().all(|o| o["type"] == "marking-definition"));
    assert_eq!(
        id_set(&streamed)
            .iter()
            .filter(|i| uuid_of(i) == uuid_of(&g1))
            .count(),
        4
    );

    // A limit above a page's size is served as a full page.
    let big = ok(
        &get(&world, &me, &objects_of("all"), &[("limit", "1000000")]).await,
        200,
    );
    assert_eq!(big["objects"].as_array().unwrap().len(), all.len());

    // Bad parameters are refused with a TAXII error.
    for (k, v) in [
        ("limit", "0"),
        ("added_after", "yesterday"),
        ("match[version]", "newest"),
        ("next", "not-a-cursor"),
        ("match[colour]", "red"),
    ] {
        taxii_error(&get(&world, &me, &objects_of("all"), &[(k, v)]).await, 400);
    }
}

async fn objects_by_id_versions_and_delete(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let seeded = seed(&world).await;
    let me = who(A, "analyst");
    let truth = everything(&world, &me, "all", &[]).await;
    let one = |id: String| {
        let world = &world;
        let me = &me;
        async move {
            let body = ok(&get(world, me, &object_path("all", &id), &[]).await, 200);
            assert_eq!(body["more"], false);
            body["objects"].as_array().cloned().unwrap()
        }
    };

    // Each kind of object by id, exactly as the collection lists it.
    let phone = truth.iter().find(|o| o["type"] == "phone-number").unwrap();
    let g1 = report_stix(A, "g1");
    for id in [
        g1.clone(),
        g1.replace("report--", "observed-data--"),
        phone["id"].as_str().unwrap().to_owned(),
        sco_with(&truth, "email-addr", "a1@example.com").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        cordon_interop::stix::ids::agency_identity(R),
        cordon_interop::stix::ids::attack_pattern("task"),
        TLP2_AMBER.to_owned(),
        EXTENSION.to_owned(),
        seeded.foreign_amber[1].clone(),
        seeded.foreign_green[3].clone(),
    ] {
        let got = one(id.clone()).await;
        let listed: Vec<&Value> = truth.iter().filter(|o| o["id"] == id.as_str()).collect();
        assert_eq!(got.iter().collect::<Vec<_>>(), listed, "{id}");
    }
    // An observable of a report in R's collection, as R's collection gives it.
    let k1_mail = sco_with(
        &everything(&world, &me, R, &[]).await,
        "email-addr",
        "k1@example.com",
    )
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&get(&world, &me, &object_path(R, &k1_mail), &[]).await, 200);
    // Not in another agency's collection, nor anywhere when unknown.
    taxii_error(&get(&world, &me, &object_path(O, &g1), &[]).await, 404);
    taxii_error(
        &get(
            &world,
            &me,
            &object_path("all", &format!("report--{}", uuid4())),
            &[],
        )
        .await,
        404,
    );
    taxii_error(
        &get(&world, &me, &object_path("all", "not-an-id"), &[]).await,
        404,
    );

    // Versions: a revision adds a version of every derived object.
    let versions = |id: String| {
        let world = &world;
        let me = &me;
        async move {
            let answer = get(
                world,
                me,
                &format!("{}versions/", object_path("all", &id)),
                &[],
            )
            .await;
            let body = ok(&answer, 200);
            assert_eq!(body["more"], false);
            assert!(answer.header("x-taxii-date-added-first").is_some());
            body["versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let before = versions(g1.clone()).await;
    assert_eq!(before.len(), 1);
    tokio::time::sleep(Duration::from_millis(5)).await;
    world
        .submit(
            &me,
            &report(
                "g1",
                "GREEN",
                &[],
                "green two",
                &["+855 12 345 678", "g1@example.com"],
            ),
        )
        .await;
    let after = versions(g1.clone()).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0], before[0]);
    assert!(after[1] > after[0]);
    assert_eq!(
        versions(g1.replace("report--", "indicator--")).await.len(),
        2
    );
    let paged = ok(
        &get(
            &world,
            &me,
            &format!("{}versions/", object_path("all", &g1)),
            &[("limit", "1")],
        )
        .await,
        200,
    );
    assert_eq!(paged["more"], true);
    assert_eq!(paged["versions"], json!([after[0]]));
    let rest = ok(
        &get(
            &world,
            &me,
            &format!("{}versions/", object_path("all", &g1)),
            &[("limit", "1"), ("next", paged["next"].as_str().unwrap())],
        )
        .await,
        200,
    );
    assert_eq!(rest["versions"], json!([after[1]]));
    assert_eq!(rest["more"], false);
    // The object by id: its last version by default, any on request.
    assert_eq!(one(g1.clone()).await[0]["description"], "green two");
    let both = ok(
        &get(
            &world,
            &me,
            &object_path("all", &g1),
            &[("match[version]", "all")],
        )
        .await,
        200,
    );
    assert_eq!(both["objects"].as_array().unwrap().len(), 2);

    // A kept object of two versions: versions, then DELETE one, then all.
    let mut malware: Value = json!({"type": "malware", "spec_version": "2.1",
        "id": format!("malware--{}", uuid4()), "created": T0, "modified": T0,
        "name": "two versions", "is_family": true, "object_marking_refs": [TLP2_GREEN]});
    let id = malware["id"].as_str().unwrap().to_owned();
    ok(
        &post_envelope(&world, &me, "all", &json!({"objects": [malware.clone()]})).await,
        202,
    );
    malware["modified"] = json!(T1);
    malware["name"] = json!("two versions, second");
    ok(
        &post_envelope(&world, &me, A, &json!({"objects": [malware]})).await,
        202,
    );
    assert_eq!(versions(id.clone()).await, [T0, T1]);
    assert_eq!(one(id.clone()).await[0]["modified"], T1);

    // Another agency may not delete it: 403 where it reads it, 404 where
    // it does not.
    let outsider = who(O, "analyst");
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &outsider,
            &object_path("all", &id),
        ))
        .await;
    taxii_error(&answer, 403);
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &outsider,
            &object_path("all", &seeded.foreign_amber[4]),
        ))
        .await;
    taxii_error(&answer, 404);
    // Nor from a collection that is not its own.
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &outsider,
            &object_path(A, &id),
        ))
        .await;
    taxii_error(&answer, 403);
    // Cordon's own objects are append-only.
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &me,
            &object_path("all", &g1),
        ))
        .await;
    let body = taxii_error(&answer, 403);
    assert!(
        body["description"].as_str().unwrap().contains("revision"),
        "{body}"
    );
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &me,
            &object_path("all", TLP2_GREEN),
        ))
        .await;
    taxii_error(&answer, 403);
    // So is an object of another tool that became a report.
    let foreign_report = seeded.foreign_green[5].clone();
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &me,
            &object_path("all", &foreign_report),
        ))
        .await;
    taxii_error(&answer, 403);
    ok(
        &get(&world, &me, &object_path("all", &foreign_report), &[]).await,
        200,
    );

    // DELETE takes the last version unless told otherwise.
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &me,
            &object_path("all", &id),
        ))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(versions(id.clone()).await, [T0]);
    let answer = world
        .send(
            taxii(&world, reqwest::Method::DELETE, &me, &object_path(A, &id))
                .query(&[("match[version]", "all")]),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    taxii_error(&get(&world, &me, &object_path("all", &id), &[]).await, 404);
    let remaining = everything(&world, &me, "all", &[]).await;
    assert!(!id_set(&remaining).contains(&id));
    // A kept object of several: the malware of the green envelope.
    let malware = seeded.foreign_green[4].clone();
    assert_eq!(kind(&malware), "malware");
    let answer = world
        .send(taxii(
            &world,
            reqwest::Method::DELETE,
            &me,
            &object_path("all", &malware),
        ))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    taxii_error(
        &get(&world, &me, &object_path("all", &malware), &[]).await,
        404,
    );
    taxii_error(
        &world
            .send(taxii(
                &world,
                reqwest::Method::DELETE,
                &me,
                &object_path("all", &malware),
            ))
            .await,
        404,
    );
}

async fn post_envelopes_and_their_status(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let me = who(A, "analyst");
    let (envelope, sent) = foreign("posted@example.com", Some(TLP2_GREEN));
    let answer = post_envelope(&world, &me, "all", &envelope).await;
    let status = ok(&answer, 202);
    assert_eq!(status["status"], "complete");
    assert_eq!(status["total_count"], sent.len());
    assert_eq!(status["success_count"], sent.len());
    assert_eq!(status["failure_count"], 0);
    assert_eq!(status["pending_count"], 0);
    let succeeded: Vec<String> = status["successes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(succeeded, sent);
    for d in status["successes"].as_array().unwrap() {
        assert!(d["version"].as_str().is_some_and(|v| !v.is_empty()), "{d}");
    }
    assert!(
        chrono::DateTime::parse_from_rfc3339(status["request_timestamp"].as_str().unwrap()).is_ok()
    );

    // The status, read back by the posting agency (any of its users).
    let path = format!("{ROOT}status/{}/", status["id"].as_str().unwrap());
    for user in ["analyst", "admin", "contributor"] {
        assert_eq!(
            ok(&get(&world, &who(A, user), &path, &[]).await, 200),
            status
        );
    }
    taxii_error(&get(&world, &who(R, "analyst"), &path, &[]).await, 404);
    taxii_error(
        &get(&world, &me, &format!("{ROOT}status/{}/", uuid4()), &[]).await,
        404,
    );

    // Everything is in the collection; the report became a Cordon report.
    let objects = everything(&world, &me, "all", &[]).await;
    let present = id_set(&objects);
    for id in &sent {
        assert!(present.contains(id), "{id}");
    }
    let hits = world
        .get_query(
            Some(&who(R, "analyst")),
            "/api/v1/hits",
            &[("selector", "posted@example.com")],
        )
        .await
        .expect(200);
    assert_eq!(hits["readable"].as_array().unwrap().len(), 1, "{hits}");
    // Posting the same again changes nothing.
    ok(&post_envelope(&world, &me, A, &envelope).await, 202);
    assert_eq!(everything(&world, &me, "all", &[]).await, objects);

    // A bad envelope: every problem with its line and field, nothing stored.
    let (mut bad, _) = foreign("bad@example.com", None);
    bad["objects"][2]["created"] = json!("last tuesday");
    let text = serde_json::to_string_pretty(&bad).unwrap();
    let answer = world
        .send(
            taxii(&world, reqwest::Method::POST, &me, &objects_of("all"))
                .header("content-type", TAXII)
                .body(text.clone()),
        )
        .await;
    let error = taxii_error(&answer, 422);
    let details = &error["details"]["errors"][0];
    assert_eq!(details["field"], "objects[2].created", "{error}");
    // The line where objects[2] starts.
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "    {")
        .nth(2)
        .map(|(i, _)| i as u64 + 1)
        .unwrap();
    assert_eq!(details["line"], line, "{error}");
    assert!(
        error["description"]
            .as_str()
            .unwrap()
            .contains("nothing was stored"),
        "{error}"
    );
    let after = everything(&world, &me, "all", &[]).await;
    assert_eq!(after, objects);
    // A report that validation refuses: nothing of the envelope is kept.
    let (mut bad, bad_ids) = foreign("bad@example.com", None);
    bad["objects"][5]["published"] = json!("2999-01-01T00:00:00Z");
    let answer = post_envelope(&world, &me, "all", &bad).await;
    let error = taxii_error(&answer, 422);
    assert!(
        error["details"]["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("objects[5]"),
        "{error}"
    );
    let after = everything(&world, &me, "all", &[]).await;
    assert!(!id_set(&after).iter().any(|i| bad_ids.contains(i)));
    // A report naming a recipient that is not a member: nothing stored.
    let (bad, indicator, _) = cordon_report_listing("AMBER", &["XX-NOPE"], "nope@example.com");
    let answer = post_envelope(&world, &me, "all", &bad).await;
    taxii_error(&answer, 422);
    taxii_error(
        &get(&world, &me, &object_path("all", &indicator), &[]).await,
        404,
    );
    // Not an envelope, not JSON.
    taxii_error(
        &post_envelope(&world, &me, "all", &json!({"type": "bundle"})).await,
        422,
    );
    let answer = world
        .send(
            taxii(&world, reqwest::Method::POST, &me, &objects_of("all"))
                .header("content-type", TAXII)
                .body("{\"objects\": ["),
        )
        .await;
    assert!(matches!(answer.status, 400 | 422), "{}", answer.body);
    taxii_error(&answer, answer.status);
    assert_eq!(everything(&world, &me, "all", &[]).await, objects);
    // A changed object under a kept version: refused whole.
    let mut changed = envelope.clone();
    changed["objects"][4]["name"] = json!("renamed without a new version");
    taxii_error(&post_envelope(&world, &me, "all", &changed).await, 409);

    // Only into `all` and one's own collection.
    taxii_error(&post_envelope(&world, &me, R, &envelope).await, 403);
    ok(
        &post_envelope(
            &world,
            &who(R, "contributor"),
            R,
            &foreign("r@example.com", None).0,
        )
        .await,
        202,
    );
}

async fn protocol_errors_and_authentication(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    seed(&world).await;
    let me = who(A, "analyst");
    let path = objects_of("all");

    // Accept: TAXII 2.1 or a wildcard, else 406.
    for accept in [
        "application/json",
        "application/taxii+json;version=2.0",
        "text/html",
    ] {
        let answer = world
            .send(
                world
                    .http
                    .get(world.url(&path))
                    .header("accept", accept)
                    .bearer_auth(world.token(&me)),
            )
            .await;
        taxii_error(&answer, 406);
    }
    for accept in [
        "application/taxii+json",
        "*/*",
        "application/taxii+json; version=2.1",
    ] {
        let answer = world
            .send(
                world
                    .http
                    .get(world.url(&path))
                    .header("accept", accept)
                    .bearer_auth(world.token(&me)),
            )
            .await;
        ok(&answer, 200);
    }
    // Content-Type of a POST: TAXII 2.1 only.
    for content_type in [
        "application/json",
        "application/stix+json;version=2.1",
        "text/plain",
    ] {
        let answer = world
            .send(
                taxii(&world, reqwest::Method::POST, &me, &path)
                    .header("content-type", content_type)
                    .body(json!({"objects": []}).to_string()),
            )
            .await;
        taxii_error(&answer, 415);
    }

    // Authentication: none, a bad token, a token as Basic password.
    for path in ["/taxii2/", ROOT, &format!("{ROOT}collections/"), &path] {
        let answer = world
            .send(world.http.get(world.url(path)).header("accept", TAXII))
            .await;
        taxii_error(&answer, 401);
        let challenge = answer.header("www-authenticate").expect("a challenge");
        assert!(challenge.contains("Basic"), "{challenge}");
    }
    let basic = |user: &str, password: &str| {
        world
            .http
            .get(world.url(&path))
            .header("accept", TAXII)
            .basic_auth(user, Some(password))
    };
    let answer = world.send(basic(A, world.token(&me))).await;
    assert_eq!(
        ok(&answer, 200),
        ok(&get(&world, &me, &path, &[]).await, 200)
    );
    // Any user name: the token decides who calls.
    ok(&world.send(basic("anything", world.token(&me))).await, 200);
    taxii_error(&world.send(basic(A, "cordon_wrong")).await, 401);
    taxii_error(&world.send(basic(A, "")).await, 401);
    let answer = world
        .send(
            world
                .http
                .get(world.url(&path))
                .header("accept", TAXII)
                .bearer_auth("cordon_nope"),
        )
        .await;
    taxii_error(&answer, 401);

    // A method the endpoint does not take.
    let answer = world
        .send(taxii(&world, reqwest::Method::PUT, &me, &path).body("{}"))
        .await;
    assert_eq!(answer.status, 405, "{}", answer.body);

    // A contributor reads only its own agency's data, and what is CLEAR.
    let contributor = everything(&world, &who(R, "contributor"), "all", &[]).await;
    let seen = id_set(&contributor);
    assert!(seen.contains(&report_stix(R, "k1")));
    assert!(seen.contains(&report_stix(A, "c1")));
    for hidden in ["g1", "a1", "r1"] {
        assert!(!seen.contains(&report_stix(A, hidden)), "{hidden}");
    }
    assert!(sco_with(&contributor, "email-addr", "g1@example.com").is_none());
    // The phone g1 and a1 name reaches the contributor with k1.
    assert_eq!(
        contributor
            .iter()
            .filter(|o| o["type"] == "phone-number")
            .count(),
        1
    );
    let analyst = id_set(&everything(&world, &who(R, "analyst"), "all", &[]).await);
    assert!(analyst.contains(&report_stix(A, "g1")));
}

async fn tlp_decides_what_each_caller_sees(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let a = who(A, "analyst");
    let outsider = who(O, "analyst");
    let named = who(R, "analyst");
    let colleague = who(R, "analyst2");
    // Something everyone reads, before and after the hidden objects.
    world
        .submit(
            &a,
            &report(
                "g0",
                "GREEN",
                &[],
                "green before",
                &["+63 917 123 4567", "shared@example.com"],
            ),
        )
        .await;
    let mut views = BTreeMap::new();
    for viewer in [&outsider, &colleague] {
        for coll in ["all", A] {
            let objects = everything(&world, viewer, coll, &[]).await;
            let manifest = ok(
                &get(
                    &world,
                    viewer,
                    &format!("{ROOT}collections/{coll}/manifest/"),
                    &[("limit", "10000")],
                )
                .await,
                200,
            );
            views.insert((viewer.clone(), coll), (objects, manifest));
        }
    }

    // A's AMBER and RED data: reports through the API and objects of
    // another tool through TAXII, some naming a selector everyone reads.
    world
        .submit(
            &a,
            &report(
                "amber",
                "AMBER",
                &["KH-NCB"],
                "amber text",
                &["amber@example.com", "shared@example.com"],
            ),
        )
        .await;
    world
        .submit(
            &a,
            &report(
                "red",
                "RED",
                &["KH-NCB/analyst"],
                "red text",
                &["red@example.com", "+63 917 123 4567"],
            ),
        )
        .await;
    let (amber_own, amber_own_ids) = foreign("amber-own@example.com", Some(TLP2_AMBER));
    ok(&post_envelope(&world, &a, "all", &amber_own).await, 202);
    let (amber_to_r, amber_kept, amber_cordon) =
        cordon_report_listing("AMBER", &["KH-NCB"], "amber-kept@example.com");
    ok(&post_envelope(&world, &a, A, &amber_to_r).await, 202);
    let (red_to_r, red_kept, red_cordon) =
        cordon_report_listing("RED", &["KH-NCB/analyst"], "red-kept@example.com");
    ok(&post_envelope(&world, &a, "all", &red_to_r).await, 202);

    let owner_view = everything(&world, &a, "all", &[]).await;
    let red_report = report_stix(A, "red");
    let amber_report = report_stix(A, "amber");
    let email = |address: &str| {
        sco_with(&owner_view, "email-addr", address).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // What R (either analyst) reads of it: the AMBER data naming R.
    let mut amber_for_r: BTreeSet<String> = ids(&owner_view)
        .into_iter()
        .filter(|i| {
            let u = uuid_of(i);
            u == uuid_of(&amber_report) || u == amber_cordon
        })
        .collect();
    amber_for_r.insert(amber_kept.clone());
    amber_for_r.insert(email("amber@example.com"));
    amber_for_r.insert(email("amber-kept@example.com"));
    // What only the named user reads, and what only A reads.
    let mut red: BTreeSet<String> = ids(&owner_view)
        .into_iter()
        .filter(|i| {
            let u = uuid_of(i);
            u == uuid_of(&red_report) || u == red_cordon
        })
        .collect();
    red.insert(red_kept.clone());
    red.insert(email("red@example.com"));
    red.insert(email("red-kept@example.com"));
    let own: BTreeSet<String> = amber_own_ids.iter().cloned().collect();
    assert_eq!(amber_for_r.len(), 11, "{amber_for_r:?}");
    assert_eq!(red.len(), 11, "{red:?}");
    let owner_ids = id_set(&owner_view);
    for id in amber_for_r.iter().chain(&red).chain(&own) {
        assert!(owner_ids.contains(id), "the owner sees {id}");
    }

    // The outsider, and R's colleague of the named user for RED: what they
    // saw before plus what names them, in every listing; 404 by id, as for
    // nothing.
    let nothing = format!("report--{}", uuid4());
    for viewer in [&outsider, &colleague] {
        for coll in ["all", A] {
            let objects = everything(&world, viewer, coll, &[]).await;
            let manifest = ok(
                &get(
                    &world,
                    viewer,
                    &format!("{ROOT}collections/{coll}/manifest/"),
                    &[("limit", "10000")],
                )
                .await,
                200,
            );
            let before = &views[&(viewer.clone(), coll)];
            let new: BTreeSet<String> = id_set(&objects)
                .difference(&id_set(&before.0))
                .cloned()
                .collect();
            if *viewer == outsider {
                // Not a byte of difference: same objects, same manifest.
                assert!(new.is_empty(), "{new:?}");
                assert_eq!(objects, before.0, "{viewer} in {coll}");
                assert_eq!(manifest, before.1, "{viewer} in {coll}");
            } else {
                assert_eq!(new, amber_for_r, "{viewer} in {coll}");
                // What it read before is unchanged, in the same order.
                let kept_order: Vec<&Value> = objects
                    .iter()
                    .filter(|o| !amber_for_r.contains(o["id"].as_str().unwrap()))
                    .collect();
                assert_eq!(kept_order, before.0.iter().collect::<Vec<_>>());
            }
            // Walking one by one: as many pages as objects it reads, more
            // false on the last.
            let (walked, pages) = walk(&world, viewer, &objects_of(coll), 1, &[]).await;
            assert_eq!(walked, objects);
            assert_eq!(pages.len(), objects.len().max(1));
        }
        let baseline = get(&world, viewer, &object_path("all", &nothing), &[]).await;
        taxii_error(&baseline, 404);
        for id in red.iter().chain(&own) {
            for path in [
                object_path("all", id),
                object_path(A, id),
                format!("{}versions/", object_path("all", id)),
            ] {
                let answer = get(&world, viewer, &path, &[]).await;
                assert_eq!(
                    (answer.status, &answer.body),
                    (baseline.status, &baseline.body),
                    "{viewer} {path}"
                );
            }
            let by_match = ok(
                &get(&world, viewer, &objects_of("all"), &[("match[id]", id)]).await,
                200,
            );
            assert_eq!(by_match, json!({"more": false}), "{viewer} {id}");
            let manifest = ok(
                &get(
                    &world,
                    viewer,
                    &format!("{ROOT}collections/all/manifest/"),
                    &[("match[id]", id)],
                )
                .await,
                200,
            );
            assert_eq!(manifest, json!({"more": false}));
        }
    }
    for id in &amber_for_r {
        taxii_error(
            &get(&world, &outsider, &object_path("all", id), &[]).await,
            404,
        );
    }

    // The named user reads the RED data and the AMBER data naming R, not
    // the AMBER data that names nobody.
    let theirs = id_set(&everything(&world, &named, "all", &[]).await);
    for id in red.iter().chain(&amber_for_r) {
        assert!(theirs.contains(id), "the named user misses {id}");
        ok(
            &get(&world, &named, &object_path("all", id), &[]).await,
            200,
        );
    }
    for id in &own {
        assert!(!theirs.contains(id), "{id}");
    }
    // The phone the RED report shares with the GREEN one is one object,
    // given with the GREEN report, for everyone.
    let phones =
        |objects: &BTreeSet<String>| objects.iter().filter(|i| kind(i) == "phone-number").count();
    assert_eq!(phones(&theirs), 1);
    assert_eq!(phones(&owner_ids), 1);
    // A report re-marked away from a caller is gone for it, old versions
    // and all; one re-marked towards it shows only what it may read.
    world
        .submit(
            &a,
            &report(
                "remark",
                "GREEN",
                &[],
                "open at first",
                &["remark@example.com"],
            ),
        )
        .await;
    let remark = report_stix(A, "remark");
    ok(
        &get(&world, &outsider, &object_path("all", &remark), &[]).await,
        200,
    );
    tokio::time::sleep(Duration::from_millis(5)).await;
    world
        .submit(
            &a,
            &report(
                "remark",
                "AMBER",
                &[],
                "closed now",
                &["remark@example.com"],
            ),
        )
        .await;
    let baseline = get(&world, &outsider, &object_path("all", &nothing), &[]).await;
    for path in [
        object_path("all", &remark),
        format!("{}versions/", object_path("all", &remark)),
    ] {
        let answer = get(&world, &outsider, &path, &[]).await;
        assert_eq!(
            (answer.status, &answer.body),
            (baseline.status, &baseline.body),
            "{path}"
        );
    }
    let every_version = everything(&world, &outsider, "all", &[("match[version]", "all")]).await;
    assert!(
        !ids(&every_version)
            .iter()
            .any(|i| uuid_of(i) == uuid_of(&remark))
    );
    world
        .submit(
            &a,
            &report(
                "opened",
                "RED",
                &["KH-NCB/analyst"],
                "secret at first",
                &["opened@example.com"],
            ),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    world
        .submit(
            &a,
            &report("opened", "GREEN", &[], "open now", &["opened@example.com"]),
        )
        .await;
    let opened = report_stix(A, "opened");
    let versions = ok(
        &get(
            &world,
            &outsider,
            &format!("{}versions/", object_path("all", &opened)),
            &[],
        )
        .await,
        200,
    );
    assert_eq!(
        versions["versions"].as_array().unwrap().len(),
        1,
        "{versions}"
    );
    let all_versions = ok(
        &get(
            &world,
            &outsider,
            &object_path("all", &opened),
            &[("match[version]", "all")],
        )
        .await,
        200,
    );
    assert_eq!(all_versions["objects"].as_array().unwrap().len(), 1);
    assert_eq!(all_versions["objects"][0]["description"], "open now");
    let every_version = everything(
        &world,
        &outsider,
        "all",
        &[("match[version]", "all"), ("match[type]", "report")],
    )
    .await;
    let descriptions: Vec<&Value> = every_version
        .iter()
        .filter(|o| o["id"] == opened.as_str())
        .map(|o| &o["description"])
        .collect();
    assert_eq!(descriptions, [&json!("open now")]);
    let named_versions = ok(
        &get(
            &world,
            &named,
            &format!("{}versions/", object_path("all", &opened)),
            &[],
        )
        .await,
        200,
    );
    assert_eq!(named_versions["versions"].as_array().unwrap().len(), 2);

    // Residual signal, by design: `next` cursors carry store sequence
    // numbers, so a caller paging through can tell that objects it may not
    // read were added between two it reads (how many rows, never what or
    // whose). Objects, counts, `more`, versions and date headers do not
    // change with what it may not read (checked above for the outsider).
}

async fn reads_are_in_the_owners_audit_log(backend: Backend) {
    let Some(world) = World::start(backend, test_config()).await else {
        return;
    };
    let seeded = seed(&world).await;
    let reader = who(R, "analyst");
    everything(&world, &reader, "all", &[]).await;
    ok(
        &get(
            &world,
            &reader,
            &format!("{ROOT}collections/{A}/manifest/"),
            &[],
        )
        .await,
        200,
    );
    ok(
        &get(
            &world,
            &reader,
            &object_path("all", &seeded.foreign_green[4]),
            &[],
        )
        .await,
        200,
    );
    ok(
        &get(
            &world,
            &reader,
            &format!("{}versions/", object_path("all", &report_stix(A, "g1"))),
            &[],
        )
        .await,
        200,
    );
    // The owner reading its own data is not audited; nor is a read of
    // nothing of A's.
    everything(&world, &who(A, "analyst"), "all", &[]).await;
    everything(&world, &reader, O, &[]).await;

    let records = eventually(
        Duration::from_secs(10),
        "the audit records",
        &mut || async {
            let page = world
                .get(Some(&who(A, "admin")), "/api/v1/audit")
                .await
                .expect(200);
            let records = page["records"].as_array().unwrap().clone();
            let subjects: Vec<String> = records
                .iter()
                .filter(|r| r["actor"] == R)
                .map(|r| r["subject"].as_str().unwrap().to_owned())
                .collect();
            let has = |prefix: &str| subjects.iter().any(|s| s.starts_with(prefix));
            (has("taxii:") && has("taxii manifest:") && has("taxii versions:")).then_some(records)
        },
    )
    .await;
    let taxii: Vec<&Value> = records
        .iter()
        .filter(|r| r["subject"].as_str().unwrap().starts_with("taxii"))
        .collect();
    assert!(taxii.iter().all(|r| r["actor"] == R), "{taxii:?}");
    // The listing names how much it took: A's reports R reads (GREEN,
    // AMBER and RED naming it, CLEAR) and kept objects (the GREEN ones).
    assert!(
        taxii
            .iter()
            .any(|r| r["subject"] == "taxii: 4 reports, 6 objects of other tools"),
        "{taxii:?}"
    );
    assert!(
        taxii
            .iter()
            .any(|r| r["subject"] == "taxii: 0 reports, 1 objects of other tools"),
        "{taxii:?}"
    );
    // Nothing of A's went to the owner's own reads or to O's collection.
    let page = world
        .get(Some(&who(O, "admin")), "/api/v1/audit")
        .await
        .expect(200);
    assert!(
        page["records"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["actor"] != R || !r["subject"].as_str().unwrap().starts_with("taxii"))
    );
}

/// The OASIS client (`taxii2-client`, pinned in requirements.txt) against
/// the server, as two agencies: see tests/python/taxii_client.py.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oasis_taxii_client_reads_and_writes_as_two_agencies() {
    let Some(python) = cordon_testkit::python() else {
        return;
    };
    let importable = Command::new(&python)
        .args(["-c", "import taxii2client.v21, stix2"])
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        assert!(
            !cordon_testkit::services_required(),
            "taxii2-client or stix2 is missing from the test virtualenv: run scripts/test to install requirements.txt"
        );
        eprintln!(
            "\n!!!!!!!! SKIPPED: taxii2-client is not installed in the virtualenv !!!!!!!!\n"
        );
        return;
    }
    let Some(world) = World::start(Backend::Sqlite, test_config()).await else {
        return;
    };
    seed(&world).await;
    let a = who(A, "analyst");
    let outsider = who(O, "analyst");
    // The server's truth, to compare the client's walk with.
    let a_all = everything(&world, &a, "all", &[]).await.len();
    let o_all = everything(&world, &outsider, "all", &[]).await.len();
    let script =
        cordon_testkit::workspace_root().join("crates/server/tests/python/taxii_client.py");
    let args = json!({
        "discovery": world.url("/taxii2/"),
        "first": {"agency": A, "token": world.token(&a), "objects": a_all},
        "second": {"agency": O, "token": world.token(&outsider), "objects": o_all},
    });
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg(args.to_string())
            .output()
    })
    .await
    .unwrap()
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "---- taxii_client.py ----\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "taxii_client.py failed");
    let summary: Value =
        serde_json::from_str(stdout.lines().last().unwrap()).expect("a JSON summary");
    assert_eq!(summary["ok"], true, "{summary}");
    // What the client added is there, for the agency that added it.
    let added: Vec<String> = serde_json::from_value(summary["added"].clone()).unwrap();
    assert!(!added.is_empty());
    let now = id_set(&everything(&world, &a, "all", &[]).await);
    assert!(added.iter().all(|i| now.contains(i)));
    let theirs = id_set(&everything(&world, &outsider, "all", &[]).await);
    assert!(added.iter().all(|i| !theirs.contains(i)));
}
