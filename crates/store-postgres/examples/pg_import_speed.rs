//! Measures durable import speed into PostgreSQL with the same synthetic
//! world as SQLite's `import_speed`, in a fresh schema dropped afterwards.
//!
//! ```sh
//! cargo run --release -p cordon-store-postgres --example pg_import_speed -- \
//!     [--reports 1000000] [--batch 5000] [--in-flight 2] [--url postgres://postgres@127.0.0.1/test]
//! ```

#[path = "../../store-sqlite/examples/support/import.rs"]
mod import;

use std::str::FromStr;

use cordon_store_postgres::{PgConnectOptions, PostgresStore};
use sqlx::{Connection, Executor, PgConnection};

#[tokio::main]
async fn main() {
    let plan = import::Plan::from_args();
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .windows(2)
        .find(|w| w[0] == "--url")
        .map(|w| w[1].clone())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("cordon_import_speed_{}", std::process::id());
    let mut admin = PgConnection::connect(&url)
        .await
        .expect("connect to postgres");
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .expect("create schema");
    let options = PgConnectOptions::from_str(&url)
        .expect("a postgres url")
        .options([("search_path", schema.as_str())]);
    let store = PostgresStore::connect_with(options, 4)
        .await
        .expect("connect the store");
    import::run(store.clone(), plan).await;
    let size = sqlx::query_scalar::<_, i64>(
        "SELECT sum(pg_total_relation_size(c.oid))::int8 FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
    )
    .bind(&schema)
    .fetch_one(&mut admin)
    .await
    .unwrap_or(0);
    println!("database size: {} MiB", size / (1024 * 1024));
    store.close().await;
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .expect("drop schema");
}
