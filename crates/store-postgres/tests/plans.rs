//! The listing's queries find their reports, the pages of kept STIX
//! objects theirs, and the look-ups by derived STIX id theirs, through the
//! indexes made for them, on tables large enough that the planner has a
//! choice. Skipped loudly when no PostgreSQL answers, except under CI.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use cordon_core::{Marking, Report, ReportKind, Tlp};
use cordon_store::{NewAgency, NewStixObject, ReportFilter, StixFilter, Store};
use cordon_store_postgres::{PgConnectOptions, PostgresStore};
use sqlx::{Connection, Executor, PgConnection, Row};

const WORDS: [&str; 8] = [
    "victim",
    "paid",
    "deposit",
    "recruiter",
    "promised",
    "job",
    "bangkok",
    "visa",
];

fn report(i: usize, start: DateTime<Utc>) -> Report {
    let mut narrative: Vec<&str> = (0..6)
        .map(|k| WORDS[(i * 7 + k * 3) % WORDS.len()])
        .collect();
    if i.is_multiple_of(1000) {
        narrative.push("kalashnikov");
    }
    Report {
        id: format!("r-{i}"),
        kind: ReportKind::FraudComplaint,
        // Received in ingest order, an hour apart.
        received: Some(start + Duration::hours(i as i64)),
        country: ["GB", "TH", "KH", "MY"][i % 4].into(),
        language: None,
        marking: Marking::new(if i.is_multiple_of(500) {
            Tlp::Red
        } else {
            Tlp::Amber
        }),
        grading: None,
        mo: vec!["investment".into()],
        narrative: Some(narrative.join(" ")),
        selectors: Vec::new(),
        losses: Vec::new(),
        location: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_use_their_indexes() {
    let Some(url) = cordon_testkit::postgres_url() else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!("cordon_p_{}_{nanos:x}", std::process::id());
    let mut admin = PgConnection::connect(&url).await.unwrap();
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let result = run(&url, &schema).await;
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
    result.unwrap();
}

async fn run(url: &str, schema: &str) -> Result<(), String> {
    let options = PgConnectOptions::from_str(url)
        .unwrap()
        .options([("search_path", schema)]);
    let store = PostgresStore::connect_with(options.clone(), 2)
        .await
        .map_err(|e| e.to_string())?;
    store
        .create_agency(&NewAgency {
            code: "GB-NCA".into(),
            name: "n".into(),
            country: "GB".into(),
            kind: "police".into(),
            contact: "c".into(),
        })
        .await
        .map_err(|e| e.to_string())?;
    let start: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    let reports: Vec<Report> = (0..20_000).map(|i| report(i, start)).collect();
    for chunk in reports.chunks(5000) {
        store
            .submit("GB-NCA", chunk, Utc::now())
            .await
            .map_err(|e| e.to_string())?;
    }
    store.close().await;

    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    conn.execute("VACUUM ANALYZE reports").await.unwrap();
    let red = format!("terms @@ '''tlp={}'''::tsquery", hex("RED"));
    let mut plans = Vec::new();
    // The statements `list_reports` builds for these filters.
    for (what, condition, index) in [
        (
            "a rare word",
            "terms @@ '''kalashnikov'''::tsquery",
            "reports_terms",
        ),
        ("a rare facet", red.as_str(), "reports_terms"),
        (
            "a week long ago",
            "received >= '2024-02-01' AND received < '2024-02-08'",
            "reports_received",
        ),
        (
            "a cursor",
            "seq < 15000",
            "Index Scan Backward using reports_pkey",
        ),
    ] {
        let sql = format!(
            "EXPLAIN SELECT seq, agency, revision, accepted, digest, body FROM reports
             WHERE current AND {condition} ORDER BY seq DESC LIMIT 50"
        );
        let lines: Vec<String> = conn
            .fetch_all(sql.as_str())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        let plan = lines.join("\n");
        if !plan.contains(index) {
            return Err(format!("{what} does not use {index}:\n{plan}"));
        }
        plans.push(format!("{what}:\n{plan}"));
    }
    eprintln!("{}", plans.join("\n\n"));

    // And the store answers them.
    let store = PostgresStore::connect_with(options, 2)
        .await
        .map_err(|e| e.to_string())?;
    let found = store
        .list_reports(
            &ReportFilter {
                text: Some("Kalashnikov".into()),
                ..ReportFilter::default()
            },
            None,
            50,
        )
        .await
        .map_err(|e| e.to_string())?;
    let ids: Vec<String> = found.into_iter().map(|r| r.report.id).collect();
    let expected: Vec<String> = (0..20).rev().map(|k| format!("r-{}", k * 1000)).collect();
    if ids != expected {
        return Err(format!("found {ids:?}"));
    }
    store.close().await;
    Ok(())
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stix_pages_use_their_indexes() {
    let Some(url) = cordon_testkit::postgres_url() else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!("cordon_s_{}_{nanos:x}", std::process::id());
    let mut admin = PgConnection::connect(&url).await.unwrap();
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let result = run_stix(&url, &schema).await;
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
    result.unwrap();
}

/// 20,000 kept objects: indicators of one busy owner, with a rare type and
/// a rare owner among them, each id in a few versions.
async fn run_stix(url: &str, schema: &str) -> Result<(), String> {
    let options = PgConnectOptions::from_str(url)
        .unwrap()
        .options([("search_path", schema)]);
    let store = PostgresStore::connect_with(options.clone(), 2)
        .await
        .map_err(|e| e.to_string())?;
    for code in ["GB-NCA", "KH-NCB"] {
        store
            .create_agency(&NewAgency {
                code: code.into(),
                name: "n".into(),
                country: code[..2].into(),
                kind: "police".into(),
                contact: "c".into(),
            })
            .await
            .map_err(|e| e.to_string())?;
    }
    let object = |i: usize| {
        let kind = if i.is_multiple_of(1000) {
            "malware"
        } else {
            "indicator"
        };
        let id = format!("{kind}--6ba7b810-9dad-41d1-80b4-{:012x}", i / 4);
        let version = format!("2026-01-01T00:00:{:02}.000Z", i % 4);
        NewStixObject {
            json: format!(r#"{{"type":"{kind}","id":"{id}","modified":"{version}"}}"#),
            id,
            version,
            spec_version: "2.1".into(),
            marking: Marking::new(Tlp::Amber),
        }
    };
    let objects: Vec<NewStixObject> = (0..20_000).map(object).collect();
    for (i, chunk) in objects.chunks(5000).enumerate() {
        let (rare, busy): (Vec<_>, Vec<_>) = chunk
            .iter()
            .cloned()
            .enumerate()
            .partition(|(k, _)| (i * 5000 + k) % 1000 == 7);
        let strip =
            |v: Vec<(usize, NewStixObject)>| v.into_iter().map(|(_, o)| o).collect::<Vec<_>>();
        for (agency, part) in [("GB-NCA", strip(busy)), ("KH-NCB", strip(rare))] {
            store
                .put_stix_objects(agency, &part, Utc::now())
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    store.close().await;

    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    conn.execute("VACUUM ANALYZE stix_objects").await.unwrap();
    let mut plans = Vec::new();
    // The statements `stix_objects_after` and `stix_object_versions` build.
    for (what, condition, order, index) in [
        (
            "a rare type",
            "seq > 0 AND kind = ANY('{malware}')",
            "seq",
            "stix_objects_by_kind",
        ),
        (
            "a rare owner",
            "seq > 0 AND agency = 'KH-NCB'",
            "seq",
            "stix_objects_by_agency",
        ),
        (
            "a few ids",
            "seq > 0 AND id = ANY('{indicator--6ba7b810-9dad-41d1-80b4-000000000005}')",
            "seq",
            "stix_objects_by_id",
        ),
        (
            "the versions of an id",
            "id = 'indicator--6ba7b810-9dad-41d1-80b4-000000000005'",
            "version COLLATE \"C\", seq",
            "stix_objects_by_id",
        ),
        ("a cursor", "seq > 15000", "seq", "stix_objects_pkey"),
    ] {
        let sql = format!(
            "EXPLAIN SELECT * FROM stix_objects WHERE {condition} ORDER BY {order} LIMIT 50"
        );
        let lines: Vec<String> = conn
            .fetch_all(sql.as_str())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        let plan = lines.join("\n");
        if !plan.contains(index) {
            return Err(format!("{what} does not use {index}:\n{plan}"));
        }
        plans.push(format!("{what}:\n{plan}"));
    }
    eprintln!("{}", plans.join("\n\n"));

    // And the store answers them.
    let store = PostgresStore::connect_with(options, 2)
        .await
        .map_err(|e| e.to_string())?;
    let rare = store
        .stix_objects_after(
            0,
            100,
            &StixFilter {
                types: vec!["malware".into()],
                ..StixFilter::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    if rare.len() != 20 {
        return Err(format!("found {} malware objects", rare.len()));
    }
    store.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stix_id_lookups_use_their_indexes() {
    let Some(url) = cordon_testkit::postgres_url() else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let schema = format!("cordon_k_{}_{nanos:x}", std::process::id());
    let mut admin = PgConnection::connect(&url).await.unwrap();
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let result = run_stix_ids(&url, &schema).await;
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
    result.unwrap();
}

/// 20,000 reports of one selector each, a tenth of them revised.
async fn run_stix_ids(url: &str, schema: &str) -> Result<(), String> {
    use cordon_core::selector::{Hint, normalize_one};

    let options = PgConnectOptions::from_str(url)
        .unwrap()
        .options([("search_path", schema)]);
    let store = PostgresStore::connect_with(options.clone(), 2)
        .await
        .map_err(|e| e.to_string())?;
    store
        .create_agency(&NewAgency {
            code: "GB-NCA".into(),
            name: "n".into(),
            country: "GB".into(),
            kind: "police".into(),
            contact: "c".into(),
        })
        .await
        .map_err(|e| e.to_string())?;
    let start: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    let with_selector = |i: usize| {
        let mut r = report(i, start);
        let phone = format!("phone:+85512{i:06}");
        r.selectors = vec![normalize_one(&phone, &Hint::default()).unwrap()];
        r
    };
    let reports: Vec<Report> = (0..20_000).map(with_selector).collect();
    for chunk in reports.chunks(5000) {
        store
            .submit("GB-NCA", chunk, Utc::now())
            .await
            .map_err(|e| e.to_string())?;
    }
    let revised: Vec<Report> = (0..2_000)
        .map(|i| {
            let mut r = with_selector(i * 10);
            r.narrative = Some("revised".into());
            r
        })
        .collect();
    store
        .submit("GB-NCA", &revised, Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;

    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    conn.execute("VACUUM ANALYZE reports").await.unwrap();
    conn.execute("VACUUM ANALYZE selectors").await.unwrap();
    let key = cordon_store::derived::report_key("GB-NCA", "r-7");
    let phone = normalize_one("phone:+85512000007", &Hint::default()).unwrap();
    let selector_key = cordon_store::derived::selector_key(&phone);
    let mut plans = Vec::new();
    // The statements of `report_by_stix`, `selector_by_stix` and of the
    // keying of stored rows at connect.
    for (what, sql, index) in [
        (
            "a report's uuid",
            format!("SELECT agency, id FROM reports WHERE stix = {key}"),
            "reports_by_stix",
        ),
        (
            "a selector's id",
            format!(
                "SELECT s.text FROM selectors s
                 WHERE s.stix = {selector_key}
                   AND EXISTS (SELECT 1 FROM report_selectors rs WHERE rs.selector_id = s.id)"
            ),
            "selectors_by_stix",
        ),
        (
            "reports to key",
            "SELECT seq, agency, id FROM reports WHERE revision = 1 AND stix IS NULL
             ORDER BY seq LIMIT 1000"
                .to_owned(),
            "reports_unkeyed",
        ),
        (
            "selectors to key",
            "SELECT id, text FROM selectors WHERE stix IS NULL AND id > 0 ORDER BY id LIMIT 1000"
                .to_owned(),
            "selectors_unkeyed",
        ),
    ] {
        let lines: Vec<String> = conn
            .fetch_all(format!("EXPLAIN {sql}").as_str())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        let plan = lines.join("\n");
        if !plan.contains(index) {
            return Err(format!("{what} does not use {index}:\n{plan}"));
        }
        plans.push(format!("{what}:\n{plan}"));
    }
    eprintln!("{}", plans.join("\n\n"));

    // And the store answers them.
    let store = PostgresStore::connect_with(options, 2)
        .await
        .map_err(|e| e.to_string())?;
    let uuid = cordon_store::derived::report_uuid("GB-NCA", "r-10");
    let found = store
        .report_by_stix(uuid)
        .await
        .map_err(|e| e.to_string())?;
    if found != [("GB-NCA".to_owned(), "r-10".to_owned())] {
        return Err(format!("found {found:?}"));
    }
    store.close().await;
    Ok(())
}
