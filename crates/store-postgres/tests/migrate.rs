//! A database made by an earlier cordon migrates: reports stored before
//! the terms existed are given them when the store connects, and reports
//! and selectors stored before the keys of their STIX ids theirs. Skipped
//! loudly when no PostgreSQL answers, except under CI.

use std::borrow::Cow;
use std::str::FromStr;

use cordon_store::{ReportFilter, Store};
use cordon_store_postgres::{PgConnectOptions, PostgresStore};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, Executor, PgConnection};

/// A schema of its own, dropped when the test ends (even when it fails).
struct Schema {
    url: String,
    name: String,
}

impl Schema {
    async fn new(url: String) -> Schema {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("cordon_m_{}_{nanos:x}", std::process::id());
        let mut conn = PgConnection::connect(&url).await.unwrap();
        conn.execute(format!("CREATE SCHEMA {name}").as_str())
            .await
            .unwrap();
        Schema { url, name }
    }

    fn options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(&self.url)
            .unwrap()
            .options([("search_path", self.name.as_str())])
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let mut conn = PgConnection::connect(&url).await?;
                conn.execute(format!("DROP SCHEMA {name} CASCADE").as_str())
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(done, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}", self.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_stored_before_the_terms_are_indexed_at_connect() {
    let Some(url) = cordon_testkit::postgres_url() else {
        return;
    };
    let schema = Schema::new(url).await;

    // The first schema only, as the previous cordon left it.
    let every = sqlx::migrate!("./migrations");
    let first = Migrator {
        migrations: Cow::Owned(every.migrations[..1].to_vec()),
        ..Migrator::DEFAULT
    };
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(schema.options())
        .await
        .unwrap();
    first.run(&pool).await.unwrap();
    pool.execute("INSERT INTO agencies VALUES ('KH-NCB', 'n', 'KH', 'police', 'c', now())")
        .await
        .unwrap();
    let body = |id: &str, narrative: &str| {
        serde_json::json!({
            "id": id,
            "kind": "tip",
            "country": "KH",
            "marking": {"tlp": "AMBER"},
            "mo": ["investment"],
            "narrative": narrative,
            "selectors": [],
        })
        .to_string()
    };
    for (id, revision, current, narrative, received) in [
        ("r1", 1, false, "old casino story", "2026-01-05T00:00:00Z"),
        ("r1", 2, true, "new hotel story", "2026-02-05T00:00:00Z"),
        ("r2", 1, true, "casino again", "2026-03-05T00:00:00Z"),
    ] {
        sqlx::query(
            "INSERT INTO reports (agency, id, revision, current, digest, kind, country, received,
                                  accepted, tlp, recipients, hit_notification, body)
             VALUES ('KH-NCB', $1, $2, $3, 'd', 'tip', 'KH', $4::timestamptz, $4::timestamptz,
                     'AMBER', '{}', true, $5)",
        )
        .bind(id)
        .bind(revision)
        .bind(current)
        .bind(received)
        .bind(body(id, narrative))
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let store = PostgresStore::connect_with(schema.options(), 2)
        .await
        .unwrap();
    let ids = |filter: ReportFilter| {
        let store = store.clone();
        async move {
            store
                .list_reports(&filter, None, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.report.id, r.revision))
                .collect::<Vec<_>>()
        }
    };
    let text = |q: &str| ReportFilter {
        text: Some(q.into()),
        ..ReportFilter::default()
    };
    let pair = |id: &str, revision: u32| (id.to_owned(), revision);
    assert_eq!(ids(text("casino")).await, [pair("r2", 1)]);
    assert_eq!(ids(text("hotel")).await, [pair("r1", 2)]);
    assert_eq!(ids(text("old")).await, []);
    assert_eq!(
        ids(ReportFilter {
            agency: Some("KH-NCB".into()),
            mo: Some("investment".into()),
            ..ReportFilter::default()
        })
        .await,
        [pair("r2", 1), pair("r1", 2)]
    );

    // The terms, once given, are as append-only as the rest of a revision.
    let e = sqlx::query("UPDATE reports SET terms = 'x'::tsvector WHERE current")
        .execute(&store_pool(&schema).await)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    store.close().await;
}

