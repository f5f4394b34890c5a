//! The messages nodes and the matching service exchange, as JSON.
//!
//! The matching service (`/match/v1/…`): a node sends blinded elements of
//! one epoch and gets their evaluations back; it asks which epochs the
//! service evaluates. A node (`/federation/v1/pseudonyms`): its peers pull
//! the pseudonyms it publishes, page by page, each with the holder's
//! contact and marking and nothing of the content.

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use serde::{Deserialize, Serialize};

use crate::oprf::{Blinded, Evaluated};

/// Most elements in one evaluation request.
pub const MAX_BATCH: usize = 10_000;

/// `POST /match/v1/evaluate`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// The epoch whose key evaluates; the current one when absent.
    #[serde(default)]
    pub epoch: Option<u32>,
    pub blinded: Vec<Blinded>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvaluateResponse {
    pub epoch: u32,
    pub evaluated: Vec<Evaluated>,
}

/// `GET /match/v1/epochs`: the epochs that evaluate, oldest first; the last
/// is current.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Epochs {
    pub current: u32,
    pub epochs: Vec<EpochInfo>,
    /// When the current key will be replaced.
    pub next_rotation: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpochInfo {
    pub epoch: u32,
    pub from: DateTime<Utc>,
}

/// One pseudonym a node publishes: who holds the selector behind it, whom
/// to contact and under which marking; never the selector or the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The OPRF output, hex.
    pub pseudonym: String,
    pub agency: String,
    pub contact: String,
    pub tlp: Tlp,
}

/// `GET /federation/v1/pseudonyms?epoch=E&after=N`: a page of what a node
/// published under one epoch. The list only grows within an epoch and an
/// `instance`, so `after` is an offset in it; `next` is the offset to ask for next, and
/// the list had no more when `items` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PseudonymPage {
    pub node: String,
    pub epoch: u32,
    /// Which list this is: a node's list starts over (a new id) when it
    /// restarts; offsets hold within one.
    pub instance: String,
    pub items: Vec<Published>,
    pub next: usize,
}
