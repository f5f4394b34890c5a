//! Opening the store a database URL names.

use std::sync::Arc;

use anyhow::Context;
use cordon_store::{Backend, Store, backend_of_url};
use cordon_store_postgres::PostgresStore;
use cordon_store_sqlite::SqliteStore;

/// The embedded default.
pub const DEFAULT_DB: &str = "sqlite://./cordon.db";

/// Opens (and migrates) the store behind `url`.
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match backend_of_url(url)? {
        Backend::Sqlite => {
            Arc::new(SqliteStore::open(url).with_context(|| format!("cannot open {url}"))?)
        }
        Backend::Postgres => Arc::new(
            PostgresStore::connect(url)
                .await
                .with_context(|| format!("cannot connect to {url}"))?,
        ),
    })
}
