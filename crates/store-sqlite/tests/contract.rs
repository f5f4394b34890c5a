//! The store contract suite, run against SQLite on a temporary file per test.

use cordon_store::contract::Fixture;
use cordon_store_sqlite::SqliteStore;

/// A temporary directory holding one database file; removed when dropped.
struct SqliteFixture {
    dir: tempfile::TempDir,
}

impl SqliteFixture {
    async fn new() -> Option<SqliteFixture> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Some(SqliteFixture { dir })
    }
}

impl Fixture for SqliteFixture {
    type Store = SqliteStore;

    async fn open(&mut self) -> SqliteStore {
        let url = format!("sqlite://{}", self.dir.path().join("cordon.db").display());
        tokio::task::spawn_blocking(move || SqliteStore::open(&url))
            .await
            .expect("open ran")
            .expect("the sqlite store opens")
    }
}

cordon_store::store_contract_suite!(SqliteFixture::new());
