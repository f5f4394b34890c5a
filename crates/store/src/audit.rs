//! The audit log's hash chain.
//!
//! Every read of someone else's data and every hit query is recorded
//! (ARCHITECTURE.md invariant 5). Each record's hash covers its sequence
//! number, its event and the previous record's hash, so that altering,
//! removing or reordering any record breaks every hash after it. Backends
//! store the records; the chain is computed and checked here, once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Something that happened and must be accountable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// The agency that acted.
    pub actor: String,
    /// The user who acted, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<i64>,
    /// What was done: `read_report`, `hit_query`, `export`, `submit` …
    pub action: String,
    /// The agency whose data was touched, if any; owners read the log by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// What was touched: a report id, a canonical selector, or the
    /// space-separated selectors of one batch hit query that touched this
    /// owner.
    pub subject: String,
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error(
        "audit record {seq} does not follow record {expected_after}: the log has a gap or is out of order"
    )]
    Gap { seq: i64, expected_after: i64 },
    #[error(
        "audit record {seq} names previous hash {found} but the previous record hashes to {expected}"
    )]
    BrokenLink {
        seq: i64,
        expected: String,
        found: String,
    },
    #[error("audit record {seq} was altered: its content hashes to {computed}, not {stored}")]
    Altered {
        seq: i64,
        computed: String,
        stored: String,
    },
}

/// The hash of a record with this sequence number, event and predecessor.
pub fn chain_hash(prev_hash: &str, seq: i64, event: &AuditEvent) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(seq.to_string().as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(event).expect("an audit event always serialises"));
    hex::encode(h.finalize())
}

/// Builds the records that extend a chain ending at (`last_seq`, `last_hash`).
pub fn extend(last_seq: i64, last_hash: &str, events: &[AuditEvent]) -> Vec<AuditRecord> {
    let mut prev = last_hash.to_owned();
    let mut out = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let seq = last_seq + 1 + i as i64;
        let hash = chain_hash(&prev, seq, event);
        out.push(AuditRecord {
            seq,
            event: event.clone(),
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    out
}

/// Checks records continuing a chain from (`last_seq`, `last_hash`); call it
/// page by page with the last record of the previous page. Returns the new
/// chain end.
pub fn verify<'a>(
    mut last_seq: i64,
    mut last_hash: String,
    records: impl IntoIterator<Item = &'a AuditRecord>,
) -> Result<(i64, String), ChainError> {
    for r in records {
        if r.seq != last_seq + 1 {
            return Err(ChainError::Gap {
                seq: r.seq,
                expected_after: last_seq,
            });
        }
        if r.prev_hash != last_hash {
            return Err(ChainError::BrokenLink {
                seq: r.seq,
                expected: last_hash,
                found: r.prev_hash.clone(),
            });
        }
        let computed = chain_hash(&r.prev_hash, r.seq, &r.event);
        if computed != r.hash {
            return Err(ChainError::Altered {
                seq: r.seq,
                computed,
                stored: r.hash.clone(),
            });
        }
        last_seq = r.seq;
        last_hash = r.hash.clone();
    }
    Ok((last_seq, last_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(subject: &str) -> AuditEvent {
        AuditEvent {
            at: "2026-03-01T10:00:00Z".parse().unwrap(),
            actor: "GB-NCA".into(),
            user: Some(3),
            action: "hit_query".into(),
            owner: Some("KH-NCB".into()),
            subject: subject.into(),
        }
    }

    #[test]
    fn a_fresh_chain_verifies() {
        let recs = extend(0, GENESIS, &[event("a"), event("b"), event("c")]);
        assert_eq!(recs[0].seq, 1);
        assert_eq!(recs[0].prev_hash, GENESIS);
        assert_eq!(recs[1].prev_hash, recs[0].hash);
        assert_eq!(
            verify(0, GENESIS.into(), &recs),
            Ok((3, recs[2].hash.clone()))
        );
    }

    #[test]
    fn tampering_is_detected_where_it_happened() {
        let recs = extend(0, GENESIS, &[event("a"), event("b"), event("c")]);

        let mut altered = recs.clone();
        altered[1].event.subject = "z".into();
        assert!(matches!(
            verify(0, GENESIS.into(), &altered),
            Err(ChainError::Altered { seq: 2, .. })
        ));

        let mut removed = recs.clone();
        removed.remove(1);
        assert!(matches!(
            verify(0, GENESIS.into(), &removed),
            Err(ChainError::Gap { seq: 3, .. })
        ));

        let mut relinked = recs.clone();
        relinked[2].prev_hash = GENESIS.into();
        assert!(matches!(
            verify(0, GENESIS.into(), &relinked),
            Err(ChainError::BrokenLink { seq: 3, .. })
        ));
    }

    #[test]
    fn verification_continues_across_pages() {
        let recs = extend(
            0,
            GENESIS,
            &[event("a"), event("b"), event("c"), event("d")],
        );
        let (seq, hash) = verify(0, GENESIS.into(), &recs[..2]).unwrap();
        assert_eq!(verify(seq, hash, &recs[2..]).unwrap().0, 4);
    }
}