async fn store_pool(schema: &Schema) -> sqlx::PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with(schema.options())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_and_selectors_stored_before_the_stix_keys_are_keyed_at_connect() {
    use cordon_core::selector::{Hint, normalize_one};
    use cordon_interop::stix::{ids, sco};

    let Some(url) = cordon_testkit::postgres_url() else {
        return;
    };
    let schema = Schema::new(url).await;

    // The schema before the keys, as the previous cordon left it.
    let every = sqlx::migrate!("./migrations");
    let before = Migrator {
        migrations: Cow::Owned(every.migrations[..3].to_vec()),
        ..Migrator::DEFAULT
    };
    let pool = store_pool(&schema).await;
    before.run(&pool).await.unwrap();
    pool.execute(
        "INSERT INTO agencies VALUES ('KH-NCB', 'n', 'KH', 'police', 'c', now()),
                                     ('GB-NCA', 'n', 'GB', 'police', 'c', now())",
    )
    .await
    .unwrap();
    let other_tool = "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3";
    for (agency, id, revision, current) in [
        ("KH-NCB", "r1", 1, false),
        ("KH-NCB", "r1", 2, true),
        ("GB-NCA", "r1", 1, true),
        ("KH-NCB", other_tool, 1, true),
    ] {
        // With terms, so that the terms' own filling leaves them alone.
        sqlx::query(
            "INSERT INTO reports (agency, id, revision, current, digest, kind, country, received,
                                  accepted, tlp, recipients, hit_notification, body, terms)
             VALUES ($1, $2, $3, $4, 'd', 'tip', 'KH', now(), now(), 'AMBER', '{}', true, '{}',
                     ''::tsvector)",
        )
        .bind(agency)
        .bind(id)
        .bind(revision)
        .bind(current)
        .execute(&pool)
        .await
        .unwrap();
    }
    // More selectors than one page of the keying holds, and one stored by
    // an older normaliser that is no longer canonical.
    let texts: Vec<String> = (0..1005)
        .map(|n| format!("phone:+85512{n:06}"))
        .chain(["domain:example.vip".into(), "name:nguyen van an".into()])
        .collect();
    sqlx::query("INSERT INTO selectors (text, kind) SELECT t, 'k' FROM UNNEST($1::text[]) t")
        .bind(&texts)
        .execute(&pool)
        .await
        .unwrap();
    pool.execute(
        "INSERT INTO selectors (text, kind)
         VALUES ('domain:Example.VIP', 'domain'), ('phone:+85512999999', 'phone')",
    )
    .await
    .unwrap();
    // All held by a current revision, but one.
    pool.execute(
        "INSERT INTO report_selectors (selector_id, report_seq)
         SELECT s.id, r.seq FROM selectors s, reports r
         WHERE r.agency = 'GB-NCA' AND s.text <> 'phone:+85512999999'",
    )
    .await
    .unwrap();
    pool.close().await;

    let store = PostgresStore::connect_with(schema.options(), 2)
        .await
        .unwrap();
    let pair = |a: &str, id: &str| vec![(a.to_owned(), id.to_owned())];
    for (agency, id) in [("KH-NCB", "r1"), ("GB-NCA", "r1"), ("KH-NCB", other_tool)] {
        assert_eq!(
            store
                .report_by_stix(ids::report_uuid(agency, id))
                .await
                .unwrap(),
            pair(agency, id)
        );
    }
    for text in &texts {
        let selector = normalize_one(text, &Hint::default()).unwrap();
        assert_eq!(selector.as_str(), text);
        assert_eq!(
            store
                .selector_by_stix(&sco::id(&selector))
                .await
                .unwrap()
                .as_deref(),
            Some(text.as_str())
        );
    }
    let unheld = normalize_one("phone:+85512999999", &Hint::default()).unwrap();
    assert_eq!(
        store.selector_by_stix(&sco::id(&unheld)).await.unwrap(),
        None,
        "keyed, but no current revision holds it"
    );
    let pool = store_pool(&schema).await;
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT count(stix) FROM reports").await,
        3,
        "first revisions only"
    );
    assert_eq!(
        count("SELECT count(*) FROM selectors WHERE stix IS NULL").await,
        1,
        "the text that is no longer canonical"
    );
    // Connecting again finds nothing left to key (and does not loop on the
    // text it cannot key).
    store.close().await;
    let store = PostgresStore::connect_with(schema.options(), 2)
        .await
        .unwrap();

    // A key once given is as append-only as the rest of a revision.
    let e = sqlx::query("UPDATE reports SET stix = stix + 1 WHERE stix IS NOT NULL")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    pool.close().await;
    store.close().await;
}

/// A database of the fourth schema, holding reports, gains the decision
/// log when the store connects; the database refuses to change or remove a
/// decision, as the code never does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decision_log_is_added_and_refuses_rewrites() {
    let Some(url) = cordon_testkit::postgres_url() else {
        return;
    };
    let schema = Schema::new(url).await;
    let every = sqlx::migrate!("./migrations");
    let before = Migrator {
        migrations: Cow::Owned(every.migrations[..4].to_vec()),
        ..Migrator::DEFAULT
    };
    let pool = store_pool(&schema).await;
    before.run(&pool).await.unwrap();
    pool.execute("INSERT INTO agencies VALUES ('KH-NCB', 'n', 'KH', 'police', 'c', now())")
        .await
        .unwrap();

    let store = PostgresStore::connect_with(schema.options(), 2)
        .await
        .unwrap();
    assert_eq!(store.agencies().await.unwrap().len(), 1, "the data stays");
    let kept = store
        .append_decisions(&[cordon_store::NewDecision {
            kind: "network.merge".into(),
            subject: "network-1".into(),
            agency: "KH-NCB".into(),
            user: "dara".into(),
            reason: "one network".into(),
            body: serde_json::json!({"into": "network-0"}),
        }])
        .await
        .unwrap();
    for sql in [
        "UPDATE decisions SET reason = 'another'",
        "UPDATE decisions SET seq = seq + 1",
        "DELETE FROM decisions",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(store.decisions_after(0, 10).await.unwrap(), kept);
    pool.close().await;
    store.close().await;
}
