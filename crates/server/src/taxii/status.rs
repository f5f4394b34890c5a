//! Status resources of POSTed envelopes.
//!
//! Cordon writes a POST's objects durably before it answers, so every
//! status is `complete` when first seen; the resource exists because TAXII
//! clients poll it. Statuses are kept in memory for a day, at most
//! [`KEPT`] of them, and only the agency that POSTed may read one.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::extract::State;
use parking_lot::Mutex;
use serde::Serialize;

use super::{Client, Taxii, TaxiiError, TaxiiResult};
use crate::Shared;
use crate::api::Path;
use crate::error::{ApiError, ErrorCode};

/// Most statuses held.
const KEPT: usize = 10_000;
/// How long a status is held.
const TTL: Duration = Duration::from_secs(24 * 3600);

/// One object's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub id: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The TAXII status resource.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: String,
    pub status: &'static str,
    pub request_timestamp: String,
    pub total_count: usize,
    pub success_count: usize,
    pub failure_count: usize,
    pub pending_count: usize,
    pub successes: Vec<Detail>,
    pub failures: Vec<Detail>,
    pub pendings: Vec<Detail>,
}

#[derive(Debug, Default)]
pub struct Statuses {
    held: Mutex<Held>,
}

/// Statuses by id with when they were made and for which agency, and their
/// ids oldest first.
#[derive(Debug, Default)]
struct Held {
    map: HashMap<String, (Instant, String, Status)>,
    order: VecDeque<String>,
}

impl Statuses {
    /// Holds a status for the agency that caused it.
    pub fn put(&self, agency: &str, status: Status) {
        let mut held = self.held.lock();
        let Held { map, order } = &mut *held;
        let now = Instant::now();
        while let Some(oldest) = order.front() {
            let expired = map.get(oldest).is_none_or(|(at, _, _)| now - *at > TTL);
            if map.len() >= KEPT || expired {
                let oldest = order.pop_front().expect("front exists");
                map.remove(&oldest);
            } else {
                break;
            }
        }
        order.push_back(status.id.clone());
        map.insert(status.id.clone(), (now, agency.to_owned(), status));
    }

    fn get(&self, agency: &str, id: &str) -> Option<Status> {
        let held = self.held.lock();
        held.map
            .get(id)
            .filter(|(at, owner, _)| owner == agency && at.elapsed() <= TTL)
            .map(|(_, _, s)| s.clone())
    }
}

pub async fn get(
    State(state): State<Shared>,
    client: Client,
    Path(id): Path<String>,
) -> TaxiiResult<Taxii<Status>> {
    state
        .taxii_statuses
        .get(&client.member().agency, &id)
        .map(Taxii)
        .ok_or_else(|| {
            TaxiiError::Api(ApiError::new(
                ErrorCode::NotFound,
                "no such status for your agency; statuses are held for a day",
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(id: &str) -> Status {
        Status {
            id: id.into(),
            status: "complete",
            request_timestamp: String::new(),
            total_count: 0,
            success_count: 0,
            failure_count: 0,
            pending_count: 0,
            successes: vec![],
            failures: vec![],
            pendings: vec![],
        }
    }

    #[test]
    fn only_the_posting_agency_reads_a_status_and_old_ones_go() {
        let s = Statuses::default();
        s.put("GB-NCA", status("a"));
        assert!(s.get("GB-NCA", "a").is_some());
        assert!(s.get("TH-DSI", "a").is_none());
        for i in 0..KEPT + 5 {
            s.put("GB-NCA", status(&i.to_string()));
        }
        assert!(s.get("GB-NCA", "a").is_none());
        assert!(s.get("GB-NCA", &(KEPT + 4).to_string()).is_some());
        assert!(s.held.lock().map.len() <= KEPT);
    }
}
