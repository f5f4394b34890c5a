//! The listing's queries find their reports through the indexes made for
//! them, on a table large enough that the planner has a choice. Skipped
//! loudly when no PostgreSQL answers, except under CI.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use cordon_core::{Marking, Report, ReportKind, Tlp};
use cordon_store::{NewAgency, ReportFilter, Store};
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
