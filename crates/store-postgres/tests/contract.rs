//! The store contract suite, run against PostgreSQL: each test in its own
//! freshly created schema, dropped when the test ends (even when it fails).
//! Skipped loudly when no PostgreSQL answers, except under CI.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use cordon_store::contract::Fixture;
use cordon_store_postgres::{PgConnectOptions, PostgresStore};
use sqlx::{Connection, Executor, PgConnection};

struct PostgresFixture {
    url: String,
    schema: String,
}

impl PostgresFixture {
    async fn new() -> Option<PostgresFixture> {
        let url = cordon_testkit::postgres_url()?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let schema = format!(
            "cordon_t_{}_{}_{nanos:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = PgConnection::connect(&url)
            .await
            .expect("connect to postgres");
        conn.execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .expect("create the test schema");
        Some(PostgresFixture { url, schema })
    }
}

impl Fixture for PostgresFixture {
    type Store = PostgresStore;

    async fn open(&mut self) -> PostgresStore {
        let options = PgConnectOptions::from_str(&self.url)
            .expect("a postgres url")
            .options([("search_path", self.schema.as_str())]);
        PostgresStore::connect_with(options, 4)
            .await
            .expect("the postgres store connects")
    }
}

impl Drop for PostgresFixture {
    fn drop(&mut self) {
        // Drop cannot await: drop the schema from a thread with its own
        // runtime, which also works while a failed test unwinds.
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut conn = PgConnection::connect(&url)
                    .await
                    .map_err(std::io::Error::other)?;
                conn.execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
                    .await
                    .map_err(std::io::Error::other)?;
                Ok::<_, std::io::Error>(())
            })
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test schema {}: {e}", self.schema),
            Err(_) => eprintln!("dropping test schema {} panicked", self.schema),
        }
    }
}

cordon_store::store_contract_suite!(PostgresFixture::new());
