//! The matching service's keys, one per epoch, and their rotation.
//!
//! A key is used for one epoch. When the current key is older than the
//! rotation period, a new epoch begins with a fresh key; the previous key
//! stays usable for a grace period so that nodes re-pseudonymise on their
//! own schedule, then it is destroyed. A destroyed key makes its epoch's
//! pseudonyms unlinkable for ever, to anyone: what a node published under
//! it can no longer be tested against any candidate.
//!
//! The ring is kept as JSON ([`KeyRing::to_json`]) in a file only the
//! service reads, like the token key; this module does no IO.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::oprf::{MatchingKey, OprfError};

/// When keys change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// How long a key is the current one.
    pub rotate_every: Duration,
    /// How long a replaced key still evaluates.
    pub grace: Duration,
}

/// One epoch's key and when it began.
#[derive(Debug)]
pub struct Epoch {
    pub key: MatchingKey,
    pub from: DateTime<Utc>,
}

/// Why a kept ring cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRingError {
    #[error("the key file is not a key ring: {0}")]
    Malformed(String),
    #[error("epochs[{0}].key: {1}")]
    Key(usize, OprfError),
    #[error("epochs[{0}].epoch: epochs must increase by one from the oldest kept")]
    Order(usize),
    #[error("the key file holds no epoch")]
    Empty,
}

/// The keys the service may evaluate with, oldest first; the last is
/// current.
#[derive(Debug)]
pub struct KeyRing {
    epochs: Vec<Epoch>,
}

#[derive(Serialize, Deserialize)]
struct KeptEpoch {
    epoch: u32,
    /// The scalar, hex.
    key: String,
    from: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct Kept {
    epochs: Vec<KeptEpoch>,
}

impl KeyRing {
    /// A ring with its first key, epoch 1.
    pub fn new(now: DateTime<Utc>) -> KeyRing {
        KeyRing {
            epochs: vec![Epoch {
                key: MatchingKey::generate(1),
                from: now,
            }],
        }
    }

    pub fn from_json(text: &str) -> Result<KeyRing, KeyRingError> {
        let kept: Kept =
            serde_json::from_str(text).map_err(|e| KeyRingError::Malformed(e.to_string()))?;
        let mut epochs = Vec::with_capacity(kept.epochs.len());
        for (i, e) in kept.epochs.into_iter().enumerate() {
            let bytes = hex::decode(&e.key).map_err(|_| KeyRingError::Key(i, OprfError::Key))?;
            let key =
                MatchingKey::from_bytes(e.epoch, &bytes).map_err(|k| KeyRingError::Key(i, k))?;
            if let Some(prev) = epochs.last().map(|p: &Epoch| p.key.epoch())
                && e.epoch != prev + 1
            {
                return Err(KeyRingError::Order(i));
            }
            epochs.push(Epoch { key, from: e.from });
        }
        if epochs.is_empty() {
            return Err(KeyRingError::Empty);
        }
        Ok(KeyRing { epochs })
    }

    pub fn to_json(&self) -> String {
        let kept = Kept {
            epochs: self
                .epochs
                .iter()
                .map(|e| KeptEpoch {
                    epoch: e.key.epoch(),
                    key: hex::encode(e.key.to_bytes()),
                    from: e.from,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&kept).expect("a key ring always serialises")
    }

    pub fn current(&self) -> &Epoch {
        self.epochs.last().expect("a ring is never empty")
    }

    /// The key of an epoch, while it still evaluates.
    pub fn key(&self, epoch: u32) -> Option<&MatchingKey> {
        self.epochs
            .iter()
            .find(|e| e.key.epoch() == epoch)
            .map(|e| &e.key)
    }

    /// The epochs that still evaluate, oldest first.
    pub fn epochs(&self) -> &[Epoch] {
        &self.epochs
    }

    /// Begins a new epoch at once (an operator's rotation), whatever the
    /// schedule says. Returns the new epoch.
    pub fn rotate_now(&mut self, now: DateTime<Utc>) -> u32 {
        let next = self.current().key.epoch() + 1;
        self.epochs.push(Epoch {
            key: MatchingKey::generate(next),
            from: now,
        });
        next
    }

    /// Applies the schedule at `now`: a new epoch when the current key is
    /// due, and replaced keys past their grace destroyed. Returns whether
    /// the ring changed (and must be kept again).
    pub fn apply(&mut self, schedule: Schedule, now: DateTime<Utc>) -> bool {
        let mut changed = false;
        if now - self.current().from >= schedule.rotate_every {
            self.rotate_now(now);
            changed = true;
        }
        // A replaced key's grace runs from when its successor began.
        let mut keep_from = 0;
        for i in 0..self.epochs.len() - 1 {
            if now - self.epochs[i + 1].from >= schedule.grace {
                keep_from = i + 1;
            }
        }
        if keep_from > 0 {
            self.epochs.drain(..keep_from);
            changed = true;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap() + Duration::hours(hours)
    }

    #[test]
    fn keys_rotate_on_schedule_and_replaced_keys_die_after_their_grace() {
        let schedule = Schedule {
            rotate_every: Duration::hours(24),
            grace: Duration::hours(6),
        };
        let mut ring = KeyRing::new(at(0));
        let first = ring.current().key.pseudonym("phone:+85512345678").unwrap();
        assert!(!ring.apply(schedule, at(23)));
        assert!(ring.apply(schedule, at(24)));
        assert_eq!(ring.current().key.epoch(), 2);
        // During the grace both epochs evaluate, each to its own pseudonym.
        let old = ring
            .key(1)
            .unwrap()
            .pseudonym("phone:+85512345678")
            .unwrap();
        assert_eq!(old, first);
        assert_ne!(
            ring.key(2)
                .unwrap()
                .pseudonym("phone:+85512345678")
                .unwrap()
                .value,
            first.value
        );
        assert!(!ring.apply(schedule, at(29)));
        assert!(ring.apply(schedule, at(30)));
        assert!(ring.key(1).is_none(), "past its grace the old key is gone");
        assert_eq!(ring.epochs().len(), 1);
    }

    #[test]
    fn a_kept_ring_reads_back_the_same_keys() {
        let mut ring = KeyRing::new(at(0));
        ring.rotate_now(at(1));
        let again = KeyRing::from_json(&ring.to_json()).unwrap();
        for epoch in [1, 2] {
            assert_eq!(
                again
                    .key(epoch)
                    .unwrap()
                    .pseudonym("email:a@example.com")
                    .unwrap(),
                ring.key(epoch)
                    .unwrap()
                    .pseudonym("email:a@example.com")
                    .unwrap()
            );
        }
        assert_eq!(again.current().from, at(1));
    }

    #[test]
    fn broken_rings_say_what_is_wrong() {
        assert!(matches!(
            KeyRing::from_json("[]"),
            Err(KeyRingError::Malformed(_))
        ));
        assert_eq!(
            KeyRing::from_json(r#"{"epochs":[]}"#).unwrap_err(),
            KeyRingError::Empty
        );
        let bad = r#"{"epochs":[{"epoch":1,"key":"zz","from":"2026-01-01T00:00:00Z"}]}"#;
        assert_eq!(
            KeyRing::from_json(bad).unwrap_err(),
            KeyRingError::Key(0, OprfError::Key)
        );
        let mut ring = KeyRing::new(at(0));
        ring.rotate_now(at(1));
        let gap = ring.to_json().replace("\"epoch\": 2", "\"epoch\": 5");
        assert_eq!(
            KeyRing::from_json(&gap).unwrap_err(),
            KeyRingError::Order(1)
        );
    }
}
