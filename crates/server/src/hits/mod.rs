//! Hit / no-hit: who holds a selector, answered from memory.
//!
//! For each selector the caller learns the reports it may read, and of the
//! reports it may not read only who holds them and whom to contact, grouped
//! per agency and marking — never content, never report ids. Reports whose
//! owner turned hit notification off are left out entirely, counts
//! included. The decision is [`crate::access::sight`]'s.
//!
//! Fail closed: until the index has loaded, queries answer `unavailable`,
//! never "no hit".

pub mod index;
pub mod neighbourhood;
pub mod path;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use cordon_core::selector::{self, ErrorCode, Hint, Region, Selector, SelectorError, SelectorKind};
use parking_lot::RwLock;
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{Marked, Sight, Viewer, sight};
use crate::directory::Directory;
pub use index::HitIndex;

/// The index and whether it may be trusted yet.
#[derive(Debug, Default)]
pub struct Hits {
    index: RwLock<HitIndex>,
    ready: AtomicBool,
}

/// The index is still loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotReady;

/// A report holding the selector that the caller may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReadableHit {
    pub agency: String,
    pub report_id: String,
    pub tlp: Tlp,
    pub received: DateTime<Utc>,
}

/// Reports the caller may not read, summarised per holding agency and
/// marking: enough to ask the owner, nothing of the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HeldElsewhere {
    pub agency: String,
    pub country: String,
    /// Whom to ask for the content.
    pub contact: String,
    pub marking: Tlp,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// How many of its reports hold the selector.
    pub count: u64,
}

/// The answer for one selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SelectorHits {
    /// The canonical selector asked about.
    pub selector: String,
    pub readable: Vec<ReadableHit>,
    pub held_elsewhere: Vec<HeldElsewhere>,
}

impl SelectorHits {
    pub fn is_hit(&self) -> bool {
        !self.readable.is_empty() || !self.held_elsewhere.is_empty()
    }
}

/// First seen, last seen and how many, of one holder's unreadable reports.
pub(crate) type Seen = (DateTime<Utc>, DateTime<Utc>, u64);

/// The owners whose data a query touched, for the audit log: every owner
/// other than the caller holding the selector, whether the caller saw it or
/// not (owners may ask who queried their data).
pub type TouchedOwners = Vec<String>;

impl Hits {
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Installs a loaded index and opens the service.
    pub fn install(&self, index: HitIndex) {
        *self.index.write() = index;
        self.ready.store(true, Ordering::Release);
    }

    /// Applies an accepted report revision; whether it was new to the
    /// index (a revision seen before changes nothing).
    pub fn put(&self, report: &cordon_store::StoredReport) -> bool {
        self.index.write().put_stored(report)
    }

    /// The RED reports holding a canonical selector: (owner, report id).
    /// For telling owners who ask about interest in their data, never for
    /// answering a viewer.
    pub fn red_reports(&self, selector: &str) -> Vec<(String, String)> {
        self.index
            .read()
            .lookup(selector)
            .filter(|h| h.tlp == cordon_core::Tlp::Red)
            .map(|h| (h.agency.to_owned(), h.report_id.to_owned()))
            .collect()
    }

    pub fn stats(&self) -> index::IndexStats {
        self.index.read().stats()
    }

    /// The answer for a canonical selector, and the owners it touched.
    pub fn answer(
        &self,
        viewer: &Viewer,
        selector: &str,
        directory: &Directory,
    ) -> Result<(SelectorHits, TouchedOwners), NotReady> {
        if !self.is_ready() {
            return Err(NotReady);
        }
        let mut readable = Vec::new();
        let mut elsewhere = Elsewhere::new();
        let mut touched: TouchedOwners = Vec::new();
        {
            let index = self.index.read();
            for hit in index.lookup(selector) {
                if see(viewer, &hit, &mut touched, &mut elsewhere) {
                    readable.push(ReadableHit {
                        agency: hit.agency.to_owned(),
                        report_id: hit.report_id.to_owned(),
                        tlp: hit.tlp,
                        received: hit.received,
                    });
                }
            }
        }
        readable.sort_by(|a, b| {
            b.received
                .cmp(&a.received)
                .then_with(|| a.agency.cmp(&b.agency))
                .then_with(|| a.report_id.cmp(&b.report_id))
        });
        let held_elsewhere = summarise(elsewhere, directory);
        Ok((
            SelectorHits {
                selector: selector.to_owned(),
                readable,
                held_elsewhere,
            },
            touched,
        ))
    }
}

/// The unreadable reports of a selector that their owners notify, per
/// holder and marking.
pub(crate) type Elsewhere = BTreeMap<(String, Tlp), Seen>;

/// What `viewer` may see of one report holding a selector: true when it
/// may read it; a report it may only learn of is tallied in `elsewhere`.
/// Every other owner is noted in `touched`, seen or not (owners may ask
/// who queried their data). The decision is [`sight`]'s.
pub(crate) fn see(
    viewer: &Viewer,
    hit: &index::Hit<'_>,
    touched: &mut TouchedOwners,
    elsewhere: &mut Elsewhere,
) -> bool {
    let own = viewer.member().map(|m| m.agency.as_str());
    if Some(hit.agency) != own && !touched.iter().any(|o| o == hit.agency) {
        touched.push(hit.agency.to_owned());
    }
    let marked = Marked {
        owner: hit.agency,
        tlp: hit.tlp,
        recipients: hit.recipients,
        hit_notification: hit.hit_notification,
    };
    match sight(viewer, marked) {
        Sight::Read => true,
        Sight::Contact => {
            let e = elsewhere
                .entry((hit.agency.to_owned(), hit.tlp))
                .or_insert((hit.received, hit.received, 0));
            e.0 = e.0.min(hit.received);
            e.1 = e.1.max(hit.received);
            e.2 += 1;
            false
        }
        Sight::Hidden => false,
    }
}

/// The unreadable reports of a selector, per holder and marking, with the
/// holder's contact.
fn summarise(elsewhere: Elsewhere, directory: &Directory) -> Vec<HeldElsewhere> {
    elsewhere
        .into_iter()
        .map(|((agency, marking), (first_seen, last_seen, count))| {
            let (country, contact) = directory.contact(&agency);
            HeldElsewhere {
                agency,
                country,
                contact,
                marking,
                first_seen,
                last_seen,
                count,
            }
        })
        .collect()
}

/// A selector as a caller typed it, made canonical for the lookup. Names
/// and company names are fuzzy selectors and never make an exact hit, so
/// they are refused with a clear error rather than answered "no hit".
pub fn canonical(input: &str, region: Option<Region>) -> Result<Selector, SelectorError> {
    let hint = Hint {
        region,
        ..Hint::default()
    };
    let selector = selector::normalize_one(input, &hint)?;
    if matches!(selector.kind(), SelectorKind::Name | SelectorKind::Company) {
        return Err(SelectorError::new(
            ErrorCode::UnknownKind,
            "names are fuzzy selectors and never make an exact hit; search the narratives instead",
        ));
    }
    Ok(selector)
}
