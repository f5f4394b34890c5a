//! Leadership: a session-level advisory lock (`pg_try_advisory_lock`) on
//! a connection of the guard's own, taken out of the pool.
//!
//! The lock's key is a hash of the store's schema and the role, so that
//! stores in other schemas of one database (tests, several deployments)
//! do not contend. PostgreSQL gives the lock up when the session ends:
//! the guard closes its connection when dropped, and a replica that dies
//! loses it when its connection does.

use async_trait::async_trait;
use cordon_store::{Lead, Result};
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

use crate::backend;

/// Tries the lock on a pooled connection; keeps that connection when it
/// is granted, and gives it back to the pool when it is not.
pub(crate) async fn try_lead(pool: &PgPool, role: &str) -> Result<Option<Box<dyn Lead>>> {
    let mut conn: PoolConnection<Postgres> = pool.acquire().await.map_err(backend)?;
    let granted: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_lock(hashtextextended('cordon.lead/' || current_schema() || '/' || $1, 0))",
    )
    .bind(role)
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    if !granted {
        return Ok(None);
    }
    Ok(Some(Box::new(PgLead {
        conn: tokio::sync::Mutex::new(Some(conn.detach())),
    })))
}

/// A held advisory lock: the session it lives in.
#[derive(Debug)]
struct PgLead {
    conn: tokio::sync::Mutex<Option<PgConnection>>,
}

#[async_trait]
impl Lead for PgLead {
    /// The session answers, so its lock holds: a session lock lasts until
    /// the session ends or unlocks it, and nothing here unlocks it.
    async fn holds(&self) -> bool {
        let mut guard = self.conn.lock().await;
        let Some(conn) = guard.as_mut() else {
            return false;
        };
        match sqlx::query("SELECT 1").execute(&mut *conn).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(error = %e, "the connection holding a lead broke; the lead is lost");
                *guard = None;
                false
            }
        }
    }
}

impl Drop for PgLead {
    fn drop(&mut self) {
        let Some(conn) = self.conn.get_mut().take() else {
            return;
        };
        // Ending the session gives the lock up. Closing says goodbye to
        // the server at once; without a runtime the socket just drops,
        // which the server notices as well.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                use sqlx::Connection;
                let _ = conn.close().await;
            });
        }
    }
}
